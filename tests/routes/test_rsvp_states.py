"""What the participant reads says what actually happens to their RSVP as it stands."""

from __future__ import annotations

import pytest

from models import utcnow
from services import events
from services.tokens import rsvp_token
from tests.factories import add_role, make_event, rsvp


@pytest.fixture
def event(session):
    return make_event(session, capacity=2)


def cancel_page(client, app, answer) -> str:
    with app.test_request_context():
        token = rsvp_token(answer.token_salt)
    return client.get(f"/manage/{token}/cancel").get_data(as_text=True)


def test_cancelling_a_request_awaiting_approval_withdraws_it(app, client, session, event):
    legal = add_role(session, event, "Legal observers", needs_approval=True)
    answer = rsvp(session, event, "lawyer@example.org", role=legal)
    assert answer.status == "pending_approval"
    html = cancel_page(client, app, answer)
    assert "Your request is withdrawn: the organisers will not be asked to approve it." in html
    assert "waitlist" not in html and "freed" not in html


def test_cancelling_from_the_waitlist_leaves_it(app, client, session, event):
    rsvp(session, event, "first@example.org", party_size=2)
    answer = rsvp(session, event, "late@example.org")
    assert answer.status == "waitlisted"
    html = cancel_page(client, app, answer)
    assert "You leave the waitlist." in html and "freed" not in html


def test_cancelling_a_place_frees_it_for_the_people_waiting(app, client, session, event):
    answer = rsvp(session, event, "pair@example.org", party_size=2)
    html = cancel_page(client, app, answer)
    assert "Your places for 2 people are freed: if people are waiting" in html


def test_after_the_form_the_participant_reads_what_happens_next(client, session, event):
    form = {"email": "anna@example.org", "name": "Anna", "party_size": "1"}
    html = client.submit(f"/e/{event.slug}/rsvp", form).get_data(as_text=True)
    assert "What happens next" in html
    assert "tap “Confirm” within 24 hours" in html
    assert "where your RSVP stands" in html
    assert "stays readable without a connection" in html


def panel(client, event) -> str:
    html = client.get(f"/e/{event.slug}").get_data(as_text=True)
    return html[
        html.index("data-rsvp-panel") : html.index("</section>", html.index("data-rsvp-panel"))
    ]


def test_open_full_and_cancelled_panels_each_say_where_things_stand(client, session, event):
    assert "Are you coming?" in panel(client, event)

    rsvp(session, event, "pair@example.org", party_size=2)  # capacity 2: full
    full = panel(client, event)
    assert "Full: join the waitlist" in full and "Are you coming?" not in full
    assert "Every place is taken. If you RSVP now, you join the waitlist" in full
    assert ">Join the waitlist</a>" in full
    form = client.get(f"/e/{event.slug}/rsvp").get_data(as_text=True)
    assert ">Join the waitlist</button>" in form

    events.cancel(session, event, "The police banned the route.", utcnow())
    session.commit()
    cancelled = panel(client, event)
    assert "This demonstration is cancelled" in cancelled
    assert "Are you coming?" not in cancelled and "coming." not in cancelled
    assert "This event was cancelled, so RSVPs are closed." in cancelled
    assert "data-rsvp-open" not in cancelled
