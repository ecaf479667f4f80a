"""An event's team: the owner invites co-organisers by an emailed link that only the verified
account with that address can accept, removes them, and reads who saw the participants; a
co-organiser can leave; a copy brings only the organisers chosen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from models import Event, EventInvitation, EventOrganiser, OutboxMessage
from services import accounts
from tests.factories import add_rsvp, make_event, make_user
from tests.plugins.app import log_in

INVITE_LINK = re.compile(r"https?://[^/\s]+(/organise/invitations/[A-Za-z0-9_-]{43})")
FRIEND = ("friend@example.org", "a friend's long password")


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        return make_event(db.session, organiser[0], as_organiser=True, published=False).id


def client_of(app, email: str, password: str, *, verified: bool = True):
    """A new browser of the account ``email`` (made if it does not exist), logged in."""
    with app.app_context():
        if accounts.find_user(db.session, email) is None:
            if verified:
                make_user(db.session, email, display_name=email.split("@")[0], password=password)
            else:
                accounts.create_user(
                    db.session, email=email, display_name="Unproved", password=password
                )
                db.session.commit()
    client = app.test_client()
    assert log_in(client, email, password).status_code == 302
    return client


def organiser_ids(session, event_id: int) -> set[int]:
    session.expire_all()
    return set(
        session.scalars(select(EventOrganiser.user_id).where(EventOrganiser.event_id == event_id))
    )


def invite(client, session, event_id: int, email: str):
    """The owner invites ``email``: (response, the link emailed, the outbox rows written)."""
    before = session.scalar(select(func.count(OutboxMessage.id)))
    path = f"/organise/events/{event_id}/organisers"
    response = client.submit(path, {"email": email})
    rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))[before:]
    link = INVITE_LINK.search(rows[0].body_text).group(1) if rows else None
    return response, link, rows


def test_the_invited_verified_account_accepts_and_then_organises(app, logged_in, session, event_id):
    friend = client_of(app, *FRIEND)
    response, link, rows = invite(logged_in, session, event_id, "Friend@Example.org")
    assert response.status_code == 303
    assert [r.to_addr for r in rows] == ["friend@example.org"]
    assert "March against the war" not in rows[0].subject  # an inbox list names no event
    # Inviting hands nothing over yet.
    assert friend.get(f"/organise/events/{event_id}/edit").status_code == 404

    page = friend.get(link)
    assert page.status_code == 200 and "Accept the invitation" in page.get_data(as_text=True)
    assert friend.submit(link, {}).headers["Location"] == f"/organise/events/{event_id}"
    assert friend.get(f"/organise/events/{event_id}/edit").status_code == 200
    assert session.scalar(select(func.count(EventInvitation.id))) == 0
    assert friend.get(link).status_code == 404  # used once


def test_invite_answers_the_same_whether_or_not_the_address_has_an_account(
    app, logged_in, session, event_id
):
    client_of(app, *FRIEND)
    known, _, known_rows = invite(logged_in, session, event_id, "friend@example.org")
    known_page = logged_in.get(known.headers["Location"]).get_data(as_text=True)
    new, _, new_rows = invite(logged_in, session, event_id, "nobody@example.org")
    new_page = logged_in.get(new.headers["Location"]).get_data(as_text=True)
    assert known.status_code == new.status_code == 303
    assert known.headers["Location"] == new.headers["Location"]
    assert len(known_rows) == len(new_rows) == 1
    assert known_rows[0].body_text.replace("friend", "nobody") == new_rows[0].body_text.replace(
        INVITE_LINK.search(new_rows[0].body_text).group(1),
        INVITE_LINK.search(known_rows[0].body_text).group(1),
    )
    assert "We emailed an invitation to friend@example.org" in known_page
    assert "We emailed an invitation to nobody@example.org" in new_page


def test_another_account_cannot_accept_even_with_the_link(app, logged_in, session, event_id):
    _, link, _ = invite(logged_in, session, event_id, "friend@example.org")
    squatter = client_of(app, "squatter@example.org", "the squatter's password")
    assert "for another address" in squatter.get(link).get_data(as_text=True)
    assert squatter.submit(link, {}).status_code == 403
    # An account that registered the invited address without proving it cannot either.
    unproved = client_of(app, "friend@example.org", "registered first!!", verified=False)
    assert unproved.submit(link, {}, form_page="/account/verify").status_code == 403
    assert len(organiser_ids(session, event_id)) == 1
    assert session.scalar(select(func.count(EventInvitation.id))) == 1  # still usable


def test_a_co_organiser_cannot_invite_or_remove_but_can_leave(
    app, logged_in, session, organiser, event_id
):
    _, link, _ = invite(logged_in, session, event_id, FRIEND[0])
    friend = client_of(app, *FRIEND)
    friend.submit(link, {})
    team = f"/organise/events/{event_id}/organisers"
    page = friend.get(team).get_data(as_text=True)
    assert "Invite a co-organiser" not in page and "Leave this demonstration" in page

    assert friend.submit(team, {"email": "third@example.org"}).status_code == 403
    owner_out = f"/organise/events/{event_id}/organisers/{organiser[0]}/remove"
    assert friend.submit(owner_out, {}, form_page=team).status_code == 403
    assert friend.get(f"/organise/events/{event_id}/access-log").status_code == 403
    assert len(organiser_ids(session, event_id)) == 2

    assert (
        friend.submit(f"/organise/events/{event_id}/leave", {}, form_page=team).status_code == 303
    )
    assert organiser_ids(session, event_id) == {organiser[0]}
    assert friend.get(team).status_code == 404


def test_the_owner_removes_a_co_organiser_and_withdraws_an_invitation(
    app, logged_in, session, organiser, event_id
):
    _, link, _ = invite(logged_in, session, event_id, FRIEND[0])
    friend = client_of(app, *FRIEND)
    friend.submit(link, {})
    friend_id = accounts.find_user(session, FRIEND[0]).id
    team = f"/organise/events/{event_id}/organisers"
    response = logged_in.submit(f"{team}/{friend_id}/remove", {}, form_page=team)
    assert response.status_code == 303 and organiser_ids(session, event_id) == {organiser[0]}
    assert friend.get(f"/organise/events/{event_id}/edit").status_code == 404

    _, link, _ = invite(logged_in, session, event_id, "later@example.org")
    page = logged_in.get(team).get_data(as_text=True)
    assert "Invitations not yet accepted" in page and "later@example.org" in page
    invitation_id = session.scalar(select(EventInvitation.id))
    path = f"/organise/events/{event_id}/invitations/{invitation_id}/revoke"
    assert logged_in.submit(path, {}, form_page=team).status_code == 303
    later = client_of(app, "later@example.org", "a later long password")
    assert later.get(link).status_code == 404


def test_duplicate_brings_only_the_organisers_chosen(app, logged_in, session, organiser, event_id):
    ids = {}
    for email in ("a@example.org", "b@example.org"):
        _, link, _ = invite(logged_in, session, event_id, email)
        client_of(app, email, "a long enough password").submit(link, {})
        ids[email] = accounts.find_user(session, email).id
    path = f"/organise/events/{event_id}/duplicate"
    page = logged_in.get(path).get_data(as_text=True)
    assert "a (a@example.org)" in page and "checked" not in page  # default: only me

    logged_in.submit(path, {"weeks": "1"})
    logged_in.submit(path, {"weeks": "2", "organisers": [str(ids["b@example.org"])]})
    copies = list(session.scalars(select(Event).where(Event.id != event_id).order_by(Event.id)))
    assert [organiser_ids(session, c.id) for c in copies] == [
        {organiser[0]},
        {organiser[0], ids["b@example.org"]},
    ]
    owners = session.scalars(
        select(EventOrganiser.user_id).where(
            EventOrganiser.event_id == copies[1].id, EventOrganiser.is_owner
        )
    ).all()
    assert owners == [organiser[0]]


def test_a_copy_by_a_co_organiser_is_theirs(app, logged_in, session, organiser, event_id):
    _, link, _ = invite(logged_in, session, event_id, FRIEND[0])
    friend = client_of(app, *FRIEND)
    friend.submit(link, {})
    friend.submit(f"/organise/events/{event_id}/duplicate", {"weeks": "1"})
    copy = session.scalar(select(Event).where(Event.id != event_id))
    friend_id = accounts.find_user(session, FRIEND[0]).id
    assert organiser_ids(session, copy.id) == {friend_id}


def test_the_access_log_shows_who_viewed_and_exported_the_attendee_list(
    app, logged_in, session, event_id
):
    add_rsvp(session, session.get(Event, event_id), "p@example.org")
    _, link, _ = invite(logged_in, session, event_id, FRIEND[0])
    friend = client_of(app, *FRIEND)
    friend.submit(link, {})
    log = f"/organise/events/{event_id}/access-log"
    assert "Nobody has opened the attendee list yet." in logged_in.get(log).get_data(as_text=True)

    assert friend.get(f"/organise/events/{event_id}/attendees").status_code == 200
    export = friend.get(f"/organise/events/{event_id}/attendees.csv")
    assert "p@example.org" in export.get_data(as_text=True)  # read to the end: it streams
    html = logged_in.get(log).get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td>" in row]
    assert len(rows) == 2
    assert "friend@example.org" in rows[0] and "exported the list" in rows[0]
    assert "friend@example.org" in rows[1] and "viewed the list" in rows[1]
