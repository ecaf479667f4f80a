"""Mail pages as users meet them: one-click unsubscribe, never-again, organiser updates with
delivery progress, password reset, the dev mailbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.extensions import db
from models import EventChange, EventOrganiser, OutboxMessage, Rsvp, Suppression, utcnow
from services import worker
from services.mail import fanout, notify
from services.tokens import rsvp_token, unsubscribe_token
from tests.factories import add_rsvp, make_event, make_user
from tests.plugins.app import log_in


@pytest.fixture
def app_settings(tmp_path):
    return {"DEV_MAILBOX": True, "MAILBOX_DIR": str(tmp_path / "mailbox")}


@pytest.fixture
def event_with_rsvp(session):
    event = make_event(session)
    rsvp = add_rsvp(session, event, "ada@example.org", name="Ada")
    session.commit()
    return event.id, rsvp.id, unsubscribe_token(rsvp.token_salt)


def test_one_click_unsubscribe_works_without_cookies_or_csrf(app, session, event_with_rsvp):
    _, rsvp_id, token = event_with_rsvp
    client = app.test_client(use_cookies=False)

    response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You will get no more reminders or updates" in response.get_data(as_text=True)
    rsvp = session.get(Rsvp, rsvp_id)
    session.refresh(rsvp)
    assert (rsvp.wants_reminders, rsvp.wants_updates, rsvp.status) == (False, False, "confirmed")


def test_unsubscribe_with_an_unknown_token_is_404(client):
    assert client.post("/unsubscribe/" + "x" * 43).status_code == 404
    assert client.get("/unsubscribe/nonsense").status_code == 404
    forged = "0" * 32 + "." + "A" * 43
    assert client.post(f"/unsubscribe/{forged}").status_code == 404


def test_unsubscribe_token_only_unsubscribes_and_manage_token_cannot(app, session):
    event = make_event(session)
    rsvp = add_rsvp(session, event, "ada@example.org")
    manage, unsubscribe = rsvp_token(rsvp.token_salt), unsubscribe_token(rsvp.token_salt)
    client = app.test_client(use_cookies=False)

    # The link in every email's List-Unsubscribe header carries the unsubscribe token.
    with app.app_context():
        header = notify.participant_row(
            kind="reminder",
            dedupe_key="k",
            event=event,
            rsvp=rsvp,
            subject_text="Hi",
            day="Today",
            time="13:00",
            assembly=None,
        )["headers"]["List-Unsubscribe"]
    assert header == f"<http://127.0.0.1:5000/unsubscribe/{unsubscribe}>"
    assert manage not in header

    for path in (f"/manage/{unsubscribe}", f"/manage/{unsubscribe}/cancel"):
        assert client.get(path).status_code == 404  # it opens no RSVP
    assert client.post(f"/manage/{unsubscribe}/cancel").status_code in (400, 404)
    assert client.post(f"/unsubscribe/{manage}").status_code == 404  # mail providers POST it
    assert client.get(f"/unsubscribe/{manage}").status_code == 404
    session.refresh(rsvp)
    assert (rsvp.wants_reminders, rsvp.wants_updates, rsvp.status) == (True, True, "confirmed")

    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    session.refresh(rsvp)
    assert (rsvp.wants_reminders, rsvp.wants_updates, rsvp.status) == (False, False, "confirmed")


def test_never_email_me_again_suppresses_the_address(client, session, event_with_rsvp):
    _, _, token = event_with_rsvp
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Never email me again" in page.get_data(as_text=True)
    assert client.post(f"/unsubscribe/{token}/everything").status_code == 400  # no CSRF token

    response = client.submit(f"/unsubscribe/{token}/everything", form_page=f"/unsubscribe/{token}")

    assert "We will never email this address again" in response.get_data(as_text=True)
    assert len(session.scalars(select(Suppression)).all()) == 1


@pytest.fixture
def own_event(session, organiser):
    event = make_event(session)
    session.add(EventOrganiser(event_id=event.id, user_id=organiser[0], is_owner=True))
    add_rsvp(session, event, "a@example.org")
    add_rsvp(session, event, "b@example.org")
    add_rsvp(session, event, "wait@example.org", status="waitlisted")
    session.commit()
    return event.id


def test_organiser_sends_an_update_and_sees_its_delivery(app, logged_in, session, own_event):
    path = f"/organise/events/{own_event}/updates"
    empty = logged_in.submit(path, {"message": "  "})
    assert empty.status_code == 422
    assert "Write the message participants should read." in empty.get_data(as_text=True)

    response = logged_in.submit(
        path, {"message": "Bring water, it will be hot.", "include_waitlist": "y"}
    )
    assert response.status_code == 303
    [update] = session.scalars(select(EventChange).where(EventChange.is_update.is_(True))).all()
    assert update.summary == "Bring water, it will be hot."
    # The request wrote the update and one job, no email: the worker writes those.
    assert session.scalars(select(OutboxMessage)).all() == []
    session.commit()
    page = logged_in.get(path).get_data(as_text=True)
    assert "Bring water, it will be hot." in page
    assert "0 sent, 0 waiting, 0 failed · preparing" in page
    assert "Preparing the emails." in page

    with app.app_context():
        fanout.expand_due(db.transaction, utcnow(), batch_size=1)  # one batch of one
    page = logged_in.get(path).get_data(as_text=True)
    assert "0 sent, 1 waiting, 0 failed · preparing: 1 of 3" in page
    assert "Preparing the emails: 1 of 3 written." in page

    with app.app_context():
        worker.run(once=True)  # no MAIL_SERVER here: into the dev mailbox
    page = logged_in.get(path).get_data(as_text=True)
    assert "3 sent, 0 waiting, 0 failed" in page
    assert "preparing" not in page.lower()


def test_updates_page_is_404_for_someone_else(client, session, own_event):

    make_user(session, "other@example.org", display_name="Other", password="another long password")
    log_in(client, "other@example.org", "another long password")
    assert client.get(f"/organise/events/{own_event}/updates").status_code == 404


def test_dev_mailbox_shows_sent_mail(app, client, session, event_with_rsvp):
    event_id, rsvp_id, _ = event_with_rsvp
    from models import Event

    event, rsvp = session.get(Event, event_id), session.get(Rsvp, rsvp_id)
    notify.rsvp_received(session, event, rsvp, utcnow())
    session.commit()
    worker.run(once=True)

    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert "You are confirmed: March for the Climate" in listing
    mail_id = re.search(r'/dev/mailbox/([0-9T]+-[0-9a-f]+)"', listing).group(1)
    page = client.get(f"/dev/mailbox/{mail_id}").get_data(as_text=True)
    assert "You are confirmed for March for the Climate" in page
    assert client.get(f"/dev/mailbox/{mail_id}.eml").status_code == 200
    assert client.get("/dev/mailbox/../../secret_key").status_code == 404


def test_dev_mailbox_is_hidden_unless_enabled(app, client):
    app.config["DEV_MAILBOX"] = None  # the default: development only, never under tests
    assert client.get("/dev/mailbox").status_code == 404


def test_password_reset_link_works_once(app, client, organiser):
    # No ``session`` fixture here: its app context would be shared by every request, and
    # with it the logged-in user of one client would show up in the other.
    _, email, _ = organiser
    login_page = client.get("/login").get_data(as_text=True)
    assert "Forgot your password?" in login_page

    unknown = client.submit("/reset", {"email": "nobody@example.org"}, follow_redirects=True)
    known = client.submit("/reset", {"email": email.upper()}, follow_redirects=True)
    assert "If an account exists for that address" in unknown.get_data(as_text=True)
    assert "If an account exists for that address" in known.get_data(as_text=True)

    with app.app_context():
        # The unknown address got a note that it has no account (one row each, see test_auth).
        [row] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "password_reset")
        ).all()
    assert row.to_addr == email
    link = re.search(r"http://[^\s]+/reset/(\S+)", row.body_text).group(0)
    path = link.removeprefix("http://127.0.0.1:5000")
    mismatch = client.submit(path, {"password": "a brand new password", "confirm": "other"})
    assert mismatch.status_code == 422
    done = client.submit(
        path, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert done.status_code == 302

    stranger = app.test_client()
    again = stranger.get(path)
    assert again.status_code == 404
    assert "This link no longer works" in again.get_data(as_text=True)
    assert log_in(stranger, email, "a brand new password").status_code == 302
