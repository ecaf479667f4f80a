"""RSVPs: seats and the waitlist, what participants and organisers do with an RSVP, the
attendee lists, and forgetting participants after an event.

May import ``models``, ``services.mail`` (each action queues its own notices), and the
top-level helpers (``errors``, ``tokens``, ``times``). Nothing in ``services.mail`` imports
this package: rsvp → mail is the direction.
"""

from services.rsvp.organiser import approve, decline, remove
from services.rsvp.participant import (
    cancel_rsvp,
    confirm_expires_at,
    confirm_hours,
    confirm_rsvp,
    rsvp_again,
    rsvp_by_confirm_token,
    rsvp_by_token,
    submit_rsvp,
    update_rsvp,
)
from services.rsvp.purge import expire_unconfirmed
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
    "confirm_expires_at",
    "confirm_hours",
    "confirm_rsvp",
    "decline",
    "expire_unconfirmed",
    "lock_event",
    "place",
    "promote_waitlist",
    "remove",
    "rsvp_again",
    "rsvp_by_confirm_token",
    "rsvp_by_token",
    "submit_rsvp",
    "update_rsvp",
    "waitlist_position",
]
