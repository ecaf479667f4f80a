"""What the API reads and answers, as pydantic models. The OpenAPI 3.1 document is generated
from these (pydantic writes JSON Schema 2020-12, the dialect OpenAPI 3.1 uses), and the same
models check each request before a view runs and each answer before it leaves.

Rules on the *values* (lengths, dates, the reminder syntax) are not repeated here: requests go
through the same WTForms forms and services as the organiser pages, which answer with a
message per field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

LOCAL_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"
MAX_TEXT = 20_000


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # "0001-01-01T00:00+14:00" is before the first instant there is
        raise ValueError("Give a time between the years 1 and 9999.") from None


# An instant asked for: with its offset (a naive time is ambiguous), and one UTC can hold.
Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="The field of the request, e.g. `title` or `items.0.time`.")
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 `application/problem+json`."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


# --- public ---------------------------------------------------------------------------------


class ListingQuery(BaseModel):
    q: str = Field("", max_length=100, description="Words in the title or the city.")
    city: str = Field("", max_length=100, description="Only events in this city (any case).")
    starts_from: Instant | None = Field(
        None, description="Only events that have not ended by then (default: now)."
    )
    starts_before: Instant | None = Field(None, description="Only events starting before.")
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(20, ge=1, le=100)


class EventSummary(BaseModel):
    slug: str
    url: str
    title: str
    city: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: Literal["published", "cancelled"]


class EventList(BaseModel):
    events: list[EventSummary]
    page: int
    per_page: int
    has_more: bool


class Translation(BaseModel):
    language: str
    title: str
    description_md: str


class ScheduleLine(BaseModel):
    id: int
    starts_at: datetime
    title: str
    description: str
    waypoint: str | None = Field(description="The label of the route's waypoint, if any.")


class RoleCount(BaseModel):
    name: str
    needed: int | None
    people: int | None = Field(
        description=(
            "Confirmed volunteers in this role (their guests count as participants); null "
            "where the event shows no counts."
        )
    )


class EventDetail(EventSummary):
    description_md: str
    contact: str
    cancel_reason: str | None
    capacity: int | None
    people: int | None = Field(description="Confirmed people; null where the event hides it.")
    revision: int
    translations: list[Translation]
    route: dict[str, Any] = Field(description="A GeoJSON FeatureCollection: line and waypoints.")
    route_length_m: int
    schedule: list[ScheduleLine]
    roles: list[RoleCount]


class Update(BaseModel):
    id: int
    at: datetime
    kind: str
    is_update: bool
    summary: str


class Position(BaseModel):
    lat: float
    lon: float
    at: datetime
    near: str | None


class LiveSchedule(BaseModel):
    id: int
    starts_at: datetime


class LiveState(BaseModel):
    revision: int
    status: str
    updates: list[Update]
    position: dict[str, Position] = Field(description='"front" and "end", where reported.')
    schedule: list[LiveSchedule]


# --- organisers -----------------------------------------------------------------------------


class EventInput(Strict):
    """The details form's fields. Local times are wall-clock times in ``timezone``."""

    title: str = Field(max_length=1000)
    starts_local: str = Field(pattern=LOCAL_PATTERN, examples=["2026-11-29T13:00"])
    ends_local: str = Field(pattern=LOCAL_PATTERN, examples=["2026-11-29T16:00"])
    timezone: str = Field("Europe/Berlin", max_length=64)
    city: str = Field("", max_length=1000)
    description_md: str = Field("", max_length=MAX_TEXT + 1)
    contact: str = Field("", max_length=1000)
    visibility: Literal["listed", "unlisted"] = "listed"
    capacity: int | None = Field(None, ge=-(2**31), le=2**31 - 1)
    max_party_size: int = Field(5, ge=-(2**31), le=2**31 - 1)
    rsvp_deadline_local: str | None = Field(None, pattern=LOCAL_PATTERN)
    is_count_public: bool = True
    neutral_subject: str = Field("", max_length=1000)
    reminder_offsets: str = Field("24h, 2h", max_length=1000, examples=["24h, 2h"])


class Waypoint(BaseModel):
    id: int
    label: str
    kind: str
    lat: float
    lon: float


class ScheduleItemOut(BaseModel):
    id: int
    date: date
    time: str
    title: str
    description: str
    waypoint_id: int | None


class OrganiserEvent(BaseModel):
    id: int
    slug: str
    url: str
    status: Literal["draft", "published", "cancelled"]
    is_owner: bool
    title: str
    starts_local: str
    ends_local: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    city: str
    description_md: str
    contact: str
    visibility: str
    capacity: int | None
    max_party_size: int
    rsvp_deadline_local: str | None
    is_count_public: bool
    neutral_subject: str
    reminder_offsets: str
    cancel_reason: str | None
    revision: int
    route_length_m: int
    waypoints: list[Waypoint]
    schedule: list[ScheduleItemOut]


class OrganiserEventList(BaseModel):
    events: list[OrganiserEvent]


class CancelInput(Strict):
    reason: str = Field(max_length=MAX_TEXT)


class RouteInput(Strict):
    format: Literal["text", "geojson", "gpx"] = Field(
        description="text: one “lat, lon[, label[, kind]]” per line, as the route page."
    )
    data: str = Field(max_length=2 * 1024 * 1024, description="The route, as that format.")


class ScheduleItemInput(Strict):
    time: str = Field(max_length=20, examples=["13:45"])
    date: str | None = Field(
        None, max_length=20, description="YYYY-MM-DD; default the day it starts."
    )
    title: str = Field(max_length=1000)
    description: str = Field("", max_length=MAX_TEXT)
    waypoint_id: int | None = Field(None, ge=-(2**31), le=2**31 - 1)


class ScheduleInput(Strict):
    items: list[ScheduleItemInput] = Field(max_length=200)


class UpdateInput(Strict):
    message: str = Field(max_length=MAX_TEXT)
    include_waitlist: bool = False


class UpdatePosted(BaseModel):
    id: int
    at: datetime
    summary: str


class AttendeesQuery(BaseModel):
    status: Literal[
        "", "unconfirmed", "confirmed", "waitlisted", "pending_approval", "declined", "cancelled"
    ] = ""
    page: int = Field(1, ge=1, le=100_000)


class Attendee(BaseModel):
    id: int
    name: str | None
    email: str | None
    party_size: int
    role: str | None
    status: str
    created_at: datetime


class AttendeeList(BaseModel):
    attendees: list[Attendee]
    total: int
    page: int
    pages: int
