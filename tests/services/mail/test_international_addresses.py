"""An address with letters outside ASCII before the @ (``jörg@example.de``) that reached the
outbox some other way than the forms (which refuse it: tests/routes/test_email_addresses.py),
e.g. an older row: delivered with SMTPUTF8 where the server offers it, else failed visibly,
once, never retried and never silently lost. Real worker, real SMTP server on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import OutboxMessage, utcnow
from services import worker
from services.mail import notify
from tests.factories import add_rsvp, make_event
from tests.plugins.smtp import SmtpServer

JOERG = "jörg@example.de"


@pytest.fixture
def server(request):
    """The loopback SMTP server, offering SMTPUTF8 when the test's parameter says so."""
    server = SmtpServer(smtputf8=request.param)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_settings(server):
    return {"MAIL_SERVER": server.host, "MAIL_PORT": server.port}


def queue_confirmations(session) -> None:
    event = make_event(session)
    for address in (JOERG, "ada@example.org"):
        notify.rsvp_received(session, event, add_rsvp(session, event, address), utcnow())
    session.commit()


def rows(session) -> dict[str, OutboxMessage]:
    session.expire_all()
    return {row.to_addr: row for row in session.scalars(select(OutboxMessage))}


@pytest.mark.parametrize("server", [True], ids=["smtputf8"], indirect=True)
def test_a_server_with_smtputf8_gets_the_address_as_it_is(session, server):
    queue_confirmations(session)

    worker.run(once=True)

    assert rows(session)[JOERG].status == "sent"
    assert ([JOERG], True) in server.inbox.envelopes
    assert (["ada@example.org"], False) in server.inbox.envelopes  # plain mail stays plain
    [raw] = [r for r in server.inbox.raw if JOERG.encode() in r]
    assert f"To: {JOERG}\r\n".encode() in raw  # RFC 6532: the header in UTF-8
    assert b"You are confirmed" in raw


@pytest.mark.parametrize("server", [False], ids=["ascii-only"], indirect=True)
def test_without_smtputf8_the_row_fails_once_with_the_reason_and_the_rest_goes_on(session, server):
    queue_confirmations(session)

    worker.run(once=True)
    worker.run(once=True)  # nothing is tried again

    joerg = rows(session)[JOERG]
    assert joerg.status == "failed"
    assert joerg.attempts == 1
    assert "SMTPUTF8" in joerg.last_error
    assert rows(session)["ada@example.org"].status == "sent"
    assert [to for to, _utf8 in server.inbox.envelopes] == [["ada@example.org"]]
