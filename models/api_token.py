"""Personal API tokens: an organiser's key to the JSON API, made and revoked on the account's
token page.

Only a SHA-256 of the token is stored (it is 256 random bits, so a slow hash buys nothing);
the token itself is shown once, when it is made. ``access`` says whether it may change
events; ``reads_attendees`` whether it may read their participants, apart from both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import ApiAccess


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access: Mapped[str] = mapped_column(String(16), default=ApiAccess.READ)  # an ApiAccess
    reads_attendees: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
