"""What participants are told by email. Each function renders a text and an HTML body from
one context and writes outbox rows in the caller's transaction; the worker sends them. A
notice to many participants (a change, a cancellation, an organiser update) is instead one
``FanoutJob`` row, which the worker expands into outbox rows (``services.mail.fanout``).

Links come from ``services.urls`` (built from ``BASE_URL``, not the request), so the same
code works in a request and in the worker (reminders are rendered there, with no request).

With a neutral subject set, nothing an inbox list shows names the event: the subject uses
the neutral subject, each body opens with a neutral preview line (and the HTML with a hidden
preheader) before anything names it, the calendar attachment is called ``event.ics`` and its
summary is the neutral subject, and the sender is ``MAIL_FROM`` for every event.

Every email is in the participant's language (``Rsvp.language``, the language of the page
they RSVPed on), not the language of whoever triggered it: rendering runs under
``force_locale``, which also sets the language of dates from ``services.times``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, FanoutJob, Rsvp
from models.enums import EventStatus, Language, MailKind, OutboxStatus, RsvpStatus
from models.fanout import FanoutKind
from services import calendar as ical
from services import qr, tokens
from services import texts as reader_texts
from services.mail import outbox
from services.mail.reminder_times import FOLDED, folded_offsets, reminder_key
from services.times import day_label, format_clock, format_time, format_when, to_local
from services.urls import confirm_url, event_url, manage_url, unsubscribe_url


def language_of(rsvp: Rsvp) -> str:
    """The language the participant's emails are written in: theirs, or English for a
    language we do not write in."""
    return rsvp.language if rsvp.language in tuple(Language) else Language.EN


def subject(event: Event, text: str, title: str | None = None) -> str:
    """A subject line naming the event by ``title`` (its title in the reader's language;
    default: as written); the event's neutral subject replaces it when one is set."""
    return _("%(what)s: %(title)s", what=text, title=event.neutral_subject or title or event.title)


def event_ics(event: Event, now: datetime, lang: str = Language.EN) -> str:
    """The event as an iCalendar text stamped ``now`` in ``lang`` (the participant's), for
    attaching to a message; named by its neutral subject when it has one (mail apps show
    the summary in the inbox list)."""
    with force_locale(lang):
        return ical.event_ics(event, event_url(event), now, title=event.neutral_subject).decode()


# The two answers to the public form (a new RSVP to confirm, or "you already replied") look
# alike in an inbox list: one subject, one preview line.
OPT_IN_KINDS = ("rsvp_confirm", "rsvp_exists")


def preview_line(event: Event, kind: str) -> str | None:
    """The neutral first line of an email (and its hidden HTML preheader), shown by mail
    apps as the preview; None where the body may open as it likes."""
    if kind in OPT_IN_KINDS:
        return _("About your RSVP: open this email for your private link.")
    if event.neutral_subject:
        return _(
            "About %(subject)s: open this email for the details.", subject=event.neutral_subject
        )
    return None


# The emails that tell a volunteer they are confirmed carry their check-in code.
CHECKIN_KINDS = ("rsvp_received", "rsvp_promoted")


def participant_row(
    *,
    kind: str,
    dedupe_key: str,
    event: Event,
    rsvp: Rsvp,
    subject_text,
    change: EventChange | None = None,
    ics: str | None = None,
    with_manage_link: bool = True,
    **context,
) -> dict:
    """The outbox columns of one email to a participant: both bodies and the subject
    rendered from one context in the participant's language, the unsubscribe headers, the
    calendar attachment if given. ``subject_text`` may be lazy (``_l``): it is translated
    here. An unconfirmed RSVP is greeted without the name it was sent with (anyone can
    type anything there) and gets no manage link (``with_manage_link``)."""
    unsubscribe = unsubscribe_url(rsvp)
    unconfirmed = rsvp.status == RsvpStatus.UNCONFIRMED
    if kind in CHECKIN_KINDS and rsvp.status == RsvpStatus.CONFIRMED and rsvp.role_id:
        # A volunteer's check-in code (never the manage token): the QR code and the words.
        code = tokens.checkin_code(rsvp.token_salt)
        context.update(
            checkin_code=tokens.grouped_checkin_code(code), checkin_qr=qr.png_data_uri(code)
        )
    subject_line, body_text, body_html = render_parts(
        kind=kind,
        event=event,
        lang=language_of(rsvp),
        subject_text=subject_text,
        rsvp=rsvp,
        change=change,
        greeting_name=None if unconfirmed else rsvp.name,
        manage_url=manage_url(rsvp) if with_manage_link and not unconfirmed else None,
        unsubscribe_url=unsubscribe,
        **context,
    )
    return {
        "dedupe_key": dedupe_key,
        "kind": kind,
        "to_addr": rsvp.email,
        "subject": subject_line,
        "body_text": body_text,
        "body_html": body_html,
        "headers": unsubscribe_headers(unsubscribe),
        "ics": ics,
        "event_id": event.id,
        "rsvp_id": rsvp.id,
        "change_id": change.id if change else None,
    }


def render_parts(
    *,
    kind: str,
    event: Event,
    lang: str,
    subject_text,
    rsvp: Rsvp | None,
    change: EventChange | None,
    greeting_name: str | None,
    manage_url: str | None,
    unsubscribe_url: str,
    **context,
) -> tuple[str, str, str]:
    """Subject, text body and HTML body of the email ``kind`` in ``lang``: the one place an
    email to a participant is rendered. ``services.mail.fanout`` renders a notice to many
    once per language with stand-ins for the name and the links, and fills those in.

    Every email carries the details block (``emails/_details.*``): the role (when the email
    is to one RSVP), the assembly point, start and end with the day in the event's zone
    (named), and the event's link; and, given a ``manage_url``, the "Your RSVP" button."""
    texts = reader_texts.for_reader(event, lang)
    assembly = event.assembly_waypoint
    with force_locale(lang):
        subject_line = subject(event, str(subject_text), texts.title)
        context.setdefault("assembly", assembly)
        context.update(
            event=event,
            # The organisers' texts in ``lang``: templates print these, not ``event.title``.
            title=texts.title,
            role_name=texts.role(rsvp.role.name) if rsvp is not None and rsvp.role else None,
            assembly_label=texts.waypoint(assembly.label) if assembly is not None else None,
            rsvp=rsvp,
            change=change,
            lang=lang,
            subject_line=subject_line,
            greeting_name=greeting_name,
            preview=preview_line(event, kind),
            manage_url=manage_url,
            event_url=event_url(event),
            unsubscribe_url=unsubscribe_url,
            when=format_when(event.starts_at, event.timezone),
            ends=format_end(event),
        )
        return (
            subject_line,
            render_template(f"emails/{kind}.txt", **context),
            render_template(f"emails/{kind}.html", **context),
        )


def format_end(event: Event) -> str:
    """The end as the event page says it: "17:00 CET" ("17:00 Uhr CET") on the day it
    starts, else the whole moment with its day ("Monday 30 November 2026, 02:00 CET"). In the
    current language."""
    start, end = to_local(event.starts_at, event.timezone), to_local(event.ends_at, event.timezone)
    if start.date() == end.date():
        return format_clock(event.ends_at, event.timezone)
    return format_when(event.ends_at, event.timezone)


def unsubscribe_headers(unsubscribe: str) -> dict[str, str]:
    """The RFC 8058 one-click unsubscribe headers of an email to a participant."""
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _queue(session: Session, now: datetime, **row_args) -> None:
    row = participant_row(**row_args)
    outbox.enqueue(session, now=now, **row)


def rsvp_confirm(session: Session, event: Event, rsvp: Rsvp, now: datetime, *, hours: int) -> None:
    """Ask the owner of the address to confirm a new RSVP: its confirm link (valid
    ``hours``), what the RSVP says, and "not you? ignore this". Queued by ``submit_rsvp``
    for a new address, and again for an address whose RSVP is still unconfirmed."""
    _queue(
        session,
        now,
        kind="rsvp_confirm",
        dedupe_key=f"confirm:{rsvp.id}:{secrets.token_hex(8)}",
        event=event,
        rsvp=rsvp,
        subject_text=_l("Your RSVP"),
        confirm_url=confirm_url(rsvp),
        hours=hours,
    )


def rsvp_exists(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> None:
    """Tell the owner of an address that already has an RSVP that the form was sent again
    and nothing changed, with their private link to change it. Same subject and preview
    as ``rsvp_confirm``: the two answers to the form look alike."""
    _queue(
        session,
        now,
        kind="rsvp_exists",
        dedupe_key=f"exists:{rsvp.id}:{secrets.token_hex(8)}",
        event=event,
        rsvp=rsvp,
        subject_text=_l("Your RSVP"),
    )


def rsvp_received(
    session: Session, event: Event, rsvp: Rsvp, now: datetime, *, position: int | None = None
) -> None:
    """Tell the participant where their RSVP stands (confirmed, waitlisted at ``position``,
    or awaiting approval), with their manage link; a confirmation carries the event's ICS.
    Queued by the RSVP services on every submission and approval; the caller counts the
    waitlist position, so that mail needs no RSVP rules. A confirmation close to the start
    says the reminders due around it, as a promotion does (``rsvp_promoted``)."""
    if rsvp.status != RsvpStatus.CONFIRMED:
        _queue(
            session,
            now,
            kind="rsvp_received",
            dedupe_key=f"rsvp:{rsvp.id}:{secrets.token_hex(8)}",
            event=event,
            rsvp=rsvp,
            subject_text=_l("Your RSVP"),
            position=position,
        )
        return
    subjects = (
        _l("You are confirmed"),
        _l("You are confirmed, today"),
        _l("You are confirmed, tomorrow"),
    )
    _queue_saying_reminders(session, event, rsvp, now, "rsvp_received", "rsvp", subjects)


def rsvp_promoted(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> None:
    """Tell a waitlisted participant that a place freed up and they are now confirmed, with
    the details and the event's ICS, and the reminders due around it
    (``_queue_saying_reminders``)."""
    subjects = (
        _l("You have a place"),
        _l("You have a place, today"),
        _l("You have a place, tomorrow"),
    )
    _queue_saying_reminders(session, event, rsvp, now, "rsvp_promoted", "promoted", subjects)


def _queue_saying_reminders(
    session: Session,
    event: Event,
    rsvp: Rsvp,
    now: datetime,
    kind: str,
    key: str,
    subjects: tuple[LazyString, LazyString, LazyString],
) -> None:
    """Queue the email (``kind``) that confirms ``rsvp``'s place, with the event's ICS.

    One email, not two: the reminders due now or within ``reminder_times.FOLD`` are said
    by this email ("Today 13:00: ..., assemble at ...", and "today"/"tomorrow" in the
    subject: ``subjects`` is plain, today, tomorrow) and recorded under their own keys as
    sent with it, so the reminder tick sends none of them (``folded_reminder_rows``)."""
    folded = folded_offsets(event, rsvp, now)
    context: dict = {}
    subject_text = subjects[0]
    if folded:
        with force_locale(language_of(rsvp)):
            day = day_label(event.starts_at, now, event.timezone)
            if day == _("Today"):
                subject_text = subjects[1]
            elif day == _("Tomorrow"):
                subject_text = subjects[2]
        context = {"day": day, "time": format_time(event.starts_at, event.timezone)}
    queued = outbox.enqueue(
        session,
        now=now,
        **participant_row(
            kind=kind,
            dedupe_key=f"{key}:{rsvp.id}:{secrets.token_hex(8)}",
            event=event,
            rsvp=rsvp,
            subject_text=subject_text,
            ics=event_ics(event, now, language_of(rsvp)),
            **context,
        ),
    )
    if queued is not None:  # a suppressed address gets neither
        outbox.enqueue_many(session, folded_reminder_rows(event, [rsvp], folded), now)


def folded_reminder_rows(event: Event, rsvps: list[Rsvp], offsets: list[int]) -> list[dict]:
    """Outbox rows that only record, under each reminder's dedupe key, that the reminder
    ``offsets`` of ``rsvps`` went with the email that confirmed their place: ``dropped``, no
    body, so the reminder tick never sends them. Settled rows, forgotten like any other."""
    return [
        {
            "dedupe_key": reminder_key(rsvp.id, offset, event.starts_at),
            "kind": MailKind.REMINDER,
            "to_addr": None,  # nothing goes out: no need to keep the address once more
            "subject": "",
            "body_text": "",
            "status": OutboxStatus.DROPPED,
            "last_error": FOLDED,
            "event_id": event.id,
            "rsvp_id": rsvp.id,
        }
        for rsvp in rsvps
        for offset in offsets
    ]


def change_key(event: Event, changes: list[EventChange]) -> str:
    """The key of the notice of ``changes`` (one revision): a second job for it is a no-op."""
    return f"change:{event.id}:{changes[0].revision}"


def event_changed(
    session: Session,
    event: Event,
    changes: list[EventChange],
    now: datetime,
    *,
    run_after: datetime | None = None,
    base: dict | None = None,
) -> FanoutJob | None:
    """Queue the notice of ``changes`` (one revision): the worker sends one per confirmed
    RSVP that wants updates, listing what changed (time, place, route, schedule, status),
    each worded in the participant's language, with the new ICS; a cancellation
    (``EventStatus.CANCELLED``) gives the reason and also reaches the waitlist. Writes one job
    row, whatever the number of participants, due at ``run_after`` (default ``now``; a change
    waits its grace period, with ``base``, the state it is compared with, see
    ``services.events.changes``); keyed by revision, so a retried request queues nothing
    twice. Returns the new job, if any."""
    if not changes:
        return None
    cancelled = event.status == EventStatus.CANCELLED
    extra = {"base": base} if base is not None else {}  # SQL NULL, not JSON null, when none
    return _queue_job(
        session,
        key=change_key(event, changes),
        kind=FanoutKind.CANCELLED if cancelled else FanoutKind.CHANGED,
        event=event,
        change=changes[0],
        now=now,
        run_after=run_after or now,
        **extra,
    )


def organiser_update(
    session: Session,
    event: Event,
    change: EventChange,
    now: datetime,
    include_waitlist: bool = False,
) -> FanoutJob | None:
    """Queue the organisers' own message to everyone confirmed (and optionally the
    waitlist): one job row, expanded by the worker at once (no grace period: the organisers
    wrote it to be sent). Returns the new job, if any."""
    return _queue_job(
        session,
        key=f"update:{change.id}",
        kind=FanoutKind.UPDATE,
        event=event,
        change=change,
        now=now,
        include_waitlist=include_waitlist,
    )


def _queue_job(
    session: Session,
    *,
    key: str,
    event: Event,
    change: EventChange,
    now: datetime,
    run_after: datetime | None = None,
    **fields,
) -> FanoutJob | None:
    if session.scalar(select(FanoutJob.id).where(FanoutJob.key == key)) is not None:
        return None
    job = FanoutJob(
        key=key,
        event_id=event.id,
        change_id=change.id,
        run_after=run_after or now,
        created_at=now,
        **fields,
    )
    session.add(job)
    session.flush()
    return job


def recipient_statuses(kind: str, include_waitlist: bool) -> tuple[str, ...]:
    """Whose RSVP status gets a notice of ``kind`` (a ``FanoutKind``): a cancellation
    reaches everyone still hoping to come; an update, the waitlist if asked."""
    if kind == FanoutKind.CANCELLED:
        return (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.PENDING_APPROVAL)
    if kind == FanoutKind.UPDATE and include_waitlist:
        return (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
    return (RsvpStatus.CONFIRMED,)


def recipient_filter(event_id: int, statuses: tuple[str, ...]) -> tuple:
    """The ``WHERE`` clauses of the RSVPs of ``event_id`` that get a notice sent to
    ``statuses``: those who want updates and whose address is not erased."""
    return (
        Rsvp.event_id == event_id,
        Rsvp.status.in_(statuses),
        Rsvp.wants_updates.is_(True),
        Rsvp.email.is_not(None),
    )


def reminder_row(event: Event, rsvp: Rsvp, offset: int, now: datetime) -> dict:
    """The outbox columns of the reminder ``offset`` minutes before the start, worded for
    ``now`` ("Tomorrow 13:00") in the participant's language. The key holds the start
    instant, so a moved start gets reminders of its own."""
    assembly = event.assembly_waypoint
    with force_locale(language_of(rsvp)):
        day = day_label(event.starts_at, now, event.timezone)
        # Whole subjects, not "Reminder, " + day: word order and case differ by language.
        if day == _("Today"):
            subject_text = _("Reminder, today")
        elif day == _("Tomorrow"):
            subject_text = _("Reminder, tomorrow")
        else:
            subject_text = _("Reminder, %(day)s", day=day)
        return participant_row(
            kind="reminder",
            dedupe_key=reminder_key(rsvp.id, offset, event.starts_at),
            event=event,
            rsvp=rsvp,
            subject_text=subject_text,
            day=day,
            time=format_time(event.starts_at, event.timezone),
            assembly=assembly,
        )
