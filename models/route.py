"""The walked line of a march, the named places on it, its marked sections, its
step-free alternative and the places beside it (toilets, first aid ...)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import WaypointKind


class RoutePoint(Base):
    __tablename__ = "route_points"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Waypoint(Base):
    __tablename__ = "waypoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order along the route, from 0
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(120))


class RouteSection(Base):
    """A stretch of the route between two of its points (``seq`` of ``RoutePoint``, start
    before end) that is hard going: steps, steep, rough, narrow, no exit (``SectionKind``)."""

    __tablename__ = "route_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order on the page, from 0
    start_seq: Mapped[int] = mapped_column(Integer)
    end_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(140), default="")


class AlternativePoint(Base):
    """The step-free alternative: a second line, walked instead of the marked sections."""

    __tablename__ = "route_alternative_points"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class RoutePlace(Base):
    """A place near the route but not on its line: toilets, first aid, rest, a quiet zone or
    a place to leave the march (``services.route.PLACE_KINDS``), within 1 km of the line."""

    __tablename__ = "route_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order on the page, from 0
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(140), default="")


def assembly_waypoint(waypoints: Iterable[Waypoint]) -> Waypoint | None:
    """Where the march gathers: the first waypoint of kind "assembly", if any."""
    return next((w for w in waypoints if w.kind == WaypointKind.ASSEMBLY), None)
