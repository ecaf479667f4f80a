"""Settings, read from the environment, with embedded defaults that are safe for one machine.

Every setting can be overridden by the mapping given to ``create_app`` (tests do this). This
is the only place a default is written: code reads ``app.config[...]`` and repeats none.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
# Also the timeout of an SMTP connection set up by hand (``services.mail.transports``).
SMTP_TIMEOUT_SECONDS = 30.0


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def database_url(raw: str | None) -> str:
    """The SQLAlchemy URL to use: ``DATABASE_URL`` made explicit about its driver.

    Hosting platforms hand out ``postgres://`` or ``postgresql://`` URLs; we always talk to
    PostgreSQL through psycopg 3.
    """
    if not raw:
        return f"sqlite:///{INSTANCE / 'rallypoint.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def secret_key() -> str:
    """``SECRET_KEY`` from the environment, else one kept in ``instance/`` for this machine.

    A key generated once and stored beside the SQLite database keeps sessions valid across
    restarts on a single machine; several instances must share ``SECRET_KEY`` explicitly.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def vapid_private_key() -> str:
    """``VAPID_PRIVATE_KEY`` from the environment (PEM, or the raw key as base64url as
    ``web-push generate-vapid-keys`` prints it), else a P-256 key generated once into
    ``instance/`` for this machine, like ``SECRET_KEY``.

    Phones subscribe to alerts under the key's public half: a new key makes every existing
    subscription useless, so several instances must share it explicitly.
    """
    key = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
    if key:
        return key
    path = INSTANCE / "vapid_private_key.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        INSTANCE.mkdir(parents=True, exist_ok=True)
        # Written whole under a name of its own, then linked into place: of two workers
        # starting at once, both keep the first key linked, and neither reads a half-written
        # file.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def ratelimit_storage_options(uri: str) -> dict:
    """Short socket timeouts for a Redis (or Valkey) rate-limit store: when it cannot be
    reached, a request should fall back to in-memory limits at once, not hang."""
    if uri.startswith(("redis", "valkey")):  # also rediss://, redis+sentinel://...
        return {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
    return {}


def tile_settings(base_url: str) -> dict:
    """Map tiles: by default our own caching proxy (``services/tiles.py``) of OpenStreetMap's
    tile server, so that phones talk to us alone. An empty ``TILE_UPSTREAM_URL`` means no
    tiles; an explicit ``TILE_URL`` sends phones elsewhere (and the pages say so)."""
    upstream = os.environ.get("TILE_UPSTREAM_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    own = "/tiles/{z}/{x}/{y}.png" if upstream else ""
    return {
        "TILE_UPSTREAM_URL": upstream,
        "TILE_URL": os.environ.get("TILE_URL", own),
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION", "© OpenStreetMap contributors"),
        # OpenStreetMap's usage policy asks for a User-Agent naming the app and a contact.
        "TILE_USER_AGENT": os.environ.get("TILE_USER_AGENT")
        or f"Rallypoint tile proxy (+{base_url})",
        "TILE_CACHE_DIR": os.environ.get("TILE_CACHE_DIR") or str(INSTANCE / "tiles"),
        # A tile is kept as long as the upstream says, and never less than a week.
        "TILE_MIN_CACHE_SECONDS": _int("TILE_MIN_CACHE_SECONDS", 7 * 24 * 60 * 60),
        # Seconds for one whole upstream answer; bytes a tile may have.
        "TILE_UPSTREAM_TIMEOUT": _float("TILE_UPSTREAM_TIMEOUT", 5.0),
        "TILE_MAX_BYTES": _int("TILE_MAX_BYTES", 512 * 1024),
        # The zooms a participant's map gets (organisers drawing a route get every zoom).
        "TILE_MIN_ZOOM": _int("TILE_MIN_ZOOM", 10),
        "TILE_MAX_ZOOM": _int("TILE_MAX_ZOOM", 19),
        # A map view loads 20-40 tiles; tiles nginx holds never reach this count.
        "TILE_RATE_LIMIT": os.environ.get("TILE_RATE_LIMIT", "600 per minute;6000 per hour"),
    }


def from_environment() -> dict:
    """All settings but ``SECRET_KEY`` as a mapping, read now (not at import time)."""
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "DATABASE_URL": database_url(os.environ.get("DATABASE_URL")),
        "BASE_URL": base_url,
        # "development" (set by `make run`) turns on the dev mailbox at /dev/mailbox when no
        # MAIL_SERVER is given; anything else never shows captured mail.
        "ENV_NAME": os.environ.get("RALLYPOINT_ENV", "production"),
        # True or False forces the dev mailbox on or off; None decides by ENV_NAME as above.
        "DEV_MAILBOX": None,
        # Mail: with no MAIL_SERVER, mail stays in the dev mailbox (services/mail/transports.py),
        # a folder of .eml files.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "Rallypoint <noreply@rallypoint.invalid>",
        "MAILBOX_DIR": os.environ.get("MAILBOX_DIR") or str(INSTANCE / "mailbox"),
        **tile_settings(base_url),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STORAGE_OPTIONS": ratelimit_storage_options(
            os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        ),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # Mail about accounts (sign-up, reset, verification, invitations), per address.
        "ACCOUNT_EMAIL_RATE_LIMIT": os.environ.get(
            "ACCOUNT_EMAIL_RATE_LIMIT", "3 per 10 minutes;10 per day"
        ),
        "RSVP_RATE_LIMIT": os.environ.get("RSVP_RATE_LIMIT", "20 per minute;200 per hour"),
        "RSVP_EMAIL_RATE_LIMIT": os.environ.get(
            "RSVP_EMAIL_RATE_LIMIT", "5 per 10 minutes;20 per day"
        ),
        # Per API token (per client address without one), all API requests together.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "60 per minute;1000 per hour"),
        "POSITION_RATE_LIMIT": os.environ.get("POSITION_RATE_LIMIT", "12 per minute"),
        # Check-in codes tried through one steward link (typed, scanned or searched).
        "CHECKIN_RATE_LIMIT": os.environ.get("CHECKIN_RATE_LIMIT", "60 per minute;600 per hour"),
        # Answers "not found" on pages found by a slug or a token (link guessing), per client.
        "NOT_FOUND_RATE_LIMIT": os.environ.get(
            "NOT_FOUND_RATE_LIMIT", "20 per minute;100 per hour"
        ),
        "LIVE_POLL_SECONDS": _int("LIVE_POLL_SECONDS", 30),
        "MAIL_TIMEOUT": _float("MAIL_TIMEOUT", SMTP_TIMEOUT_SECONDS),
        # The mail worker: rows claimed at once (sent on one connection), how long a claim
        # holds unless renewed (a working worker renews it every quarter; a dead one's rows
        # go to another worker once it runs out), and the pause when nothing is due (also how
        # often reminders tick).
        "OUTBOX_BATCH_SIZE": _int("OUTBOX_BATCH_SIZE", 100),
        "OUTBOX_LEASE_SECONDS": _int("OUTBOX_LEASE_SECONDS", 20),
        "OUTBOX_POLL_SECONDS": _float("OUTBOX_POLL_SECONDS", 1.0),
        # A message that could not be sent waits 60 s, then twice as long each attempt, up to
        # an hour; one still failing a day after it was written fails for good.
        "OUTBOX_RETRY_FIRST_SECONDS": _int("OUTBOX_RETRY_FIRST_SECONDS", 60),
        "OUTBOX_RETRY_MAX_SECONDS": _int("OUTBOX_RETRY_MAX_SECONDS", 3600),
        "OUTBOX_GIVE_UP_SECONDS": _int("OUTBOX_GIVE_UP_SECONDS", 86400),
        # Sent (or failed) mail loses its bodies after 2 days and its row after 30, once its
        # event has ended (so its dedupe key cannot come round again); daily, by the worker.
        "OUTBOX_KEEP_BODIES_DAYS": _int("OUTBOX_KEEP_BODIES_DAYS", 2),
        "OUTBOX_KEEP_ROWS_DAYS": _int("OUTBOX_KEEP_ROWS_DAYS", 30),
        "RETENTION_DAYS": _int("RETENTION_DAYS", 14),
        # How long a new RSVP's confirm link works; unconfirmed RSVPs are erased after it.
        "RSVP_CONFIRM_HOURS": _int("RSVP_CONFIRM_HOURS", 24),
        # Seconds a change notice waits after an organiser's last edit of a published event:
        # edits meanwhile are merged into one notice, an edit back cancels it.
        "CHANGE_NOTICE_DELAY": _int("CHANGE_NOTICE_DELAY", 300),
        "MARCH_PACE_KMH": _float("MARCH_PACE_KMH", 3.0),
        # Push alerts (``services/push``). The VAPID subject is a contact the push services
        # may use (mailto: or https:); empty: BASE_URL when it is https, else MAIL_FROM.
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", ""),
        # Endpoints on loopback, private or link-local addresses, or plain http, are refused
        # unless this is on (tests and development: the test push service is on loopback).
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": _bool(
            "PUSH_ALLOW_PRIVATE_ENDPOINTS", os.environ.get("RALLYPOINT_ENV") == "development"
        ),
        "PUSH_RATE_LIMIT": os.environ.get("PUSH_RATE_LIMIT", "20 per minute;200 per hour"),
        # Subscriptions sent to per claim of an alert; seconds for one push service's answer;
        # how long a worker holds an alert it is sending (a dead worker's is taken over after);
        # how long a push service keeps an alert for a phone that is offline.
        "PUSH_BATCH_SIZE": _int("PUSH_BATCH_SIZE", 100),
        "PUSH_TIMEOUT": _float("PUSH_TIMEOUT", 10.0),
        "PUSH_LEASE_SECONDS": _int("PUSH_LEASE_SECONDS", 120),
        "PUSH_TTL_SECONDS": _int("PUSH_TTL_SECONDS", 3600),
        # How many reverse proxies sit in front of the app (for the client address and https).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 3 * 1024 * 1024),
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
    }


# Settings that follow from the ones above or are not meant to be changed per deployment.
FIXED = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a long form must not expire
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_STRATEGY": "moving-window",
    # When the limit store (Redis) is down, pages keep serving: limits are then counted in
    # each process's memory (per process, so looser) until the store answers again, and any
    # other limiter error is logged instead of answering 500.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/calendar",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "application/gpx+xml",
        "application/manifest+json",
        "image/svg+xml",
    ],
}
