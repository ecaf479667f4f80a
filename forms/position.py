"""Reporting where the march is, and making steward links."""

from __future__ import annotations

from flask_wtf import FlaskForm
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


class PositionForm(FlaskForm):
    part = RadioField(
        "Which part of the march?",
        choices=[SelectChoice("front", "The front"), SelectChoice("end", "The end")],
        default="front",
    )
    place = SelectField(
        "We are at",
        choices=[],
        validators=[Optional()],
        description="Pick the nearest place, or use your phone's location below.",
    )
    lat = FloatField(validators=[Optional()], widget=HiddenField.widget)
    lon = FloatField(validators=[Optional()], widget=HiddenField.widget)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.lat.data is None or self.lon.data is None) and not self.place.data:
            self.place.errors.append("Pick the nearest place, or share your location.")
            return False
        return True


class StewardLinkForm(FlaskForm):
    label = StringField(
        "Who is it for?",
        validators=[DataRequired("Give the link a name, e.g. “Front team”."), Length(max=60)],
    )
    hours = IntegerField(
        "Valid for (hours)",
        default=12,
        validators=[
            DataRequired("Enter a number of hours."),
            NumberRange(1, 72, "Between 1 and 72 hours."),
        ],
    )
