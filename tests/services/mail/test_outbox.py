"""The outbox: which mail goes first, and what is forgotten of mail once it is sent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from models import OutboxMessage, utcnow
from models.enums import MailKind, MailPriority
from services.mail import outbox
from tests.factories import make_event

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "emails"


def test_every_kind_of_mail_has_a_priority_and_only_mail_to_many_is_bulk():
    kinds = {p.stem for p in TEMPLATES.glob("*.txt") if not p.stem.startswith("_")}
    assert kinds <= set(MailKind)  # a new template is a new kind: name it
    bulk = {kind for kind in MailKind if outbox.priority_of(kind) == MailPriority.BULK}
    assert bulk == {"event_changed", "event_cancelled", "organiser_update", "reminder"}
    assert outbox.priority_of("something_new") == MailPriority.TRANSACTIONAL


def test_rows_get_their_priority_from_their_kind(session):
    now = utcnow()
    fields = {"to_addr": "ada@example.org", "subject": "s", "body_text": "b"}
    outbox.enqueue(session, now=now, dedupe_key="one", kind="password_reset", **fields)
    outbox.enqueue_many(
        session,
        [
            {"dedupe_key": "two", "kind": "reminder", **fields},
            {"dedupe_key": "three", "kind": "rsvp_promoted", **fields},
        ],
        now,
    )
    rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.priority)).all()
    assert dict(rows) == {"one": 0, "two": 1, "three": 0}


def add(session, key: str, *, status: str, age: timedelta, event=None) -> None:
    now = utcnow()
    session.add(
        OutboxMessage(
            dedupe_key=key,
            kind="reminder" if event else "password_reset",
            to_addr="ada@example.org",
            subject="s",
            body_text="text",
            body_html="<p>html</p>",
            ics="BEGIN:VCALENDAR",
            headers={"List-Unsubscribe": "<x>"},
            status=status,
            created_at=now - age,
            next_attempt_at=now - age,
            event_id=event.id if event else None,
        )
    )


def test_old_sent_mail_loses_its_bodies_and_then_its_row_once_its_key_cannot_recur(session):
    now = utcnow()
    ended = make_event(
        session, slug="ended", starts_at=now - timedelta(days=60), ends_at=now - timedelta(days=59)
    )
    upcoming = make_event(session, slug="upcoming", starts_at=now + timedelta(days=3))
    add(session, "fresh", status="sent", age=timedelta(hours=1))
    add(session, "old", status="sent", age=timedelta(days=3))
    add(session, "ancient", status="failed", age=timedelta(days=40))
    add(session, "ancient-ended", status="sent", age=timedelta(days=40), event=ended)
    add(session, "ancient-upcoming", status="sent", age=timedelta(days=40), event=upcoming)
    add(session, "ancient-queued", status="queued", age=timedelta(days=40))
    session.flush()

    steps = []
    while not steps or steps[-1] == 2:
        steps.append(outbox.forget_sent_mail(session, now=now, body_days=2, row_days=30, limit=2))

    session.expire_all()
    rows = {r.dedupe_key: r for r in session.scalars(select(OutboxMessage))}
    # Gone: account mail (a random key) and mail of an event long over.
    assert set(rows) == {"fresh", "old", "ancient-upcoming", "ancient-queued"}
    # A reminder of an event still to come stays, so its key keeps it from going again.
    assert rows["ancient-upcoming"].status == "sent"
    for key in ("old", "ancient-upcoming"):
        assert (rows[key].body_text, rows[key].body_html, rows[key].ics) == ("", "", None)
        assert rows[key].headers == {}
    for key in ("fresh", "ancient-queued"):  # too young, or not sent yet
        assert rows[key].body_text == "text"
        assert rows[key].ics == "BEGIN:VCALENDAR"
