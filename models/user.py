"""Organiser accounts."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


def new_session_key() -> str:
    return secrets.token_hex(16)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    # None until the owner of the address opened the link we sent it: until then the account
    # organises nothing (accounts from before verification existed, see migration 0007).
    email_verified_at: Mapped[datetime | None]
    # Part of every session and remember-me cookie; a new one (at logout, on a new password)
    # makes every cookie issued before it worthless, also one copied off the device.
    session_key: Mapped[str] = mapped_column(String(32), default=new_session_key)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"
