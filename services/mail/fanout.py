"""Expanding a notice to many participants (a ``FanoutJob``: a change, a cancellation, an
organiser update) into one outbox row per recipient, in the mail worker, and the delivery
progress organisers see.

The request that causes the notice writes only the job (``notify.event_changed``,
``notify.organiser_update``), due at once or, for a change, after its grace period
(``FanoutJob.run_after``; ``services.events.changes`` merges edits into it meanwhile and may
remove it). ``expand_due`` then works in batches, each its own short
transaction: it claims a due job (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers
never expand one job at once; SQLite's ``BEGIN IMMEDIATE`` serialises), takes the next
``batch_size`` recipients after the job's cursor (keyset over RSVP ids), inserts their
outbox rows (``ON CONFLICT DO NOTHING`` on the dedupe keys) and moves the cursor in the same
transaction. A worker killed mid-way therefore neither loses nor repeats a message: the next
batch starts where the last committed one ended.

Rendering is done once per job: at its first batch, the subject and both bodies are rendered
per language and per greeting (with or without a name) through ``notify.render_parts``, with
stand-ins for the name, the manage link and the unsubscribe link, and kept on the job. Each
recipient's email is those parts with the stand-ins replaced (HTML-escaped in the HTML body,
as Jinja would have), which gives the very text ``notify.participant_row`` would render.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.database import skipping_locked
from models import Event, EventChange, FanoutJob, OutboxMessage, Rsvp
from models.enums import Language, OutboxStatus
from models.fanout import FanoutKind, FanoutStatus
from services.mail import notify, outbox
from services.urls import manage_url, unsubscribe_url

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # recipients per transaction: about a tenth of a second of inserts
RETRY_FIRST = timedelta(minutes=1)  # a batch that raised is tried again after this, doubling
RETRY_MAX = timedelta(hours=1)

Transaction = Callable[[], AbstractContextManager[Session]]

_EMAIL_KIND = {
    FanoutKind.CHANGED: "event_changed",
    FanoutKind.CANCELLED: "event_changed",
    FanoutKind.UPDATE: "organiser_update",
}
_STAND_IN = "RP{}{}"  # what, nonce: letters and digits, which no escaping changes


def expand_due(
    transaction: Transaction,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    *,
    seconds: float = 0.0,
) -> int:
    """Expand due fan-out jobs, one batch per transaction from ``transaction()`` (e.g.
    ``db.transaction``), for about ``seconds`` (0: a single batch), so a worker that calls it
    each round goes on sending between batches. Returns how many recipients were gone
    through: 0 when no job is due. A batch that raises is rolled back, logged and tried again
    after a back-off; the other jobs go on."""
    deadline = time.monotonic() + seconds
    done = 0
    while True:
        job_id, count = _one_batch(transaction, now, batch_size)
        if job_id is None:
            return done
        done += count
        if done and time.monotonic() >= deadline:
            return done


def _one_batch(transaction: Transaction, now: datetime, batch_size: int) -> tuple[int | None, int]:
    job_id = None
    try:
        with transaction() as session:
            job = _claim(session, now)
            if job is None:
                return None, 0
            job_id = job.id
            return job_id, expand_batch(session, job, now, batch_size)
    except Exception as err:
        if job_id is None:  # the database is away: the worker's next round tries again
            log.exception("fan-out: claiming a job failed")
            return None, 0
        log.exception("fan-out job %s: a batch failed", job_id)
        try:
            _back_off(transaction, job_id, now, err)
        except Exception:
            log.exception("fan-out job %s: recording the failure failed", job_id)
            return None, 0
        return job_id, 0


def _claim(session: Session, now: datetime) -> FanoutJob | None:
    query = (
        select(FanoutJob)
        .where(FanoutJob.status == FanoutStatus.PENDING, FanoutJob.run_after <= now)
        .order_by(FanoutJob.run_after, FanoutJob.id)
        .limit(1)
    )
    # Another worker's job stays locked until its batch commits: skip it, take the next.
    return session.scalar(skipping_locked(session, query))


def _back_off(transaction: Transaction, job_id: int, now: datetime, err: Exception) -> None:
    with transaction() as session:
        job = session.get(FanoutJob, job_id)
        if job is None:
            return
        job.attempts += 1
        job.last_error = f"{type(err).__name__}: {err}"[:2000]
        job.run_after = now + min(RETRY_FIRST * 2 ** (job.attempts - 1), RETRY_MAX)


def expand_batch(session: Session, job: FanoutJob, now: datetime, batch_size: int) -> int:
    """Queue the outbox rows of the next ``batch_size`` recipients of ``job`` (locked by the
    caller) and move its cursor past them, in the caller's transaction; mark it done when
    none are left. Returns how many recipients were gone through."""
    event = session.get(Event, job.event_id)
    statuses = notify.recipient_statuses(job.kind, job.include_waitlist)
    where = notify.recipient_filter(job.event_id, statuses)
    if job.parts is None:
        job.parts = _render(session, job, event, now)
        job.total = session.scalar(select(func.count()).select_from(Rsvp).where(*where))
    rsvps = session.scalars(
        select(Rsvp).where(*where, Rsvp.id > job.cursor).order_by(Rsvp.id).limit(batch_size)
    ).all()
    if rsvps:
        stand_in = re.compile(_STAND_IN.format("([NMU])", job.parts["nonce"]))
        rows = [_row(job, event, rsvp, stand_in) for rsvp in rsvps]
        job.queued += outbox.enqueue_many(session, rows, now)
        job.cursor = rsvps[-1].id
        job.expanded += len(rsvps)
    if len(rsvps) < batch_size:
        job.status = FanoutStatus.DONE
        job.finished_at = now
        job.total = max(job.total or 0, job.expanded)  # RSVPs that came since were included
    return len(rsvps)


def _render(session: Session, job: FanoutJob, event: Event, now: datetime) -> dict:
    """The job's email in every language, with and without a name in the greeting, with
    stand-ins for the name and the links (a fresh nonce: no organiser can type them). A
    change notice words its records in each language (``change_text``), dated for ``now``."""
    nonce = secrets.token_hex(8)
    name, manage, unsubscribe = (_STAND_IN.format(w, nonce) for w in ("N", "M", "U"))
    change = session.get(EventChange, job.change_id)
    context: dict = {"now": now}
    if job.kind == FanoutKind.UPDATE:
        subject_text = _l("Update")
    else:
        cancelled = job.kind == FanoutKind.CANCELLED
        subject_text = _l("Cancelled") if cancelled else _l("Changed")
        context["cancelled"] = cancelled
        context["changes"] = session.scalars(
            select(EventChange)
            .where(
                EventChange.event_id == job.event_id,
                EventChange.revision == change.revision,
                EventChange.is_update.is_(False),
            )
            .order_by(EventChange.id)
        ).all()
    subjects, bodies = {}, {}
    for lang in Language:
        for named in (True, False):
            subject, text, html = notify.render_parts(
                kind=_EMAIL_KIND[job.kind],
                event=event,
                lang=lang,
                subject_text=subject_text,
                rsvp=None,
                change=change,
                greeting_name=name if named else None,
                manage_url=manage,
                unsubscribe_url=unsubscribe,
                **context,
            )
            subjects[lang] = subject
            bodies[f"{lang}:{int(named)}"] = [text, html]
    ics = (
        None
        if job.kind == FanoutKind.UPDATE
        else {lang: notify.event_ics(event, job.created_at, lang) for lang in Language}
    )
    return {"nonce": nonce, "subjects": subjects, "bodies": bodies, "ics": ics}


def _row(job: FanoutJob, event: Event, rsvp: Rsvp, stand_in: re.Pattern) -> dict:
    parts = job.parts
    lang = notify.language_of(rsvp)
    text, html = parts["bodies"][f"{lang}:{int(bool(rsvp.name))}"]
    unsubscribe = unsubscribe_url(rsvp)
    plain = {"N": rsvp.name or "", "M": manage_url(rsvp), "U": unsubscribe}
    escaped = {what: str(escape(value)) for what, value in plain.items()}
    return {
        "dedupe_key": f"{job.key}:{rsvp.id}",
        "kind": _EMAIL_KIND[job.kind],
        "to_addr": rsvp.email,
        "subject": parts["subjects"][lang],
        # One pass each: a name that looks like a stand-in is not replaced again.
        "body_text": stand_in.sub(lambda m: plain[m[1]], text),
        "body_html": stand_in.sub(lambda m: escaped[m[1]], html),
        "headers": notify.unsubscribe_headers(unsubscribe),
        # One file per language; a job prepared before there were several holds one.
        "ics": parts["ics"].get(lang) if isinstance(parts["ics"], dict) else parts["ics"],
        "event_id": event.id,
        "rsvp_id": rsvp.id,
        "change_id": job.change_id,
    }


def delivery_progress(session: Session, event_id: int) -> dict:
    """How the event's mail is doing: ``{"total": {status: n}, "by_change": {change_id:
    {status: n}}, "preparing": {change_id: {"done": n, "total": n | None}}, "preparing_all":
    {"done": n, "total": n | None} | None}`` with statuses
    queued, sent and failed (a message being sent counts as queued). ``by_change`` covers
    change notices and organiser updates, counted through the outbox's (change_id, status)
    index; ``preparing`` lists the notices the worker has not finished expanding (``total``
    is None until it has counted their recipients), and ``preparing_all`` sums them."""
    queued, sent, failed = OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.FAILED
    shown = {queued: queued, OutboxStatus.SENDING: queued, sent: sent, failed: failed}
    change_ids = select(EventChange.id).where(EventChange.event_id == event_id)
    by_change: dict[int, dict[str, int]] = {}
    for change_id, status, count in session.execute(
        select(OutboxMessage.change_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.change_id.in_(change_ids), OutboxMessage.status.in_(tuple(shown)))
        .group_by(OutboxMessage.change_id, OutboxMessage.status)
    ):
        counts = by_change.setdefault(change_id, {queued: 0, sent: 0, failed: 0})
        counts[shown[status]] += count
    total = {queued: 0, sent: 0, failed: 0}
    for counts in by_change.values():
        for status, count in counts.items():
            total[status] += count
    # Every other message of the event (RSVP answers, reminders): one per participant at most.
    for status, count in session.execute(
        select(OutboxMessage.status, func.count())
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.change_id.is_(None),
            OutboxMessage.status.in_(tuple(shown)),
        )
        .group_by(OutboxMessage.status)
    ):
        total[shown[status]] += count
    preparing = {
        change_id: {"done": done, "total": of}
        for change_id, done, of in session.execute(
            select(FanoutJob.change_id, FanoutJob.expanded, FanoutJob.total).where(
                FanoutJob.event_id == event_id, FanoutJob.status == FanoutStatus.PENDING
            )
        )
    }
    waiting = list(preparing.values())
    summary = None
    if waiting:
        known = all(p["total"] is not None for p in waiting)
        summary = {
            "done": sum(p["done"] for p in waiting),
            "total": sum(p["total"] for p in waiting) if known else None,
        }
    return {
        "total": total,
        "by_change": by_change,
        "preparing": preparing,
        "preparing_all": summary,
    }
