"""Third-party static files served by the app itself: no CDN ever sees a participant's visit."""

from __future__ import annotations

import xstatic.pkg.leaflet as leaflet
from flask import Blueprint, Response, send_from_directory, url_for

bp = Blueprint("assets", __name__)

# XStatic-Leaflet pins one Leaflet release, so a file only changes when the package is
# upgraded: phones may keep it for a year, and the ?v= in leaflet_url makes an upgrade reach
# them anyway.
ONE_YEAR = 365 * 24 * 60 * 60


@bp.get("/static/vendor/leaflet/<path:filename>", endpoint="leaflet")
def leaflet_file(filename: str) -> Response:
    """leaflet.js, leaflet.css and the images its CSS refers to (relative ``images/...``)."""
    # send_from_directory refuses paths that leave the directory ("../") with a 404.
    return send_from_directory(leaflet.BASE_DIR, filename, max_age=ONE_YEAR)


@bp.app_template_global()
def leaflet_url(filename: str) -> str:
    """The URL of a Leaflet file, versioned so that long caching stays safe."""
    return url_for("assets.leaflet", filename=filename, v=leaflet.VERSION)
