"""A notice to many participants is one job row written by the request; the worker expands it
into one email per recipient, in their language, exactly once, even if it dies half-way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select

from core.extensions import db
from models import EventChange, FanoutJob, OutboxMessage, Rsvp, utcnow
from models.fanout import FanoutKind, FanoutStatus
from services import events, tokens
from services.events import changes
from services.mail import fanout, notify, unsubscribe
from services.times import format_time
from tests.factories import add_rsvp, expand_all, make_event


def move_start(session, event, now, hours: int = 1) -> list[EventChange]:
    before = changes.snapshot(event)
    event.starts_at += timedelta(hours=hours)
    event.ends_at += timedelta(hours=hours)
    return changes.record(session, event, before, now)


DELAY = timedelta(minutes=5)  # CHANGE_NOTICE_DELAY's default: a change notice waits this long


def outbox_rows(session) -> list[OutboxMessage]:
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.rsvp_id)).all()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_change_update_and_cancel_each_write_one_job_and_no_email(session):
    event = make_event(session)
    for i in range(5):
        add_rsvp(session, event, f"p{i}@example.org")
    now = utcnow()

    move_start(session, event, now)
    changes.post_update(session, event, "Bring water.", include_waitlist=False, now=now)
    session.commit()
    jobs = session.scalars(select(FanoutJob).order_by(FanoutJob.id)).all()
    assert [(job.kind, job.run_after) for job in jobs] == [
        (FanoutKind.CHANGED, now + DELAY),  # waits for corrections
        (FanoutKind.UPDATE, now),  # the organisers' own words go at once
    ]

    events.cancel(session, event, "Storm warning.", now)
    session.commit()

    # The cancellation goes at once and replaces the change notice still waiting.
    jobs = session.scalars(select(FanoutJob).order_by(FanoutJob.id)).all()
    assert [(job.kind, job.run_after) for job in jobs] == [
        (FanoutKind.UPDATE, now),
        (FanoutKind.CANCELLED, now),
    ]
    assert all(job.status == FanoutStatus.PENDING and job.cursor == 0 for job in jobs)
    assert count(session, OutboxMessage) == 0

    expand_all(now)
    assert count(session, OutboxMessage) == 10
    assert {job.status for job in session.scalars(select(FanoutJob))} == {FanoutStatus.DONE}
    expand_all(now + DELAY)
    assert count(session, OutboxMessage) == 10


def test_each_active_participant_gets_one_email_in_their_language(session):
    event = make_event(session)
    add_rsvp(session, event, "en@example.org", name="Ada")
    add_rsvp(session, event, "de@example.org", name="Jonas", language="de")
    add_rsvp(session, event, "ru@example.org", name="Вера", language="ru")
    add_rsvp(session, event, "xx@example.org", language="xx")  # not ours: English
    add_rsvp(session, event, "wait@example.org", status="waitlisted")
    add_rsvp(session, event, "quiet@example.org", wants_updates=False)
    add_rsvp(session, event, "gone@example.org", status="cancelled")
    move_start(session, event, utcnow())

    expand_all(utcnow() + DELAY)

    rows = {row.to_addr: row for row in outbox_rows(session)}
    assert sorted(rows) == ["de@example.org", "en@example.org", "ru@example.org", "xx@example.org"]
    assert rows["en@example.org"].subject == "Changed: March for the Climate"
    assert "Hello Ada," in rows["en@example.org"].body_text
    assert "has changed:" in rows["en@example.org"].body_text
    assert rows["de@example.org"].subject == "Geändert: March for the Climate"
    assert "Hallo Jonas," in rows["de@example.org"].body_text
    assert "hat sich geändert:" in rows["de@example.org"].body_text
    assert "Здравствуйте, Вера!" in rows["ru@example.org"].body_text
    assert "изменилась:" in rows["ru@example.org"].body_text
    # The change itself in each reader's language too, not in the organiser's.
    new = format_time(event.starts_at, event.timezone)
    old = format_time(event.starts_at - timedelta(hours=1), event.timezone)
    assert f"Start moved from {old} to {new}" in rows["en@example.org"].body_text
    assert f"Beginn verschoben von {old} auf {new}" in rows["de@example.org"].body_text
    assert f"Beginn verschoben von {old} auf {new}" in rows["de@example.org"].body_html
    assert f"Начало перенесено с {old} на {new}" in rows["ru@example.org"].body_text
    assert "Hello," in rows["xx@example.org"].body_text
    assert all(row.ics and "BEGIN:VCALENDAR" in row.ics for row in rows.values())


@pytest.mark.parametrize("kind", ["changed", "cancelled", "update"])
def test_an_expanded_email_is_exactly_the_one_rendered_for_that_participant(session, kind):
    event = make_event(session)
    people = [
        add_rsvp(session, event, "a@example.org", name='<b>"O\'Brien" & Co</b>'),
        add_rsvp(session, event, "b@example.org", language="de"),
        add_rsvp(session, event, "c@example.org", name="RPN" + "0" * 16, language="ru"),
        add_rsvp(session, event, "w@example.org", status="waitlisted", language="de"),
    ]
    now = utcnow().replace(microsecond=0)
    if kind == "update":
        change = changes.post_update(
            session, event, "Bring <water> & shade.", include_waitlist=True, now=now
        )
        expected = {
            "kind": "organiser_update",
            "dedupe_key": f"update:{change.id}:{{}}",
            "change": change,
            "subject_text": _l("Update"),
        }
    else:
        if kind == "cancelled":
            events.cancel(session, event, "The police <banned> it & more.", now)
        else:
            move_start(session, event, now)
        recorded = session.scalars(select(EventChange).order_by(EventChange.id)).all()
        expected = {
            "kind": "event_changed",
            "dedupe_key": f"change:{event.id}:{event.revision}:{{}}",
            "change": recorded[0],
            "changes": recorded,
            "cancelled": kind == "cancelled",
            "subject_text": _l("Cancelled") if kind == "cancelled" else _l("Changed"),
            "now": now + DELAY,  # the changes are dated for when the worker renders them
        }
    session.commit()

    expand_all(now + DELAY)

    rows = {row.rsvp_id: row for row in outbox_rows(session)}
    reached = people if kind != "changed" else people[:3]
    assert sorted(rows) == sorted(p.id for p in reached)
    for rsvp in reached:
        # The calendar file comes in the participant's language, as the email does.
        ics = notify.event_ics(event, now, notify.language_of(rsvp)) if kind != "update" else None
        wanted = notify.participant_row(
            event=event,
            rsvp=rsvp,
            ics=ics,
            **{**expected, "dedupe_key": expected["dedupe_key"].format(rsvp.id)},
        )
        row = rows[rsvp.id]
        got = {column: getattr(row, column) for column in wanted}
        assert got == wanted
    assert "&lt;b&gt;&#34;O&#39;Brien&#34; &amp; Co&lt;/b&gt;" in rows[people[0].id].body_html
    assert '<b>"O\'Brien" & Co</b>' in rows[people[0].id].body_text


def test_a_worker_killed_mid_expansion_neither_loses_nor_repeats_an_email(session):
    event = make_event(session)
    for i in range(7):
        add_rsvp(session, event, f"p{i}@example.org")
    now = utcnow() + DELAY  # when the change notice is due
    move_start(session, event, now - DELAY)
    session.commit()

    assert fanout.expand_due(db.transaction, now, 3) == 3  # one batch, committed
    # The next batch dies before its commit: its rows and its cursor go together.
    with pytest.raises(RuntimeError), db.transaction() as dying:
        job = dying.scalar(select(FanoutJob))
        assert fanout.expand_batch(dying, job, now, 3) == 3
        raise RuntimeError("killed")
    session.commit()
    session.expire_all()
    job = session.scalar(select(FanoutJob))
    assert (job.expanded, job.total, job.status) == (3, 7, FanoutStatus.PENDING)
    assert count(session, OutboxMessage) == 3

    expand_all(now, batch_size=3)  # a fresh worker

    addresses = [row.to_addr for row in outbox_rows(session)]
    assert addresses == [f"p{i}@example.org" for i in range(7)]
    job = session.scalar(select(FanoutJob))
    assert (job.expanded, job.queued, job.status) == (7, 7, FanoutStatus.DONE)

    # Even a job run again from the start adds nothing: the dedupe keys hold.
    job.cursor, job.status = 0, FanoutStatus.PENDING
    expand_all(now, batch_size=3)
    assert count(session, OutboxMessage) == 7


def test_suppressed_and_erased_addresses_are_skipped(session):
    event = make_event(session)
    add_rsvp(session, event, "yes@example.org")
    add_rsvp(session, event, "never@example.org")
    add_rsvp(session, event, "erased@example.org").email = None
    unsubscribe.suppress(session, "Never@Example.org", utcnow())
    changes.post_update(session, event, "Hi", include_waitlist=False, now=utcnow())

    expand_all(utcnow())

    assert [row.to_addr for row in outbox_rows(session)] == ["yes@example.org"]
    job = session.scalar(select(FanoutJob))
    assert (job.total, job.expanded, job.queued) == (2, 2, 1)


def test_a_change_notice_waits_its_grace_period_and_a_second_job_for_it_is_a_no_op(session):
    event = make_event(session)
    add_rsvp(session, event, "a@example.org")
    now = utcnow()
    recorded = move_start(session, event, now)
    assert notify.event_changed(session, event, recorded, now) is None  # a retried request
    session.commit()

    expand_all(now)
    expand_all(now + DELAY - timedelta(seconds=1))
    assert count(session, OutboxMessage) == 0
    expand_all(now + DELAY)
    assert count(session, OutboxMessage) == 1


def test_two_workers_never_expand_the_same_job_at_once(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite's write lock lets one worker in at a time")
    event = make_event(session)
    add_rsvp(session, event, "a@example.org")
    now = utcnow()
    move_start(session, event, now)
    session.commit()

    with db.transaction() as first:
        job = first.scalar(select(FanoutJob).with_for_update())  # mid-batch elsewhere
        assert fanout.expand_due(db.transaction, now) == 0  # skipped, not waited for
        fanout.expand_batch(first, job, now, fanout.BATCH_SIZE)
    session.commit()
    assert count(session, OutboxMessage) == 1


def test_many_participants_are_one_insert_in_the_request_and_batches_in_the_worker(session):
    event = make_event(session)
    salt = tokens.new_salt()
    session.execute(
        insert(Rsvp),
        [
            {
                "event_id": event.id,
                "email": f"p{i}@example.org",
                "status": "confirmed",
                "language": ("en", "de", "ru")[i % 3],
                "token_salt": salt,
                "token_hash": f"{i:064x}",
                "created_at": event.created_at,
                "updated_at": event.created_at,
            }
            for i in range(2500)
        ],
    )
    session.commit()
    now = utcnow()

    events.cancel(session, event, "Storm warning.", now)
    session.commit()
    assert count(session, OutboxMessage) == 0

    assert fanout.expand_due(db.transaction, now) == fanout.BATCH_SIZE
    session.commit()
    progress = fanout.delivery_progress(session, event.id)
    job = session.scalar(select(FanoutJob))
    assert progress["preparing"] == {job.change_id: {"done": 1000, "total": 2500}}
    assert progress["total"]["queued"] == 1000

    expand_all(now)
    assert count(session, OutboxMessage) == 2500
    progress = fanout.delivery_progress(session, event.id)
    assert progress["preparing"] == {} and progress["preparing_all"] is None
    assert progress["by_change"][job.change_id]["queued"] == 2500


@pytest.mark.parametrize("action", ["change", "update", "cancel"])
def test_the_request_costs_the_same_statements_for_3_or_1200_participants(session, action):
    def statements(participants: int) -> int:
        event = make_event(session)
        session.execute(
            insert(Rsvp),
            [
                {
                    "event_id": event.id,
                    "email": f"p{event.id}-{i}@example.org",
                    "status": "confirmed",
                    "token_salt": f"s{event.id}-{i}",
                    "token_hash": f"{event.id:032x}{i:032x}",
                    "created_at": event.created_at,
                    "updated_at": event.created_at,
                }
                for i in range(participants)
            ],
        )
        session.commit()
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            if action == "change":
                move_start(session, event, utcnow())
            elif action == "update":
                changes.post_update(session, event, "Hi", include_waitlist=True, now=utcnow())
            else:
                events.cancel(session, event, "Storm.", utcnow())
            session.commit()
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements(3) == statements(1200)  # 1200: more than the old chunks of 500
    assert count(session, OutboxMessage) == 0


def test_a_notice_about_next_year_names_the_year(session):
    start = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)  # Thursday 13:00 in Berlin
    event = make_event(session, starts_at=start)
    add_rsvp(session, event, "en@example.org")
    add_rsvp(session, event, "de@example.org", language="de")
    on_30_december = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
    move_start(session, event, on_30_december, hours=48)
    session.commit()

    expand_all(on_30_december + DELAY)

    rows = {row.to_addr: row.body_text for row in outbox_rows(session)}
    assert (
        "Start moved from Thursday 31 December, 13:00 to Saturday 2 January 2027, 13:00."
        in rows["en@example.org"]
    )
    assert "Samstag, 2. Januar 2027" in rows["de@example.org"]
