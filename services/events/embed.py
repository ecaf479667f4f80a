"""Where an event's embeddable card may be framed: any site, or the organisers' list.

The origins end up in a response header (``frame-ancestors``), so each is checked here, in
the one function both the form and the header use, to be exactly a scheme, a host and
perhaps a port: nothing that could end or extend the header's directive.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Event, EventEmbed
from services.errors import DomainError

MAX_ORIGINS = 20
_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def normalise_origin(text: str) -> str:
    """``text`` as an origin, "https://example.org" or "http://localhost:8080" (lower-cased,
    no trailing slash, default ports dropped). Raises ``DomainError`` (field ``origins``)
    saying what is wrong."""
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(
            _("“%(origin)s” is not a web address like https://example.org.", origin=raw[:60]),
            "origins",
        )
    if (
        parts.username
        or parts.password
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise DomainError(
            _(
                "“%(origin)s”: give only the site, like https://example.org, without a page path.",
                origin=raw[:60],
            ),
            "origins",
        )
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    if not _HOST.match(host):
        raise DomainError(
            _("“%(origin)s” is not a web address like https://example.org.", origin=raw[:60]),
            "origins",
        )
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(text: str) -> list[str]:
    """One origin per line (or separated by spaces or commas), normalised, without
    repeats. Raises ``DomainError`` for the first that is not an origin, or past
    ``MAX_ORIGINS``."""
    origins: list[str] = []
    for word in re.split(r"[\s,]+", text.strip()):
        if word and (origin := normalise_origin(word)) not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise DomainError(_("List at most %(n)d sites.", n=MAX_ORIGINS), "origins")
    return origins


def allowed_origins(session: Session, event: Event) -> list[str]:
    """The sites that may frame the card; empty: any site."""
    row = session.get(EventEmbed, event.id)
    return list(row.origins) if row else []


def save_origins(session: Session, event: Event, origins: list[str]) -> None:
    """Allow only ``origins`` to frame the card (empty: any site). Each is checked again,
    since they go into a header. Raises ``DomainError`` (field ``origins``)."""
    checked = [normalise_origin(origin) for origin in origins]
    row = session.get(EventEmbed, event.id)
    if row is None:
        row = EventEmbed(event_id=event.id, origins=checked)
        session.add(row)
    row.origins = checked
    session.flush()
