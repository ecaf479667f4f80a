"""Forms for organising a demonstration: details, route, schedule, cancel, duplicate, team.

Field names match the ``field`` of the ``DomainError``s that ``services.events`` raises, so a
view can put a service's message next to the right field.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms.base import Form
from models import Event
from models.enums import Visibility
from services.events import (
    MAX_PARTY_SIZE,
    EventDetails,
    ScheduleEntry,
    format_reminder_offsets,
)
from services.times import to_local, zone_choices

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_ZONE = "Europe/Berlin"


def _when(
    label: LazyString, message: LazyString | str, required: bool = True
) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=LOCAL_FORMAT,
        validators=[DataRequired(message) if required else Optional()],
    )


class EventForm(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the demonstration a title.")),
            Length(max=140, message=_l("Use at most 140 characters.")),
        ],
    )
    starts_at = _when(_l("Starts"), _l("Enter the date and time it starts, e.g. 2026-11-29 13:00."))
    ends_at = _when(_l("Ends"), _l("Enter the date and time it ends."))
    timezone = SelectField(
        _l("Time zone"),
        default=DEFAULT_ZONE,
        validate_choice=False,
        description=_l("Times are shown to participants in this zone."),
    )
    city = StringField(
        _l("City"), validators=[Length(max=100, message=_l("Use at most 100 characters."))]
    )
    description_md = TextAreaField(
        _l("Description"),
        description=_l("Markdown: *italic*, **bold**, [link](https://…), lists with “- ”."),
        validators=[Length(max=20_000, message=_l("Use at most 20,000 characters."))],
    )
    contact = StringField(
        _l("Contact for participants"),
        description=_l("An email address or website participants can reach you at."),
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
    )
    visibility = SelectField(
        _l("Who can find it"),
        choices=[
            SelectChoice(Visibility.LISTED, _l("Listed: on the public list of demonstrations")),
            SelectChoice(Visibility.UNLISTED, _l("Unlisted: only people with the link")),
        ],
        default=Visibility.LISTED,
    )
    capacity = IntegerField(
        _l("Capacity (people)"),
        description=_l("Leave empty for no limit; RSVPs beyond it go on a waiting list."),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more, or leave empty."))],
    )
    max_party_size = IntegerField(
        _l("Largest group per RSVP"),
        default=5,
        validators=[
            DataRequired(_l("Enter a number from 1 to %(n)d.", n=MAX_PARTY_SIZE)),
            NumberRange(
                min=1,
                max=MAX_PARTY_SIZE,
                message=_l("Enter a number from 1 to %(n)d.", n=MAX_PARTY_SIZE),
            ),
        ],
    )
    rsvp_deadline_at = _when(_l("RSVP deadline (optional)"), "", required=False)
    is_count_public = BooleanField(_l("Show how many people are coming"), default=True)
    neutral_subject = StringField(
        _l("Neutral email subject (optional)"),
        description=_l("Used in email subjects instead of the title, for discretion."),
        validators=[Length(max=140, message=_l("Use at most 140 characters."))],
    )
    reminder_offsets = StringField(
        _l("Reminders before the start"),
        default="24h, 2h",
        description=_l("E.g. “24h, 2h” or “30m”; leave empty for none."),
        validators=[Length(max=100)],
    )

    # Shown only when editing an event that has a schedule; the view says which items move.
    move_schedule = BooleanField(_l("Move the schedule with the start"), default=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices()

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title.data or "",
            starts_local=self.starts_at.data,
            ends_local=self.ends_at.data,
            timezone=self.timezone.data or DEFAULT_ZONE,
            description_md=self.description_md.data or "",
            city=self.city.data or "",
            contact=self.contact.data or "",
            visibility=self.visibility.data,
            capacity=self.capacity.data,
            max_party_size=self.max_party_size.data,
            rsvp_deadline_local=self.rsvp_deadline_at.data,
            is_count_public=self.is_count_public.data,
            neutral_subject=self.neutral_subject.data,
            reminder_offsets=self.reminder_offsets.data or "",
            move_schedule=bool(self.move_schedule.data),
        )


def _naive_local(instant: datetime | None, tz: str) -> datetime | None:
    return to_local(instant, tz).replace(tzinfo=None) if instant else None


def event_form_data(event: Event) -> dict:
    """The details form's values for a stored event (local times in its zone)."""
    return {
        "title": event.title,
        "starts_at": _naive_local(event.starts_at, event.timezone),
        "ends_at": _naive_local(event.ends_at, event.timezone),
        "timezone": event.timezone,
        "city": event.city,
        "description_md": event.description_md,
        "contact": event.contact,
        "visibility": event.visibility,
        "capacity": event.capacity,
        "max_party_size": event.max_party_size,
        "rsvp_deadline_at": _naive_local(event.rsvp_deadline_at, event.timezone),
        "is_count_public": event.is_count_public,
        "neutral_subject": event.neutral_subject or "",
        "reminder_offsets": format_reminder_offsets(event.reminder_offsets),
        "move_schedule": True,
    }


class RouteForm(Form):
    points_text = TextAreaField(
        _l("Route points"),
        description=_l(
            "One point per line, in walking order: “latitude, longitude”, optionally followed "
            "by a label and a kind, e.g. “52.5096, 13.3762, Potsdamer Platz, assembly”. "
            "Kinds: assembly, stop, end, first aid, toilets, rest, quiet zone, exit (a place "
            "to leave the march), other."
        ),
        render_kw={"rows": 12, "spellcheck": "false", "autocomplete": "off"},
    )
    route_file = FileField(
        _l("Or upload a GPX, KML, KMZ or GeoJSON file"),
        description=_l(
            "At most 2 MB. Google My Maps, uMap and Google Earth export KML or KMZ. "
            "An upload replaces the points typed above."
        ),
        render_kw={
            "accept": ".gpx,.kml,.kmz,.geojson,.json,application/gpx+xml,"
            "application/vnd.google-earth.kml+xml,application/vnd.google-earth.kmz,"
            "application/geo+json"
        },
    )
    # Set once the page has said which schedule items the route would move (``ChosenRouteForm``).
    confirm = HiddenField()


class ScheduleItemForm(Form):
    time = TimeField(
        _l("Time"), format="%H:%M", validators=[DataRequired(_l("Enter a time like 13:45."))]
    )
    date = DateField(
        _l("Date"),
        validators=[Optional()],
        description=_l("Leave as is for the day the demonstration starts."),
    )
    title = StringField(
        _l("What happens"),
        validators=[
            DataRequired(_l("Say what happens, e.g. “March departs”.")),
            Length(max=140, message=_l("Use at most 140 characters.")),
        ],
    )
    description = TextAreaField(
        _l("Details (optional)"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    # Checked by the service against the event's waypoints (a missing value means none).
    waypoint_id = SelectField(
        _l("Where on the route (optional)"),
        choices=[SelectChoice("", _l("No waypoint"))],
        validate_choice=False,
    )

    def entry(self, default_date: date, item_id: int | None = None) -> ScheduleEntry:
        local = datetime.combine(self.date.data or default_date, self.time.data)
        raw = self.waypoint_id.data or ""
        waypoint = (int(raw) if raw.isdigit() else -1) if raw else None
        return ScheduleEntry(local, self.title.data, self.description.data or "", waypoint, item_id)


class CancelForm(Form):
    reason = TextAreaField(
        _l("Why is it cancelled?"),
        description=_l("Participants read this on the page and in their email."),
        validators=[
            DataRequired(_l("Tell participants why the demonstration is cancelled.")),
            Length(max=2000, message=_l("Use at most 2,000 characters.")),
        ],
    )


class DuplicateForm(Form):
    weeks = IntegerField(
        _l("Weeks later"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=104, message=_l("Enter 1 to 104 weeks."))],
    )
    new_date = DateField(
        _l("Or on this date"),
        validators=[Optional()],
        description=_l("The copy starts on this day at the same time."),
    )


class ActionForm(Form):
    """A button that only needs the CSRF token (publish, delete)."""
