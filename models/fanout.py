"""A notice to many participants, waiting to be expanded into outbox rows by the worker.

A change, an organiser update or a cancellation writes one ``FanoutJob`` in the request's
transaction; the mail worker (``services.mail.fanout``) turns it into one outbox row per
recipient in short batches, keyset-paginated over the event's RSVPs by id.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FanoutKind(StrEnum):
    """What the job tells participants; decides who hears it and which email it is."""

    CHANGED = "changed"  # the event's time, place, route or schedule (confirmed RSVPs)
    CANCELLED = "cancelled"  # also reaches the waitlist and those awaiting approval
    UPDATE = "update"  # the organisers' own message (confirmed, optionally the waitlist)


class FanoutStatus(StrEnum):
    PENDING = "pending"  # due at ``run_after``, or part-way through
    DONE = "done"


class FanoutJob(Base):
    __tablename__ = "fanout_jobs"
    __table_args__ = (Index(None, "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "change:{event}:{revision}" or "update:{change}": a second job for one notice is a no-op.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # a FanoutKind
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # The change the outbox rows point to (a revision's first change record, or the update).
    change_id: Mapped[int] = mapped_column(ForeignKey("event_changes.id", ondelete="CASCADE"))
    include_waitlist: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=FanoutStatus.PENDING)
    # Expansion before this instant is not due: a change notice waits CHANGE_NOTICE_DELAY.
    run_after: Mapped[datetime]
    # The id of the last RSVP expanded: the next batch starts after it.
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)  # recipients, counted at the first batch
    expanded: Mapped[int] = mapped_column(Integer, default=0)  # recipients gone through
    queued: Mapped[int] = mapped_column(Integer, default=0)  # outbox rows written
    # The bodies rendered once per language and variant at the first batch, with placeholders
    # for each recipient's name and links, so every batch writes the same message.
    parts: Mapped[dict | None] = mapped_column(JSON)
    # A change notice still waiting (``run_after`` in the future, nothing expanded): the event
    # as participants knew it before the first edit it covers (``changes.Snapshot`` as JSON).
    # A later edit is compared with this, so the notice says the net change once, and an edit
    # back to it cancels the notice.
    base: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # batches that raised
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
