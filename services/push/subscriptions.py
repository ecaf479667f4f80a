"""Phones that asked for an event's alerts: storing and forgetting their subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Event
from models.enums import Language
from models.push import PushSubscription
from services.push.endpoints import Subscription


def subscribe(
    session: Session,
    event: Event,
    subscription: Subscription,
    *,
    language: str,
    role_id: int | None,
    now: datetime,
) -> PushSubscription:
    """Store ``subscription`` (checked by ``endpoints.parse``) for ``event``'s alerts, in
    ``language``, for the role ``role_id`` too when given (the caller proved it: an RSVP's
    manage link). Subscribing again from the same phone replaces the keys, language and
    role: one row per endpoint and event. Flushes."""
    row = session.scalar(
        select(PushSubscription).where(
            PushSubscription.event_id == event.id,
            PushSubscription.endpoint == subscription.endpoint,
        )
    )
    if row is None:
        row = PushSubscription(event_id=event.id, endpoint=subscription.endpoint, created_at=now)
        session.add(row)
    row.p256dh = subscription.p256dh
    row.auth = subscription.auth
    row.language = language if language in set(Language) else Language.EN.value
    row.role_id = role_id
    session.flush()
    return row


def unsubscribe(session: Session, event: Event, endpoint: str) -> bool:
    """Forget the phone whose push ``endpoint`` this is (the endpoint is the proof: only that
    browser knows it). Returns whether there was one. Its pending retries go with it."""
    result = session.execute(
        delete(PushSubscription).where(
            PushSubscription.event_id == event.id, PushSubscription.endpoint == endpoint
        )
    )
    return bool(result.rowcount)
