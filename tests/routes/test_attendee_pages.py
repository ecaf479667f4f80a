"""Organisers see who is coming, answer role requests, export a CSV and set roles."""

from __future__ import annotations

import csv
import io
import zlib

import brotli
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

from core.extensions import db
from models import OutboxMessage, Role, Rsvp, utcnow
from routes.attendees import csv_cell
from tests.factories import add_role, make_event, make_user, rsvp
from tests.plugins.app import log_in


@pytest.fixture
def event(session, organiser):
    return make_event(session, organiser[0], capacity=20)


def bulk_rsvps(session, event, n: int, **columns) -> None:
    now = utcnow()
    rows = [
        {
            "event_id": event.id,
            "email": f"p{i}@example.org",
            "name": f"Person {i}",
            "party_size": 1,
            "status": "confirmed",
            "token_salt": f"s{i}",
            "token_hash": f"{event.id}-h{i}",
            "wants_reminders": True,
            "wants_updates": True,
            "language": "en",
            "created_at": now,
            "updated_at": now,
            **columns,
        }
        for i in range(n)
    ]
    session.execute(insert(Rsvp), rows)
    session.commit()


def test_attendee_page_shows_totals_roles_and_list(logged_in, session, event):
    medics = add_role(session, event, "Medics", needed=4)
    legal = add_role(session, event, "Legal observers", needs_approval=True)
    rsvp(session, event, "ann@example.org", party_size=3, name="Ann")
    rsvp(session, event, "med@example.org", party_size=2, role=medics, name="Medic Mo")
    rsvp(session, event, "law@example.org", role=legal, name="Lawyer Lu")
    html = logged_in.get(f"/organise/events/{event.id}/attendees").get_data(as_text=True)
    assert "<dt>RSVPs</dt><dd>3</dd>" in html
    assert "<dt>People, guests included</dt><dd>5" in html
    assert "<dt>Awaiting approval</dt><dd>1</dd>" in html
    # Medic Mo's guest comes as a participant: the role counts its one volunteer.
    assert '<th scope="row">Medics</th><td>1</td><td>4</td>' in html
    for text in ("Ann", "ann@example.org", "Medic Mo", "Lawyer Lu", "Approve", "Decline"):
        assert text in html


def test_search_filter_and_pages_of_fifty(logged_in, session, event):
    bulk_rsvps(session, event, 120)
    rsvp(session, event, "needle@example.org", name="Zed")
    path = f"/organise/events/{event.id}/attendees"
    first = logged_in.get(path).get_data(as_text=True)
    assert first.count('aria-label="Remove ') == 50 and "Page 1 of 3" in first
    last = logged_in.get(path + "?page=3").get_data(as_text=True)
    assert last.count('aria-label="Remove ') == 21
    found = logged_in.get(path + "?q=NEEDLE").get_data(as_text=True)
    assert "Zed" in found and "Person 1" not in found
    assert "Zed" in logged_in.get(path + "?q=zed").get_data(as_text=True)
    assert "0 RSVPs match" in logged_in.get(path + "?q=%25_").get_data(as_text=True)
    waitlist = logged_in.get(path + "?status=waitlisted").get_data(as_text=True)
    assert "1 RSVP matches" in waitlist and "Zed" in waitlist  # the event's 20 seats are gone


def test_filter_by_role(logged_in, session, event):
    medics = add_role(session, event, "Medics")
    rsvp(session, event, "med@example.org", role=medics, name="Medic Mo")
    rsvp(session, event, "p@example.org", name="Plain Pat")
    path = f"/organise/events/{event.id}/attendees"
    html = logged_in.get(f"{path}?role={medics.id}").get_data(as_text=True)
    assert "Medic Mo" in html and "Plain Pat" not in html
    html = logged_in.get(f"{path}?role=participant").get_data(as_text=True)
    assert "Plain Pat" in html and "Medic Mo" not in html


def test_approve_decline_and_remove(app, logged_in, session, event):
    legal = add_role(session, event, "Legal observers", needs_approval=True)
    yes = rsvp(session, event, "yes@example.org", role=legal)
    no = rsvp(session, event, "no@example.org", role=legal)
    gone = rsvp(session, event, "gone@example.org")
    page = f"/organise/events/{event.id}/attendees"
    base = f"/organise/events/{event.id}/attendees"
    assert logged_in.submit(f"{base}/{yes.id}/approve", form_page=page).status_code == 303
    assert logged_in.submit(f"{base}/{no.id}/decline", form_page=page).status_code == 303
    response = logged_in.submit(
        f"{base}/{gone.id}/remove", {"next": "//evil.example"}, form_page=page
    )
    assert response.headers["Location"] == base
    session.expire_all()
    assert (yes.status, no.status) == ("confirmed", "declined")
    assert session.scalar(select(Rsvp).where(Rsvp.email == "gone@example.org")) is None
    html = logged_in.get(page).get_data(as_text=True)
    assert "Removed, with their details." in html
    again = logged_in.submit(f"{base}/{no.id}/approve", form_page=page)
    assert "That request was already answered." in logged_in.get(again.headers["Location"]).text


def test_organiser_of_another_event_gets_404_everywhere(app, client, organiser):
    # Arranged in an app context of its own: logging in inside the ``session`` fixture's
    # context would keep that context's cached CSRF token across the log-in.
    with app.app_context():
        event = make_event(db.session, organiser[0])
        the_rsvp = rsvp(db.session, event, "secret@example.org", name="Secret")
        role = add_role(db.session, event, "Medics")
        other = make_user(
            db.session, "other@example.org", display_name="Other", password="another password!"
        )
        mine = make_event(db.session, other.id)
    log_in(client, "other@example.org", "another password!")
    base = f"/organise/events/{event.id}"
    token = client.csrf_token(f"/organise/events/{mine.id}/attendees")
    for path in (
        f"{base}/attendees",
        f"{base}/attendees.csv",
        f"{base}/roles",
        f"{base}/roles/{role.id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "secret@example.org" not in response.get_data(as_text=True)
    for path in (
        f"{base}/attendees/{the_rsvp.id}/remove",
        f"{base}/roles/{role.id}/delete",
        f"/organise/events/{mine.id}/attendees/{the_rsvp.id}/remove",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    with app.app_context():
        assert db.session.scalar(select(Rsvp.status)) == "confirmed"
        assert db.session.get(Role, role.id) is not None


def test_visitors_are_sent_to_log_in(client, session, event):
    response = client.get(f"/organise/events/{event.id}/attendees.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_csv_export_escapes_formulas_and_streams(logged_in, session, event):
    for n, name in enumerate(['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "Plain"]):
        rsvp(session, event, f"{n}@example.org", name=name)
    rsvp(session, event, "=cmd@example.org", name="Email attack")
    response = logged_in.get(f"/organise/events/{event.id}/attendees.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Name", "Email", "People"]
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "Plain", "Email attack"]
    assert rows[-1][1] == "'=cmd@example.org"


def test_attendee_page_costs_the_same_queries_for_10_or_10000_rsvps(app, logged_in, organiser):
    def queries(n: int) -> int:
        # Data is arranged in an app context of its own, so that each request runs in its
        # own context, as in production (nothing cached in ``g`` from an earlier request).
        with app.app_context():
            event = make_event(db.session, organiser[0])
            add_role(db.session, event, "Stewards", needed=10)
            bulk_rsvps(db.session, event, n)
            engine = db.engine
        seen = []

        def count(*args):
            seen.append(args[2])

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            response = logged_in.get(f"/organise/events/{event.id}/attendees")
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('aria-label="Remove ') == min(n, 50)
        return len(seen)

    assert queries(10) == queries(10_000)


def test_roles_can_be_added_edited_and_deleted(logged_in, session, event):
    path = f"/organise/events/{event.id}/roles"
    assert logged_in.submit(path, {"name": "Stewards", "needed": "1"}).status_code == 303
    duplicate = logged_in.submit(path, {"name": "stewards", "needed": "0"})
    html = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 422
    assert "Enter 1 or more, or leave it empty." in html and 'value="stewards"' in html
    role = session.scalar(select(Role))
    first = rsvp(session, event, "one@example.org", role=role)
    second = rsvp(session, event, "two@example.org", role=role)
    assert (first.status, second.status) == ("confirmed", "waitlisted")

    response = logged_in.submit(
        f"{path}/{role.id}", {"name": "Stewards", "needed": "2"}, form_page=f"{path}/{role.id}"
    )
    assert response.status_code == 303
    session.expire_all()
    assert second.status == "confirmed"  # more places needed: the waitlist moves up
    assert "Stewards</strong>: 2 of 2" in logged_in.get(path).get_data(as_text=True)

    assert logged_in.submit(f"{path}/{role.id}/delete", form_page=path).status_code == 303
    session.expire_all()
    assert session.scalar(select(Role)) is None
    assert session.get(Rsvp, first.id).role_id is None  # a participant now


def test_duplicate_role_name_is_refused(logged_in, session, event):
    add_role(session, event, "Medics")
    response = logged_in.submit(f"/organise/events/{event.id}/roles", {"name": " MEDICS "})
    assert response.status_code == 422
    assert "This event already has a role with that name." in response.get_data(as_text=True)


def test_csv_cells_starting_with_tab_or_return_are_escaped_too():
    assert [csv_cell(v) for v in ("\tx", "\rx", "a=b", None, 3)] == ["'\tx", "'\rx", "a=b", "", "3"]


def test_attendee_page_shows_how_the_events_mail_is_doing(logged_in, session, event):
    for i, status in enumerate(["sent", "sent", "queued", "failed"]):
        session.add(
            OutboxMessage(
                dedupe_key=f"k{i}",
                kind="organiser_update",
                to_addr="a@x.org",
                subject="s",
                body_text="b",
                event_id=event.id,
                status=status,
            )
        )
    session.commit()
    html = logged_in.get(f"/organise/events/{event.id}/attendees").get_data(as_text=True)
    assert "2 sent, 1 waiting to be sent, 1 failed." in html


@pytest.mark.parametrize(
    ("accept", "encoding", "decompressor"),
    [
        ("br, gzip", "br", lambda: brotli.Decompressor().process),
        ("gzip", "gzip", lambda: zlib.decompressobj(zlib.MAX_WBITS | 16).decompress),
        ("identity", None, lambda: lambda data: data),
    ],
)
def test_big_csv_export_streams_compressed_from_the_first_rows(
    logged_in, session, event, accept, encoding, decompressor
):
    """The download starts with the first rows, compressed as the browser asked, instead
    of after the whole list has been compressed; all of it decodes to the full list."""
    bulk_rsvps(session, event, 1200)
    response = logged_in.get(
        f"/organise/events/{event.id}/attendees.csv", headers={"Accept-Encoding": accept}
    )
    assert response.status_code == 200 and response.is_streamed
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.vary
    decode = decompressor()
    parts = iter(response.response)
    try:
        first = decode(next(parts))  # the first 500 rows, decodable on their own
        data = first + b"".join(decode(part) for part in parts)
    finally:
        response.close()
    assert first.startswith(b"Name,Email,People,") and b"\r\nPerson 400," in first
    assert len(first) < len(data) / 2
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert len(rows) == 1 + 1200 and rows[-1][0] == "Person 1199"
