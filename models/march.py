"""Where the march is now, and the private links stewards use to report it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class MarchPosition(Base):
    """A reported position of the march's front (or end), snapped to the route.

    Who reported it is deliberately not stored: the public map must never reveal it.
    """

    __tablename__ = "march_positions"
    __table_args__ = (Index(None, "event_id", "is_front", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    seq_on_route: Mapped[int] = mapped_column(Integer)  # index of the nearest route point
    is_front: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StewardLink(Base):
    """A private link that lets a steward without an account report the march's position."""

    __tablename__ = "steward_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))  # for the organisers only, e.g. "Front team"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
