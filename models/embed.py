"""Where an event's embeddable card may be shown.

No row, or an empty list, means any site may frame the card (it shows only what the public
page shows). Organisers who want it only on their own site list its origins.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EventEmbed(Base):
    __tablename__ = "event_embeds"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    # Origins as "https://example.org" or "https://example.org:8443": scheme, host, port.
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
