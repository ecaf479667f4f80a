"""The one time helper: local wall-clock times in an event's zone, and back to UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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


def format_when(instant: datetime, tz_name: str) -> str:
    """E.g. "Sunday 29 November 2026, 13:00 CET"."""
    local = to_local(instant, tz_name)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {local.tzname()}"


def format_time(instant: datetime, tz_name: str) -> str:
    """E.g. "13:00"."""
    return f"{to_local(instant, tz_name):%H:%M}"
