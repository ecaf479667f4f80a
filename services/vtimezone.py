"""Compact VTIMEZONE components for calendar files, built from the tz database (zoneinfo).

icalendar's own ``add_missing_timezones`` writes every transition from 1970 to 2038 as an
RDATE (6 KB for Europe/Berlin, and most of a calendar request's time). A zone's rules fit in
two observances with a yearly RRULE ("last Sunday of March at 02:00"), a few hundred bytes,
which is what calendar apps themselves write. Where the zone's changes do not follow one
yearly rule across the years that matter (a zone that changes its rules, or moves its
changes by a calendar other than ours), each change of those years is an observance of its
own instead: still short, and exact.

Pure and cached: the same (zone, years) always gives the same component.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

_DAY = 86400
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Change:
    """A change of a zone's UTC offset: from ``before`` to ``after`` at the instant ``at``."""

    at: datetime  # UTC
    before: timedelta
    after: timedelta
    name: str
    is_dst: bool

    @property
    def onset(self) -> datetime:
        """The wall-clock time the change happens at, read in the offset before it (RFC 5545
        3.6.5: an observance's DTSTART is local time in its TZOFFSETFROM)."""
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[timedelta, timedelta]:
        return self.before, self.after

    def rule(self) -> dict:
        """This change as a yearly RRULE: the n-th (or last) weekday of its month."""
        onset = self.onset
        last_day = calendar.monthrange(onset.year, onset.month)[1]
        week = -1 if onset.day + 7 > last_day else (onset.day - 1) // 7 + 1
        return {
            "freq": "yearly",
            "bymonth": onset.month,
            "byday": f"{week}{_WEEKDAYS[onset.weekday()]}",
        }

    def follows(self, rule: dict, year: int) -> datetime:
        """The wall-clock onset ``rule`` gives in ``year``, at this change's time of day."""
        month = rule["bymonth"]
        week, weekday = int(rule["byday"][:-2]), _WEEKDAYS.index(rule["byday"][-2:])
        days = [
            day
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
            if calendar.weekday(year, month, day) == weekday
        ]
        day = days[week if week < 0 else week - 1]
        return datetime(year, month, day, self.onset.hour, self.onset.minute, self.onset.second)


def _offset(tz: ZoneInfo, epoch: int) -> timedelta:
    return datetime.fromtimestamp(epoch, tz).utcoffset()


def changes(tz: ZoneInfo, first_year: int, last_year: int) -> list[Change]:
    """Every change of ``tz``'s offset from the start of ``first_year`` to the end of
    ``last_year`` (UTC): a day-by-day walk, then halving to the second."""
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    found = []
    before = _offset(tz, start)
    for day in range(start, end, _DAY):
        after = _offset(tz, day + _DAY)
        if after == before:
            continue
        low, high = day, day + _DAY  # offset(low) == before, offset(high) == after
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(tz, middle) == before:
                low = middle
            else:
                high = middle
        moment = datetime.fromtimestamp(high, tz)
        found.append(
            Change(
                at=datetime.fromtimestamp(high, UTC),
                before=before,
                after=after,
                name=moment.tzname() or "",
                is_dst=bool(moment.dst()),
            )
        )
        before = after
    return found


def _observance(change: Change, rule: dict | None) -> icalendar.cal.Component:
    part = icalendar.TimezoneDaylight() if change.is_dst else icalendar.TimezoneStandard()
    part.add("dtstart", change.onset)
    part.add("tzoffsetfrom", change.before)
    part.add("tzoffsetto", change.after)
    if change.name:
        part.add("tzname", change.name)
    if rule is not None:
        part.add("rrule", rule)
    return part


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of ``tzid`` that is right for every time from ``first_year`` to
    ``last_year`` (and, with yearly rules, as long as the zone keeps them). Cached: callers
    add it to a calendar and never change it."""
    tz = ZoneInfo(tzid)
    component = icalendar.Timezone()
    component.add("tzid", tzid)
    # The observances start a year early, so that a time in January already has one.
    found = changes(tz, first_year - 1, last_year + 1)
    if not found:
        offset = _offset(tz, int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()))
        fixed = Change(
            at=datetime(1970, 1, 1, tzinfo=UTC) - offset,  # onset: 1970-01-01 00:00 local
            before=offset,
            after=offset,
            name=datetime(first_year, 1, 1, tzinfo=tz).tzname() or "",
            is_dst=False,
        )
        component.add_component(_observance(fixed, None))
        return component
    first = [c for c in found if c.at.year == first_year - 1]
    rules = {c.kind: c.rule() for c in first}
    years = range(first_year - 1, last_year + 2)
    regular = (
        bool(first)
        and len(rules) == len(first)
        and all(sum(c.at.year == year for c in found) == len(first) for year in years)
        and all(c.kind in rules and c.onset == c.follows(rules[c.kind], c.at.year) for c in found)
    )
    if regular:
        for change in first:
            component.add_component(_observance(change, rules[change.kind]))
    else:
        for change in found:
            component.add_component(_observance(change, None))
    return component
