"""Push alerts (Web Push, RFC 8030/8291 with VAPID, RFC 8292): phones that asked for an
event's alerts, and the organisers' urgent updates the worker sends to them.

A subscription holds what the browser's push service needs and nothing about the person:
the endpoint URL, its two public keys, the language to write in and, when it was made from
an RSVP's manage page, the RSVP's role (so that an alert to stewards reaches them). It never
points at the RSVP. Subscriptions go with the event's other participant data at purge
(``services.rsvp.purge``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

# Bounds of what a browser hands over (Chrome's, Firefox's and Safari's endpoints are
# 150-300 characters; the keys are a P-256 point, 65 bytes, and a 16-byte secret, base64url).
ENDPOINT_MAX = 1000
P256DH_MAX = 100
AUTH_MAX = 40


class PushAlertStatus(StrEnum):
    PENDING = "pending"  # being sent, batch by batch
    DONE = "done"  # every subscription tried once (retries continue in push_retries)


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint"),
        Index(None, "event_id", "id"),  # an alert's batches: keyset over the event's ids
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_MAX))
    p256dh: Mapped[str] = mapped_column(String(P256DH_MAX))
    auth: Mapped[str] = mapped_column(String(AUTH_MAX))
    language: Mapped[str] = mapped_column(String(8))
    # The role of the RSVP whose manage page made it; None: everyone's alerts only.
    role_id: Mapped[int | None] = mapped_column(
        ForeignKey("roles.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushAlert(Base):
    """An urgent update: pinned on the event page, and sent by the worker to the event's
    subscriptions (those of ``role_id`` only, when set) in batches after ``cursor``."""

    __tablename__ = "push_alerts"
    __table_args__ = (Index(None, "status", "lease_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("event_changes.id", ondelete="CASCADE"), unique=True
    )
    # An alert for one role goes when the role goes: it must never widen to everyone.
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=PushAlertStatus.PENDING)
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # last subscription id tried
    # A worker sending a batch holds the alert until then; a dead worker's alert is taken
    # over after it (its batch is sent again: at most one batch twice).
    lease_until: Mapped[datetime | None]
    sent: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[int] = mapped_column(Integer, default=0)  # 404/410: subscription deleted
    failed: Mapped[int] = mapped_column(Integer, default=0)  # given up after retries
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PushRetry(Base):
    """One alert to one subscription that failed for a reason that may pass (a 5xx, 429, a
    timeout): tried again at ``next_attempt_at``, backing off by the outbox's rules."""

    __tablename__ = "push_retries"
    __table_args__ = (
        UniqueConstraint("alert_id", "subscription_id"),
        Index(None, "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("push_alerts.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
