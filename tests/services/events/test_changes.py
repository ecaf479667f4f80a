"""A published event records what participants must know as data, worded for each reader in
their language; a draft records nothing. A change notice waits a grace period, merges the
edits made meanwhile and disappears when they are undone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from models import EventChange, FanoutJob
from models.fanout import FanoutKind
from services import events
from services.events import changes
from services.events.change_text import describe
from services.route import parse_text
from tests.factories import NOW, make_event, make_user
from tests.factories import event_details as details

DELAY = timedelta(minutes=5)  # CHANGE_NOTICE_DELAY's default


def change_rows(session, event, lang: str = "en") -> list[tuple[int, str, str]]:
    return [
        (c.revision, c.kind, describe(c, now=NOW, lang=lang))
        for c in session.scalars(
            select(EventChange).where(EventChange.event_id == event.id).order_by(EventChange.id)
        )
    ]


def jobs(session) -> list[FanoutJob]:
    return session.scalars(select(FanoutJob).order_by(FanoutJob.id)).all()


def move_start(session, event, hour: int, now=NOW) -> None:
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, hour, 0)), now)


def changes_of(session, event) -> list[EventChange]:
    return session.scalars(
        select(EventChange).where(EventChange.event_id == event.id).order_by(EventChange.id)
    ).all()


def test_moving_the_start_of_a_published_event_is_recorded_once_with_a_revision(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, 14, 0)), NOW)
    assert event.revision == 1
    assert change_rows(session, event) == [
        (1, "time", "Start moved from 13:00 to 14:00 (Sunday 29 November).")
    ]
    [row] = changes_of(session, event)
    assert row.data == [
        {
            "what": "start",
            "old": "2026-11-29T12:00:00+00:00",
            "old_tz": "Europe/Berlin",
            "new": "2026-11-29T13:00:00+00:00",
            "tz": "Europe/Berlin",
        }
    ]
    # The English wording is kept beside the data, for readers without a language.
    assert row.summary == "Start moved from 13:00 to 14:00 (Sunday 29 November)."


def test_a_record_reads_in_the_language_of_its_reader(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, 14, 0)), NOW)
    [(_, _, german)] = change_rows(session, event, "de")
    [(_, _, russian)] = change_rows(session, event, "ru")
    assert german == "Beginn verschoben von 13:00 auf 14:00 (Sonntag, 29. November)."
    assert russian == "Начало перенесено с 13:00 на 14:00 (воскресенье, 29 ноября)."
    [row] = changes_of(session, event)
    with force_locale("de"):  # or the current language, when none is given
        assert describe(row, now=NOW) == german


def test_moving_to_another_day_names_both_days(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(
        session,
        event,
        details(starts_local=datetime(2026, 12, 6, 13, 0), ends_local=datetime(2026, 12, 6, 16, 0)),
        NOW,
    )
    [(_, kind, summary)] = change_rows(session, event)
    assert kind == "time"
    assert summary == (
        "Start moved from Sunday 29 November, 13:00 to Sunday 6 December, "
        "13:00. End moved from Sunday 29 November, 16:00 to Sunday 6 December, "
        "16:00."
    )


def test_a_date_in_another_year_than_now_says_its_year(session):
    event = make_event(
        session,
        make_user(session).id,
        as_organiser=True,
        route=False,
        starts_local=datetime(2026, 12, 31, 13, 0),
        ends_local=datetime(2026, 12, 31, 16, 0),
    )
    on_30_december = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
    events.update_event(
        session,
        event,
        details(starts_local=datetime(2027, 1, 2, 13, 0), ends_local=datetime(2027, 1, 2, 16, 0)),
        on_30_december,
    )
    [row] = changes_of(session, event)
    assert describe(row, now=on_30_december) == (
        "Start moved from Thursday 31 December, 13:00 to Saturday 2 January 2027, 13:00. "
        "End moved from Thursday 31 December, 16:00 to Saturday 2 January 2027, 16:00."
    )
    assert "2027" in describe(row, now=on_30_december, lang="de")
    # Read in 2027, the old date is the one in another year.
    in_2027 = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    assert describe(row, now=in_2027).startswith(
        "Start moved from Thursday 31 December 2026, 13:00 to Saturday 2 January, 13:00."
    )


def test_a_draft_records_nothing_and_keeps_revision_zero(session):
    event = make_event(session, make_user(session).id, as_organiser=True, published=False)
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, 14, 0)), NOW)
    events.save_route(session, event, parse_text("52.51, 13.37\n52.52, 13.38\n"), NOW)
    assert event.revision == 0 and change_rows(session, event) == [] and jobs(session) == []


def test_saving_unchanged_details_records_nothing(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(session, event, details(), NOW)
    assert event.revision == 0
    assert session.scalar(select(func.count()).select_from(EventChange)) == 0


def test_new_route_records_place_route_and_unlinked_schedule_in_one_revision(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.save_route(
        session,
        event,
        parse_text(
            "52.5080, 13.3750, Leipziger Platz, assembly\n"
            "52.5163, 13.3777\n"
            "52.5168, 13.3830, Russian embassy, end\n"
        ),
        NOW,
    )
    assert event.revision == 1
    rows = change_rows(session, event)
    assert [(r, k) for r, k, _ in rows] == [(1, "place"), (1, "route"), (1, "schedule")]
    assert rows[0][2] == "Assembly point moved to Leipziger Platz."
    assert rows[1][2] == (
        f"Route changed: now {event.route_length_m / 1000:.1f} km, ends at Russian embassy."
    )
    # The assembly item pointed at "Potsdamer Platz", which the new route no longer has.
    assert rows[2][2] == "Schedule changed: 13:00 Assembly now at no fixed place."
    german = change_rows(session, event, "de")
    km = f"{event.route_length_m / 1000:.1f}".replace(".", ",")
    assert german[1][2] == f"Route geändert: jetzt {km} km, Ende bei Russian embassy."


def test_schedule_changes_are_listed_item_by_item(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    entries = [events.schedule_entry(event, item) for item in event.schedule_items]
    entries[0].starts_local = entries[0].starts_local.replace(minute=15)
    entries.append(events.ScheduleEntry(datetime(2026, 11, 29, 14, 30), "Rally at the Gate"))
    events.save_schedule(session, event, entries[:1] + entries[2:], NOW)
    [(_, kind, summary)] = change_rows(session, event)
    assert kind == "schedule"
    assert summary == (
        "Schedule changed: Assembly moved from 13:00 to 13:15; "
        "14:30 Rally at the Gate added; 15:00 Rally at the embassy removed."
    )


def test_cancelling_a_published_event_records_the_reason(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.cancel(session, event, "The police banned the march.", NOW)
    assert change_rows(session, event) == [(1, "status", "Cancelled: The police banned the march.")]


def test_a_record_from_before_records_were_data_shows_its_stored_text(session):
    event = make_event(session)
    old = EventChange(event_id=event.id, revision=1, kind="time", summary="Start moved.")
    session.add(old)
    session.flush()
    assert describe(old, now=NOW, lang="de") == "Start moved."


def test_compare_is_pure_and_reports_city_changes():
    def snap(city: str) -> changes.Snapshot:
        at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        return changes.Snapshot(
            "published", None, at, at, "Europe/Berlin", city, None, (), (), 0, None, ()
        )

    assert changes.compare(snap("Berlin"), snap("Berlin")) == []
    assert changes.compare(snap("Berlin"), snap("Potsdam")) == [
        ("place", [{"what": "city", "old": "Berlin", "new": "Potsdam"}])
    ]
    same = snap("Berlin")
    assert changes.Snapshot.from_json(same.to_json()) == same


# --- the grace period -------------------------------------------------------------------------


def test_a_change_notice_waits_the_grace_period_from_the_state_before_the_edit(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    before = changes.snapshot(event)
    move_start(session, event, 14)
    [job] = jobs(session)
    assert (job.kind, job.run_after) == (FanoutKind.CHANGED, NOW + DELAY)
    assert changes.Snapshot.from_json(job.base) == before
    state = changes.notice_state(session, event, NOW)
    assert (state.state, state.at, state.zone) == ("waiting", NOW + DELAY, "CET")
    assert [c.kind for c in state.changes] == ["time"]


def test_edits_within_the_grace_period_become_one_notice_of_the_net_change(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    move_start(session, event, 14)
    later = NOW + timedelta(minutes=3)
    move_start(session, event, 15, now=later)
    events.update_event(
        session, event, details(starts_local=datetime(2026, 11, 29, 15, 0), city="Potsdam"), later
    )

    assert change_rows(session, event) == [
        (3, "time", "Start moved from 13:00 to 15:00 (Sunday 29 November)."),
        (3, "place", "City changed from Berlin to Potsdam."),
    ]
    [job] = jobs(session)  # one notice, waiting from the last edit, for the last revision
    assert job.run_after == later + DELAY
    assert job.key == f"change:{event.id}:3"
    assert job.change_id == changes_of(session, event)[0].id


def test_an_edit_back_cancels_the_notice_and_the_record(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    move_start(session, event, 14)
    move_start(session, event, 15, now=NOW + timedelta(minutes=1))
    move_start(session, event, 13, now=NOW + timedelta(minutes=2))
    assert change_rows(session, event) == []
    assert jobs(session) == []
    assert changes.notice_state(session, event, NOW) is None
    assert event.revision == 3  # calendars still see each version


def test_after_the_notice_began_a_new_edit_is_a_new_notice(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    move_start(session, event, 14)
    [first] = jobs(session)
    first.total = 0  # a worker began it
    session.flush()
    move_start(session, event, 15, now=NOW + DELAY)
    assert [c[2] for c in change_rows(session, event)] == [
        "Start moved from 13:00 to 14:00 (Sunday 29 November).",
        "Start moved from 14:00 to 15:00 (Sunday 29 November).",
    ]
    assert len(jobs(session)) == 2


def test_a_cancellation_goes_at_once_and_replaces_the_waiting_notice(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    move_start(session, event, 14)
    events.cancel(session, event, "Storm warning.", NOW + timedelta(minutes=1))
    [job] = jobs(session)
    assert (job.kind, job.run_after) == (FanoutKind.CANCELLED, NOW + timedelta(minutes=1))
    # The move did happen: the page still lists it.
    assert [kind for _, kind, _ in change_rows(session, event)] == ["time", "status"]


def test_send_now_makes_the_waiting_notice_due(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    assert changes.send_now(session, event, NOW) is False
    move_start(session, event, 14)
    sent_at = NOW + timedelta(minutes=1)
    assert changes.send_now(session, event, sent_at) is True
    [job] = jobs(session)
    assert job.run_after == sent_at
    assert changes.notice_state(session, event, sent_at).state == "sending"
