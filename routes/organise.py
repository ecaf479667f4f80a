"""organise (being written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organise", __name__, url_prefix="/organise")
