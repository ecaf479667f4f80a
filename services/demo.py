"""The demo data that `make run` puts in a fresh database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from services import accounts


def seed(session: Session, *, email: str, password: str) -> User:
    """The demo organiser, created once; running it again changes nothing."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(
            session, email=email, display_name="Demo organisers", password=password
        )
    return user
