"""Messages as mail clients read them, and SMTP failures sorted into "retry" and "give up"."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from models import OutboxMessage, utcnow
from services import mail as mailer
from tests.plugins.smtp import free_port

SENDER = "Rallypoint <noreply@rallypoint.example>"


def row(**fields) -> OutboxMessage:
    values = {
        "id": 7,
        "dedupe_key": "k",
        "kind": "organiser_update",
        "to_addr": "ada@example.org",
        "subject": "Änderung: Demo für das Klima",
        "body_text": "Hello Ada,\n\nMeet at the Brandenburger Tor.\n.\nA line that is long " * 3,
        "body_html": "<p>Hello Ada,</p>",
        "headers": {"List-Unsubscribe": "<https://example.org/unsubscribe/abc>"},
        "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        "created_at": utcnow(),
    }
    values.update(fields)
    return OutboxMessage(**values)


def test_message_has_text_html_calendar_and_headers():
    message = mailer.build_message(row(), mail_from=SENDER)

    assert message["Subject"] == "Änderung: Demo für das Klima"
    assert message["From"] == SENDER
    assert message["To"] == "ada@example.org"
    assert message["List-Unsubscribe"] == "<https://example.org/unsubscribe/abc>"
    assert message["Message-ID"].startswith("<rp7.") and message["Date"]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == row().body_text
    assert message.get_body(("html",)).get_content().strip() == "<p>Hello Ada,</p>"
    [calendar] = message.iter_attachments()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert "VERSION:2.0" in calendar.get_content()
    assert message.defects == []


def test_message_id_is_the_same_on_every_attempt():
    first = mailer.build_message(row(), mail_from=SENDER)
    second = mailer.build_message(row(created_at=first_created(first)), mail_from=SENDER)
    assert first["Message-ID"] == second["Message-ID"]


def first_created(message):
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(message["Date"])


@pytest.mark.parametrize(
    "fields",
    [
        {"to_addr": None},
        {"headers": {"X-Evil": "a\r\nBcc: x@example.org"}},
        {"subject": "two\nlines"},
        {"to_addr": "not an address"},
    ],
)
def test_rows_that_cannot_become_email_raise_value_error(fields):
    with pytest.raises(ValueError):
        mailer.render(row(**fields), mail_from=SENDER)


def test_smtp_refusal_is_permanent_and_the_connection_goes_on(smtp_server):
    smtp_server.inbox.refused.add("gone@example.org")
    transport = mailer.SmtpTransport(mailer.SmtpSettings(smtp_server.host, smtp_server.port))
    try:
        with pytest.raises(mailer.SendError) as refused:
            transport.send(mailer.render(row(to_addr="gone@example.org"), mail_from=SENDER))
        assert refused.value.permanent and not refused.value.connection
        transport.send(mailer.render(row(), mail_from=SENDER))
    finally:
        transport.close()
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.org"]


def test_server_down_is_temporary_and_a_dropped_connection_is_reopened(smtp_server):
    transport = mailer.SmtpTransport(mailer.SmtpSettings(smtp_server.host, smtp_server.port))
    mail = mailer.render(row(), mail_from=SENDER)
    transport.send(mail)
    smtp_server.stop()
    with pytest.raises(mailer.SendError) as down:
        transport.send(mail)
    assert not down.value.permanent and down.value.connection
    smtp_server.start()
    transport.send(mail)  # the old connection is gone: a new one is opened
    transport.close()
    assert len(smtp_server.messages) == 2


def test_nothing_listening_is_temporary():
    transport = mailer.SmtpTransport(mailer.SmtpSettings("127.0.0.1", free_port(), timeout=2))
    with pytest.raises(mailer.SendError) as refused:
        transport.send(mailer.render(row(), mail_from=SENDER))
    assert not refused.value.permanent


def test_dev_mailbox_keeps_eml_files(tmp_path):
    transport = mailer.transport_from_config(
        {"MAIL_SERVER": "", "ENV_NAME": "development", "MAILBOX_DIR": str(tmp_path)}
    )
    transport.send(mailer.render(row(), mail_from=SENDER))
    [path] = tmp_path.glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Änderung: Demo für das Klima"
