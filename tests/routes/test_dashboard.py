"""The dashboard shows each demonstration with its numbers and the one thing to do next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from tests.factories import add_role, add_rsvp, make_event, rsvp


def card(html: str, title: str) -> str:
    """The dashboard card of the event called ``title``."""
    start = html.index(f">{title}</a>")
    return html[start : html.index("</li>", start)]


def test_each_event_shows_its_counts_and_next_step(app, logged_in, organiser):
    user_id = organiser[0]
    with app.app_context():
        session = db.session
        make_event(session, user_id, as_organiser=True, published=False, route=False, title="Bare")
        make_event(session, user_id, as_organiser=True, published=False, title="Ready")
        soon = utcnow() + timedelta(days=10)
        busy = make_event(session, user_id, title="Busy", starts_at=soon, capacity=3)
        legal = add_role(session, busy, "Legal observers", needs_approval=True)
        rsvp(session, busy, "a@example.org", party_size=3)
        rsvp(session, busy, "b@example.org")
        rsvp(session, busy, "c@example.org", role=legal)
        quiet = make_event(session, user_id, title="Quiet", starts_at=soon)
        rsvp(session, quiet, "d@example.org")
        make_event(session, user_id, title="Tomorrow", starts_at=utcnow() + timedelta(hours=20))
        session.commit()
    html = logged_in.get("/dashboard/").get_data(as_text=True)
    assert "Next:</strong>\n        <a" in card(html, "Bare") and "draw the route" in card(
        html, "Bare"
    )
    assert "check the preview and publish" in card(html, "Ready")
    busy_card = card(html, "Busy")
    assert "3 people coming · 1 on the waitlist · 1 awaits approval" in busy_card
    assert "answer the requests awaiting approval" in busy_card
    assert "1 person coming" in card(html, "Quiet") and "share the link" in card(html, "Quiet")
    assert "give stewards their links" in card(html, "Tomorrow")


def test_a_past_march_asks_to_erase_what_is_still_kept(app, logged_in, organiser):
    with app.app_context():
        session = db.session
        over = utcnow() - timedelta(days=3)
        for title in ("Over, kept", "Over, erased"):
            make_event(session, organiser[0], title=title, starts_at=over, ends_at=over)
        kept = session.scalars(select(Event).where(Event.title == "Over, kept")).one()
        with app.test_request_context():
            add_rsvp(session, kept, "e@example.org")
    html = logged_in.get("/dashboard/").get_data(as_text=True)
    assert "erase the participants" in card(html, "Over, kept")
    assert "Next:" not in card(html, "Over, erased")
