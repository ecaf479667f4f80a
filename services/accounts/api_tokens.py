"""Personal API tokens: made on the account's token page, shown once, stored as a hash, and
revoked there. A token acts for its account, within its scopes (``ApiAccess``, and whether it
reads attendees); which events it reaches is the account's own business, checked per request
as for the pages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ApiToken, User
from models.enums import ApiAccess
from services.errors import DomainError
from services.tokens import token_hash

PREFIX = "rp_"  # tells a reader (and a secret scanner) what the string is
MAX_TOKENS = 20
_SECRET_LENGTH = 43  # secrets.token_urlsafe(32): 256 bits


@dataclass
class Caller:
    """Who a request's token speaks for, and what it may do."""

    user: User
    token: ApiToken

    @property
    def may_write(self) -> bool:
        return self.token.access == ApiAccess.WRITE

    @property
    def reads_attendees(self) -> bool:
        return self.token.reads_attendees


def create_token(
    session: Session,
    user: User,
    *,
    label: str,
    access: str,
    reads_attendees: bool,
    now: datetime,
) -> tuple[ApiToken, str]:
    """A new token for the verified ``user``, made at ``now``: its row and the secret, which
    is never stored and so is shown only this once. Raises ``DomainError`` on ``label`` or
    ``access``."""
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Name the token, e.g. “Website sync”."), "label")
    if access not in tuple(ApiAccess):
        raise DomainError(_("Choose read-only or read and write."), "access")
    if not user.is_verified:
        raise DomainError(_("Confirm your email address before making API tokens."), "label")
    count = session.scalar(select(func.count()).where(ApiToken.user_id == user.id)) or 0
    if count >= MAX_TOKENS:
        raise DomainError(
            _("You have %(n)d tokens; revoke one you no longer use.", n=MAX_TOKENS), "label"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        label=label[:80],
        token_hash=token_hash(secret),
        access=access,
        reads_attendees=reads_attendees,
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, secret


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """The account's tokens, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke(session: Session, user_id: int, token_id: int) -> bool:
    """Delete the account's token ``token_id``: it stops working at once. False if the
    account has no such token (another account's is never touched)."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    if token is None:
        return False
    session.delete(token)
    session.flush()
    return True


def is_well_formed(secret: str) -> bool:
    return (
        secret.startswith(PREFIX)
        and len(secret) == len(PREFIX) + _SECRET_LENGTH
        and secret[len(PREFIX) :].replace("-", "").replace("_", "").isalnum()
        and secret.isascii()
    )


def caller_for(session: Session, secret: str) -> Caller | None:
    """Whom ``secret`` speaks for, or None for an unknown or malformed token, or one whose
    account's address is not proved (such an account organises nothing)."""
    if not is_well_formed(secret):
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(secret))
    ).first()
    if row is None or not row[1].is_verified:
        return None
    return Caller(user=row[1], token=row[0])
