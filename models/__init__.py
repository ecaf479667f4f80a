"""All models, imported here so that Alembic and the app see one complete metadata."""

from models.api_token import ApiToken
from models.base import Base, utcnow
from models.checkin import CheckIn
from models.counts import RsvpCount
from models.embed import EventEmbed
from models.event import (
    Event,
    EventChange,
    EventOrganiser,
    EventTextTranslation,
    EventTranslation,
)
from models.fanout import FanoutJob
from models.heartbeat import WorkerHeartbeat
from models.march import MarchPosition, StewardLink
from models.notice import EventNotice
from models.organisers import AccessLogEntry, EventInvitation
from models.outbox import OutboxMessage, Suppression
from models.push import PushAlert, PushRetry, PushSubscription
from models.route import AlternativePoint, RoutePlace, RoutePoint, RouteSection, Waypoint
from models.rsvp import Role, Rsvp
from models.schedule import ScheduleItem
from models.user import User

__all__ = [
    "AccessLogEntry",
    "AlternativePoint",
    "ApiToken",
    "Base",
    "CheckIn",
    "Event",
    "EventChange",
    "EventEmbed",
    "EventInvitation",
    "EventNotice",
    "EventOrganiser",
    "EventTextTranslation",
    "EventTranslation",
    "FanoutJob",
    "MarchPosition",
    "OutboxMessage",
    "PushAlert",
    "PushRetry",
    "PushSubscription",
    "Role",
    "RsvpCount",
    "RoutePlace",
    "RoutePoint",
    "RouteSection",
    "Rsvp",
    "ScheduleItem",
    "StewardLink",
    "Suppression",
    "User",
    "Waypoint",
    "WorkerHeartbeat",
    "utcnow",
]
