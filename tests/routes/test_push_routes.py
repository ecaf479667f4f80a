"""Turning alerts on and off from a phone (the JSON the page's script sends), refusing push
addresses the server must never post to, and the organisers' "urgent" update."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.extensions import db
from models import EventOrganiser, PushAlert, PushSubscription, utcnow
from services import push, tokens
from tests.factories import add_role, add_rsvp, make_event
from tests.plugins.push import Phone, PushService


@pytest.fixture(scope="module")
def service():
    # Only its address is used here: nothing is sent by these tests.
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def event(session):
    return make_event(session, title="March for the Climate")


def settings(client, slug, **headers):
    response = client.get(f"/e/{slug}/alerts", headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def subscribe(client, slug, body, **headers):
    token = settings(client, slug)["csrf_token"]
    return client.post(f"/e/{slug}/alerts", json=body, headers={"X-CSRFToken": token, **headers})


def stored(session) -> list[PushSubscription]:
    session.expire_all()
    return session.scalars(select(PushSubscription)).all()


def test_phone_turns_alerts_on_in_its_language_and_off_in_one_tap(client, session, event, service):
    phone = Phone(service)
    config = settings(client, event.slug)
    with client.application.app_context():
        assert config["public_key"] == push.public_key(client.application.config)

    response = subscribe(
        client, event.slug, {"subscription": phone.subscription()}, **{"Accept-Language": "de"}
    )
    assert response.status_code == 201
    assert response.get_json()["message"] == "Warnmeldungen sind auf diesem Telefon eingeschaltet."
    [row] = stored(session)
    assert (row.event_id, row.endpoint, row.language, row.role_id) == (
        event.id,
        phone.endpoint,
        "de",
        None,
    )
    # Again from the same phone: still one row, now in Russian.
    subscribe(
        client, event.slug, {"subscription": phone.subscription()}, **{"Accept-Language": "ru"}
    )
    assert [r.language for r in stored(session)] == ["ru"]

    token = settings(client, event.slug)["csrf_token"]
    off = client.post(
        f"/e/{event.slug}/alerts/off",
        json={"endpoint": phone.endpoint},
        headers={"X-CSRFToken": token},
    )
    assert off.status_code == 200 and off.get_json()["on"] is False
    assert stored(session) == []
    # Turning off a phone that is not on answers the same (it tells nobody which phones are).
    again = client.post(
        f"/e/{event.slug}/alerts/off",
        json={"endpoint": phone.endpoint},
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 200


def test_a_post_without_the_pages_csrf_token_is_refused(client, session, event, service):
    response = client.post(
        f"/e/{event.slug}/alerts", json={"subscription": Phone(service).subscription()}
    )
    assert response.status_code == 400
    assert stored(session) == []


def test_a_drafts_alerts_are_not_found(client, session, service):
    draft = make_event(session, published=False)
    assert client.get(f"/e/{draft.slug}/alerts").status_code == 404


def test_from_the_manage_page_the_subscription_carries_the_rsvps_role(
    client, session, event, service
):
    stewards = add_role(session, event, "Stewards")
    steward = add_rsvp(session, event, "steward@example.org", role_id=stewards.id)
    waiting = add_rsvp(session, event, "wait@example.org", role_id=stewards.id, status="waitlisted")
    phone, other = Phone(service), Phone(service)

    manage = tokens.rsvp_token(steward.token_salt)
    body = {"subscription": phone.subscription(), "manage": manage}
    assert subscribe(client, event.slug, body).status_code == 201
    # Not confirmed in the role (yet): alerts for everyone only.
    body = {"subscription": other.subscription(), "manage": tokens.rsvp_token(waiting.token_salt)}
    assert subscribe(client, event.slug, body).status_code == 201
    roles = {r.endpoint: r.role_id for r in stored(session)}
    assert roles == {phone.endpoint: stewards.id, other.endpoint: None}

    # The manage page offers it, with the link's token for the script.
    page = client.get(f"/manage/{manage}").get_data(as_text=True)
    assert "Get alerts on this phone" in page and f'data-manage="{manage}"' in page

    wrong = subscribe(
        client, event.slug, {"subscription": phone.subscription(), "manage": "A" * 43}
    )
    assert wrong.status_code == 400
    assert wrong.get_json() == {
        "error": "This RSVP link does not work any more.",
        "field": "manage",
    }
    elsewhere = make_event(session)
    crossed = subscribe(
        client, elsewhere.slug, {"subscription": phone.subscription(), "manage": manage}
    )
    assert crossed.status_code == 400


class TestInProduction:
    """With ``PUSH_ALLOW_PRIVATE_ENDPOINTS`` off (production's default), the server never
    posts to plain http, nor to a host on loopback, a private or a link-local network."""

    @pytest.fixture
    def app_settings(self):
        return {"PUSH_ALLOW_PRIVATE_ENDPOINTS": False}

    @pytest.mark.parametrize(
        ("endpoint", "message"),
        [
            ("http://push.example.org/x", "Alerts can only go to a secure (https) push service."),
            ("ftp://push.example.org/x", "Alerts can only go to a secure (https) push service."),
            ("https://127.0.0.1/x", "Alerts cannot go to a private or local network address."),
            ("https://localhost:8443/x", "Alerts cannot go to a private or local network address."),
            ("https://10.1.2.3/x", "Alerts cannot go to a private or local network address."),
            ("https://192.168.0.1/x", "Alerts cannot go to a private or local network address."),
            ("https://172.16.5.4/x", "Alerts cannot go to a private or local network address."),
            (
                "https://169.254.169.254/x",
                "Alerts cannot go to a private or local network address.",
            ),
            ("https://100.64.0.1/x", "Alerts cannot go to a private or local network address."),
            ("https://[::1]/x", "Alerts cannot go to a private or local network address."),
            ("https://[fe80::1]/x", "Alerts cannot go to a private or local network address."),
            ("https://[fd00::1]/x", "Alerts cannot go to a private or local network address."),
            (
                "https://[::ffff:127.0.0.1]/x",
                "Alerts cannot go to a private or local network address.",
            ),
            ("https://0.0.0.0/x", "Alerts cannot go to a private or local network address."),
            ("https://user:pw@8.8.8.8/x", "This alert subscription is not valid."),
            ("https://8.8.8.8/" + "x" * 1000, "This alert subscription is not valid."),
            ("https:///x", "This alert subscription is not valid."),
            ("https://no-such-host.invalid/x", "The push service's address could not be found."),
        ],
    )
    def test_push_addresses_inside_are_refused(
        self, client, session, event, service, endpoint, message
    ):
        body = {"subscription": {**Phone(service).subscription(), "endpoint": endpoint}}
        response = subscribe(client, event.slug, body)
        assert response.status_code == 400
        assert response.get_json() == {"error": message, "field": "endpoint"}
        assert stored(session) == []

    def test_a_public_https_push_service_is_taken(self, client, session, event, service):
        body = {
            "subscription": {**Phone(service).subscription(), "endpoint": "https://8.8.8.8/p/1"}
        }
        assert subscribe(client, event.slug, body).status_code == 201
        assert [r.endpoint for r in stored(session)] == ["https://8.8.8.8/p/1"]

    def test_the_refusal_speaks_the_phones_language(self, client, event, service):
        body = {"subscription": {**Phone(service).subscription(), "endpoint": "https://10.0.0.1/x"}}
        response = subscribe(client, event.slug, body, **{"Accept-Language": "ru"})
        assert response.get_json()["error"] == (
            "Оповещения нельзя отправлять на частный или локальный сетевой адрес."
        )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subscription": "https://push.example.org/x"},
        {"subscription": {"endpoint": "https://push.example.org/x"}},
        {"subscription": {"endpoint": 5, "keys": {}}},
        [1, 2],
    ],
)
def test_what_is_not_a_subscription_is_refused_clearly(client, session, event, body):
    response = subscribe(client, event.slug, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "This alert subscription is not valid."
    assert stored(session) == []


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},  # not a P-256 point
        {"p256dh": "C" * 87, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},  # 65 bytes, not a point
        {"p256dh": "BA" + "A" * 85, "auth": "AAAAAAAAAAAAAAAAAAAAAA"},  # not on the curve
        {"auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"p256dh": "x" * 150, "auth": "A"},  # longer than any key
    ],
)
def test_bad_keys_are_refused(client, session, event, service, keys):
    body = {"subscription": {**Phone(service).subscription(), "keys": keys}}
    response = subscribe(client, event.slug, body)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "The phone's alert keys are not valid.",
        "field": "keys",
    }


def test_a_body_too_big_to_be_a_subscription_is_refused(client, session, event, service):
    body = {"subscription": Phone(service).subscription(), "padding": "x" * 5000}
    assert subscribe(client, event.slug, body).status_code == 400
    assert stored(session) == []


class TestRateLimit:
    @pytest.fixture
    def app_settings(self):
        return {"PUSH_RATE_LIMIT": "3 per minute"}

    def test_many_posts_from_one_address_are_slowed_down(self, client, event, service):
        codes = [
            subscribe(
                client, event.slug, {"subscription": Phone(service).subscription()}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [201, 201, 201, 429]


# --- the organisers' side ---------------------------------------------------------------


@pytest.fixture
def own_event(session, organiser):
    event = make_event(session, title="March for the Climate")
    session.add(EventOrganiser(event_id=event.id, user_id=organiser[0], is_owner=True))
    session.commit()
    return event


def test_urgent_update_is_pinned_on_the_page_and_queued_as_an_alert(
    logged_in, client, session, own_event, service
):
    add_role(session, own_event, "Medics")
    path = f"/organise/events/{own_event.id}/updates"
    form = logged_in.get(path).get_data(as_text=True)
    assert "Urgent: send as a push alert" in form and "Medics" in form

    plain = logged_in.submit(path, {"message": "Bring water."})
    assert plain.status_code == 303
    assert session.scalars(select(PushAlert)).all() == []

    urgent = logged_in.submit(
        path,
        {"message": "Pariser Platz is closed: go to Tiergarten.", "urgent": "y", "push_role": ""},
    )
    assert urgent.status_code == 303
    [alert] = session.scalars(select(PushAlert)).all()
    assert (alert.role_id, alert.status) == (None, "pending")

    anonymous = client.application.test_client()
    page = anonymous.get(f"/e/{own_event.slug}").get_data(as_text=True)
    banner = page.index("data-urgent-banner")
    assert banner < page.index("<h1>")  # at the top of the page, above the title
    assert "Pariser Platz is closed: go to Tiergarten." in page[banner : page.index("<h1>")]
    feed = anonymous.get(f"/e/{own_event.slug}/live.json").get_json()
    assert feed["urgent"]["summary"] == "Pariser Platz is closed: go to Tiergarten."


def test_urgent_update_for_one_role(logged_in, session, own_event):
    stewards = add_role(session, own_event, "Stewards")
    path = f"/organise/events/{own_event.id}/updates"
    response = logged_in.submit(
        path, {"message": "Stewards to the front.", "urgent": "y", "push_role": str(stewards.id)}
    )
    assert response.status_code == 303
    [alert] = session.scalars(select(PushAlert)).all()
    assert alert.role_id == stewards.id
    page = logged_in.get(f"/e/{own_event.slug}").get_data(as_text=True)
    assert "Urgent, for Stewards" in page


def test_a_role_of_another_event_is_refused_next_to_the_field(logged_in, session, own_event):
    theirs = add_role(session, make_event(session), "Stewards")
    add_role(session, own_event, "Medics")
    path = f"/organise/events/{own_event.id}/updates"
    response = logged_in.submit(
        path, {"message": "Stewards to the front.", "urgent": "y", "push_role": str(theirs.id)}
    )
    assert response.status_code == 422
    assert "Not a valid choice." in response.get_data(as_text=True)
    assert "Stewards to the front." in response.get_data(as_text=True)  # what was typed stays
    assert session.scalars(select(PushAlert)).all() == []


def test_the_updates_page_says_how_the_push_alert_went(logged_in, session, own_event, service):
    stewards = add_role(session, own_event, "Stewards")
    reached, gone = Phone(service), Phone(service)
    for phone in (reached, gone):
        push.subscribe(
            session,
            own_event,
            push.parse(phone.subscription(), allow_private=True),
            language="en",
            role_id=stewards.id,
            now=own_event.created_at,
        )
    session.commit()
    service.answers[gone.token] = [410]
    path = f"/organise/events/{own_event.id}/updates"
    logged_in.submit(
        path, {"message": "Stewards to the front.", "urgent": "y", "push_role": str(stewards.id)}
    )
    page = logged_in.get(path).get_data(as_text=True)
    waiting = "Push alert to Stewards: 0 sent, 0 waiting, 0 unsubscribed, 0 failed · sending now"
    assert waiting in page
    assert "2 phones have this demonstration's alerts on." in page

    with logged_in.application.app_context():
        config = logged_in.application.config
        while push.send_due(db.transaction, utcnow(), config):
            pass
    page = logged_in.get(path).get_data(as_text=True)
    assert "Push alert to Stewards: 1 sent, 0 waiting, 1 unsubscribed, 0 failed" in page
    assert "sending now" not in page
    assert "1 phone has this demonstration's alerts on." in page
