"""A participant RSVPs on a phone, confirms it from the email, gets a manage link, changes
and cancels; someone else sending the form with their address changes nothing."""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from core.extensions import db
from models import OutboxMessage, Rsvp, utcnow
from services.rsvp import attendees
from tests.factories import add_role, make_event, rsvp

MANAGE_LINK = re.compile(r"/manage/([A-Za-z0-9_-]{43})")
CONFIRM_LINK = re.compile(r"/confirm/([A-Za-z0-9_-]{43})")
CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
GOOD = {"email": "Anna@Example.org", "name": "Anna", "party_size": "2", "wants_reminders": "y"}


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Rsvp)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def manage_token(session, email: str) -> str:
    """The token of the link in the newest email to ``email`` (what the participant clicks)."""
    body = session.scalars(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.to_addr == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    return MANAGE_LINK.search(body).group(1)


def confirm_token(session, email: str) -> str:
    """The token of the confirm link in the newest email to ``email``."""
    body = session.scalars(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.to_addr == email, OutboxMessage.kind == "rsvp_confirm")
        .order_by(OutboxMessage.id.desc())
    ).first()
    return CONFIRM_LINK.search(body).group(1)


def rsvp_and_confirm(client, session, event, data: dict) -> str:
    """Send the form, open the emailed link, tap "Confirm"; returns the manage token."""
    assert client.submit(f"/e/{event.slug}/rsvp", data).status_code == 200
    email = data["email"].strip().lower()
    confirm = confirm_token(session, email)
    response = client.submit(f"/confirm/{confirm}", {})
    assert response.status_code == 303
    token = manage_token(session, email)
    assert response.headers["Location"].endswith(f"/manage/{token}")
    return token


@pytest.fixture
def event(session):
    return make_event(session, title="March for the Commons", capacity=10, max_party_size=5)


def test_rsvp_page_shows_event_form_roles_and_privacy_line(client, session, event):
    stewards = add_role(session, event, "Stewards", needed=10)
    for n in range(3):
        rsvp(session, event, f"s{n}@example.org", party_size=2, role=stewards)
    html = client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert "March for the Commons" in html
    local = event.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.tzname() in html and str(local.year) in html  # format_when, in the event's zone
    # Three stewards, each with a guest: the role counts the three, the guests come along.
    assert "Stewards: 3 of 10" in html
    assert "6 people are coming." in html
    assert (
        "Only the organisers of this event see your name and email. "
        "They are deleted 14 days after the event."
    ) in html
    assert 'src="/static/js/rsvp.js"' in html and "<script>" not in html


def test_hidden_count_is_not_shown(client, session):
    event = make_event(session, is_count_public=False)
    rsvp(session, event, "a@example.org")
    assert "coming." not in client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)


def test_rsvp_stores_it_unconfirmed_and_queues_the_confirm_link(client, session, event):
    response = client.submit(f"/e/{event.slug}/rsvp", GOOD)
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    stored = session.scalar(select(Rsvp))
    assert (stored.email, stored.name, stored.party_size, stored.status) == (
        "anna@example.org",
        "Anna",
        2,
        "unconfirmed",
    )
    mail = session.scalar(select(OutboxMessage))
    assert (mail.kind, mail.to_addr, mail.status) == ("rsvp_confirm", "anna@example.org", "queued")
    token = confirm_token(session, "anna@example.org")
    assert token not in (stored.token_hash, stored.confirm_hash)
    assert not MANAGE_LINK.search(mail.body_text)  # the manage link comes once confirmed


def test_confirm_link_shows_a_button_and_only_its_post_confirms(client, session, event):
    client.submit(f"/e/{event.slug}/rsvp", GOOD)
    token = confirm_token(session, "anna@example.org")

    for _ in range(2):  # a mail scanner opens the link, then the participant does
        page = client.get(f"/confirm/{token}")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert "Confirm my RSVP" in page.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Rsvp.status)) == "unconfirmed"
    assert "0 people are coming." in client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert client.post(f"/confirm/{token}").status_code == 400  # no CSRF token: no confirming
    assert session.scalar(select(Rsvp.status)) == "unconfirmed"

    response = client.submit(f"/confirm/{token}", {})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your RSVP is confirmed and counts now." in html
    assert "You are confirmed, 2 people" in html
    assert "2 people are coming." in client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert client.get(f"/confirm/{token}").status_code == 404  # the link worked once


def test_confirm_page_of_an_unknown_or_other_token_is_404(client, session, event):
    manage = rsvp_and_confirm(client, session, event, GOOD)
    client.submit(f"/e/{event.slug}/rsvp", {**GOOD, "email": "bob@example.org"})
    assert client.get(f"/confirm/{manage}").status_code == 404
    assert client.get("/confirm/" + "A" * 43).status_code == 404
    assert client.get(f"/manage/{confirm_token(session, 'bob@example.org')}").status_code == 404


def test_victim_scenario_form_with_a_known_address_changes_nothing(client, session, event):
    medics = add_role(session, event, "Medics", needed=4)
    stewards = add_role(session, event, "Stewards", needed=10)
    victim = {**GOOD, "email": "victim@example.org", "name": "Vera", "role_id": str(medics.id)}
    rsvp_and_confirm(client, session, event, victim)
    rsvp(session, event, "third@example.org")
    page = f"/e/{event.slug}/rsvp"
    public_before = client.get(page).get_data(as_text=True)
    assert "3 people are coming." in public_before and "Medics: 1 of 4" in public_before
    stored = session.scalar(select(Rsvp).where(Rsvp.email == "victim@example.org"))
    before = (stored.name, stored.party_size, stored.role_id, stored.status)
    prefs = (stored.wants_reminders, stored.language)

    attacker = client.application.test_client()
    response = attacker.submit(
        page,
        {
            "email": "Victim@example.org",
            "name": "Mallory",
            "party_size": "1",
            "role_id": str(stewards.id),
        },
        headers={"Accept-Language": "ru"},
    )

    assert response.status_code == 200
    session.expire_all()
    stored = session.scalar(select(Rsvp).where(Rsvp.email == "victim@example.org"))
    assert (stored.name, stored.party_size, stored.role_id, stored.status) == before
    assert (stored.wants_reminders, stored.language) == prefs
    public_after = client.get(page).get_data(as_text=True)
    assert "3 people are coming." in public_after and "Medics: 1 of 4" in public_after
    assert "Stewards: 0 of 10" in public_after
    newest = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_addr == "victim@example.org")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert newest.kind == "rsvp_exists"
    assert "You already replied, so nothing was changed." in newest.body_text
    assert manage_token(session, "victim@example.org")  # their private link is in it


@pytest.mark.parametrize("fetch", [False, True])
def test_enumeration_known_and_new_address_are_indistinguishable(client, session, fetch):
    """For an address with an RSVP and one without: the same status and body (but the CSRF
    token), the same public counts afterwards, and one outbox row each."""
    event = make_event(session, capacity=10)
    medics = add_role(session, event, "Medics", needed=4)
    rsvp(session, event, "known@example.org", party_size=2, role=medics)
    headers = {"X-Requested-With": "fetch"} if fetch else {}
    page = f"/e/{event.slug}/rsvp"

    def probe(email: str):
        outbox_before = counts(session)[1]
        response = client.submit(
            page,
            {"email": email, "party_size": "1", "role_id": str(medics.id)},
            headers=headers,
        )
        public = CSRF.sub("", client.get(page).get_data(as_text=True))
        session.expire_all()
        totals = attendees.totals(session, event)
        outbox_writes = counts(session)[1] - outbox_before
        body = CSRF.sub("", response.get_data(as_text=True))
        return response.status_code, body, public, totals.people, outbox_writes

    known = probe("known@example.org")
    new = probe("new@example.org")
    assert known == new
    assert known[0] == 200 and known[4] == 1 and "Check your inbox" in known[1]


def test_new_and_known_email_get_identical_answers(client, session, event):
    path = f"/e/{event.slug}/rsvp"
    new = client.submit(path, GOOD)
    known = client.submit(path, {**GOOD, "party_size": "1"})
    other = client.submit(path, {**GOOD, "email": "bob@example.org"})
    bodies = [CSRF.sub("", r.get_data(as_text=True)) for r in (new, known, other)]
    assert new.status_code == known.status_code == other.status_code == 200
    assert bodies[0] == bodies[1] == bodies[2]
    assert counts(session) == (2, 3)  # the second changed nothing; one email each


def test_fetch_gets_only_the_panel(client, event):
    response = client.submit(
        f"/e/{event.slug}/rsvp", {**GOOD, "email": "nope"}, headers={"X-Requested-With": "fetch"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "Enter an email address like name@example.org." in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.org."),
        ({"email": ""}, "email", "Enter your email address."),
        ({"party_size": "0"}, "party_size", "Enter a number from 1 to 5."),
        ({"party_size": "6"}, "party_size", "Enter a number from 1 to 5."),
        ({"party_size": "many"}, "party_size", "Not a valid integer value."),
        ({"role_id": "999"}, "role_id", "Choose one of the roles listed."),
        ({"name": "x" * 81}, "name", "Use at most 80 characters."),
    ],
)
def test_bad_rsvp_explains_next_to_field_keeps_input_and_stores_nothing(
    client, session, event, change, field, message
):
    add_role(session, event, "Medics", needed=3)
    response = client.submit(f"/e/{event.slug}/rsvp", {**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    if field != "name":
        assert 'value="Anna"' in html
    if field != "email":
        assert 'value="Anna@Example.org"' in html
    assert counts(session) == (0, 0)


def test_full_role_says_so_on_the_form_and_waitlists(client, session, event):
    medics = add_role(session, event, "Medics", needed=1)
    rsvp(session, event, "m@example.org", role=medics)
    html = client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert "Medics: 1 of 1 (full: you join the waitlist)" in html
    rsvp_and_confirm(client, session, event, {**GOOD, "party_size": "1", "role_id": str(medics.id)})
    late = session.scalar(select(Rsvp).where(Rsvp.email == "anna@example.org"))
    assert late.status == "waitlisted"
    body = session.scalar(
        select(OutboxMessage.body_text).where(
            OutboxMessage.rsvp_id == late.id, OutboxMessage.kind == "rsvp_received"
        )
    )
    assert "You are number 1 on the waitlist" in body


def test_closed_event_says_so_and_stores_nothing(client, session):
    event = make_event(session, status="cancelled")
    html = client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert "This event was cancelled, so RSVPs are closed." in html
    assert 'name="email"' not in html
    token = client.csrf_token("/login")
    response = client.post(f"/e/{event.slug}/rsvp", data={**GOOD, "csrf_token": token})
    assert response.status_code == 422
    assert "RSVPs are closed" in response.get_data(as_text=True)
    assert counts(session) == (0, 0)


def test_draft_event_is_not_found(client, session):
    event = make_event(session, status="draft")
    assert client.get(f"/e/{event.slug}/rsvp").status_code == 404


def test_missing_or_foreign_csrf_token_is_refused(app, client, session, event):
    assert client.post(f"/e/{event.slug}/rsvp", data=GOOD).status_code == 400
    token = app.test_client().csrf_token(f"/e/{event.slug}/rsvp")  # another browser's token
    response = client.post(f"/e/{event.slug}/rsvp", data={**GOOD, "csrf_token": token})
    assert response.status_code == 400
    assert counts(session) == (0, 0)


@pytest.fixture
def app_settings(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_settings", [{"RSVP_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_rsvps_are_rate_limited_per_address(client, event):
    for n in range(2):
        response = client.submit(f"/e/{event.slug}/rsvp", {**GOOD, "email": f"{n}@x.org"})
        assert response.status_code == 200
    response = client.submit(f"/e/{event.slug}/rsvp", {**GOOD, "email": "3@x.org"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("app_settings", [{"RSVP_EMAIL_RATE_LIMIT": "2 per minute"}], indirect=True)
def test_rsvps_are_rate_limited_per_email_from_any_address(client, event):
    for n in range(3):
        response = client.submit(
            f"/e/{event.slug}/rsvp", GOOD, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
    assert response.status_code == 429
    other = client.submit(
        f"/e/{event.slug}/rsvp",
        {**GOOD, "email": "b@x.org"},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert other.status_code == 200


def test_rsvp_page_costs_the_same_queries_for_2_or_12_roles(client, session):
    def queries_for(roles: int) -> int:
        event = make_event(session)
        for n in range(roles):
            add_role(session, event, f"Role {n}", needed=5)
            rsvp(session, event, f"r{roles}-{n}@example.org", role=event.roles[-1] if n else None)
        session.expire_all()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        html = client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
        sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert "Role 0: " in html
        return len(seen)

    assert queries_for(2) == queries_for(12)


# --- the manage page ---------------------------------------------------------------------


def test_manage_page_shows_rsvp_privately(client, session, event):
    token = rsvp_and_confirm(client, session, event, GOOD)
    response = client.get(f"/manage/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert "You are confirmed, 2 people" in html
    assert f'href="/e/{event.slug}.ics"' in html


def test_bad_manage_links_all_get_the_same_404(client, session, event):
    rsvp(session, event, "a@example.org")
    purged = rsvp(session, event, "p@example.org")
    client.submit(f"/e/{event.slug}/rsvp", {**GOOD, "email": "p@example.org"})
    purged_token = manage_token(session, "p@example.org")
    purged.purged_at = utcnow()
    session.commit()
    pages = [
        client.get(f"/manage/{t}")
        for t in ("x", "A" * 43, purged_token, "../" + "A" * 40, purged_token + "A")
    ]
    assert {p.status_code for p in pages} == {404}
    # The same page, apart from the site's own links back to the address asked for.
    assert len({re.sub(r"next=[^\"]*", "", p.get_data(as_text=True)) for p in pages}) == 1


def test_manage_change_party_size_and_reminders(client, session, event):
    token = rsvp_and_confirm(client, session, event, GOOD)
    response = client.submit(f"/manage/{token}", {"party_size": "4", "name": "A.", "role_id": "0"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your RSVP is updated." in html and "You are confirmed, 4 people" in html
    stored = session.scalar(select(Rsvp))
    assert (stored.party_size, stored.name, stored.wants_reminders) == (4, "A.", False)


def test_manage_bad_change_explains_and_changes_nothing(client, session, event):
    other_role = add_role(session, make_event(session), "Stewards")
    token = rsvp_and_confirm(client, session, event, GOOD)
    for data, field, message in [
        ({"party_size": "9"}, "party_size", "Enter a number from 1 to 5."),
        ({"party_size": "2", "role_id": str(other_role.id)}, "role_id", "Choose one of the roles"),
    ]:
        response = client.submit(f"/manage/{token}", {"name": "Changed", **data})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="{field}-error"' in html and message in html
        assert 'value="Changed"' in html
    stored = session.scalar(select(Rsvp))
    assert (stored.party_size, stored.name) == (2, "Anna")


def test_cancel_asks_first_then_frees_the_seat_for_the_waitlist(client, session):
    event = make_event(session, capacity=2)
    token = rsvp_and_confirm(client, session, event, GOOD)
    waiting = rsvp(session, event, "wait@example.org")
    assert waiting.status == "waitlisted"

    page = client.get(f"/manage/{token}/cancel")
    assert "Yes, cancel my RSVP" in page.get_data(as_text=True)
    status = session.scalar(select(Rsvp.status).where(Rsvp.email == "anna@example.org"))
    assert status == "confirmed"  # nothing happens before the confirmation

    response = client.submit(f"/manage/{token}/cancel", {})
    assert response.status_code == 303
    html = client.get(f"/manage/{token}").get_data(as_text=True)
    assert "This RSVP is cancelled" in html
    session.expire_all()
    assert waiting.status == "confirmed"
    promoted = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "rsvp_promoted"))
    assert promoted.to_addr == "wait@example.org"

    # The public form does not bring it back (it only emails the link); the manage page does.
    client.submit(f"/e/{event.slug}/rsvp", GOOD)
    session.expire_all()
    assert session.scalar(select(Rsvp.status).where(Rsvp.email == "anna@example.org")) == (
        "cancelled"
    )
    again = client.submit(
        f"/manage/{token}/again", {"party_size": "1", "role_id": "0"}, form_page=f"/manage/{token}"
    )
    assert again.status_code == 303
    html = client.get(f"/manage/{token}").get_data(as_text=True)
    assert "You have RSVPed again." in html and "You are confirmed, as participant." in html


def test_no_email_or_token_reaches_the_logs(client, session, event, caplog):
    caplog.set_level(logging.DEBUG)
    token = rsvp_and_confirm(client, session, event, GOOD)
    client.get(f"/manage/{token}")
    client.get("/manage/" + "B" * 43)
    assert "anna@example.org" not in caplog.text.lower()
    assert token not in caplog.text
