"""The notice to the authorities' extra details, and where the event card may be embedded."""

from __future__ import annotations

from dataclasses import fields

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from forms.base import Form
from services.errors import DomainError
from services.events.embed import parse_origins
from services.events.notice import NoticeDetails

MAX_PEOPLE = 10_000_000


def _text(label, description=None, *, rows: int = 3, limit: int = 2000) -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        validators=[Length(max=limit, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": rows},
    )


def _count(label, description=None) -> IntegerField:
    return IntegerField(
        label,
        description=description,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_PEOPLE, message=_l("Enter a whole number, or leave empty.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


class NoticeForm(Form):
    topic = StringField(
        _l("Topic"),
        description=_l(
            "The subject of the assembly as the authorities should read it. Empty: the title."
        ),
        validators=[Length(max=300, message=_l("Use at most %(max)d characters."))],
    )
    organiser = _text(_l("Organiser"), _l("Name (or group) and postal address."))
    leader = _text(
        _l("Person leading the march"), _l("Name, postal address and a phone number for the day.")
    )
    deputy = _text(_l("Deputy"), _l("Name and a phone number."))
    final_rally = StringField(
        _l("Final rally"),
        description=_l("Where the march ends with a rally. Empty: the route's end waypoint."),
        validators=[Length(max=300, message=_l("Use at most %(max)d characters."))],
    )
    streets = _text(
        _l("Streets"),
        _l("The route as streets, one per line, in walking order."),
        rows=6,
        limit=5000,
    )
    expected_participants = _count(_l("Expected participants"))
    stewards = _count(_l("Stewards"), _l("How many stewards (Ordner) the march has."))
    vehicles = _text(_l("Vehicles"), _l("E.g. one van with a sound system, a lorry as a stage."))
    loudspeakers = _text(_l("Loudspeakers"), _l("E.g. two megaphones, one sound system."))
    stage = _text(_l("Stage"), _l("Size and place, if there is one."))
    banners = _text(_l("Banners and signs"), _l("E.g. a front banner 6 m wide, placards."))
    notes = _text(_l("Other notes"), rows=4, limit=5000)

    def details(self) -> NoticeDetails:
        counts = {"expected_participants", "stewards"}
        return NoticeDetails(
            **{
                f.name: self[f.name].data if f.name in counts else self[f.name].data or ""
                for f in fields(NoticeDetails)
            }
        )


class EmbedOriginsForm(Form):
    origins = TextAreaField(
        _l("Sites that may show the card"),
        description=_l(
            "One web address per line, like https://example.org. Leave empty to let any site "
            "show it."
        ),
        validators=[Length(max=5000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 4, "spellcheck": "false", "autocomplete": "off"},
    )

    def validate_origins(self, field) -> None:
        try:
            self.parsed = parse_origins(field.data or "")
        except DomainError as err:
            raise ValidationError(str(err)) from None
