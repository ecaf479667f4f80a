"""Every status and kind the app knows, named once.

These are ``StrEnum``s: a member compares equal to its string, so the columns stay plain
strings in the database (no migration), while code, templates (through the ``enums`` Jinja
global) and scripts (through data the templates hand them) spell each state one way.
``MailPriority`` is the one ``IntEnum``: the worker sorts by its column.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from core.i18n import Language

__all__ = [
    "AccessKind",
    "ApiAccess",
    "ChangeKind",
    "EventStatus",
    "Language",
    "MailKind",
    "MailPriority",
    "OutboxStatus",
    "RsvpStatus",
    "SectionKind",
    "TextKind",
    "Visibility",
    "WaypointKind",
]


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    LISTED = "listed"
    UNLISTED = "unlisted"


class ChangeKind(StrEnum):
    TIME = "time"
    PLACE = "place"
    ROUTE = "route"
    SCHEDULE = "schedule"
    STATUS = "status"
    UPDATE = "update"


class TextKind(StrEnum):
    """Which of an event's short texts a ``EventTextTranslation`` translates."""

    SCHEDULE_ITEM = "schedule_item"  # a schedule item's title
    ROLE = "role"  # a role's name
    WAYPOINT = "waypoint"  # a waypoint's label
    SECTION_NOTE = "section_note"  # a marked section's note (``RouteSection``)
    PLACE_LABEL = "place_label"  # a place beside the route's label (``RoutePlace``)
    PLACE_NOTE = "place_note"  # ... and its note


class WaypointKind(StrEnum):
    """In the order the legend lists them."""

    ASSEMBLY = "assembly"
    STOP = "stop"
    END = "end"
    FIRST_AID = "first_aid"
    TOILETS = "toilets"
    REST = "rest"
    QUIET_ZONE = "quiet_zone"
    EXIT = "exit"  # a place to leave the march
    OTHER = "other"


class SectionKind(StrEnum):
    """What makes a stretch of the route hard going (``RouteSection``), in the legend's order."""

    STEPS = "steps"
    STEEP = "steep"
    ROUGH = "rough"  # rough surface, e.g. cobblestones
    NARROW = "narrow"
    NO_EXIT = "no_exit"


class RsvpStatus(StrEnum):
    # Sent from the public form, not yet confirmed from the email: holds no seat, counts
    # nowhere, and is erased after RSVP_CONFIRM_HOURS.
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING_APPROVAL = "pending_approval"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


class MailKind(StrEnum):
    """What an outbox row is (its template, ``templates/emails/<kind>.txt``)."""

    # To one participant, about their own RSVP
    RSVP_CONFIRM = "rsvp_confirm"
    RSVP_EXISTS = "rsvp_exists"
    RSVP_RECEIVED = "rsvp_received"
    RSVP_PROMOTED = "rsvp_promoted"
    # To organisers and invitees, about their account
    ACCOUNT_VERIFY = "account_verify"
    ACCOUNT_EXISTS = "account_exists"
    ACCOUNT_NO_ACCOUNT = "account_no_account"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a template name
    INVITATION_ORGANISE = "invitation_organise"
    # To everyone of an event
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    ORGANISER_UPDATE = "organiser_update"
    REMINDER = "reminder"


class MailPriority(IntEnum):
    """The order the worker sends in (lower first); ``OutboxMessage.priority``."""

    TRANSACTIONAL = 0  # someone is waiting for it: a link to confirm, reset, accept
    BULK = 1  # one of many to an event's participants; minutes do not matter


class AccessKind(StrEnum):
    """What an organiser did with the attendee list (the owner's access log)."""

    VIEWED = "viewed"
    EXPORTED = "exported"


class ApiAccess(StrEnum):
    """What a personal API token may do with its account's events."""

    READ = "read"
    WRITE = "write"
