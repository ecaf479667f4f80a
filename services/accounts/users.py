"""Organiser accounts: sign-up and password checks."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from services.errors import DomainError

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verifying against this when the email is unknown makes both failures cost the same time.
_DUMMY_HASH = _hasher.hash("an unused password that only burns time")


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(_("An account with this email already exists. Log in instead."), "email")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, *, email: str, display_name: str, password: str) -> User:
    """Add an organiser account with a hashed password; flushes.

    Raises ``EmailTaken`` when the (case-insensitive) email already has an account.
    """
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken()
    user = User(
        email=email, display_name=display_name.strip(), password_hash=_hasher.hash(password)
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose email and password match, else None (same cost either way)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def set_password(user: User, password: str) -> None:
    """Replace the password; other sessions of this user end (see ``User.get_id``)."""
    user.password_hash = _hasher.hash(password)


def load_user(session: Session, user_id: str) -> User | None:
    """The user for a Flask-Login id ``"<id>:<hash tail>"``, if it still matches."""
    raw_id, _, tail = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = session.get(User, int(raw_id))
    if user is None or user.password_hash[-12:] != tail:
        return None
    return user
