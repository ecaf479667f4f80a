"""attendees (being written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attendees", __name__, url_prefix="/organise")
