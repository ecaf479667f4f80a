"""The JSON API as its clients see it: public events without a token, organisers' events
with one, and errors as problem+json. (``test_api_schema.py`` runs schemathesis against the
OpenAPI document; ``test_access_matrix.py`` checks who reaches each endpoint.)"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    AccessLogEntry,
    ApiToken,
    Event,
    EventChange,
    EventOrganiser,
    OutboxMessage,
    utcnow,
)
from models.enums import ApiAccess
from services.accounts import api_tokens
from services.events import translations
from tests.factories import NOW, PASSWORD, add_role, add_rsvp, expand_all, make_event, make_user
from tests.plugins.app import log_in

PROBLEM = "application/problem+json"


@pytest.fixture
def team(session):
    """A published march owned by "owner", organised with "co"; "other" organises another."""
    owner = make_user(session, "owner@example.org", display_name="Owner")
    co = make_user(session, "co@example.org", display_name="Co")
    other = make_user(session, "other@example.org", display_name="Other")
    event = make_event(session, owner.id, as_organiser=True)
    session.add(EventOrganiser(event_id=event.id, user_id=co.id, is_owner=False))
    session.commit()
    return {"owner": owner, "co": co, "other": other, "event": event}


def token(session, user, access=ApiAccess.WRITE, attendees=False) -> dict:
    """The Authorization header of a new token of ``user``'s."""
    _row, secret = api_tokens.create_token(
        session, user, label="Sync", access=access, reads_attendees=attendees, now=NOW
    )
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def details(**changes) -> dict:
    return {
        "title": "Climate march",
        "starts_local": "2026-11-29T13:00",
        "ends_local": "2026-11-29T16:00",
        "timezone": "Europe/Berlin",
        "city": "Berlin",
        **changes,
    }


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert [e["field"] for e in body["errors"]] == list(fields)
    return body


# --- public ---------------------------------------------------------------------------------


def test_listing_filters_by_city_dates_and_words_and_pages(client, session):
    starts = datetime(2030, 5, 1, 12, tzinfo=UTC)
    for n, city in enumerate(["Berlin", "Hamburg", "berlin"]):
        make_event(session, title=f"March {n}", city=city, starts_at=starts.replace(day=n + 1))
    make_event(session, title="Hidden", city="Berlin", visibility="unlisted", starts_at=starts)
    make_event(session, title="Draft", city="Berlin", published=False, starts_at=starts)

    berlin = client.get("/api/events?city=BERLIN&per_page=1").get_json()
    assert [e["title"] for e in berlin["events"]] == ["March 0"] and berlin["has_more"]
    second = client.get("/api/events?city=berlin&per_page=1&page=2").get_json()
    assert [e["title"] for e in second["events"]] == ["March 2"] and not second["has_more"]
    dated = client.get(
        "/api/events?starts_from=2030-05-02T00:00:00Z&starts_before=2030-05-03T00:00:00Z"
    )
    assert [e["title"] for e in dated.get_json()["events"]] == ["March 1"]
    assert [e["city"] for e in client.get("/api/events?q=hamb").get_json()["events"]] == ["Hamburg"]
    assert client.get("/api/events?q=Hidden").get_json()["events"] == []


def test_an_event_has_its_route_schedule_translations_and_role_counts(client, session, team):
    event = team["event"]
    translations.save(session, event, {"de": ("Marsch gegen den Krieg", "Kommt alle")})
    medics = add_role(session, event, "Medics", needed=4)
    add_rsvp(session, event, "a@example.org", party_size=2, role_id=medics.id)
    session.commit()

    body = client.get(f"/api/events/{event.slug}").get_json()
    assert body["title"] == "March against the war" and body["status"] == "published"
    assert body["translations"] == [
        {"language": "de", "title": "Marsch gegen den Krieg", "description_md": "Kommt alle"}
    ]
    line, *spots = body["route"]["features"]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 4
    assert [s["properties"]["label"] for s in spots][0] == "Potsdamer Platz"
    assert [(i["title"], i["waypoint"]) for i in body["schedule"]] == [
        ("Assembly", "Potsdamer Platz"),
        ("Rally at the embassy", "Russian embassy"),
    ]
    # One medic and a guest: the role counts its volunteer.
    assert body["roles"] == [{"name": "Medics", "needed": 4, "people": 1}]
    assert body["people"] == 2

    session.get(Event, event.id).is_count_public = False
    session.commit()
    hidden = client.get(f"/api/events/{event.slug}").get_json()
    assert hidden["roles"] == [{"name": "Medics", "needed": 4, "people": None}]
    assert hidden["people"] is None


def test_public_answers_are_cached_with_an_etag_and_set_no_cookie(client, team):
    slug = team["event"].slug
    for path in ("/api/events", f"/api/events/{slug}", f"/api/events/{slug}/live"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
        assert "Set-Cookie" not in first.headers
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path


def test_a_draft_does_not_exist_in_the_public_api(client, session, team):
    draft = make_event(session, team["owner"].id, as_organiser=True, published=False)
    assert_problem(client.get(f"/api/events/{draft.slug}"), 404)
    assert_problem(client.get(f"/api/events/{draft.slug}/live"), 404)


def test_live_state_lists_updates_newest_first(client, session, team):
    headers = token(session, team["owner"])
    event_id, slug = team["event"].id, team["event"].slug
    for message in ("Meet at the north exit", "Water at the stage"):
        posted = client.post(
            f"/api/organiser/events/{event_id}/updates", json={"message": message}, headers=headers
        )
        assert posted.status_code == 201
    live = client.get(f"/api/events/{slug}/live").get_json()
    assert [u["summary"] for u in live["updates"] if u["is_update"]] == [
        "Water at the stage",
        "Meet at the north exit",
    ]


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_is_made_on_the_account_page_shown_once_and_revoked(client, session, team):
    assert log_in(client, "owner@example.org", PASSWORD).status_code == 302
    page = client.get("/account/api-tokens")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"

    made = client.submit(
        "/account/api-tokens", {"label": "Website", "access": "write", "reads_attendees": "y"}
    )
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    secret = html.split('<code id="new-token">', 1)[1].split("</code>", 1)[0]
    assert secret.startswith("rp_") and len(secret) == 46
    row = session.scalars(select(ApiToken)).one()
    assert (row.label, row.access, row.reads_attendees) == ("Website", "write", True)
    assert secret not in row.token_hash and len(row.token_hash) == 64  # only its hash is kept
    assert secret not in client.get("/account/api-tokens").get_data(as_text=True)  # shown once

    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/organiser/events", headers=headers).status_code == 200
    revoked = client.submit(f"/account/api-tokens/{row.id}/revoke", form_page="/account/api-tokens")
    assert revoked.status_code == 303
    assert_problem(client.get("/api/organiser/events", headers=headers), 401)


def test_a_nameless_token_is_refused_next_to_the_field(client, session, team):
    assert log_in(client, "owner@example.org", PASSWORD).status_code == 302
    response = client.submit("/account/api-tokens", {"label": "", "access": "read"})
    assert response.status_code == 422
    assert "Name the token" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_nobody_revokes_another_accounts_token(client, session, team):
    token(session, team["owner"])
    theirs = session.scalars(select(ApiToken)).one()
    assert log_in(client, "other@example.org", PASSWORD).status_code == 302
    response = client.submit(
        f"/account/api-tokens/{theirs.id}/revoke", form_page="/account/api-tokens"
    )
    assert response.status_code == 404
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 1


# --- scopes and permissions -----------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(client, session, team):
    headers = token(session, team["owner"], access=ApiAccess.READ)
    event_id = team["event"].id
    assert client.get(f"/api/organiser/events/{event_id}", headers=headers).status_code == 200
    assert_problem(client.post("/api/organiser/events", json=details(), headers=headers), 403)
    assert_problem(
        client.post(
            f"/api/organiser/events/{event_id}/cancel", json={"reason": "x"}, headers=headers
        ),
        403,
    )
    assert session.get(Event, event_id).status == "published"


def test_attendees_need_their_own_scope_and_each_read_is_logged(client, session, team):
    event = team["event"]
    add_rsvp(session, event, "anna@example.org", name="Anna")
    path = f"/api/organiser/events/{event.id}/attendees"
    assert_problem(client.get(path, headers=token(session, team["owner"])), 403)
    assert session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0

    response = client.get(path, headers=token(session, team["co"], attendees=True))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert [(a["name"], a["email"]) for a in response.get_json()["attendees"]] == [
        ("Anna", "anna@example.org")
    ]
    entry = session.scalars(select(AccessLogEntry)).one()
    assert (entry.event_id, entry.user_id, entry.kind) == (event.id, team["co"].id, "viewed")


def test_another_organisers_token_finds_nothing_of_my_event(client, session, team):
    headers = token(session, team["other"], attendees=True)
    event_id = team["event"].id
    base = f"/api/organiser/events/{event_id}"
    assert_problem(client.get(base, headers=headers), 404)
    assert_problem(client.get(base + "/attendees", headers=headers), 404)
    assert_problem(client.put(base, json=details(), headers=headers), 404)
    assert_problem(client.post(base + "/updates", json={"message": "hi"}, headers=headers), 404)
    mine = client.get("/api/organiser/events", headers=headers).get_json()["events"]
    assert event_id not in [e["id"] for e in mine]
    # A co-organiser's token works as the co-organiser does on the pages.
    co = client.get(base, headers=token(session, team["co"])).get_json()
    assert co["id"] == event_id and co["is_owner"] is False


def test_a_logged_in_browser_without_a_token_is_not_let_in(client, session, team):
    """The API reads no cookie, so it needs no CSRF token, and a page on another site that
    makes a logged-in organiser's browser post to it gets nothing done."""
    assert log_in(client, "owner@example.org", PASSWORD).status_code == 302
    event_id = team["event"].id
    assert_problem(client.get("/api/organiser/events"), 401)
    response = client.post(f"/api/organiser/events/{event_id}/cancel", json={"reason": "forged"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert session.get(Event, event_id).status == "published"


def test_a_token_of_an_unverified_account_is_refused(client, session, team):
    headers = token(session, team["owner"])
    session.get(type(team["owner"]), team["owner"].id).email_verified_at = None
    session.commit()
    assert_problem(client.get("/api/organiser/events", headers=headers), 401)


# --- what organisers do ---------------------------------------------------------------------


def test_an_organiser_builds_and_publishes_an_event_through_the_api(client, session, team):
    headers = token(session, team["owner"])
    made = client.post("/api/organiser/events", json=details(capacity=200), headers=headers)
    assert made.status_code == 201
    event_id = made.get_json()["id"]
    assert made.get_json()["status"] == "draft" and made.get_json()["capacity"] == 200
    base = f"/api/organiser/events/{event_id}"

    route = client.put(
        base + "/route",
        json={
            "format": "text",
            "data": "52.5096, 13.3762, Potsdamer Platz, assembly\n52.5163, 13.3777, Gate, end",
        },
        headers=headers,
    )
    assert route.status_code == 200
    waypoints = {w["label"]: w["id"] for w in route.get_json()["waypoints"]}
    schedule = client.put(
        base + "/schedule",
        json={
            "items": [
                {"time": "15:00", "title": "Rally", "waypoint_id": waypoints["Gate"]},
                {"time": "13:00", "title": "Assembly"},
            ]
        },
        headers=headers,
    )
    assert [(i["time"], i["title"]) for i in schedule.get_json()["schedule"]] == [
        ("13:00", "Assembly"),
        ("15:00", "Rally"),
    ]
    published = client.post(base + "/publish", headers=headers).get_json()
    assert published["status"] == "published"
    public = client.get(f"/api/events/{published['slug']}").get_json()
    assert public["route_length_m"] > 0 and len(public["schedule"]) == 2

    cancelled = client.post(base + "/cancel", json={"reason": "Storm warning"}, headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
    again = client.post(base + "/publish", headers=headers)
    assert_problem(again, 422)
    assert "duplicate" in again.get_json()["detail"]


def _outbox(session, event_id: int) -> list[tuple]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_id == event_id).order_by(OutboxMessage.id)
    )
    return [(row.kind, row.to_addr, row.subject) for row in rows]


def test_a_change_through_the_api_is_told_as_the_form_tells_it(client, session, team):
    """The same new start time, saved once through the details form and once through the
    API, gives the same change record and the same notices to the same people."""
    # Both marches weeks ahead of today: a published march cannot move into the past.
    day = (utcnow() + timedelta(weeks=6)).date()
    by_form, by_api = (
        make_event(
            session,
            team["owner"].id,
            as_organiser=True,
            starts_local=datetime.combine(day, time(13)),
            ends_local=datetime.combine(day, time(16)),
        )
        for _ in range(2)
    )
    for event in (by_form, by_api):
        add_rsvp(session, event, "anna@example.org")
        add_rsvp(session, event, "ben@example.org", status="waitlisted")
    headers = token(session, team["owner"])

    assert log_in(client, "owner@example.org", PASSWORD).status_code == 302
    form = {
        "title": "March against the war",
        "starts_at": f"{day}T14:00",
        "ends_at": f"{day}T16:00",
        "timezone": "Europe/Berlin",
        "city": "Berlin",
        "visibility": "listed",
        "max_party_size": "5",
        "is_count_public": "y",
        "reminder_offsets": "24h, 2h",
    }
    saved = client.submit(f"/organise/events/{by_form.id}/edit", form)
    assert saved.status_code == 302
    changed = client.put(
        f"/api/organiser/events/{by_api.id}",
        json=details(
            title="March against the war",
            starts_local=f"{day}T14:00",
            ends_local=f"{day}T16:00",
        ),
        headers=headers,
    )
    assert changed.status_code == 200
    # The worker's part, once the grace period is over: each notice is one job until then.
    expand_all(utcnow() + timedelta(minutes=5))

    def record(event_id):
        rows = session.scalars(select(EventChange).where(EventChange.event_id == event_id))
        return [(c.kind, c.data, c.summary, c.revision) for c in rows]

    assert record(by_api.id) == record(by_form.id) != []
    assert _outbox(session, by_api.id) == _outbox(session, by_form.id)
    assert [row[0] for row in _outbox(session, by_api.id)].count("event_changed") == 1


# --- errors ---------------------------------------------------------------------------------


def test_rules_broken_are_problems_naming_the_field(client, session, team):
    headers = token(session, team["owner"])
    too_long = client.post("/api/organiser/events", json=details(title="x" * 141), headers=headers)
    body = assert_problem(too_long, 422, "title")
    assert body["errors"][0]["message"] == "Use at most 140 characters."
    backwards = client.post(
        "/api/organiser/events", json=details(ends_local="2026-11-29T12:00"), headers=headers
    )
    assert_problem(backwards, 422, "ends_local")
    first_hour = details(starts_local="0001-01-01T00:00", timezone="Asia/Tokyo")
    early = client.post("/api/organiser/events", json=first_hour, headers=headers)
    assert_problem(early, 422, "starts_local")
    control = client.post(
        "/api/organiser/events", json=details(city="Ber\u202elin"), headers=headers
    )
    assert_problem(control, 422, "city")
    wrong_type = client.post(
        "/api/organiser/events", json=details(capacity="many"), headers=headers
    )
    assert_problem(wrong_type, 422, "capacity")
    schedule = client.put(
        f"/api/organiser/events/{team['event'].id}/schedule",
        json={"items": [{"time": "13:00", "title": "ok"}, {"time": "25:99", "title": ""}]},
        headers=headers,
    )
    assert_problem(schedule, 422, "items.1.time", "items.1.title")
    route = client.put(
        f"/api/organiser/events/{team['event'].id}/route",
        json={"format": "geojson", "data": "[" * 100 + "]" * 100},
        headers=headers,
    )
    assert_problem(route, 422, "data")
    assert session.scalar(select(func.count()).select_from(Event)) == 1


def test_every_error_under_api_is_problem_json(client, session, team):
    headers = token(session, team["owner"])
    assert_problem(client.get("/api/nothing-here"), 404)
    assert_problem(client.delete("/api/events"), 405)
    assert_problem(
        client.post(
            "/api/organiser/events",
            data="{",
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
    )
    assert_problem(
        client.post(
            "/api/organiser/events",
            data="title=x",
            headers={**headers, "Content-Type": "text/plain"},
        ),
        415,
    )
    deep = "[" * 1000 + "]" * 1000
    assert_problem(
        client.post(
            "/api/organiser/events",
            data=deep,
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
    )
    huge = {"format": "text", "data": "x" * (4 * 1024 * 1024)}
    assert_problem(
        client.put(f"/api/organiser/events/{team['event'].id}/route", json=huge, headers=headers),
        413,
    )
    assert_problem(client.get("/api/events?page=0"), 422, "page")
    assert_problem(client.get("/api/events?starts_from=2030-05-02T00:00:00"), 422, "starts_from")
    early = "/api/events?starts_before=0001-01-01T00:00:00%2B14:00"
    assert_problem(client.get(early), 422, "starts_before")


@pytest.mark.parametrize("app_settings", [{"API_RATE_LIMIT": "3 per minute"}])
def test_too_many_requests_get_429_with_retry_after(client, session, team):
    headers = token(session, team["owner"])
    for _ in range(3):
        assert client.get("/api/organiser/events", headers=headers).status_code == 200
    refused = client.get("/api/organiser/events", headers=headers)
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    # Counted per token: another token (another program) still gets in.
    assert (
        client.get("/api/organiser/events", headers=token(session, team["co"])).status_code == 200
    )


@pytest.fixture
def log_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.mark.parametrize("app_settings", [{"PROPAGATE_EXCEPTIONS": False}])
def test_tokens_never_reach_the_logs(app, client, session, team, log_output):
    headers = token(session, team["owner"])
    secret = headers["Authorization"].removeprefix("Bearer ")

    def crash():
        from flask import current_app, request

        current_app.logger.warning("request with %s", request.headers["Authorization"])
        raise RuntimeError(f"failed for token {secret}")

    app.add_url_rule("/api/crash", view_func=crash)
    assert_problem(client.get("/api/crash", headers=headers), 500)
    client.post("/api/organiser/events", json=details(capacity="many"), headers=headers)
    client.get("/api/organiser/events", headers={"Authorization": f"Bearer {secret[:-1]}x"})
    output = log_output.getvalue()
    assert "RuntimeError: failed for token [token]" in output
    assert "Bearer [token]" in output
    assert secret not in output and secret[3:] not in output


# --- the document ---------------------------------------------------------------------------


def test_the_document_is_openapi_3_1_and_its_page_is_served_here(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/events/{slug}" in document["paths"]
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "GET /api/events/{slug}" in html
    assert "<script" not in html.replace('<script src="/static/', "") and "style=" not in html
    assert "http" not in page.headers["Content-Security-Policy"]
