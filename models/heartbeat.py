"""The last sign of life of each mail worker process, for ``/healthz``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WorkerHeartbeat(Base):
    """One row per worker process, written each round of its loop (``services.worker``)."""

    __tablename__ = "worker_heartbeats"

    # "host:pid": a restarted worker is a new row; old rows go with the daily purge.
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]
