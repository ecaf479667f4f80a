"""Mail goes out over plain SMTP: an address it cannot reach is refused by the form, where the
person can still give another, never accepted and then silently lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import OutboxMessage, Rsvp
from tests.factories import make_event

FORM = {"name": "Jörg", "party_size": "1", "wants_reminders": "y"}


@pytest.fixture
def event(session):
    return make_event(session)


def stored(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Rsvp)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def test_letters_like_umlauts_before_the_at_are_refused_next_to_the_field(client, session, event):
    response = client.submit(f"/e/{event.slug}/rsvp", {**FORM, "email": "jörg@example.de"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="email-error"' in html
    assert "We cannot send mail to an address with letters like ö or я before the @." in html
    assert 'value="jörg@example.de"' in html and 'value="Jörg"' in html
    assert stored(session) == (0, 0)


def test_the_refusal_speaks_the_page_language(client, session, event):
    response = client.submit(
        f"/e/{event.slug}/rsvp",
        {**FORM, "email": "jörg@example.de"},
        headers={"Accept-Language": "de"},
    )
    assert "Bitte gib eine andere Adresse an." in response.get_data(as_text=True)


def test_an_international_domain_is_reached_in_its_ascii_form(client, session, event):
    response = client.submit(f"/e/{event.slug}/rsvp", {**FORM, "email": "joerg@bücher.de"})
    assert response.status_code == 200
    message = session.scalars(select(OutboxMessage)).one()
    assert message.to_addr == "joerg@xn--bcher-kva.de"
    assert message.to_addr.isascii()


def test_sign_up_refuses_the_same_address_the_same_way(client, session):
    response = client.submit("/signup", {"email": "jörg@example.de", "display_name": "Jörg"})
    assert response.status_code == 422
    assert "before the @" in response.get_data(as_text=True)
    assert stored(session) == (0, 0)
