"""Making a personal API token on the account's token page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from forms.base import Form
from models.enums import ApiAccess


class ApiTokenForm(Form):
    label = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “Website sync”."),
        validators=[
            DataRequired(_l("Name the token, e.g. “Website sync”.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
    )
    access = RadioField(
        _l("What it may do"),
        choices=[
            SelectChoice(ApiAccess.READ, _l("Read your events")),
            SelectChoice(ApiAccess.WRITE, _l("Read and change your events")),
        ],
        default=ApiAccess.READ,
    )
    reads_attendees = BooleanField(
        _l("Also read who is coming (names and email addresses)"),
        description=_l("Every read is written to the event's access log."),
    )
