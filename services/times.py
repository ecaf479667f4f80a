"""The one time helper: local wall-clock times in an event's zone, and back to UTC, and one
formatter per purpose: ``format_when`` (a moment), ``format_date`` and ``format_day`` (a day,
with and without the year), ``format_time`` (13:00) and ``day_label`` ("Tomorrow").

The words follow the current language: the request's, or the one ``force_locale`` chose (an
email in the participant's language), unless a ``language`` is passed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _

from models.enums import Language
from services.errors import DomainError


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``DomainError`` (field ``timezone``) if unknown."""
    if name not in _zone_names():
        raise DomainError(
            _("“%(name)s” is not a time zone we know, e.g. Europe/Berlin.", name=name), "timezone"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            _("“%(name)s” is not a time zone we know.", name=name), "timezone"
        ) from None


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def zone_choices() -> list[str]:
    """All IANA zone names, sorted, for a select box."""
    return sorted(n for n in _zone_names() if "/" in n and not n.startswith(("Etc/", "SystemV/")))


def to_utc(local: datetime, tz_name: str, field: str = "starts_at") -> datetime:
    """The UTC instant of the wall-clock time ``local`` (naive) in zone ``tz_name``.

    Raises ``DomainError`` on ``field`` for a time that does not exist there (skipped by a
    daylight-saving change); an ambiguous time (repeated in autumn) takes the first one.
    """
    tz = zone(tz_name)
    aware = local.replace(tzinfo=tz, fold=0)
    try:
        back = aware.astimezone(UTC).astimezone(tz)
    except OverflowError:  # the first or last hours of the years 1 and 9999
        raise DomainError(_("Choose a date between the years 1 and 9999."), field) from None
    if back.replace(tzinfo=None) != local:
        raise DomainError(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks change that night. "
                "Choose another time.",
                time=local.strftime("%H:%M"),
                day=babel_format_date(local.date(), "long", locale=_babel_locale()),
                zone=tz_name,
            ),
            field,
        )
    return aware.astimezone(UTC)


def _babel_locale() -> str:
    return _PATTERNS[_language(None)][0]


def to_local(instant: datetime, tz_name: str) -> datetime:
    """``instant`` as an aware datetime in zone ``tz_name``."""
    return instant.astimezone(ZoneInfo(tz_name))


# Per language: how a moment of an event reads, e.g. "Sunday 29 November 2026, 13:00 CET".
# (Babel locale, date pattern, date-and-time pattern, day pattern)
_PATTERNS = {
    Language.EN: ("en_GB", "EEEE d MMMM y", "EEEE d MMMM y, HH:mm", "EEEE d MMMM"),
    Language.DE: ("de", "EEEE, d. MMMM y", "EEEE, d. MMMM y, HH:mm 'Uhr'", "EEEE, d. MMMM"),
    Language.RU: ("ru", "EEEE, d MMMM y", "EEEE, d MMMM y, HH:mm", "EEEE, d MMMM"),
}


def _language(language: str | None) -> str:
    """``language``, else the current one (none outside an app context); English for any
    language without patterns."""
    if not language:
        locale = get_locale()
        language = locale.language if locale else Language.EN
    return language if language in _PATTERNS else Language.EN


def format_when(instant: datetime, tz_name: str, language: str | None = None) -> str:
    """E.g. "Sunday 29 November 2026, 13:00 CET" (German or Russian in a request in those
    languages, or as ``language`` says), in the event's zone with its abbreviation."""
    local = to_local(instant, tz_name)
    babel_locale, _, pattern, _ = _PATTERNS[_language(language)]
    return f"{format_datetime(local, pattern, locale=babel_locale)} {local.tzname()}"


def format_date(instant: datetime, tz_name: str, language: str | None = None) -> str:
    """E.g. "Sunday 29 November 2026", the day in the event's zone."""
    babel_locale, pattern, _, _ = _PATTERNS[_language(language)]
    return format_datetime(to_local(instant, tz_name), pattern, locale=babel_locale)


def format_day(instant: datetime, tz_name: str, language: str | None = None) -> str:
    """E.g. "Sunday 29 November", the day in the event's zone, without the year."""
    babel_locale, _, _, pattern = _PATTERNS[_language(language)]
    return format_datetime(to_local(instant, tz_name), pattern, locale=babel_locale)


def format_clock(instant: datetime, tz_name: str, language: str | None = None) -> str:
    """E.g. "17:00 CET", or "17:00 Uhr CET" in German: a time of the day as ``format_when``
    ends."""
    local = to_local(instant, tz_name)
    babel_locale, _, pattern, _ = _PATTERNS[_language(language)]
    clock = pattern.split(", ")[-1]  # the time part of the date-and-time pattern
    return f"{format_datetime(local, clock, locale=babel_locale)} {local.tzname()}"


def format_time(instant: datetime, tz_name: str) -> str:
    """E.g. "13:00"."""
    return f"{to_local(instant, tz_name):%H:%M}"


def day_label(instant: datetime, now: datetime, tz_name: str) -> str:
    """ "Today", "Tomorrow" or e.g. "Sunday 29 November 2026", by calendar days in the zone,
    in the current language (call it under ``force_locale`` outside a request)."""
    day, today = to_local(instant, tz_name).date(), to_local(now, tz_name).date()
    if day == today:
        return _("Today")
    if day == today + timedelta(days=1):
        return _("Tomorrow")
    return format_date(instant, tz_name)
