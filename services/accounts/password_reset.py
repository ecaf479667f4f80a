"""Password reset for organisers: a signed link, valid for an hour, that works once.

The token signs the user id, the tail of the current password hash and the instant it was
made; setting a new password changes the hash, so the same link no longer verifies. Nothing is
stored. The instant is part of the signed payload (not itsdangerous' own timestamp, which reads
the wall clock) so that the hour is counted from the ``now`` the callers give.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from models import User
from services.accounts import users as accounts
from services.mail import outbox
from services.urls import absolute_url

MAX_AGE_SECONDS = 3600
_SALT = "password-reset"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(user: User, now: datetime) -> str:
    return _serializer().dumps([user.id, user.password_hash[-16:], int(now.timestamp())])


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The user the link was made for, if at ``now`` it is younger than an hour and the
    password has not changed since; else None."""
    try:
        user_id, tail, made_at = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(made_at, int) or not 0 <= now.timestamp() - made_at <= MAX_AGE_SECONDS:
        return None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not secrets.compare_digest(user.password_hash[-16:], str(tail)):
        return None
    return user


def request_reset(session: Session, email: str, now: datetime) -> None:
    """Queue one email to ``email``: a reset link, valid for an hour from ``now``, if it has
    an account, else a note that it has none. The page says the same either way, and the
    outbox gets one row either way, so neither reveals an account."""
    user = accounts.find_user(session, email)
    if user is None:
        address = accounts.normalise_email(email)
        outbox.enqueue(
            session,
            now=now,
            dedupe_key=f"reset:none:{secrets.token_hex(8)}",
            kind="account_no_account",
            to_addr=address,
            subject=_("Choose a new Rallypoint password"),
            body_text=render_template("emails/account_no_account.txt", email=address),
            body_html=render_template("emails/account_no_account.html", email=address),
            headers={},
        )
        return
    reset_url = absolute_url("auth.reset_password", token=make_token(user, now))
    context = {"user": user, "reset_url": reset_url}
    outbox.enqueue(
        session,
        now=now,
        dedupe_key=f"reset:{user.id}:{secrets.token_hex(8)}",
        kind="password_reset",
        to_addr=user.email,
        subject=_("Choose a new Rallypoint password"),
        body_text=render_template("emails/password_reset.txt", **context),
        body_html=render_template("emails/password_reset.html", **context),
        headers={},
    )


def reset_password(session: Session, token: str, password: str, now: datetime) -> User | None:
    """Set ``password`` for the user of a valid ``token``; None when the link is expired,
    used or forged (nothing changes then). Every other session of the user ends, and the
    address counts as verified: the link reached its mailbox. Flushes."""
    user = user_for_token(session, token, now)
    if user is None:
        return None
    accounts.set_password(user, password)
    accounts.mark_verified(user, now)
    session.flush()
    return user
