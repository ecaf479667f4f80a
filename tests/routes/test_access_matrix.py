"""Who may open what: every route of ``app.url_map``, as anonymous, another organiser, a
co-organiser and the owner of an event.

Each endpoint must be named in ``ACCESS`` below; a new route that is not fails
``test_every_route_has_a_rule``, so nobody adds a page without deciding who may see it.
Requests that would change something are sent only as people who must be refused, so the
matrix itself never changes the event it checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from models import EventOrganiser, StewardLink, User, utcnow
from models.enums import ApiAccess
from services import live
from services.accounts import api_tokens
from tests.factories import NOW, PASSWORD, add_role, add_rsvp, make_event, make_user
from tests.plugins.app import log_in

# Who may use an endpoint:
PUBLIC = "public"  # anyone, no account (pages, feeds, assets, the language switcher)
ACCOUNT = "account"  # any logged-in organiser; anonymous visitors are sent to log in
ANONYMOUS = "anonymous"  # the log-in and sign-up forms and password reset
ORGANISER = "organiser"  # the event's owner and co-organisers; others get 404
OWNER = "owner"  # the event's owner only: co-organisers get 403, others 404
INVITATION = "invitation"  # a private link that needs an account: log in first, then 404
TOKEN = "token"  # a private link: a wrong token is 404 for everyone, logged in or not
DEV = "dev"  # the dev mailbox: never under tests or in production
TILES = "tiles"  # map tiles: no account asked, never a server error (their rules: test_tiles)
API_TOKEN = "api-token"  # the JSON API's organiser endpoints: a bearer token, never a cookie
PUBLIC_POST = "public-post"  # a page script's JSON POST (push alerts): no account, CSRF token

ACCESS = {
    "main.index": PUBLIC,
    "events.listing": PUBLIC,
    "events.feed": PUBLIC,
    "events.show": PUBLIC,
    "events.event_calendar": PUBLIC,
    "events.route_geojson": PUBLIC,
    "events.route_gpx": PUBLIC,
    "events.route_kml": PUBLIC,
    "events.qr_code": PUBLIC,
    "events.short_link": PUBLIC,
    "embed.card": PUBLIC,
    "embed.route_picture": PUBLIC,
    "embed.route_preview": PUBLIC,
    "embed.flyer": PUBLIC,
    "live.feed": PUBLIC,
    "live.offline_assets": PUBLIC,
    "live.offline": PUBLIC,
    "live.service_worker": PUBLIC,
    "rsvp.page": PUBLIC,
    "rsvp.submit": PUBLIC,
    "push.settings": PUBLIC,
    "push.subscribe": PUBLIC_POST,
    "push.unsubscribe": PUBLIC_POST,
    "health.healthz": PUBLIC,
    "i18n.switch": PUBLIC,
    "static": PUBLIC,
    "assets.leaflet": PUBLIC,
    "tiles.tile": TILES,
    "auth.login": ANONYMOUS,
    "auth.signup": ANONYMOUS,
    "auth.reset_request": ANONYMOUS,
    "auth.signup_sent": PUBLIC,
    "auth.verify_needed": ACCOUNT,
    "auth.send_verification": ACCOUNT,
    "auth.verify": TOKEN,
    "organise.invitation": INVITATION,
    "organise.leave": ORGANISER,
    "organise.access": OWNER,
    "organise.invite": OWNER,
    "organise.revoke_invitation": OWNER,
    "organise.remove_organiser": OWNER,
    "auth.logout": ACCOUNT,
    "dashboard.index": ACCOUNT,
    "organise.new": ACCOUNT,
    "organise.overview": ORGANISER,
    "organise.send_changes": ORGANISER,
    "organise.edit": ORGANISER,
    "organise.languages": ORGANISER,
    "organise.route": ORGANISER,
    "organise.route_choose": ORGANISER,
    "organise.accessibility": ORGANISER,
    "organise.schedule": ORGANISER,
    "organise.schedule_item": ORGANISER,
    "organise.delete_schedule_item": ORGANISER,
    "organise.publish": ORGANISER,
    "organise.cancel": ORGANISER,
    "organise.duplicate": ORGANISER,
    "organise.organisers": ORGANISER,
    "organise.notice": ORGANISER,
    "organise.notice_sheet": ORGANISER,
    "organise.notice_pdf": ORGANISER,
    "organise.embed": ORGANISER,
    "attendees.index": ORGANISER,
    "attendees.export": ORGANISER,
    "attendees.act": ORGANISER,
    "attendees.erase": ORGANISER,
    "attendees.roles": ORGANISER,
    "attendees.edit_role": ORGANISER,
    "attendees.delete_role": ORGANISER,
    "live.organiser_position": ORGANISER,
    "live.stewards": ORGANISER,
    "live.revoke_steward": ORGANISER,
    "checkin.day_view": ORGANISER,
    "checkin.day_counts": ORGANISER,
    "mail.updates": ORGANISER,
    "rsvp.manage": TOKEN,
    "rsvp.update": TOKEN,
    "rsvp.cancel": TOKEN,
    "rsvp.again": TOKEN,
    "rsvp.confirm": TOKEN,
    "rsvp.confirm_post": TOKEN,
    "live.steward_position": TOKEN,
    "checkin.steward_page": TOKEN,
    "checkin.steward_json": TOKEN,
    "checkin.steward_search": TOKEN,
    "mail.unsubscribe_page": TOKEN,
    "mail.unsubscribe": TOKEN,
    "mail.suppress": TOKEN,
    "auth.reset_password": TOKEN,
    "api.events": PUBLIC,
    "api.event": PUBLIC,
    "api.live": PUBLIC,
    "api.openapi": PUBLIC,
    "api.docs": PUBLIC,
    "api_tokens.index": ACCOUNT,
    "api_tokens.revoke": ACCOUNT,
    "api.my_events": API_TOKEN,
    "api.create_event": API_TOKEN,
    "api.my_event": API_TOKEN,
    "api.update_event": API_TOKEN,
    "api.publish": API_TOKEN,
    "api.cancel": API_TOKEN,
    "api.set_route": API_TOKEN,
    "api.set_schedule": API_TOKEN,
    "api.post_update": API_TOKEN,
    "api.attendees": API_TOKEN,
    "mail.mailbox": DEV,
    "mail.mailbox_message": DEV,
    "mail.mailbox_raw": DEV,
}

WRONG_TOKEN = "A" * 43  # shaped like a real one, matching nothing


@dataclass
class World:
    event_id: int
    slug: str
    ids: dict[str, int]  # role_id, item_id, rsvp_id, link_id of the owner's event
    other_event_id: int
    co_id: int
    short_code: str


@pytest.fixture
def world(session) -> World:
    owner = make_user(session, "owner@example.org", display_name="Owner")
    co = make_user(session, "co@example.org", display_name="Co")
    other = make_user(session, "other@example.org", display_name="Other")
    event = make_event(session, owner.id, as_organiser=True)
    session.add(EventOrganiser(event_id=event.id, user_id=co.id, is_owner=False))
    role = add_role(session, event, "Medics")
    someone = add_rsvp(session, event, "someone@example.org", role_id=role.id)
    live.create_steward_link(session, event, label="North", now=utcnow())
    session.commit()
    link = session.scalars(select(StewardLink).where(StewardLink.event_id == event.id)).one()
    theirs = make_event(session, other.id, as_organiser=True)
    return World(
        event_id=event.id,
        slug=event.slug,
        ids={
            "role_id": role.id,
            "item_id": event.schedule_items[0].id,
            "rsvp_id": someone.id,
            "link_id": link.id,
        },
        other_event_id=theirs.id,
        co_id=co.id,
        short_code=event.short_code,
    )


def _url(app: Flask, endpoint: str, world: World, event_id: int | None = None) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {
        "event_id": event_id or world.event_id,
        "slug": world.slug,
        "short_code": world.short_code,
        "token": WRONG_TOKEN,
        "mail_id": "20261202T120000000000-0123abcd",
        "code": "de",
        "language": "de",
        "filename": "leaflet.js" if endpoint == "assets.leaflet" else "css/app.css",
        "action": "approve",
        "user_id": world.co_id,
        "invitation_id": 1,
        "token_id": 1,
        "z": 14,
        "x": 8800,  # the tile of central Berlin at zoom 14
        "y": 5373,
        **world.ids,
    }
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _methods(app: Flask, endpoint: str) -> set[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def _logged_in(app, who: str):
    client = app.test_client()
    if who != "anonymous":
        assert log_in(client, f"{who}@example.org", PASSWORD).status_code == 302
    return client


def _post(client, url: str, *, logged_in: bool):
    token = client.csrf_token("/organise/events/new" if logged_in else "/login")
    return client.post(url, data={"csrf_token": token})


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(ACCESS)) == [], "say in ACCESS who may use these routes"
    assert sorted(set(ACCESS) - endpoints) == [], "ACCESS names routes that no longer exist"


ORGANISER_ENDPOINTS = sorted(e for e, kind in ACCESS.items() if kind == ORGANISER)


@pytest.mark.parametrize("endpoint", ORGANISER_ENDPOINTS)
def test_event_pages_are_for_its_organisers_only(app, world, endpoint):
    """Anonymous visitors are sent to log in; another organiser gets 404, also with the
    event's own row ids under an event of their own; the owner and a co-organiser get in."""
    url = _url(app, endpoint, world)
    methods = _methods(app, endpoint)
    anonymous, other = _logged_in(app, "anonymous"), _logged_in(app, "other")
    for method in methods:
        if method == "GET":
            refused_anonymous, refused_other = anonymous.get(url), other.get(url)
        else:
            refused_anonymous = _post(anonymous, url, logged_in=False)
            refused_other = _post(other, url, logged_in=True)
        assert refused_anonymous.status_code == 302, (method, url)
        assert "/login" in refused_anonymous.headers["Location"]
        assert refused_other.status_code == 404, (method, url)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    if set(rule.arguments) & set(world.ids):  # a row of the event: try it under another event
        crossed = _url(app, endpoint, world, event_id=world.other_event_id)
        for method in methods:
            response = other.get(crossed) if method == "GET" else None
            if response is None:
                response = _post(other, crossed, logged_in=True)
            assert response.status_code == 404, (method, crossed)
    if "GET" in methods:
        for who in ("owner", "co"):
            response = _logged_in(app, who).get(url)
            response.get_data()  # a streamed export ends (and closes its context) when read
            response.close()
            assert response.status_code == 200, (who, url, response.status_code)


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == TOKEN))
def test_a_wrong_private_link_is_not_found_for_anyone(app, world, endpoint):
    url = _url(app, endpoint, world)
    for who in ("anonymous", "owner"):
        client = _logged_in(app, who)
        for method in _methods(app, endpoint):
            if method == "GET":
                response = client.get(url)
            else:
                response = _post(client, url, logged_in=who != "anonymous")
            assert response.status_code == 404, (who, method, url, response.status_code)


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == ACCOUNT))
def test_account_pages_send_anonymous_visitors_to_log_in(app, world, endpoint):
    url = _url(app, endpoint, world)
    anonymous = _logged_in(app, "anonymous")
    for method in _methods(app, endpoint):
        response = anonymous.get(url) if method == "GET" else _post(anonymous, url, logged_in=False)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    if "GET" in _methods(app, endpoint):
        # (A verified organiser on "verify your address" is sent on to the dashboard.)
        response = _logged_in(app, "other").get(url)
        assert response.status_code == 200 or (
            response.status_code == 302 and "/login" not in response.headers["Location"]
        )


PUBLIC_PAGES = sorted(e for e, kind in ACCESS.items() if kind == PUBLIC and e != "rsvp.submit")


@pytest.mark.parametrize("endpoint", PUBLIC_PAGES)
def test_public_pages_need_no_account(app, world, endpoint):
    """(``rsvp.submit``, the one public POST, has tests of its own.)"""
    url = _url(app, endpoint, world)
    response = _logged_in(app, "anonymous").get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    if response.status_code == 302:  # the language switcher goes back to a page of this site
        assert re.match(r"^/(?!/)", response.headers["Location"]) or response.headers[
            "Location"
        ].startswith("http://127.0.0.1:5000/")


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == PUBLIC_POST))
def test_public_json_posts_need_the_pages_csrf_token_but_no_account(app, world, endpoint):
    """(What they do is tested in tests/routes/test_push_routes.py.)"""
    url = _url(app, endpoint, world)
    for who in ("anonymous", "other"):
        client = _logged_in(app, who)
        assert client.post(url, json={}).status_code == 400, (who, url)  # no token: refused
        token = client.get(f"/e/{world.slug}/alerts").get_json()["csrf_token"]
        response = client.post(url, json={}, headers={"X-CSRFToken": token})
        assert response.status_code == 400 and response.get_json()["error"], (who, url)


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == DEV))
def test_the_dev_mailbox_is_never_served_under_tests(app, world, endpoint):
    for who in ("anonymous", "owner"):
        assert _logged_in(app, who).get(_url(app, endpoint, world)).status_code == 404


def test_tiles_ask_nobody_who_they_are(app, world):
    url = _url(app, "tiles.tile", world)
    for who in ("anonymous", "other"):
        response = _logged_in(app, who).get(url)
        assert response.status_code in (200, 404, 502), (who, response.status_code)
        assert "Set-Cookie" not in response.headers or who != "anonymous"


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == OWNER))
def test_the_team_and_its_access_log_are_the_owners(app, world, endpoint):
    """Who organises an event, and who saw its participants, is for its owner to see and
    change: co-organisers are refused (403), strangers do not learn it exists (404)."""
    url = _url(app, endpoint, world)
    methods = _methods(app, endpoint)
    for who, expected in (("anonymous", 302), ("other", 404), ("co", 403)):
        client = _logged_in(app, who)
        for method in methods:
            if method == "GET":
                response = client.get(url)
            else:
                response = _post(client, url, logged_in=who != "anonymous")
            assert response.status_code == expected, (who, method, url, response.status_code)
    if "GET" in methods:
        assert _logged_in(app, "owner").get(url).status_code == 200


def test_an_invitation_link_asks_for_an_account_then_is_not_found_if_wrong(app, world):
    url = _url(app, "organise.invitation", world)
    response = _logged_in(app, "anonymous").get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for who in ("other", "owner"):
        client = _logged_in(app, who)
        assert client.get(url).status_code == 404
        assert _post(client, url, logged_in=True).status_code == 404


def _bearer(session, email: str, access: str = ApiAccess.WRITE) -> dict:
    user = session.scalar(select(User).where(User.email == email))
    _row, secret = api_tokens.create_token(
        session, user, label="Matrix", access=access, reads_attendees=True, now=NOW
    )
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("endpoint", sorted(e for e, kind in ACCESS.items() if kind == API_TOKEN))
def test_the_api_lets_in_tokens_of_the_events_organisers_only(app, session, world, endpoint):
    """No token (a logged-in browser's cookie included): 401. Another organiser's token:
    404 on this event. A read-only token: 403 for anything that writes. The owner's and a
    co-organiser's tokens read it. Nothing here may change the event."""
    url = _url(app, endpoint, world)
    methods = _methods(app, endpoint)
    on_event = (
        "event_id" in next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint).arguments
    )
    other, read_only = (
        _bearer(session, "other@example.org"),
        _bearer(session, "owner@example.org", ApiAccess.READ),
    )
    for method in methods:
        for client in (_logged_in(app, "anonymous"), _logged_in(app, "owner")):
            response = client.open(url, method=method, json={} if method != "GET" else None)
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.mimetype == "application/problem+json"
        client = app.test_client()
        if method != "GET":
            refused = client.open(url, method=method, json={}, headers=read_only)
            assert refused.status_code == 403, (method, url, refused.status_code)
        elif on_event:
            assert client.get(url, headers=other).status_code == 404, url
    if "GET" in methods:
        for who in ("owner", "co"):
            response = app.test_client().get(url, headers=_bearer(session, f"{who}@example.org"))
            assert response.status_code == 200, (who, url, response.status_code)
    if on_event and methods - {"GET"}:  # writes by a stranger's writing token: not found
        method = next(iter(methods - {"GET"}))
        assert app.test_client().open(url, method=method, json={}, headers=other).status_code in (
            404,
            422,  # the body is checked first: an empty one is refused before the event
        )
