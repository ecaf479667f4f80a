"""Private links and keyed hashes: RSVP manage, confirm and unsubscribe tokens, and the key of
a suppressed address.

Every token is an HMAC under a key derived from SECRET_KEY for one purpose, so a token made
for one purpose opens nothing else, and the database alone opens nothing.

Top-level, below the rsvp and mail packages that both use it; imports no other service.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets

from flask import current_app

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# An unsubscribe token: the RSVP's salt (which finds the row) and its MAC (which proves it).
_UNSUBSCRIBE_SHAPE = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


def new_salt() -> str:
    return secrets.token_hex(16)  # 128 random bits


def derived_key(purpose: str) -> bytes:
    """A key for one purpose, derived from SECRET_KEY (HMAC-SHA256 as the KDF)."""
    return _derive(current_app.config["SECRET_KEY"], purpose)


@functools.lru_cache(maxsize=16)
def _derive(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), b"rallypoint key:" + purpose.encode(), hashlib.sha256).digest()


def _mac(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def rsvp_token(salt: str) -> str:
    """The manage-link token of the RSVP with ``salt``: HMAC-SHA256 under SECRET_KEY.

    Derived rather than stored, so the database alone cannot open an RSVP, while every
    message to the participant can carry the same link. (Keyed by SECRET_KEY itself, as
    before derived keys: links already sent keep working.)
    """
    return _mac(current_app.config["SECRET_KEY"].encode(), "rsvp:" + salt)


def confirm_token(salt: str) -> str:
    """The confirm-link token of the RSVP with ``salt``: it only confirms. Derived, so a
    second submission can send the same link again without changing the row; only its
    hash is stored, and only until the RSVP is confirmed."""
    return _mac(derived_key("confirm"), salt)


# Crockford's base32: no I, L, O or U, so a code read out or typed is not misheard.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READS = str.maketrans({"I": "1", "L": "1", "O": "0"})
CHECKIN_CODE_LENGTH = 10  # 50 bits; a steward link may try a few per minute


def checkin_code(salt: str) -> str:
    """The check-in code of the RSVP with ``salt``: 10 Crockford base32 characters (50 bits)
    of an HMAC under a key of its own. It only checks a volunteer in, and opens nothing else;
    derived, never stored, so the database alone reveals no code, and every email and the
    manage page show the same one."""
    digest = hmac.new(derived_key("checkin"), salt.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8]) >> (64 - 5 * CHECKIN_CODE_LENGTH)
    return "".join(
        CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(CHECKIN_CODE_LENGTH))
    )


def normalise_checkin_code(typed: str) -> str | None:
    """A code as typed or scanned (any case, spaces and dashes, I/L for 1 and O for 0) in
    its one stored form, or None when it cannot be a code (wrong length, other letters)."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_CROCKFORD_READS)
    if len(code) != CHECKIN_CODE_LENGTH or any(c not in CROCKFORD for c in code):
        return None
    return code


def grouped_checkin_code(code: str) -> str:
    """A code as people read it out: "K7Q-4MZ-X2PA" (groups of three, four at the end)."""
    return f"{code[:3]}-{code[3:6]}-{code[6:]}"


def unsubscribe_token(salt: str) -> str:
    """The unsubscribe-link token of the RSVP with ``salt``: it only stops mail. It names
    the salt (not secret: it is no token by itself) so that RSVPs made before these links
    existed need no new column filled, which a migration could not do without the key."""
    return f"{salt}.{_mac(derived_key('unsubscribe'), salt)}"


def unsubscribe_salt(token: str) -> str | None:
    """The salt an unsubscribe token was made for, if the token is genuine; else None."""
    match = _UNSUBSCRIBE_SHAPE.match(token)
    if match is None:
        return None
    salt = match.group(1)
    return salt if hmac.compare_digest(unsubscribe_token(salt), token) else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.match(token))


def email_hash(email: str) -> str:
    """The suppression-list key of an address (kept after names and emails are erased): an
    HMAC under a key derived from SECRET_KEY, so a seized database cannot be checked against
    a list of addresses without the key."""
    return hmac.new(
        derived_key("suppression"), normalise_email(email).encode(), hashlib.sha256
    ).hexdigest()


def legacy_email_hash(email: str) -> str:
    """The unsalted SHA-256 that keyed suppressions before ``email_hash``. Rows in this form
    cannot be re-keyed without the address, so they are still checked (and re-keyed when the
    address suppresses itself again)."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def normalise_email(email: str) -> str:
    """The one form of an address that is stored, compared and hashed."""
    return email.strip().lower()
