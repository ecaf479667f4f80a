"""Check-in through a steward link (the plain form and the script's JSON), its rate limit,
the organisers' day view, and the code on the manage page and in the confirmation email."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import CheckIn, OutboxMessage, StewardLink, utcnow
from services import tokens
from services.live import positions as march
from services.rsvp import checkin as checkins
from tests.factories import PASSWORD, add_role, add_rsvp, make_event, make_user, rsvp
from tests.plugins.app import log_in


@pytest.fixture
def event(session, organiser):
    return make_event(session, organiser[0], slug="checkin-march")


@pytest.fixture
def stewards(session, event):
    return add_role(session, event, "Stewards", needed=2)


@pytest.fixture
def link(session, event) -> str:
    token = march.create_steward_link(session, event, label="Gate", now=utcnow())
    session.commit()
    return token


@pytest.fixture
def volunteer(session, event, stewards):
    return add_rsvp(session, event, "v@example.org", name="Ada", role_id=stewards.id)


def post_json(client, token: str, body: dict):
    csrf = client.csrf_token(f"/steward/{token}/checkin")
    return client.post(f"/steward/{token}/checkin.json", json=body, headers={"X-CSRFToken": csrf})


def test_the_plain_form_checks_in_and_says_when_a_code_is_used_again(client, link, volunteer):
    code = checkins.code_for(volunteer)
    first = client.submit(f"/steward/{link}/checkin", {"code": code.lower()})
    assert first.status_code == 200 and "Checked in: Ada, Stewards." in first.text
    again = client.submit(f"/steward/{link}/checkin", {"code": code})
    assert again.status_code == 200
    assert re.search(r"Already checked in at \d\d:\d\d\.", again.text)
    unknown = client.submit(f"/steward/{link}/checkin", {"code": "AAA-BBB-CCCC"})
    assert unknown.status_code == 200 and "No volunteer" in unknown.text


def test_the_plain_form_shows_a_bad_code_next_to_the_field(client, link):
    response = client.submit(f"/steward/{link}/checkin", {"code": "K7Q-4MZ"})
    assert response.status_code == 422
    assert 'id="code-error" role="alert">A check-in code has 10 letters' in response.text
    assert 'value="K7Q-4MZ"' in response.text  # what was typed stays


def test_json_answers_unknown_and_used_codes_alike(client, session, link, volunteer):
    code = checkins.code_for(volunteer)
    done = post_json(client, link, {"code": code, "at": utcnow().isoformat()})
    assert done.status_code == 200 and done.json["ok"] is True
    used = post_json(client, link, {"code": code})
    unknown = post_json(client, link, {"code": "AAABBBCCCC"})
    assert used.status_code == unknown.status_code == 200
    assert set(used.json) == set(unknown.json) == {"ok", "message"}
    assert used.json["ok"] is unknown.json["ok"] is False
    assert "Already checked in at" in used.json["message"]
    stored = session.scalars(select(StewardLink.id)).one()
    assert session.scalars(select(CheckIn.steward_link_id)).all() == [stored]


def test_the_page_a_phone_keeps_offline_names_nobody(client, session, event, stewards, link):
    """The service worker keeps the GET page of a steward link (static/js/sw.js): it must
    hold no volunteer's name or email, even after check-ins; only answers name them."""
    volunteer = add_rsvp(
        session, event, "zenobia@example.org", name="Zenobia Quartermaine", role_id=stewards.id
    )
    session.commit()
    answer = client.submit(f"/steward/{link}/checkin", {"code": checkins.code_for(volunteer)})
    assert "Zenobia Quartermaine" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    page = client.get(f"/steward/{link}/checkin")
    assert page.status_code == 200
    assert "Zenobia" not in page.text and "zenobia@" not in page.text
    assert 'id="checkin-kept" hidden' in page.text


def test_json_without_csrf_token_is_refused(client, link, volunteer):
    response = client.post(
        f"/steward/{link}/checkin.json", json={"code": checkins.code_for(volunteer)}
    )
    assert response.status_code == 400


def test_revoked_and_expired_links_open_nothing(client, session, event, link, volunteer):
    code = checkins.code_for(volunteer)
    row = session.scalars(select(StewardLink)).one()
    row.revoked_at = utcnow()
    session.commit()
    assert client.get(f"/steward/{link}/checkin").status_code == 404
    expired = march.create_steward_link(session, event, label="Old", now=utcnow(), hours=1)
    session.commit()
    session.scalars(select(StewardLink).where(StewardLink.label == "Old")).one().expires_at = (
        utcnow() - timedelta(minutes=1)
    )
    session.commit()
    for token in (link, expired):
        assert client.get(f"/steward/{token}/checkin").status_code == 404
        assert client.get(f"/steward/{token}/checkin/search?q=ada").status_code == 404
        assert client.post(f"/steward/{token}/checkin.json", json={"code": code}).status_code in (
            400,
            404,
        )


def test_codes_are_rate_limited_per_steward_link(app, client, session, event, link):
    app.config["CHECKIN_RATE_LIMIT"] = "2 per minute"
    other = march.create_steward_link(session, event, label="South", now=utcnow())
    session.commit()
    csrf = client.csrf_token(f"/steward/{other}/checkin")
    statuses = [
        client.post(
            f"/steward/{link}/checkin.json",
            json={"code": "AAABBBCCCC"},
            headers={"X-CSRFToken": csrf},
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    # Another link has its own count.
    response = client.post(
        f"/steward/{other}/checkin.json", json={"code": "AAABBBCCCC"}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 200


def test_search_by_name_through_the_link(client, link, volunteer):
    found = client.get(f"/steward/{link}/checkin/search?q=ad").json["results"]
    assert found == [{"id": volunteer.id, "name": "Ada", "role": "Stewards", "done": False}]
    assert post_json(client, link, {"rsvp": volunteer.id}).json["ok"] is True
    assert client.get(f"/steward/{link}/checkin/search?q=ad").json["results"][0]["done"] is True


def test_day_view_is_for_the_events_organisers_only(app, client, session, event, volunteer):
    make_user(session, "stranger@example.org", display_name="Stranger")
    stranger = app.test_client()
    assert log_in(stranger, "stranger@example.org", PASSWORD).status_code == 302
    assert stranger.get(f"/organise/events/{event.id}/checkins").status_code == 404
    assert stranger.get(f"/organise/events/{event.id}/checkins.json").status_code == 404
    assert client.get(f"/organise/events/{event.id}/checkins.json").status_code == 302  # log in


def test_day_view_counts_and_answers_304_until_they_change(
    logged_in, session, event, link, volunteer
):
    page = logged_in.get(f"/organise/events/{event.id}/checkins")
    assert page.status_code == 200 and "Stewards" in page.text
    first = logged_in.get(f"/organise/events/{event.id}/checkins.json")
    assert first.json == {
        "roles": [{"name": "Stewards", "needed": 2, "confirmed": 1, "checked_in": 0}]
    }
    etag = first.headers["ETag"]
    same = logged_in.get(
        f"/organise/events/{event.id}/checkins.json", headers={"If-None-Match": etag}
    )
    assert same.status_code == 304
    checkins.check_in_code(
        session, event, checkins.code_for(volunteer), steward_link_id=None, now=utcnow()
    )
    session.commit()
    changed = logged_in.get(
        f"/organise/events/{event.id}/checkins.json", headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.json["roles"][0]["checked_in"] == 1


def test_manage_page_and_email_carry_the_code_of_a_confirmed_volunteer(
    app, client, session, event, stewards
):
    person = rsvp(session, event, "helper@example.org", role=stewards, name="Ada")
    marcher = rsvp(session, event, "marcher@example.org", name="Bo")
    code = checkins.code_for(person)
    page = client.get(f"/manage/{tokens.rsvp_token(person.token_salt)}")
    assert code in page.text and "<svg" in page.text
    plain = client.get(f"/manage/{tokens.rsvp_token(marcher.token_salt)}")
    assert "check-in code" not in plain.text
    mail = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to_addr == "helper@example.org", OutboxMessage.kind == "rsvp_received"
        )
    ).one()
    assert code in mail.body_text and code in mail.body_html
    assert 'src="data:image/png;base64,' in mail.body_html
    assert tokens.rsvp_token(person.token_salt) not in code
    other_mail = session.scalars(
        select(OutboxMessage.body_text).where(
            OutboxMessage.to_addr == "marcher@example.org", OutboxMessage.kind == "rsvp_received"
        )
    ).one()
    assert "check-in code" not in other_mail
