"""Private links: RSVP manage tokens, kept only as hashes, and the hash of a suppressed address.

Top-level, below the rsvp and mail packages that both use it; imports no other service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_salt() -> str:
    return secrets.token_hex(16)  # 128 random bits


def rsvp_token(salt: str) -> str:
    """The manage-link token of the RSVP with ``salt``: HMAC-SHA256 under SECRET_KEY.

    Derived rather than stored, so the database alone cannot open an RSVP, while every
    message to the participant can carry the same link.
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"rsvp:" + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.match(token))


def email_hash(email: str) -> str:
    """The suppression-list key of an address (kept after names and emails are erased)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
