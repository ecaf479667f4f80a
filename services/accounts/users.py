"""Organiser accounts: making them, password checks, verified addresses and session keys."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import User
from models.user import new_session_key
from services.errors import DomainError
from services.tokens import normalise_email

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verifying against this when the email is unknown makes both failures cost the same time.
_DUMMY_HASH = _hasher.hash("an unused password that only burns time")


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(_("An account with this email already exists. Log in instead."), "email")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    verified_at: datetime | None = None,
) -> User:
    """Add an organiser account with a hashed password, its address verified at
    ``verified_at`` (None: not yet, it organises nothing); flushes.

    Raises ``EmailTaken`` when the (case-insensitive) email already has an account.
    """
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=_hasher.hash(password),
        email_verified_at=verified_at,
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
    """Replace the password; every session of this user ends (see ``end_sessions``)."""
    user.password_hash = _hasher.hash(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Make every session and remember-me cookie of ``user`` worthless, on every device:
    they carry the old session key (``User.get_id``)."""
    user.session_key = new_session_key()


def mark_verified(user: User, now: datetime) -> None:
    """The owner of the address proved it at ``now`` (kept if it was proved before)."""
    if user.email_verified_at is None:
        user.email_verified_at = now


def load_user(session: Session, user_id: str) -> User | None:
    """The user for a Flask-Login id ``"<id>:<session key>"``, if the key is still current."""
    raw_id, _, key = user_id.partition(":")
    if not raw_id.isdigit() or not key:
        return None
    user = session.get(User, int(raw_id))
    if user is None or not secrets.compare_digest(user.session_key, key):
        return None
    return user
