"""An RSVP is the participant's alone: the public form never changes an existing RSVP, and a
new one counts only once confirmed from the email; unconfirmed ones are erased."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import OutboxMessage, Rsvp
from services import rsvp as rsvps
from services import tokens, worker
from services.errors import DomainError
from services.rsvp import attendees
from tests.factories import NOW, add_role, make_event, rsvp, submit_rsvp


@pytest.fixture
def req(app):
    """A request context: mail is queued with absolute links."""
    with app.test_request_context():
        yield


def public_counts(session, event) -> tuple:
    """What the public RSVP panel shows: people, and per role "people of needed"."""
    totals = attendees.totals(session, event)
    return totals.people, [(line.name, line.people, line.needed) for line in totals.roles]


def mail_to(session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_addr == address).order_by(OutboxMessage.id)
    ).all()


def test_attacker_posting_the_victims_address_changes_nothing(session, req):
    """The issue's scenario: "3 people, Medics 2/4" must not become "2 people, Stewards 1/10"
    after someone posts the victim's address as a steward with other details."""
    event = make_event(session, capacity=50)
    medics = add_role(session, event, "Medics", needed=4)
    stewards = add_role(session, event, "Stewards", needed=10)
    victim = rsvp(session, event, "victim@example.org", party_size=2, role=medics, name="Vera")
    rsvp(session, event, "other@example.org")
    before = public_counts(session, event)
    assert before[0] == 3
    columns = (victim.status, victim.name, victim.party_size, victim.role_id)
    preferences = (victim.wants_reminders, victim.language, victim.token_hash)
    mail_before = len(mail_to(session, "victim@example.org"))

    returned = submit_rsvp(
        session,
        event,
        " Victim@Example.org ",
        party_size=1,
        role=stewards,
        name="Mallory",
        wants_reminders=False,
        language="ru",
    )

    session.refresh(victim)
    assert returned.id == victim.id
    assert (victim.status, victim.name, victim.party_size, victim.role_id) == columns
    assert (victim.wants_reminders, victim.language, victim.token_hash) == preferences
    assert public_counts(session, event) == before
    mail = mail_to(session, "victim@example.org")
    assert len(mail) == mail_before + 1
    assert mail[-1].kind == "rsvp_exists"
    assert "You already replied, so nothing was changed." in mail[-1].body_text
    assert tokens.rsvp_token(victim.token_salt) in mail[-1].body_text  # their private link
    assert "Hello Vera," in mail[-1].body_text  # in their language, with their name


@pytest.mark.parametrize("status", ["cancelled", "declined", "waitlisted", "pending_approval"])
def test_the_form_revives_or_moves_no_rsvp_in_any_state(session, req, status):
    event = make_event(session, capacity=5)
    mine = rsvp(session, event, "mine@example.org", party_size=2)
    mine.status = status
    session.commit()
    submit_rsvp(session, event, "mine@example.org", party_size=1)
    session.refresh(mine)
    assert (mine.status, mine.party_size) == (status, 2)


def test_new_rsvp_counts_nowhere_until_confirmed(session, req):
    event = make_event(session, capacity=3)
    stewards = add_role(session, event, "Stewards", needed=2)
    before = public_counts(session, event)
    new = submit_rsvp(session, event, "new@example.org", party_size=2, role=stewards)
    assert (new.status, new.waitlisted_at) == ("unconfirmed", None)
    assert public_counts(session, event) == before
    totals = attendees.totals(session, event)
    assert (totals.rsvps, totals.unconfirmed) == (0, 1)
    (mail,) = mail_to(session, "new@example.org")
    assert mail.kind == "rsvp_confirm"
    assert tokens.rsvp_token(new.token_salt) not in mail.body_text  # no manage link yet
    assert "/confirm/" + tokens.confirm_token(new.token_salt) in mail.body_text

    confirmed = rsvps.confirm_rsvp(session, new, NOW)
    session.commit()

    assert confirmed.status == "confirmed" and confirmed.confirm_hash is None
    assert public_counts(session, event)[0] == 2
    counted = attendees.totals(session, event)
    assert (counted.line(stewards.id).people, counted.line(None).people) == (1, 1)  # + a guest
    kinds = [m.kind for m in mail_to(session, "new@example.org")]
    assert kinds == ["rsvp_confirm", "rsvp_received"]


def test_confirming_places_on_the_waitlist_or_for_approval(session, req):
    event = make_event(session, capacity=1)
    legal = add_role(session, event, "Legal", needs_approval=True)
    rsvp(session, event, "in@example.org")
    late = submit_rsvp(session, event, "late@example.org")
    asking = submit_rsvp(session, event, "asking@example.org", role=legal)
    assert rsvps.confirm_rsvp(session, late, NOW).status == "waitlisted"
    assert rsvps.confirm_rsvp(session, asking, NOW).status == "pending_approval"
    assert rsvps.waitlist_position(session, late) == 1


def test_confirm_token_only_confirms_and_works_once(session, req):
    event = make_event(session)
    new = submit_rsvp(session, event, "new@example.org")
    confirm = tokens.confirm_token(new.token_salt)
    manage = tokens.rsvp_token(new.token_salt)
    assert confirm != manage
    assert new.confirm_hash == tokens.token_hash(confirm)  # only its hash is stored
    assert confirm not in str([new.token_salt, new.token_hash, new.confirm_hash])
    assert rsvps.rsvp_by_confirm_token(session, manage) is None
    assert rsvps.rsvp_by_token(session, confirm) is None
    assert rsvps.rsvp_by_token(session, manage) is None  # nobody was sent it yet
    assert rsvps.rsvp_by_confirm_token(session, confirm).id == new.id

    rsvps.confirm_rsvp(session, new, NOW)
    session.commit()
    assert rsvps.rsvp_by_confirm_token(session, confirm) is None
    assert rsvps.rsvp_by_token(session, manage).id == new.id


def test_unconfirmed_address_sending_again_gets_the_same_link_and_changes_nothing(session, req):
    event = make_event(session)
    first = submit_rsvp(session, event, "new@example.org", party_size=1)
    again = submit_rsvp(session, event, "new@example.org", party_size=4, name="X")
    assert again.id == first.id and (again.party_size, again.name) == (1, None)
    bodies = [m.body_text for m in mail_to(session, "new@example.org")]
    link = "/confirm/" + tokens.confirm_token(first.token_salt)
    assert len(bodies) == 2 and all(link in body for body in bodies)


def test_unconfirmed_rsvps_expire_with_their_mail(session, req, app):
    event = make_event(session)
    old = submit_rsvp(session, event, "old@example.org", now=NOW)
    fresh = submit_rsvp(session, event, "fresh@example.org", now=NOW + timedelta(hours=2))
    kept = rsvp(session, event, "kept@example.org", now=NOW)
    old_id, fresh_id = old.id, fresh.id

    assert rsvps.expire_unconfirmed(session, now=NOW + timedelta(hours=23), hours=24) == 0
    session.execute(update(OutboxMessage).values(status="sent"))  # nothing for it to send
    session.commit()
    with app.app_context():
        worker.run(once=True, now=NOW + timedelta(hours=24))  # one round of the worker
    session.expire_all()

    assert session.get(Rsvp, old_id) is None
    assert session.get(Rsvp, fresh_id) is not None and session.get(Rsvp, kept.id) is not None
    assert mail_to(session, "old@example.org") == []
    assert session.scalar(select(func.count()).where(OutboxMessage.rsvp_id == old_id)) == 0
    # The address is new again.
    assert submit_rsvp(session, event, "old@example.org", now=NOW + timedelta(hours=25)).id


def test_an_expired_link_confirms_nothing(session, req, app):
    event = make_event(session)
    new = submit_rsvp(session, event, "new@example.org", now=NOW)
    assert app.config["RSVP_CONFIRM_HOURS"] == 24
    with pytest.raises(DomainError, match="expired"):
        rsvps.confirm_rsvp(session, new, NOW + timedelta(hours=24))
    session.rollback()
    assert session.get(Rsvp, new.id).status == "unconfirmed"


def test_cancelled_rsvp_comes_back_only_from_its_manage_page(session, req):
    event = make_event(session, capacity=5)
    mine = rsvp(session, event, "mine@example.org", party_size=2)
    rsvps.cancel_rsvp(session, mine, NOW)
    session.commit()
    with pytest.raises(DomainError, match="still counts"):
        rsvps.rsvp_again(
            session,
            rsvp(session, event, "other@example.org"),
            party_size=1,
            role_id=None,
            name=None,
            wants_reminders=True,
            now=NOW,
        )
    session.rollback()
    back = rsvps.rsvp_again(
        session, mine, party_size=3, role_id=None, name="Me", wants_reminders=True, now=NOW
    )
    assert (back.status, back.party_size) == ("confirmed", 3)


def test_organisers_count_unconfirmed_rsvps_apart_and_export_leaves_them_out(session, req):
    event = make_event(session)
    rsvp(session, event, "in@example.org", party_size=2)
    submit_rsvp(session, event, "maybe@example.org", party_size=3)
    totals = attendees.totals(session, event)
    assert (totals.rsvps, totals.people, totals.unconfirmed) == (1, 2, 1)
    assert [row[1] for row in attendees.export_rows(session, event.id)] == ["in@example.org"]
    listed = attendees.attendee_page(session, event, status="unconfirmed").rsvps
    assert [r.email for r in listed] == ["in@example.org"]  # not a filter anyone can pick


def test_expired_unconfirmed_rsvp_the_worker_missed_starts_afresh(session, req):
    event = make_event(session)
    old_salt = submit_rsvp(session, event, "late@example.org", party_size=3, now=NOW).token_salt
    new = submit_rsvp(session, event, "late@example.org", now=NOW + timedelta(hours=25))
    assert (new.token_salt != old_salt, new.party_size, new.status) == (True, 1, "unconfirmed")
    assert session.scalar(select(func.count()).select_from(Rsvp)) == 1
    [mail] = mail_to(session, "late@example.org")  # the old link's mail went with it
    assert tokens.confirm_token(new.token_salt) in mail.body_text
