"""Who is coming: roles that need volunteers, and the RSVPs of participants (no accounts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.enums import Language


class Role(Base):
    """A role besides plain participant (stewards, medics...); an RSVP without one is a
    participant."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(60))
    needed: Mapped[int | None] = mapped_column(Integer)  # people; None: as many as come
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        Index(None, "event_id", "status", "waitlisted_at"),
        Index(None, "status", "created_at"),  # the worker's search for expired ones
        Index(None, "token_salt"),  # unsubscribe links name the salt (``services.tokens``)
        Index(None, "event_id", "created_at", "id"),  # the attendee list's order, paged
        Index(None, "role_id"),  # the list by role; deleting a role (ON DELETE SET NULL)
        # The grouped counts of the attendee page (``attendees.totals``), from the index alone.
        Index(None, "event_id", "status", "role_id", "party_size"),
        # The attendee search ("name or email contains"): trigram indexes, on PostgreSQL
        # only (``pg_trgm``, migration 0011); SQLite scans the event's rows instead.
        *(
            Index(
                f"ix_rsvps_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
                info={"only_on": "postgresql"},
            )
            for column in ("email", "name")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(254))  # lower-cased; NULL once purged
    name: Mapped[str | None] = mapped_column(String(80))  # NULL once purged
    party_size: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))  # an RsvpStatus
    waitlisted_at: Mapped[datetime | None]
    # The manage link's token is HMAC(SECRET_KEY, token_salt); only its SHA-256 is stored, so
    # the database alone opens no RSVP, yet every email can carry the same link.
    token_salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The SHA-256 of the confirm link's token while the RSVP is unconfirmed; NULL once it is
    # confirmed, so the link works once.
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    wants_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    wants_updates: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default=Language.EN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    purged_at: Mapped[datetime | None]

    role: Mapped[Role | None] = relationship()
