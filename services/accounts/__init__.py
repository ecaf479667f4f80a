"""Organiser accounts: signing up with a proved address, logging in, passwords, and resetting
a forgotten one.

May import ``models``, ``services.mail`` (the reset link is an email through the outbox) and
the top-level helpers (``errors``, ``urls``). Participants have no accounts: their RSVPs are
``services.rsvp``.

The module ``api_tokens`` (personal tokens of the JSON API) is used as a namespace.
"""

from services.accounts.password_reset import request_reset, reset_password, user_for_token
from services.accounts.signup import request_signup, send_verification, verification
from services.accounts.users import (
    MIN_PASSWORD_LENGTH,
    EmailTaken,
    authenticate,
    create_user,
    end_sessions,
    find_user,
    load_user,
    mark_verified,
    normalise_email,
    set_password,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "EmailTaken",
    "authenticate",
    "create_user",
    "end_sessions",
    "find_user",
    "load_user",
    "mark_verified",
    "normalise_email",
    "request_reset",
    "request_signup",
    "reset_password",
    "send_verification",
    "set_password",
    "user_for_token",
    "verification",
]
