"""Email waiting to be sent, written in the transaction of the change that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from models.enums import MailPriority, OutboxStatus


def _only(status: OutboxStatus) -> dict:
    where = text(f"status = '{status}'")
    return {"postgresql_where": where, "sqlite_where": where}


class OutboxMessage(Base):
    __tablename__ = "outbox"
    # Only the live rows (queued, being sent) are indexed for the worker's claims: sent rows
    # pile up by the hundred thousand and must not make a claim slower.
    __table_args__ = (
        Index(None, "priority", "next_attempt_at", **_only(OutboxStatus.QUEUED)),
        Index(None, "lease_until", **_only(OutboxStatus.SENDING)),
        Index(None, "change_id", "status"),  # a notice's delivery progress, without a scan
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes a message unique (e.g. "reminder:{rsvp}:{offset}"): a second insert is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    to_addr: Mapped[str | None] = mapped_column(String(254))  # NULL once purged
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    ics: Mapped[str | None] = mapped_column(Text)  # calendar attachment, if any
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    rsvp_id: Mapped[int | None] = mapped_column(ForeignKey("rsvps.id", ondelete="SET NULL"))
    change_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_changes.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED)
    # MailPriority, from the kind (services.mail.outbox.priority_of): lower goes first.
    priority: Mapped[int] = mapped_column(
        Integer, default=MailPriority.TRANSACTIONAL, server_default=text("0")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def status_is(status: OutboxStatus) -> ColumnElement[bool]:
    """``status = '<status>'`` with the value written into the SQL, not bound: only then do
    PostgreSQL (in a generic plan) and SQLite know that a query may use the partial indexes."""
    column = OutboxMessage.__table__.c.status  # the table's, so plain SQL can use it too
    return column == literal_column(f"'{OutboxStatus(status)}'")  # a member: no injection


class Suppression(Base):
    """An address that asked never to be emailed again, kept only as a keyed hash
    (``services.tokens.email_hash``; rows from before keys are unsalted SHA-256)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
