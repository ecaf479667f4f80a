"""Volunteers checked in on the day: one row per RSVP that a steward (or organiser) checked in.

The check-in code itself is never stored: it is derived from the RSVP's salt under a key of
its own (``services.tokens.checkin_code``), so the database alone reveals no code. A row goes
with its RSVP (``ON DELETE CASCADE``) and with the participants' details at purge.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (Index(None, "event_id", "checked_in_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # Which steward link did it (None: an organiser, or a link deleted since).
    steward_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("steward_links.id", ondelete="SET NULL")
    )
    checked_in_at: Mapped[datetime]
