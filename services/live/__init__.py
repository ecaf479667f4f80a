"""The march on the day: where it is, and what a participant's open page refreshes.

Owns the live JSON feed (`feed`: changes, organiser updates, the position in words) and the
positions reported by organisers and stewards (`positions`: reports snapped onto the route,
steward links). Route geometry comes from `services.route`.

May import: `models`, `services.route`, `services.errors`, `services.times`, Flask's
`current_app` and `url_for` (for the poll interval and the feed's address) and flask_babel.
Not routes or forms.
"""

from services.live.feed import feed_data, page_context, position_sentence, position_summary
from services.live.positions import (
    MAX_OFF_ROUTE_M,
    MIN_REPORT_INTERVAL,
    create_steward_link,
    event_for_steward,
    latest_positions,
    report_position,
    revoke_steward_link,
    steward_link,
)

__all__ = [
    "MAX_OFF_ROUTE_M",
    "MIN_REPORT_INTERVAL",
    "create_steward_link",
    "event_for_steward",
    "feed_data",
    "latest_positions",
    "page_context",
    "position_sentence",
    "position_summary",
    "report_position",
    "revoke_steward_link",
    "steward_link",
]
