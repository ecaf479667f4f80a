"""The public event page, its live feed and files are answered from their validator: the ETag
stays the same while what they show stays the same (all day long), changes with every change,
update, position and count, and a request that is answered 304 (or from the cached body)
renders nothing and costs one query. One language's page never reaches another, nor a
personal page anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import event as sa_event

import routes.events
from models import utcnow
from services.events import changes, translations
from services.live import positions as march
from services.times import to_local
from tests.factories import add_role, march_under_way, rsvp

SLUG = "validated-march"


@pytest.fixture
def clock(monkeypatch):
    """The routes' clock, set by the test: ``clock.now``."""

    class Clock:
        now = None

    def now():
        return Clock.now

    monkeypatch.setattr(routes.events, "utcnow", now)
    return Clock


@pytest.fixture
def event(session, organiser, clock):
    clock.now = now = utcnow()
    # Starts in a day; the route lets stewards report a position.
    march = march_under_way(
        session, organiser[0], now=now + timedelta(days=1, minutes=30), slug=SLUG, with_gate=True
    )
    return march


@pytest.fixture
def renders(app):
    """The names of the templates rendered while the test runs."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def statements(app, client, path, **kw) -> tuple[object, list[str]]:
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        if statement != "BEGIN":
            seen.append(statement)

    engine = app.extensions["rallypoint.db"][0]
    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path, **kw)
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)
    return response, seen


def etag(client, path=f"/e/{SLUG}", **kw) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200
    return response.headers["ETag"]


def test_page_etag_is_the_same_an_hour_later_and_says_when_it_last_changed(
    client, session, event, clock
):
    first = client.get(f"/e/{SLUG}")
    clock.now += timedelta(hours=1)
    later = client.get(f"/e/{SLUG}")
    assert first.headers["ETag"] == later.headers["ETag"]
    assert first.data == later.data
    html = first.get_data(as_text=True)
    assert "Updated at" not in html
    assert "data-live-changed hidden" in html  # nothing changed since it was published
    changes.post_update(
        session, event, "Meet at the south exit.", include_waitlist=False, now=clock.now
    )
    session.commit()
    html = client.get(f"/e/{SLUG}").get_data(as_text=True)
    # Without JavaScript: the time of the last change, in the event's zone, named.
    local = to_local(clock.now, "Europe/Berlin")
    assert f'Last change: <time datetime="{clock.now.isoformat()}" data-live-stamp>' in html
    assert f"{local:%H:%M} {local.tzname()}</time>." in html


def test_page_etag_changes_with_an_update_a_change_a_position_and_a_count(
    client, session, event, clock
):
    tags = [etag(client)]
    changes.post_update(session, event, "Bring water.", include_waitlist=False, now=clock.now)
    session.commit()
    tags.append(etag(client))
    translations.save(session, event, {"de": ("Marsch", "")})
    session.commit()
    tags.append(etag(client))
    assert etag(client, headers={"Accept-Language": "de"}) != tags[-1]
    # On the day (reports open an hour before the start); the page takes it as it comes.
    march.report_position(
        session, event, lat=52.5163, lon=13.3777, is_front=True, now=event.starts_at
    )
    session.commit()
    tags.append(etag(client))
    rsvp(session, event, "pat@example.org", party_size=2, now=clock.now)
    tags.append(etag(client))
    role = add_role(session, event, "Stewards", needed=3)
    tags.append(etag(client))
    rsvp(session, event, "sam@example.org", role=role, now=clock.now)
    tags.append(etag(client))
    assert len(set(tags)) == len(tags)
    html = client.get(f"/e/{SLUG}").get_data(as_text=True)
    assert "3 people are coming." in html and "Stewards: 1 of 3" in html
    # RSVPs close when the march starts: the page says so, with a new ETag.
    clock.now += timedelta(days=2)
    assert etag(client) != tags[-1]
    assert "RSVPs are closed" in client.get(f"/e/{SLUG}").get_data(as_text=True)


def test_304_and_a_repeated_view_render_nothing_and_cost_one_query(app, client, event, renders):
    first = client.get(f"/e/{SLUG}")
    assert "events/show.html" in renders
    renders.clear()
    again, seen = statements(
        app, client, f"/e/{SLUG}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert renders == [] and len(seen) == 1
    repeated, seen = statements(app, client, f"/e/{SLUG}")
    assert repeated.status_code == 200 and repeated.data == first.data
    assert renders == [] and len(seen) == 1
    # A compressed answer's ETag ("…:br") is recognised too.
    packed = client.get(f"/e/{SLUG}", headers={"Accept-Encoding": "br"})
    assert packed.headers["ETag"].endswith(':br"')
    assert (
        client.get(f"/e/{SLUG}", headers={"If-None-Match": packed.headers["ETag"]}).status_code
        == 304
    )


def test_cached_page_reaches_only_its_own_language(client, event):
    english = client.get(f"/e/{SLUG}").get_data(as_text=True)
    german = client.get(f"/e/{SLUG}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="de">' in german
    assert client.get(f"/e/{SLUG}").get_data(as_text=True) == english


def test_organisers_page_is_personal_and_never_reaches_the_public(app, client, logged_in, event):
    mine = logged_in.get(f"/e/{SLUG}")
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert "Log out" in mine.get_data(as_text=True)
    anonymous = app.test_client()
    public = anonymous.get(f"/e/{SLUG}")
    assert public.headers["Cache-Control"] == "public, max-age=60"
    assert "Log out" not in public.get_data(as_text=True)
    assert "csrf_token" not in public.get_data(as_text=True)
    assert "Set-Cookie" not in public.headers


def test_feed_etag_is_stable_and_a_304_renders_nothing(app, client, session, event, clock):
    first = client.get(f"/e/{SLUG}/live.json")
    clock.now += timedelta(hours=1)
    assert client.get(f"/e/{SLUG}/live.json").headers["ETag"] == first.headers["ETag"]
    again, seen = statements(
        app, client, f"/e/{SLUG}/live.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and len(seen) == 1
    # A count is not in the feed: its ETag stays; a position is.
    rsvp(session, event, "pat@example.org", now=clock.now)
    assert client.get(f"/e/{SLUG}/live.json").headers["ETag"] == first.headers["ETag"]
    # On the day (reports open an hour before the start); the page takes it as it comes.
    march.report_position(
        session, event, lat=52.5163, lon=13.3777, is_front=True, now=event.starts_at
    )
    session.commit()
    changed = client.get(f"/e/{SLUG}/live.json", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.json["position"]["front"]["near"] == "Brandenburg Gate"


def test_calendar_file_answers_304_from_its_validator(app, client, session, event, renders):
    first = client.get(f"/e/{SLUG}.ics")
    assert first.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.ics"'
    again, seen = statements(
        app, client, f"/e/{SLUG}.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and len(seen) == 1
    changes.post_update(session, event, "Bring water.", include_waitlist=False, now=event.starts_at)
    session.commit()
    assert client.get(f"/e/{SLUG}.ics").headers["ETag"] != first.headers["ETag"]
