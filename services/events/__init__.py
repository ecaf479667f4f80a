"""Demonstrations as organisers shape them: details, route and schedule, copies, the changes
participants must hear about, translations of the texts, and the demo data.

May import ``models``, ``services.route`` (the geometry of a route), ``services.mail`` (a
recorded change queues its notice), ``services.accounts`` (demo data) and the top-level
helpers (``errors``, ``times``). ``services.mail`` never imports this package.

The modules ``changes``, ``translations``, ``demo``, ``organisers`` (reading the team and
its invitations), ``accessibility`` (naming sections for pages), ``finding`` (which events
the public pages show), ``page`` and ``access_log`` are used as namespaces
(``changes.record``, ``access_log.entries``); the verbs below are the rest.
"""

from services.events.accessibility import save_accessibility
from services.events.details import (
    MAX_PARTY_SIZE,
    EventDetails,
    cancel,
    create_event,
    format_reminder_offsets,
    make_slug,
    parse_reminder_offsets,
    publish,
    render_description,
    update_event,
)
from services.events.duplicate import duplicate
from services.events.organisers import (
    accept,
    invite,
    leave,
    remove_organiser,
    revoke_invitation,
)
from services.events.schedule import (
    PlaceChange,
    ScheduleEntry,
    delete_schedule_item,
    event_route,
    place_changes,
    place_changes_key,
    save_route,
    save_schedule,
    save_schedule_item,
    schedule_entry,
)

__all__ = [
    "MAX_PARTY_SIZE",
    "EventDetails",
    "PlaceChange",
    "ScheduleEntry",
    "accept",
    "cancel",
    "create_event",
    "delete_schedule_item",
    "duplicate",
    "event_route",
    "format_reminder_offsets",
    "invite",
    "leave",
    "make_slug",
    "parse_reminder_offsets",
    "place_changes",
    "place_changes_key",
    "publish",
    "remove_organiser",
    "render_description",
    "revoke_invitation",
    "save_accessibility",
    "save_route",
    "save_schedule",
    "save_schedule_item",
    "schedule_entry",
    "update_event",
]
