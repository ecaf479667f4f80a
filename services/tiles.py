"""Map tiles from our own server: a caching proxy of one upstream tile server.

A participant's phone asks us for ``/tiles/{z}/{x}/{y}.png``; we answer from a disk cache, or
fetch the tile once from the upstream (OpenStreetMap's by default) and keep it. The phone
never talks to a third party, and the upstream sees our server, never the participant.

OpenStreetMap's tile usage policy (https://operations.osmfoundation.org/policies/tiles/) asks
for a User-Agent that names the application and a contact, a cache that honours the tile's
expiry, and no bulk downloading. So: our own User-Agent, a cache kept at least
``min_cache_seconds``, nothing fetched ahead of a request, and only the tiles a map of a
public event shows (``in_public_area``).
"""

from __future__ import annotations

import http.client
import logging
import math
import os
import ssl
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, RoutePoint
from models.enums import EventStatus

log = logging.getLogger(__name__)

# The public area is counted in tiles of this zoom (about 6 km wide in Berlin, 10 km at the
# equator): a tile is served if it lies within one such cell of a public route's bounding box.
# The coarse grid is the margin a participant pans over, and it keeps a prober from learning
# more than "some public route runs within a few kilometres of here" (an unlisted event's
# route is only as secret as its link, but its outline stays so).
AREA_ZOOM = 12
AREA_MARGIN_CELLS = 1
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Upstream expiry beyond a year is treated as a year (file times stay sane).
MAX_CACHE_SECONDS = 365 * 24 * 60 * 60
# When the upstream fails, a stale copy is still served, briefly cacheable.
STALE_MAX_AGE = 60
# Events whose page (and so whose map) anybody with the link can open.
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class TileSettings:
    upstream_url: str  # "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; "" serves none
    user_agent: str
    cache_dir: Path
    timeout: float  # seconds for the whole upstream exchange
    max_bytes: int
    min_cache_seconds: int
    min_zoom: int
    max_zoom: int

    @classmethod
    def from_config(cls, config) -> TileSettings:
        return cls(
            upstream_url=config["TILE_UPSTREAM_URL"],
            user_agent=config["TILE_USER_AGENT"],
            cache_dir=Path(config["TILE_CACHE_DIR"]),
            timeout=config["TILE_UPSTREAM_TIMEOUT"],
            max_bytes=config["TILE_MAX_BYTES"],
            min_cache_seconds=config["TILE_MIN_CACHE_SECONDS"],
            min_zoom=config["TILE_MIN_ZOOM"],
            max_zoom=config["TILE_MAX_ZOOM"],
        )


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def exists(self, max_zoom: int) -> bool:
        """Whether the tile is on the map at all, at a zoom we serve at most."""
        side = 1 << self.z if 0 <= self.z <= max_zoom else 0
        return 0 <= self.x < side and 0 <= self.y < side


@dataclass(frozen=True)
class TileAnswer:
    png: bytes
    max_age: int  # seconds a browser or nginx may keep it


class UpstreamError(Exception):
    """The upstream did not give us a usable tile (down, slow, too big, not a PNG...)."""


def third_party_host(tile_url: str) -> str:
    """The host a page's ``TILE_URL`` sends phones to, or "" when it is our own (relative)."""
    parts = urlsplit(tile_url.replace("{s}.", ""))
    if not (parts.scheme and parts.netloc):
        return ""
    return parts.hostname or ""


# --- the public area ------------------------------------------------------------------------


def _lon(x: float, z: int) -> float:
    return x / (1 << z) * 360.0 - 180.0


def _lat(y: float, z: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / (1 << z)))))


def _area_cells(tile: Tile) -> tuple[int, int, int, int]:
    """The tile's cells of the area grid, widened by the margin: (x0, y0, x1, y1) inclusive."""
    if tile.z >= AREA_ZOOM:
        shift = tile.z - AREA_ZOOM
        x0, y0 = x1, y1 = tile.x >> shift, tile.y >> shift
    else:
        shift = AREA_ZOOM - tile.z
        x0, y0 = tile.x << shift, tile.y << shift
        x1, y1 = ((tile.x + 1) << shift) - 1, ((tile.y + 1) << shift) - 1
    last = (1 << AREA_ZOOM) - 1
    m = AREA_MARGIN_CELLS
    return max(x0 - m, 0), max(y0 - m, 0), min(x1 + m, last), min(y1 + m, last)


def in_public_area(session: Session, tile: Tile, settings: TileSettings) -> bool:
    """Whether a map of a published (or cancelled) event may show ``tile``: its zoom is
    within ``min_zoom``..``max_zoom`` and it lies within the margin of such an event's route.
    """
    if not tile.exists(settings.max_zoom) or tile.z < settings.min_zoom:
        return False
    x0, y0, x1, y1 = _area_cells(tile)
    west, east = _lon(x0, AREA_ZOOM), _lon(x1 + 1, AREA_ZOOM)
    north, south = _lat(y0, AREA_ZOOM), _lat(y1 + 1, AREA_ZOOM)
    # One route whose bounding box meets the widened cells is enough.
    query = (
        select(RoutePoint.event_id)
        .join(Event, Event.id == RoutePoint.event_id)
        .where(Event.status.in_(PUBLIC_STATUSES))
        .group_by(RoutePoint.event_id)
        .having(
            func.min(RoutePoint.lat) <= north,
            func.max(RoutePoint.lat) >= south,
            func.min(RoutePoint.lon) <= east,
            func.max(RoutePoint.lon) >= west,
        )
        .limit(1)
    )
    return session.scalar(query) is not None


# --- the disk cache -------------------------------------------------------------------------
# One file per tile, instance/tiles/<z>/<x>/<y>.png, whose modification time is the instant it
# expires: the tile and its expiry are then replaced together by one os.replace, so two
# workers fetching the same tile at once leave one whole tile, never a torn one.


def _path(settings: TileSettings, tile: Tile) -> Path:
    return settings.cache_dir / str(tile.z) / str(tile.x) / f"{tile.y}.png"


def _read_cached(path: Path) -> tuple[bytes, float] | None:
    try:
        with path.open("rb") as file:
            return file.read(), os.fstat(file.fileno()).st_mtime
    except FileNotFoundError:
        return None


def _store(path: Path, png: bytes, expires: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(png)
        os.utime(temp, (expires, expires))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --- the upstream ---------------------------------------------------------------------------


def _fresh_for(headers: http.client.HTTPMessage, now: datetime) -> int:
    """Seconds the upstream lets us keep the tile (Cache-Control max-age, else Expires)."""
    for directive in (headers.get("Cache-Control") or "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return int(value)
    try:
        expires = parsedate_to_datetime(headers.get("Expires") or "")
    except (TypeError, ValueError):
        return 0
    if expires.tzinfo is None:
        return 0
    return max(int((expires - now).total_seconds()), 0)


def fetch_upstream(settings: TileSettings, tile: Tile, now: datetime) -> tuple[bytes, int]:
    """The tile's PNG from the upstream, and how many seconds it stays fresh.

    Only our User-Agent goes out: nothing of the participant's request (address, headers,
    cookies) is forwarded. No redirect is followed. Raises ``UpstreamError`` unless the answer
    is a 200 image/png of at most ``max_bytes``, complete within ``timeout`` seconds.
    """
    url = settings.upstream_url.format(z=tile.z, x=tile.x, y=tile.y)
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.netloc, timeout=settings.timeout, context=ssl.create_default_context()
        )
    elif parts.scheme == "http":
        connection = http.client.HTTPConnection(parts.netloc, timeout=settings.timeout)
    else:
        raise UpstreamError("not an http(s) URL")
    deadline = time.monotonic() + settings.timeout
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(
            "GET", path, headers={"User-Agent": settings.user_agent, "Accept": "image/png"}
        )
        response = connection.getresponse()
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if response.status != 200:
            raise UpstreamError(f"status {response.status}")
        if content_type.lower() != "image/png":
            raise UpstreamError("not image/png")
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > settings.max_bytes:
            raise UpstreamError("too big")
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > settings.max_bytes:
                raise UpstreamError("too big")
            if time.monotonic() > deadline:
                raise UpstreamError("too slow")
            chunks.append(chunk)
        png = b"".join(chunks)
    except (OSError, http.client.HTTPException) as err:
        raise UpstreamError(type(err).__name__) from err
    finally:
        connection.close()
    if not png.startswith(PNG_SIGNATURE):
        raise UpstreamError("not a PNG")
    return png, _fresh_for(response.headers, now)


def get_tile(settings: TileSettings, tile: Tile, now: datetime) -> TileAnswer | None:
    """The tile from the cache while it is fresh, else fetched from the upstream and cached
    for at least ``min_cache_seconds``. When the upstream fails, a stale copy if there is
    one; else None. Whether the tile may be served at all is the caller's question
    (``in_public_area``); this only refuses a tile that does not exist.
    """
    if not settings.upstream_url or not tile.exists(settings.max_zoom):
        return None
    path = _path(settings, tile)
    cached = _read_cached(path)
    stamp = now.timestamp()
    if cached and cached[1] > stamp:
        return TileAnswer(cached[0], int(cached[1] - stamp))
    try:
        png, fresh_for = fetch_upstream(settings, tile, now)
    except UpstreamError as err:
        # No URL or address here: the log says only that, and why, the upstream failed.
        log.warning("tile upstream failed: %s", err)
        return TileAnswer(cached[0], STALE_MAX_AGE) if cached else None
    keep = min(max(fresh_for, settings.min_cache_seconds), MAX_CACHE_SECONDS)
    _store(path, png, (now + timedelta(seconds=keep)).timestamp())
    return TileAnswer(png, keep)
