"""When an event's reminders are due, and which of them the email confirming a place (a
confirmation, an approval, a promotion) says instead.

Shared by the reminder tick (``reminders``) and those emails (``notify.rsvp_received``,
``notify.rsvp_promoted``),
which cannot import each other (``reminders`` writes its rows through ``notify``).

The rule for a confirmation (also after an approval) and a promotion from the waitlist: the
participant gets one email. Every
reminder whose moment has come, or comes within ``FOLD`` of it, is said by that email (it
carries the day, the time, the assembly point) and recorded in the outbox under the
reminder's own dedupe key as ``dropped`` (``FOLDED``), so that no tick
sends it afterwards. A reminder due later than that still comes on its own; one that falls
due while that email is still waiting in the outbox (the worker was behind) is recorded the
same way by the tick (``reminders``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Event, Rsvp

# A reminder due within this long after a confirmation goes with its email: an hour
# apart, the second email would only repeat the first.
FOLD = timedelta(hours=1)

# What the outbox row of a reminder said by another email records (``last_error``).
FOLDED = "sent with the email confirming the place"


def reminder_key(rsvp_id: int, offset: int, starts_at: datetime) -> str:
    """The outbox dedupe key of the reminder ``offset`` minutes before ``starts_at``; it holds
    the start instant, so a moved start gets reminders of its own."""
    return f"reminder:{rsvp_id}:{offset}:{int(starts_at.timestamp())}"


def due_offset(event: Event, now: datetime) -> int | None:
    """The reminder offset (minutes) of ``event`` due at ``now``, or None.

    An offset is due once ``starts_at - offset`` has passed and until the start. When several
    are due (a worker that was down), only the latest one counts: a participant should not get
    "tomorrow" and "in two hours" together.
    """
    if not now < event.starts_at:
        return None
    due = [
        offset
        for offset in event.reminder_offsets or []
        if event.starts_at - timedelta(minutes=offset) <= now
    ]
    return min(due) if due else None


def folded_offsets(event: Event, rsvp: Rsvp, now: datetime) -> list[int]:
    """The reminder offsets that the email confirming ``rsvp``'s place at ``now`` says instead
    of them: each one the tick would send to this RSVP, whose moment is before
    ``now + FOLD``. Empty after the start, or for an RSVP that wants no reminders. Largest
    offset first."""
    if not now < event.starts_at or not rsvp.wants_reminders:
        return []
    folded = []
    for offset in event.reminder_offsets or []:
        moment = event.starts_at - timedelta(minutes=offset)
        # The tick sends none to an RSVP made after the reminder's moment (see reminders).
        if moment <= now + FOLD and rsvp.created_at <= moment:
            folded.append(offset)
    return sorted(folded, reverse=True)
