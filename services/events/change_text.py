"""Change records in words, for one reader: the email's language, the page's, the feed's.

``describe`` is the one place a stored change becomes a sentence. It is pure: the words
follow the current language (a request's, or the one ``force_locale`` chose, or ``lang``),
and dates carry the year when it is not the year of ``now`` in the event's zone, so a notice
written on 30 December about a march on 2 January says which January.

Each sentence is one message for translators; the msgids are those the records were stored
in before they became data, so their translations carry over.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime

from babel.numbers import format_decimal
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from models import EventChange
from models.enums import Language
from services.texts import ReaderTexts
from services.times import format_date, format_day, format_time, to_local


def describe(
    change: EventChange,
    *,
    now: datetime,
    lang: str | None = None,
    texts: ReaderTexts | None = None,
) -> str:
    """``change`` as a sentence for a reader at ``now`` in ``lang`` (default: the current
    language), naming schedule items and places as ``texts`` translates them (none: as
    written). An organisers' update, and a record from before records were data, is its
    stored text."""
    if not change.data:
        return change.summary
    with force_locale(lang) if lang else nullcontext():
        return describe_facts(change.kind, change.data, now=now, texts=texts)


def describe_facts(
    kind: str, facts: list[dict], *, now: datetime, texts: ReaderTexts | None = None
) -> str:
    """The facts of one change record (``changes.compare``) in the current language, the
    organisers' names of items and places in ``texts``' language (none: as written)."""
    title, place = (texts.schedule_item, texts.waypoint) if texts else (str, str)
    sentences = []
    for fact in facts:
        what = fact["what"]
        if what in ("start", "end"):
            sentences.append(_moved(fact, now))
        elif what == "city":
            sentences.append(
                _(
                    "City changed from %(old)s to %(new)s.",
                    old=fact["old"] or _("none"),
                    new=fact["new"] or _("none"),
                )
            )
        elif what == "assembly":
            sentences.append(_assembly(fact, place))
        elif what == "route_removed":
            sentences.append(_("Route removed."))
        elif what == "route":
            km = _km(fact["length_m"])
            sentences.append(
                _("Route changed: now %(km)s km, ends at %(end)s.", km=km, end=place(fact["end"]))
                if fact["end"]
                else _("Route changed: now %(km)s km.", km=km)
            )
        elif what == "schedule":
            parts = "; ".join(_schedule_part(p, fact["tz"], title, place) for p in fact["parts"])
            sentences.append(_("Schedule changed: %(parts)s.", parts=parts))
        elif what == "cancelled":
            sentences.append(_("Cancelled: %(reason)s", reason=fact["reason"]))
    return " ".join(sentences)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_for(instant: datetime, tz: str, now: datetime) -> str:
    """E.g. "Sunday 6 December", with the year when it is not the year of ``now`` there."""
    if to_local(instant, tz).year != to_local(now, tz).year:
        return format_date(instant, tz)
    return format_day(instant, tz)


def _moved(fact: dict, now: datetime) -> str:
    old, old_tz = _instant(fact["old"]), fact["old_tz"]
    new, new_tz = _instant(fact["new"]), fact["tz"]
    if to_local(old, old_tz).date() == to_local(new, new_tz).date():
        words = {
            "old": format_time(old, old_tz),
            "new": format_time(new, new_tz),
            "day": day_for(new, new_tz, now),
        }
        if fact["what"] == "start":
            return _("Start moved from %(old)s to %(new)s (%(day)s).", **words)
        return _("End moved from %(old)s to %(new)s (%(day)s).", **words)
    words = {
        "old_day": day_for(old, old_tz, now),
        "old": format_time(old, old_tz),
        "new_day": day_for(new, new_tz, now),
        "new": format_time(new, new_tz),
    }
    if fact["what"] == "start":
        return _("Start moved from %(old_day)s, %(old)s to %(new_day)s, %(new)s.", **words)
    return _("End moved from %(old_day)s, %(old)s to %(new_day)s, %(new)s.", **words)


def _assembly(fact: dict, place: Callable[[str], str]) -> str:
    if fact["new"] is None:
        return _("The assembly point was removed.")
    if fact["old"] == fact["new"]:
        return _(
            "Assembly point moved: %(place)s is at a new spot on the map.",
            place=place(fact["new"]),
        )
    return _("Assembly point moved to %(place)s.", place=place(fact["new"]))


def _km(length_m: int) -> str:
    locale = get_locale()
    language = locale.language if locale else Language.EN
    return format_decimal(length_m / 1000, format="0.0", locale=language)


def _schedule_part(
    part: dict, tz: str, title: Callable[[str], str], place: Callable[[str], str]
) -> str:
    kind = part["part"]
    at = format_time(_instant(part["at"]), tz) if "at" in part else None
    if kind == "added":
        return _(
            "%(time)s %(title)s added",
            time=at,
            title=title(part["title"]),
        )
    if kind == "moved":
        return _(
            "%(title)s moved from %(old)s to %(new)s",
            title=title(part["title"]),
            old=format_time(_instant(part["old"]), tz),
            new=format_time(_instant(part["new"]), tz),
        )
    if kind == "renamed":
        return _(
            "%(time)s “%(old)s” is now “%(new)s”",
            time=at,
            old=title(part["old"]),
            new=title(part["new"]),
        )
    if kind == "place":
        return _(
            "%(time)s %(title)s now at %(place)s",
            time=at,
            title=title(part["title"]),
            place=place(part["place"]) if part["place"] else _("no fixed place"),
        )
    return _(
        "%(time)s %(title)s removed",
        time=at,
        title=title(part["title"]),
    )
