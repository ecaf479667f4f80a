"""The VAPID key pair (RFC 8292) that signs every push request: phones subscribe under its
public half, and push services accept only requests signed by its private half."""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

# A signed token is good for 12 hours (RFC 8292 allows at most 24); one is made per push
# service origin and batch, so a worker sends thousands of alerts per signature.
TOKEN_SECONDS = 12 * 3600
_lock = threading.Lock()


@lru_cache(maxsize=4)
def _vapid(private_key: str) -> Vapid:
    if "BEGIN" in private_key:
        return Vapid.from_pem(private_key.encode())
    return Vapid.from_raw(private_key.encode())  # base64url of the 32-byte scalar


def vapid(config: Mapping) -> Vapid:
    """The app's key pair, from ``VAPID_PRIVATE_KEY`` (see ``core.config``)."""
    with _lock:
        return _vapid(config["VAPID_PRIVATE_KEY"])


def public_key(config: Mapping) -> str:
    """The public key as the browser's ``applicationServerKey`` wants it: the uncompressed
    P-256 point, base64url without padding."""
    raw = vapid(config).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject(config: Mapping) -> str:
    """Who push services may contact about our requests: ``VAPID_SUBJECT``, else the site's
    https address, else a mailto: of the sender of our mail."""
    if config.get("VAPID_SUBJECT"):
        return config["VAPID_SUBJECT"]
    if config["BASE_URL"].startswith("https://"):
        return config["BASE_URL"]
    return "mailto:" + (parseaddr(config["MAIL_FROM"])[1] or "noreply@rallypoint.invalid")


def authorization(config: Mapping, origin: str, now: datetime) -> dict[str, str]:
    """The ``Authorization: vapid t=…, k=…`` header for requests to the push service at
    ``origin`` (scheme, host and port), valid for ``TOKEN_SECONDS`` from ``now``."""
    claims = {"aud": origin, "sub": subject(config), "exp": int(now.timestamp()) + TOKEN_SECONDS}
    return vapid(config).sign(claims)
