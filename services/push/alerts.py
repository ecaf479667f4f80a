"""Urgent updates: an organiser's update marked urgent becomes a push alert (sent by the
worker, ``services.push.sending``) and the banner pinned at the top of the event page."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, EventChange, Role
from models.push import PushAlert, PushAlertStatus, PushRetry, PushSubscription
from services.errors import DomainError


def queue_alert(
    session: Session, event: Event, change: EventChange, *, role_id: int | None, now: datetime
) -> PushAlert:
    """Mark the organisers' update ``change`` urgent: pin it on the event page and have the
    worker send it to every phone subscribed to ``event``'s alerts, or only to those of the
    role ``role_id``. Call in the transaction that posts the update (``changes.post_update``).
    Raises ``DomainError`` on the ``push_role`` field for a role of another event. Flushes."""
    if (
        role_id is not None
        and session.scalar(select(Role.id).where(Role.id == role_id, Role.event_id == event.id))
        is None
    ):
        raise DomainError(_("Choose one of this demonstration's roles."), "push_role")
    alert = PushAlert(
        event_id=event.id,
        change_id=change.id,
        role_id=role_id,
        status=PushAlertStatus.PENDING,
        created_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def urgent_banner(session: Session, event_id: int) -> dict | None:
    """The newest urgent update of the event, for the pinned banner: its change id, text,
    instant and, when it was for one role only, that role's name; None when there is none."""
    row = session.execute(
        select(EventChange.id, EventChange.summary, EventChange.created_at, Role.name)
        .join(PushAlert, PushAlert.change_id == EventChange.id)
        .outerjoin(Role, Role.id == PushAlert.role_id)
        .where(PushAlert.event_id == event_id)
        .order_by(PushAlert.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"id": row[0], "summary": row[1], "at": row[2].isoformat(), "role": row[3]}


def role_choices(event: Event) -> list[tuple[str, str]]:
    """The update form's "send the alert to" choices: everyone, or one of the event's roles."""
    return [("", _("Everyone with alerts on"))] + [
        (str(role.id), role.name) for role in sorted(event.roles, key=lambda r: r.seq)
    ]


def subscriber_count(session: Session, event_id: int) -> int:
    """How many phones have this event's alerts on (the organisers' update page says so)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PushSubscription)
            .where(PushSubscription.event_id == event_id)
        )
        or 0
    )


def alert_progress(session: Session, event_id: int) -> dict[int, dict]:
    """Per urgent update (by change id), how its push alert went, for the updates page:
    whom it was for (a role's name, or None: everyone), sent, waiting for a retry, gone
    (the phone unsubscribed: 404/410), failed, and whether the worker is still sending."""
    rows = session.execute(
        select(
            PushAlert.change_id,
            PushAlert.status,
            PushAlert.sent,
            PushAlert.dropped,
            PushAlert.failed,
            Role.name,
            func.count(PushRetry.id),
        )
        .outerjoin(Role, Role.id == PushAlert.role_id)
        .outerjoin(PushRetry, PushRetry.alert_id == PushAlert.id)
        .where(PushAlert.event_id == event_id)
        .group_by(PushAlert.id, Role.name)
    ).all()
    return {
        change_id: {
            "role": role,
            "sent": sent,
            "queued": retrying,
            "gone": dropped,
            "failed": failed,
            "sending": status == PushAlertStatus.PENDING,
        }
        for change_id, status, sent, dropped, failed, role, retrying in rows
    }
