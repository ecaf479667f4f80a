"""The check-in code a steward types (the page without JavaScript posts it too)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from forms.base import Form


class CheckInForm(Form):
    code = StringField(
        _l("Check-in code"),
        validators=[
            InputRequired(_l("Type the code the volunteer shows or reads out.")),
            Length(max=40, message=_l("A check-in code has 10 letters and digits.")),
        ],
        description=_l("Like K7Q-4MZ-X2PA. Case, spaces and dashes do not matter."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
