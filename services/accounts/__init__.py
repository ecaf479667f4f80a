"""Organiser accounts: signing up, logging in, passwords, and resetting a forgotten one.

May import ``models``, ``services.mail`` (the reset link is an email through the outbox) and
the top-level helpers (``errors``, ``urls``). Participants have no accounts: their RSVPs are
``services.rsvp``.
"""

from services.accounts.password_reset import request_reset, reset_password, user_for_token
from services.accounts.users import (
    MIN_PASSWORD_LENGTH,
    EmailTaken,
    authenticate,
    create_user,
    load_user,
    normalise_email,
    set_password,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "EmailTaken",
    "authenticate",
    "create_user",
    "load_user",
    "normalise_email",
    "request_reset",
    "reset_password",
    "set_password",
    "user_for_token",
]
