"""A real SMTP server on loopback (aiosmtpd) for the mail tests: the ``smtp_server`` fixture.

A test module that sends through it overrides ``app_settings`` to point MAIL_SERVER/MAIL_PORT
at it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.waiting import wait_until


class Inbox:
    """The aiosmtpd handler: keeps every message; refuses chosen recipients with 550; can be
    slow, so that a test can kill a worker in the middle of a batch."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[list[str], bool]] = []  # (RCPT TO addresses, SMTPUTF8?)
        self.refused: set[str] = set()
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.raw.append(envelope.content)  # parsed when a test reads it: parsing is slow
            self.envelopes.append((list(envelope.rcpt_tos), bool(envelope.smtp_utf8)))
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in list(self.raw)]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def message_ids(self) -> list[bytes]:
        """The Message-ID of every arrival, read without parsing (a resent one keeps its id)."""
        ids = []
        for raw in list(self.raw):
            head = raw.split(b"\r\n\r\n", 1)[0]
            ids += [line for line in head.split(b"\r\n") if line.startswith(b"Message-ID:")]
        return ids

    def distinct(self) -> int:
        """How many different messages arrived."""
        return len(set(self.message_ids()))

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        """Wait until ``count`` different messages arrived (a subprocess sends them)."""
        wait_until(lambda: self.distinct() >= count, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at a fixed port, so it can be stopped (SMTP down) and started
    again where the app expects it."""

    host = "127.0.0.1"

    def __init__(self, *, smtputf8: bool = False) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.smtputf8 = smtputf8  # offer SMTPUTF8 (RFC 6531): addresses like jörg@example.de
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.inbox, hostname=self.host, port=self.port, enable_SMTPUTF8=self.smtputf8
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
