"""Reporting where the march is, and making steward links."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms.base import Form
from services.live.page import Place


class PositionForm(Form):
    part = RadioField(
        _l("Which part of the march?"),
        choices=[SelectChoice("front", _l("The front")), SelectChoice("end", _l("The end"))],
        default="front",
    )
    place = SelectField(
        _l("We are at"),
        choices=[],
        validators=[Optional()],
        description=_l("Pick the nearest place, or use your phone's location below."),
    )
    lat = FloatField(validators=[Optional()], widget=HiddenField.widget)
    lon = FloatField(validators=[Optional()], widget=HiddenField.widget)

    # A position off the route is shown where it was chosen (see forms.errors.attach_error).
    error_fields = {"position": "place"}

    def setup(self, places: list[Place]) -> PositionForm:
        """The route's named places as choices, e.g. ("w3", "3. Brandenburg Gate")."""
        self.place.choices = [SelectChoice("", _("— use my location —"))] + [
            SelectChoice(place.key, place.label) for place in places
        ]
        self._places = {place.key: (place.lat, place.lon) for place in places}
        return self

    def position(self) -> tuple[float, float]:
        """Where the reporter is: their phone's location, else the place they picked (NaN,
        which the service refuses, for a place that is not on the list)."""
        if self.lat.data is not None and self.lon.data is not None:
            return self.lat.data, self.lon.data
        return self._places.get(self.place.data, (float("nan"), float("nan")))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.lat.data is None or self.lon.data is None) and not self.place.data:
            self.place.errors.append(_("Pick the nearest place, or share your location."))
            return False
        return True


class StewardLinkForm(Form):
    label = StringField(
        _l("Who is it for?"),
        validators=[DataRequired(_l("Give the link a name, e.g. “Front team”.")), Length(max=60)],
    )
    hours = IntegerField(
        _l("Valid for (hours)"),
        default=12,
        validators=[
            DataRequired(_l("Enter a number of hours.")),
            NumberRange(1, 72, _l("Between 1 and 72 hours.")),
        ],
    )
