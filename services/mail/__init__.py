"""Email: what participants are told (``notify``), reminders, the outbox every message goes
through, rendering a row into an email, the transports that send it, and unsubscribing.

May import ``models``, ``core`` and the top-level helpers (``tokens``, ``times``, ``urls``,
``calendar``). It never imports ``services.rsvp`` or ``services.events``: those queue their
notices through this package (rsvp → mail, events → mail), so whatever a notice needs from
them (a waitlist position, the changes) is passed in.

The mail worker (``services.worker``) drains the outbox a batch a round (``sending``); it
also expands notices to many participants (``fanout``), which a request writes as one job
row.
"""

from services.mail.fanout import delivery_progress, expand_due
from services.mail.notify import (
    event_changed,
    organiser_update,
    reminder_row,
    rsvp_confirm,
    rsvp_exists,
    rsvp_promoted,
    rsvp_received,
)
from services.mail.outbox import enqueue, enqueue_many, is_suppressed
from services.mail.reminders import queue_due_reminders
from services.mail.rendering import Outgoing, build_message, render
from services.mail.transports import (
    MailboxTransport,
    MailNotConfigured,
    SendError,
    SmtpSettings,
    SmtpTransport,
    Transport,
    mailbox_dir,
    sender_address,
    transport_from_config,
)
from services.mail.unsubscribe import stop_mail, suppress

__all__ = [
    "MailNotConfigured",
    "MailboxTransport",
    "Outgoing",
    "SendError",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "build_message",
    "delivery_progress",
    "enqueue",
    "enqueue_many",
    "event_changed",
    "expand_due",
    "is_suppressed",
    "mailbox_dir",
    "organiser_update",
    "queue_due_reminders",
    "reminder_row",
    "render",
    "rsvp_confirm",
    "rsvp_exists",
    "rsvp_promoted",
    "rsvp_received",
    "sender_address",
    "stop_mail",
    "suppress",
    "transport_from_config",
]
