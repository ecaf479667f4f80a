"""Push alerts (Web Push with VAPID): phones subscribe to an event's alerts without an
account, an organiser's urgent update is pinned on the event page and sent to them by the
worker.

May import ``models``, ``services.urls`` and the top-level helpers; no other service package
imports it but the worker (and the purge, which deletes subscriptions through the model).
"""

from services.push.alerts import (
    alert_progress,
    queue_alert,
    role_choices,
    subscriber_count,
    urgent_banner,
)
from services.push.endpoints import BadSubscription, Subscription, check_endpoint, parse
from services.push.keys import public_key
from services.push.sending import send_due
from services.push.subscriptions import subscribe, unsubscribe

__all__ = [
    "alert_progress",
    "BadSubscription",
    "Subscription",
    "check_endpoint",
    "parse",
    "public_key",
    "queue_alert",
    "role_choices",
    "send_due",
    "subscribe",
    "subscriber_count",
    "unsubscribe",
    "urgent_banner",
]
