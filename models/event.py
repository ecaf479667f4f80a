"""A demonstration, its organisers and the changes participants must hear about."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import EventStatus, Visibility
from models.route import assembly_waypoint

if TYPE_CHECKING:
    from models.route import AlternativePoint, RoutePlace, RoutePoint, RouteSection, Waypoint
    from models.rsvp import Role, Rsvp
    from models.schedule import ScheduleItem

DEFAULT_REMINDER_OFFSETS = [1440, 120]  # minutes before the start: a day, and two hours
SHORT_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1/o/0: read aloud, typed
SHORT_CODE_LENGTH = 7  # 35 bits: a listed event's short link, never an unlisted one's secret


def new_short_code() -> str:
    """A random code for an event's short link (``/s/<code>``)."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index(None, "status", "visibility", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # The short link (``/s/<code>``) of a listed, public event; it leads nowhere for drafts
    # and unlisted events (routes/events.py).
    short_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_short_code)
    title: Mapped[str] = mapped_column(String(140))
    description_md: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name the times are shown in
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.DRAFT)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.LISTED)
    city: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)  # people incl. guests; None: no limit
    max_party_size: Mapped[int] = mapped_column(Integer, default=5)
    rsvp_deadline_at: Mapped[datetime | None]
    is_count_public: Mapped[bool] = mapped_column(Boolean, default=True)
    # Shown in email subjects instead of the title, for participants who want discretion.
    neutral_subject: Mapped[str | None] = mapped_column(String(140))
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    route_length_m: Mapped[int] = mapped_column(Integer, default=0)  # kept with the route
    # Kept with the route's alternative line, so reminders and calendars need not load it.
    is_step_free_available: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Kept with the places beside the route, so the event page loads them only if there are.
    has_route_places: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped with every change to what the public page shows (``models.counts``); never
    # set by hand.
    page_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisers: Mapped[list[EventOrganiser]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )
    route_points: Mapped[list[RoutePoint]] = relationship(
        order_by="RoutePoint.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    waypoints: Mapped[list[Waypoint]] = relationship(
        order_by="Waypoint.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    sections: Mapped[list[RouteSection]] = relationship(
        order_by="RouteSection.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    alternative_points: Mapped[list[AlternativePoint]] = relationship(
        order_by="AlternativePoint.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    places: Mapped[list[RoutePlace]] = relationship(
        order_by="RoutePlace.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    schedule_items: Mapped[list[ScheduleItem]] = relationship(
        order_by="ScheduleItem.starts_at", cascade="all, delete-orphan", passive_deletes=True
    )
    changes: Mapped[list[EventChange]] = relationship(
        order_by="EventChange.id.desc()", cascade="all, delete-orphan", passive_deletes=True
    )
    roles: Mapped[list[Role]] = relationship(
        order_by="Role.seq", cascade="all, delete-orphan", passive_deletes=True
    )
    rsvps: WriteOnlyMapped[Rsvp] = relationship(passive_deletes=True)
    translations: Mapped[list[EventTranslation]] = relationship(
        order_by="EventTranslation.language", cascade="all, delete-orphan", passive_deletes=True
    )
    text_translations: Mapped[list[EventTextTranslation]] = relationship(
        order_by="EventTextTranslation.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def assembly_waypoint(self) -> Waypoint | None:
        """Where the march gathers, if the organisers marked it."""
        return assembly_waypoint(self.waypoints)


class EventOrganiser(Base):
    __tablename__ = "event_organisers"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[Event] = relationship(back_populates="organisers")


class EventChange(Base):
    """One thing participants must know: a change of time, place, route, schedule or status,
    or an update the organisers wrote themselves (``is_update``).

    A change is stored as data (``data``: a list of facts such as ``{"what": "start", "old":
    ..., "new": ..., "tz": ...}``) and worded for each reader in their language by
    ``services.events.changes.describe``. ``summary`` is the organisers' own text of an
    update; for a change it is the English wording, kept for rows from before ``data``."""

    __tablename__ = "event_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # a ChangeKind
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[list | None] = mapped_column(JSON)
    is_update: Mapped[bool] = mapped_column(Boolean, default=False)


class EventTranslation(Base):
    """The organisers' title and description in another language than the event's own."""

    __tablename__ = "event_translations"
    __table_args__ = (UniqueConstraint("event_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(140))
    description_md: Mapped[str] = mapped_column(Text, default="")


class EventTextTranslation(Base):
    """One of the event's short texts (a schedule item's title, a role's name, a waypoint's
    label: ``kind``, a ``TextKind``) in another language, keyed by the text as written
    (``source``) rather than by the row that shows it. Saving the route recreates its
    waypoints, and the schedule page rewrites its items; a translation keyed by the text
    survives both, and a label used twice is translated once. A text that no longer occurs
    keeps its row (harmless, and back if the text returns) until the Languages page is saved.
    """

    __tablename__ = "event_text_translations"
    __table_args__ = (UniqueConstraint("event_id", "kind", "source", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # a TextKind
    source: Mapped[str] = mapped_column(String(140))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(140))
