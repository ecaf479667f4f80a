"""The one time helper: local wall-clock times in an event's zone, and back to UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime

from services.errors import DomainError


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``DomainError`` (field ``timezone``) if unknown."""
    if name not in _zone_names():
        raise DomainError(f"“{name}” is not a time zone we know, e.g. Europe/Berlin.", "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"“{name}” is not a time zone we know.", "timezone") from None


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
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local:
        raise DomainError(
            f"{local:%H:%M} does not exist on {local:%d %B %Y} in {tz_name}: the clocks "
            "change that night. Choose another time.",
            field,
        )
    return aware.astimezone(UTC)


def to_local(instant: datetime, tz_name: str) -> datetime:
    """``instant`` as an aware datetime in zone ``tz_name``."""
    return instant.astimezone(ZoneInfo(tz_name))


# Per language: how a moment of an event reads, e.g. "Sunday 29 November 2026, 13:00 CET".
# (Babel locale, date pattern, date-and-time pattern, day pattern)
_PATTERNS = {
    "en": ("en_GB", "EEEE d MMMM y", "EEEE d MMMM y, HH:mm", "EEEE d MMMM"),
    "de": ("de", "EEEE, d. MMMM y", "EEEE, d. MMMM y, HH:mm 'Uhr'", "EEEE, d. MMMM"),
    "ru": ("ru", "EEEE, d MMMM y", "EEEE, d MMMM y, HH:mm", "EEEE, d MMMM"),
}


def _language(language: str | None) -> str:
    if language:
        return language if language in _PATTERNS else "en"
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except (RuntimeError, KeyError):  # outside a request or without Flask-Babel
        return "en"
    return locale.language if locale and locale.language in _PATTERNS else "en"


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


def format_time(instant: datetime, tz_name: str) -> str:
    """E.g. "13:00"."""
    return f"{to_local(instant, tz_name):%H:%M}"
