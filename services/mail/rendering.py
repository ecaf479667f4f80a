"""Turning an outbox row into the bytes of an email: headers, text and HTML alternatives (the
HTML with its images inline), the calendar attached. Pure: no connection, no database, no
app; ``transports`` sends the result.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses

from models import OutboxMessage


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the wire: envelope and RFC 5322 bytes with CRLF line ends."""

    sender: str
    recipients: list[str]
    data: bytes
    # The recipient has letters outside ASCII before the @ (``jörg@example.de``): only a
    # server that offers SMTPUTF8 (RFC 6531) can take it, and the To header is UTF-8.
    smtputf8: bool = False


def sender_domain(mail_from: str) -> str:
    addresses = getaddresses([mail_from])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or "localhost"


def render(row: OutboxMessage, *, mail_from: str) -> Outgoing:
    """The email for ``row``: text and HTML alternatives, the ICS attached (``text/calendar;
    method=PUBLISH``) when there is one, and the row's extra headers. The Message-ID stays
    the same across retries, so a receiver can tell a message sent twice after a worker died.

    Written out directly rather than through ``email.message.EmailMessage``: that costs
    about 3.5 ms a message, more than the SMTP exchange itself, and would halve the worker's
    throughput. ``build_message`` parses the result back for whoever wants the object.

    An address with letters outside ASCII before the @ gives an ``Outgoing`` marked
    ``smtputf8``: the transport sends it only to a server that offers SMTPUTF8, and fails
    it visibly otherwise (``transports``). Forms refuse such addresses; one can still come
    from elsewhere (an older row, a tool), and is never silently dropped.

    Raises ``ValueError`` for a row that cannot become an email (a header with a line break,
    no recipient): retrying it cannot help.
    """
    if not row.to_addr:
        raise ValueError("no recipient (erased)")
    sender, from_header, domain = _sender(mail_from)
    recipient = _address(row.to_addr)
    smtputf8 = not recipient.isascii()
    headers = [
        ("From", from_header),
        ("To", recipient),
        ("Subject", _header_value(row.subject)),
        ("Date", format_datetime(row.created_at)),
        ("Message-ID", f"<rp{row.id}.{int(row.created_at.timestamp())}@{domain}>"),
        ("MIME-Version", "1.0"),
    ]
    for header, value in (row.headers or {}).items():
        if not _HEADER_NAME.match(header):
            raise ValueError(f"not a header name: {header!r}")
        headers.append((header, _header_value(value)))
    body = _text_part("plain", row.body_text)
    if row.body_html:
        html, images = _inline_images(row.body_html, f"rp{row.id}@{domain}")
        html_part = _text_part("html", html)
        if images:
            html_part = _multipart("related", [html_part, *images], 'type="text/html"')
        body = _multipart("alternative", [body, html_part])
    if row.ics:
        calendar = (
            b'Content-Type: text/calendar; charset="utf-8"; method=PUBLISH\r\n'
            b'Content-Disposition: attachment; filename="event.ics"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(row.ics.encode()).replace(b"\n", b"\r\n")
        )
        body = _multipart("mixed", [body, calendar])
    # RFC 6532: a message sent with SMTPUTF8 may carry UTF-8 in its headers (the To).
    head = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8" if smtputf8 else "ascii")
    return Outgoing(sender, [recipient], head + body, smtputf8=smtputf8)


def build_message(row: OutboxMessage, *, mail_from: str) -> EmailMessage:
    """``render`` parsed into an ``EmailMessage`` (tests, tools). Raises like ``render``."""
    return message_from_bytes(render(row, mail_from=mail_from).data, policy=policy.default)


@functools.lru_cache(maxsize=4)
def _sender(mail_from: str) -> tuple[str, str, str]:
    # Parsed once: the address parser is the slowest step of a message otherwise.
    name, address = getaddresses([mail_from])[0]
    return address, formataddr((name, address), charset="utf-8"), sender_domain(address)


_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # printable ASCII but ":" (RFC 5322 field name)


def _header_value(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("a header value with a line break")
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _address(address: str) -> str:
    """The envelope and To address: the domain in its ASCII form (``xn--``), the local part
    as it is (ASCII, or UTF-8 for SMTPUTF8)."""
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(c in address for c in '\r\n<>,"\\ \t'):
        raise ValueError("not a deliverable address")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode()
        except UnicodeError:
            raise ValueError("not a deliverable address (domain)") from None
    return f"{local}@{domain}"


def _text_part(subtype: str, text: str) -> bytes:
    # Quoted-printable keeps lines short and ASCII text readable; b2a_qp is C code.
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode()
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + encoded.replace(b"\n", b"\r\n")
        + b"\r\n"
    )


# An image in a stored body (a volunteer's check-in QR code) is kept as a data URI, which
# several mail apps refuse to show; it is sent as an inline part that the HTML names by
# Content-ID (RFC 2392), which they all show.
_DATA_IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _inline_images(html: str, message: str) -> tuple[str, list[bytes]]:
    """``html`` with each PNG data URI replaced by a ``cid:`` link, and the parts those name
    (Content-IDs unique to the ``message``, "rp12@example.org")."""
    if "data:image/png" not in html:
        return html, []
    images: list[bytes] = []

    def part(match: re.Match) -> str:
        content_id = f"qr{len(images) + 1}.{message}"
        data = base64.b64decode(match.group(1))
        images.append(
            b"Content-Type: image/png\r\n"
            + f"Content-ID: <{content_id}>\r\n".encode()
            + f'Content-Disposition: inline; filename="qr{len(images) + 1}.png"\r\n'.encode()
            + b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data).replace(b"\n", b"\r\n")
        )
        return f'src="cid:{content_id}"'

    return _DATA_IMAGE.sub(part, html), images


def _multipart(subtype: str, parts: list[bytes], parameters: str = "") -> bytes:
    boundary = f"=_rp{secrets.token_hex(12)}".encode()
    extra = f"; {parameters}" if parameters else ""
    out = [
        f'Content-Type: multipart/{subtype}{extra}; boundary="'.encode() + boundary + b'"\r\n\r\n'
    ]
    for part in parts:
        out.append(b"--" + boundary + b"\r\n" + part + b"\r\n")
    out.append(b"--" + boundary + b"--\r\n")
    return b"".join(out)
