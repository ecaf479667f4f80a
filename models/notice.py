"""What the authorities are told about a march, beyond what the event already says.

In Germany an assembly in the open air is notified to the authorities (in Berlin the police,
under the Versammlungsfreiheitsgesetz, at the latest 48 hours before it is announced). The
notice names people and means that participants never see: who leads the march and their
deputy, the organiser's postal address, how many stewards, vehicles and loudspeakers. They are
kept here, one row per event, read only by its organisers, and never shown on a public page.
Every field is optional: the notice page prints what there is and leaves the rest to fill in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EventNotice(Base):
    __tablename__ = "event_notices"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(300), default="")  # the "Thema"; else the title
    organiser: Mapped[str] = mapped_column(Text, default="")  # name and postal address
    leader: Mapped[str] = mapped_column(Text, default="")  # name, address, phone
    deputy: Mapped[str] = mapped_column(Text, default="")
    final_rally: Mapped[str] = mapped_column(String(300), default="")  # else the end waypoint
    streets: Mapped[str] = mapped_column(Text, default="")  # the route as streets, in order
    expected_participants: Mapped[int | None] = mapped_column(Integer)
    stewards: Mapped[int | None] = mapped_column(Integer)
    vehicles: Mapped[str] = mapped_column(Text, default="")
    loudspeakers: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(Text, default="")
    banners: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None]
