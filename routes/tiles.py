"""Map tiles from our own origin (``services/tiles.py``): phones never talk to a tile server."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask_login import current_user

from core.extensions import db, limiter
from models import utcnow
from services import tiles

bp = Blueprint("tiles", __name__)


def _rate_limit() -> str:
    return current_app.config["TILE_RATE_LIMIT"]


def _refused(status: int) -> Response:
    # An empty answer, not an error page: the map shows a blank square, and nothing is kept.
    return Response(b"", status=status, headers={"Cache-Control": "no-store"})


# int converters only: a tile path can never name a file outside the cache.
@bp.get("/tiles/<int:z>/<int:x>/<int:y>.png")
@limiter.limit(_rate_limit)
def tile(z: int, x: int, y: int) -> Response:
    """A tile of a public event's map, to anybody; any tile to a logged-in organiser, who may
    be drawing a route in a new place. Out of bounds: 404 without asking the upstream."""
    settings = tiles.TileSettings.from_config(current_app.config)
    wanted = tiles.Tile(z, x, y)
    public = tiles.in_public_area(db.session, wanted, settings)
    if not public and not current_user.is_authenticated:
        return _refused(404)
    answer = tiles.get_tile(settings, wanted, utcnow())
    if answer is None:
        return _refused(502 if settings.upstream_url and wanted.exists(settings.max_zoom) else 404)
    response = Response(answer.png, mimetype="image/png")
    # What an organiser sees outside the public area may say where a draft march goes: only
    # their own browser keeps it, never nginx.
    scope = "public" if public else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age={answer.max_age}"
    response.add_etag()
    return response.make_conditional(request)


@bp.app_template_global()
def third_party_tile_host() -> str:
    """The tile server a page's map sends phones to, when it is not us ("" when it is)."""
    return tiles.third_party_host(current_app.config["TILE_URL"])
