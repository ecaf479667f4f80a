"""Handing rendered email (``rendering.Outgoing``) to a transport: SMTP, or in development a
mailbox folder of ``.eml`` files.

A transport raises ``SendError`` for a message it could not deliver; ``permanent`` says whether
trying again can help (a 5xx refusal cannot; a 4xx, a refused connection or a timeout can).
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

from core.config import SMTP_TIMEOUT_SECONDS
from models import utcnow
from services.mail.rendering import Outgoing


class SendError(Exception):
    """A message was not delivered; ``permanent`` when retrying cannot help."""

    def __init__(self, reason: str, *, permanent: bool, connection: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        # The server could not be reached at all: the next message would fail the same way.
        self.connection = connection


class Transport(Protocol):
    """Delivers messages; keeps its connection between ``send`` calls until ``close``."""

    def send(self, mail: Outgoing) -> None: ...

    def close(self) -> None: ...


@dataclass
class SmtpSettings:
    host: str
    port: int
    use_tls: bool = False  # STARTTLS after connecting
    use_ssl: bool = False  # TLS from the first byte (port 465)
    username: str = ""
    password: str = ""
    timeout: float = SMTP_TIMEOUT_SECONDS


class SmtpTransport:
    """One SMTP connection, opened on the first message and kept for the rest of a batch;
    reopened once when the server hung up between messages."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.use_tls:
                smtp.starttls()
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def send(self, mail: Outgoing) -> None:
        """Deliver ``mail``; raises ``SendError`` (permanent or temporary)."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._open()
            try:
                self._smtp.sendmail(
                    mail.sender, mail.recipients, mail.data, mail_options=self._options(mail)
                )
                return
            except smtplib.SMTPServerDisconnected as err:
                self._smtp = None
                if attempt == 2:
                    raise SendError(
                        f"server disconnected: {err}", permanent=False, connection=True
                    ) from err
            except smtplib.SMTPRecipientsRefused as err:
                code, reply = next(iter(err.recipients.values()))
                raise _reply_error(code, reply) from err
            except smtplib.SMTPSenderRefused as err:
                # Our MAIL_FROM is refused: a setting to fix, not this message's fault.
                self._drop()
                raise _reply_error(err.smtp_code, err.smtp_error, connection=True) from err
            except smtplib.SMTPResponseException as err:
                if err.smtp_code == 421:  # the server is closing the connection
                    self._drop()
                raise _reply_error(err.smtp_code, err.smtp_error) from err
            except (OSError, smtplib.SMTPException) as err:
                self._drop()
                raise SendError(
                    f"{type(err).__name__}: {err}", permanent=False, connection=True
                ) from err

    def _options(self, mail: Outgoing) -> list[str]:
        """The MAIL FROM options of ``mail``: SMTPUTF8 (and 8BITMIME, which it implies) for
        an address with letters outside ASCII before the @. A server that does not offer
        SMTPUTF8 cannot deliver it, now or on a later try: a permanent ``SendError``, so the
        row fails visibly (its status and error recorded) instead of being retried."""
        if not mail.smtputf8:
            return []
        smtp = self._smtp
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("smtputf8"):
            raise SendError(
                "the mail server does not offer SMTPUTF8, which an address with letters "
                "outside ASCII before the @ needs",
                permanent=True,
            )
        return ["SMTPUTF8", "BODY=8BITMIME"] if smtp.has_extn("8bitmime") else ["SMTPUTF8"]

    def _open(self) -> smtplib.SMTP:
        # Whatever goes wrong before the first message (refused connection, timeout, TLS,
        # a rejected login) is the server's or the settings' problem: every message waits.
        try:
            return self._connect()
        except (OSError, smtplib.SMTPException) as err:
            raise SendError(
                f"cannot connect to the mail server: {type(err).__name__}: {err}",
                permanent=False,
                connection=True,
            ) from err

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()


def _reply_error(code: int, reply: bytes | str, *, connection: bool = False) -> SendError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    if connection:
        return SendError(f"{code} {text}", permanent=False, connection=True)
    return SendError(f"{code} {text}", permanent=500 <= code < 600)


class MailboxTransport:
    """The development mailbox: each message becomes a ``.eml`` file in ``directory``.

    Files, not database rows, so the worker's one path (outbox → transport) is the same in
    development and production, and ``instance/`` keeps them out of git.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, mail: Outgoing) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(mail.data)
        os.replace(tmp, self.directory / f"{name}.eml")  # readers never see half a file

    def close(self) -> None:
        pass


def mailbox_dir(config) -> Path:
    """The folder of the development mailbox (``MAILBOX_DIR``)."""
    return Path(config["MAILBOX_DIR"])


# The Message-ID ``rendering.render`` gives a row: <rp{outbox id}.{created_at as epoch}@...>.
_ROW_MESSAGE_ID = re.compile(rb"^Message-ID: <rp(\d+)\.(\d+)@", re.IGNORECASE | re.MULTILINE)


def mailbox_messages(directory: Path) -> Iterator[tuple[Path, int, int]]:
    """(file, outbox row id, the row's ``created_at`` as epoch seconds) for every message in
    the development mailbox, read from its Message-ID; files without one are left out."""
    if not directory.is_dir():
        return
    for path in directory.glob("*.eml"):
        try:
            head = path.read_bytes().split(b"\r\n\r\n", 1)[0]
        except FileNotFoundError:  # erased meanwhile
            continue
        match = _ROW_MESSAGE_ID.search(head)
        if match:
            yield path, int(match.group(1)), int(match.group(2))


def remove_mailbox_files(paths: Iterable[Path]) -> int:
    """Delete these mailbox files; returns how many were there."""
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


class MailNotConfigured(Exception):
    """No ``MAIL_SERVER`` outside development: there is nowhere to send mail to."""


def transport_from_config(config) -> Transport:
    """SMTP when ``MAIL_SERVER`` is set, else the development mailbox.

    Raises ``MailNotConfigured`` without ``MAIL_SERVER`` when ``ENV_NAME`` is anything but
    "development" (production is the default) and this is not a test run: the mailbox would
    keep participants' mail on the server's disk while nobody receives it.
    """
    if not config["MAIL_SERVER"]:
        if config["ENV_NAME"] != "development" and not config["TESTING"]:
            raise MailNotConfigured(
                "MAIL_SERVER is not set. In production the mail worker does not start "
                "without it: mail would only be written to instance/mailbox and nobody "
                "would receive it. Set MAIL_SERVER (and MAIL_PORT, MAIL_USERNAME, "
                "MAIL_PASSWORD, MAIL_USE_TLS as needed), or RALLYPOINT_ENV=development "
                "on a developer's machine."
            )
        return MailboxTransport(mailbox_dir(config))
    return SmtpTransport(
        SmtpSettings(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            use_ssl=bool(config["MAIL_USE_SSL"]),
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            timeout=float(config["MAIL_TIMEOUT"]),
        )
    )


def sender_address(config) -> str:
    """``MAIL_FROM`` as a checked address, e.g. "Rallypoint <noreply@example.org>"."""
    value = config["MAIL_FROM"]
    # Validate once here: a malformed sender would otherwise fail every message.
    name, addr = getaddresses([value])[0]
    return str(Address(display_name=name, addr_spec=addr))
