"""``/healthz``: for load balancers, orchestrators and monitoring."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app

from core.extensions import db, limiter
from models import utcnow
from services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt  # probes come often and from one address
def healthz():
    """200 when this instance can serve (the database answers and is migrated to head), else
    503; JSON either way. The mail worker's last heartbeat and its age are reported but never
    make it 503: the web may run before any worker does, and a stopped worker delays mail,
    not pages. Monitor ``worker.status`` ("stale", "missing") separately.

    Never cached, sets no cookie, names no person, host or error.
    """
    # A worker stops sending at half its lease; one silent for a whole lease is stuck.
    stale_after = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    report = health.check(db.session, now=utcnow(), worker_stale_after=stale_after)
    return report.as_dict(), 200 if report.ok else 503, {"Cache-Control": "no-store"}
