"""Log hygiene: no log line may identify a participant, whichever logger wrote it.

The people who RSVP to a protest can be put at risk by a server's logs. Every line is cut
of client addresses (IPv4 and IPv6), email addresses, link tokens (manage, steward,
unsubscribe and reset links carry their secret in the path), free-text search terms and
user agents before a handler writes it; percent-encoded URLs are decoded first, so
``q=victim%40example.org`` is caught like ``q=victim@example.org``.

A filter on a *logger* sees only the records logged on that very logger, not those of its
children that propagate through it, so ``install()`` puts ``RedactingFilter`` on the
*handlers* that write: the root logger's (where every logger's records end up), Python's
last-resort handler (used when there is none), Flask's default handler of ``app.logger``
and gunicorn's own handlers. ``create_app`` calls it.

Under gunicorn, whose master process never runs ``create_app``, use ``GUNICORN_LOGCONFIG``
as ``logconfig_dict`` in the gunicorn config file: the filter is then part of every handler
gunicorn makes, also after a reload (SIGHUP). Pair it with ``GUNICORN_ACCESS_LOG_FORMAT``,
which leaves out what the filter would cut anyway.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import MutableMapping
from urllib.parse import quote, unquote, unquote_plus

from flask import Flask
from flask.logging import default_handler

# --- what a line must not carry ------------------------------------------------------------

_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
# Anything shaped like an IPv6 address, checked with ``ipaddress`` before it is cut: times
# such as ``2026:20:31:27`` in gunicorn's ``[01/Dec/2026:20:31:27 +0000]`` look alike.
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*[0-9A-Fa-f](?:%\w+)?(?![\w:])"
)
_EMAIL = re.compile(r"[^\s@/\"'&?=;,<>()\[\]]+@[^\s@/\"'&?;,<>()\[\]]+")
# Link tokens are 43 characters of random base64; anything token-like from 20 characters on
# is cut. Runs of lowercase letters and underscores are spared, so that identifiers in a
# traceback (``full_dispatch_request``) stay readable: a random token of 20 or more
# characters without a capital letter or a digit is too unlikely to matter (< 1e-7).
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")
_WORDS = re.compile(r"[a-z_\-]+")
# A whitespace-free run that holds a query string or percent-encoding: a URL to decode.
_URL = re.compile(r"[^\s\"'<>]*[?%][^\s\"'<>]*")
# Query parameters whose value is whatever someone typed (an attendee search by name).
FREE_TEXT_PARAMETERS = frozenset({"q", "query", "search", "name", "email"})
# The referrer and user agent of a line in combined log format (``"GET / HTTP/1.1" 200 5
# "referrer" "agent"``); gunicorn escapes a quote inside a field as ``\"``.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_REFERRER_AND_AGENT = re.compile(rf"({_QUOTED} \d{{3}} \S+ ){_QUOTED} {_QUOTED}")
# gunicorn's access-log atoms that identify a client: address, basic-auth user, referrer,
# user agent; atoms named ``{...}i`` and ``{...}e`` are request headers and environ values.
_CLIENT_ATOMS = frozenset({"h", "u", "f", "a"})


def redact(text: str) -> str:
    """``text`` without client addresses, emails, link tokens, search terms or user agents."""
    return _REFERRER_AND_AGENT.sub(r'\1"-" "-"', _scrub(_URL.sub(_redact_url, text)))


def _ipv6(match: re.Match) -> str:
    try:
        ipaddress.IPv6Address(match.group(0).split("%", 1)[0])
    except ValueError:
        return match.group(0)
    return "-"


def _token(match: re.Match) -> str:
    return match.group(0) if _WORDS.fullmatch(match.group(0)) else "[token]"


def _decoded(text: str, decode=unquote) -> str:
    # Twice-encoded input (%2540) is decoded until it stops changing.
    for _ in range(3):
        decoded = decode(text)
        if decoded == text:
            break
        text = decoded
    return text


def _scrub(text: str) -> str:
    # IPv6 before IPv4, whose rule would cut the tail off "::ffff:192.0.2.1".
    return _TOKEN.sub(_token, _EMAIL.sub("[email]", _IPV4.sub("-", _IPV6.sub(_ipv6, text))))


def _scrub_encoded(text: str, decode, safe: str) -> str:
    # Decoded to find what the encoding hid, then encoded again: a decoded line break or
    # quote must not let a visitor forge a log line or a field. Text without encoding is
    # left as it was written.
    decoded = _decoded(text, decode)
    return _scrub(text) if decoded == text else quote(_scrub(decoded), safe=safe)


def _redact_url(match: re.Match) -> str:
    path, mark, query = match.group(0).partition("?")
    path = _scrub_encoded(path, unquote, "/[]@:!$&'()*+,;=-._~%")
    return path + mark + redact_query(query) if mark else path


def redact_query(query: str) -> str:
    """A query string (without ``?``) with its values decoded and cut; free-text values
    (``q``, ``name``, ``email``...) are replaced by ``[redacted]`` whole."""
    parameters = []
    for parameter in query.split("&"):
        key, equals, value = parameter.partition("=")
        if _decoded(key, unquote_plus).lower() in FREE_TEXT_PARAMETERS and value:
            value = "[redacted]"
        else:
            value = _scrub_encoded(value, unquote_plus, "[]@:/!$'()*,;-._~%")
        parameters.append(_scrub_encoded(key, unquote_plus, "[]-._~%") + equals + value)
    return "&".join(parameters)


# --- the filter ----------------------------------------------------------------------------

_DONE = "rallypoint_redacted"  # set on a record once cut: several handlers may see it


class RedactingFilter(logging.Filter):
    """Cuts what would identify a participant from a record, before any handler formats it:
    the message (with its arguments), the traceback and the stack. Never drops a record.

    The start-up lines that name the server's own address (the dev server's banner,
    gunicorn's "Listening at") are left as they are: whoever starts it needs to read them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, False):
            return True
        setattr(record, _DONE, True)
        if record.name == "gunicorn.access" and isinstance(record.args, MutableMapping):
            _cut_client_atoms(record.args)
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: the handler would print them raw
            message = f"{record.msg} [arguments could not be formatted]"
        if record.name == "werkzeug" and " - - [" not in message:
            return True  # the dev server's start-up banner, not a request line
        if record.name == "gunicorn.error" and message.startswith("Listening at: "):
            return True  # the server's own address, as above
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _cut_client_atoms(atoms: MutableMapping) -> None:
    for key in list(atoms):
        if key in _CLIENT_ATOMS or key.endswith(("}i", "}e")):
            atoms[key] = "-"
    if atoms.get("q"):
        atoms["q"] = redact_query(atoms["q"])


def _add_filter(target: logging.Filterer | None) -> None:
    if target is not None and not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def install(app: Flask | None = None) -> None:
    """Put ``RedactingFilter`` on every handler that exists now and can write a line: the
    root logger's, Python's last-resort handler, Flask's default handler (and those of
    ``app.logger``), gunicorn's error and access handlers, werkzeug's. Safe to call again.

    A handler added to the root logger later is not covered: configure logging first (as
    gunicorn does before it loads the app), or use ``GUNICORN_LOGCONFIG``.
    """
    handlers = [*logging.getLogger().handlers, logging.lastResort, default_handler]
    for name in ("gunicorn.error", "gunicorn.access", "werkzeug"):
        handlers += logging.getLogger(name).handlers
    if app is not None:
        handlers += app.logger.handlers
    for handler in handlers:
        _add_filter(handler)
    # werkzeug adds a handler of its own on its first line when none would print it, after
    # this ran; every werkzeug record is logged on that logger itself, so a filter there
    # covers that handler too.
    _add_filter(logging.getLogger("werkzeug"))


# --- gunicorn ------------------------------------------------------------------------------

# In the gunicorn config file:  logconfig_dict = logs.GUNICORN_LOGCONFIG
#                               access_log_format = logs.GUNICORN_ACCESS_LOG_FORMAT
# Errors and the app's own lines go to stderr, access lines to stdout, all through the filter.
GUNICORN_LOGCONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": RedactingFilter}},
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["redact"],
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
        # Alembic says "Context impl PostgresqlImpl." at INFO on every /healthz probe.
        "alembic": {"level": "WARNING"},
    },
}
# Time, request line, status, size, duration: no client address, referrer or user agent.
GUNICORN_ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
