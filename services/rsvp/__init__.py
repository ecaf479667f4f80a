"""RSVPs: seats and the waitlist, what participants and organisers do with an RSVP, the
attendee lists, and forgetting participants after an event.

May import ``models``, ``services.mail`` (each action queues its own notices), and the
top-level helpers (``errors``, ``tokens``, ``times``). Nothing in ``services.mail`` imports
this package: rsvp → mail is the direction.
"""

from services.rsvp.organiser import approve, decline, remove
from services.rsvp.participant import cancel_rsvp, rsvp_by_token, submit_rsvp, update_rsvp
from services.rsvp.seats import (
    ACTIVE,
    closed_reason,
    lock_event,
    place,
    promote_waitlist,
    waitlist_position,
)

__all__ = [
    "ACTIVE",
    "approve",
    "cancel_rsvp",
    "closed_reason",
    "decline",
    "lock_event",
    "place",
    "promote_waitlist",
    "remove",
    "rsvp_by_token",
    "submit_rsvp",
    "update_rsvp",
    "waitlist_position",
]
