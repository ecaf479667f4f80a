"""The second step of a route upload: the organiser's answer to the page's question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import DataRequired

from forms.base import Form


class ChosenRouteForm(Form):
    """The line picked from a file with several, or the points confirmed to be connected.

    The page writes the route each button stands for as GeoJSON into the button's own form,
    so the answer needs neither the file again nor anything kept on the server; what comes
    back is read like any uploaded GeoJSON (``services.route.parse_geojson``): an organiser
    who edits it can store no route they could not have uploaded anyway.
    """

    route_geojson = HiddenField(
        validators=[DataRequired(_l("Choose a line, or upload the file again."))]
    )
    # Set by "Save anyway": the schedule changes the organiser was shown and accepts.
    confirm = HiddenField()
