"""Signing up with a proved address, and proving the address of an older account.

Sign-up asks for an address and a name, and answers the same whether or not the address
has an account: the address gets one email either way. A new address gets a link to choose
a password, and the account is made when that link is used, already verified. An address
with a verified account gets "someone tried to sign up with your address". An address with
an unverified account (made before verification existed) gets the link to verify it.

So no account exists, and no password works, before its owner opened the mail: signing up
with someone's address and then trying to log in tells nothing either.

The link is signed, not stored. It carries its purpose (the salt), the address, and the
instant it was made (inside the payload, so that its age is counted from the ``now`` the
callers give). It works until ``MAX_AGE_SECONDS`` and only while the state it was made for
holds: no account has the address yet, or the account is still unverified. Using it changes
that state, so it works once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from models import User
from services.accounts import users as accounts
from services.errors import DomainError
from services.mail import outbox
from services.urls import absolute_url

MAX_AGE_SECONDS = 2 * 24 * 3600
_SALT = "account-verify"
_NEW, _EXISTING = "new", "user"


@dataclass
class Verification:
    """What a valid link proves: ``email`` is its owner's. ``user`` is None for a sign-up
    (the account is made when the link is used), else the unverified account."""

    email: str
    display_name: str
    user: User | None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _queue(session: Session, *, to_addr: str, template: str, subject: str, now, **context):
    outbox.enqueue(
        session,
        now=now,
        dedupe_key=f"account:{secrets.token_hex(8)}",
        kind=template,
        to_addr=to_addr,
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        headers={},
    )


def _queue_link(session: Session, email: str, name: str, payload: list, now: datetime) -> None:
    url = absolute_url("auth.verify", token=_serializer().dumps(payload))
    _queue(
        session,
        to_addr=email,
        template="account_verify",
        subject=_("Confirm your email address for Rallypoint"),
        now=now,
        name=name,
        verify_url=url,
        hours=MAX_AGE_SECONDS // 3600,
    )


def send_verification(session: Session, user: User, now: datetime) -> None:
    """Queue a link that verifies ``user``'s address (an account from before verification)."""
    _queue_link(
        session, user.email, user.display_name, [_EXISTING, user.id, user.email, _ts(now)], now
    )


def request_signup(session: Session, *, email: str, display_name: str, now: datetime) -> None:
    """Queue exactly one email to ``email``, whatever its state (see the module's
    docstring); store nothing else. Flushes."""
    email = accounts.normalise_email(email)
    display_name = display_name.strip()
    user = accounts.find_user(session, email)
    if user is None:
        _queue_link(session, email, display_name, [_NEW, email, display_name, _ts(now)], now)
    elif not user.is_verified:
        send_verification(session, user, now)
    else:
        _queue(
            session,
            to_addr=user.email,
            template="account_exists",
            subject=_("Someone tried to sign up with your address"),
            now=now,
            name=user.display_name,
            login_url=absolute_url("auth.login"),
            reset_url=absolute_url("auth.reset_request"),
        )


def verification(session: Session, token: str, now: datetime) -> Verification | None:
    """What the link ``token`` proves at ``now``, or None when it is forged, older than
    ``MAX_AGE_SECONDS``, or already used (the address has a verified account now)."""
    try:
        payload = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, list) or len(payload) != 4:
        return None
    kind, first, second, made_at = payload
    if not isinstance(made_at, int) or not 0 <= _ts(now) - made_at <= MAX_AGE_SECONDS:
        return None
    if kind == _NEW and isinstance(first, str) and isinstance(second, str):
        email, display_name = first, second
        if accounts.find_user(session, email) is not None:
            return None
        return Verification(email=email, display_name=display_name, user=None)
    if kind == _EXISTING and isinstance(first, int):
        user = session.get(User, first)
        if user is None or user.is_verified or user.email != second:
            return None
        return Verification(email=user.email, display_name=user.display_name, user=user)
    return None


def complete(
    session: Session,
    token: str,
    now: datetime,
    *,
    display_name: str | None = None,
    password: str | None = None,
) -> User | None:
    """Use the link: make the account of a sign-up (with ``display_name`` and ``password``),
    or mark the older account verified. None (and nothing changes) when the link does not
    work. Raises ``DomainError`` on ``password`` when a sign-up comes without one."""
    found = verification(session, token, now)
    if found is None:
        return None
    if found.user is not None:
        accounts.mark_verified(found.user, now)
        session.flush()
        return found.user
    if not password:
        raise DomainError(_("Choose a password."), "password")
    return accounts.create_user(
        session,
        email=found.email,
        display_name=(display_name or "").strip() or found.display_name,
        password=password,
        verified_at=now,
    )


def _ts(now: datetime) -> int:
    return int(now.timestamp())
