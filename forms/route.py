"""The second step of a route upload (the organiser's answer to the page's question), and
the route's accessibility: marked sections, a step-free alternative and places beside it."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms import Form as WtfForm
from wtforms.validators import DataRequired, Length

from forms.base import Form
from services.route import (
    MAX_NOTE_CHARS,
    MAX_PLACE_LABEL_CHARS,
    MAX_PLACES,
    MAX_SECTIONS,
    Place,
    Section,
)

EMPTY_ROWS = 3  # blank section rows the page offers below the marked ones


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


class SectionRowForm(WtfForm):
    """One row of the sections table: from one route point to another, a kind and a note.
    The choices are set by the view; the service checks them (naming the section)."""

    start = SelectField(_l("From"), validate_choice=False)
    end = SelectField(_l("To"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    note = StringField(
        _l("Note"),
        validators=[Length(max=MAX_NOTE_CHARS, message=_l("Use at most 140 characters."))],
    )

    def is_blank(self) -> bool:
        return not self.kind.data and not (self.note.data or "").strip()

    def section(self) -> Section:
        def index(raw: str | None) -> int:
            return int(raw) if raw and raw.isdigit() else -1

        return Section(
            index(self.start.data), index(self.end.data), self.kind.data or "", self.note.data or ""
        )


def _number(raw: str) -> float | None:
    """A typed decimal degree ("52.5163", also "52,5163"); None if it is not one."""
    text = raw.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class PlaceRowForm(WtfForm):
    """One row of the places table: a kind, a label, where (decimal degrees; "52.5163,
    13.3777" pasted into the latitude field fills both) and a note. The service checks the
    kind, the label and the distance from the route, naming the place."""

    kind = SelectField(_l("Kind"), validate_choice=False)
    label = StringField(
        _l("Label"),
        validators=[Length(max=MAX_PLACE_LABEL_CHARS, message=_l("Use at most 80 characters."))],
    )
    lat = StringField(_l("Latitude"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    lon = StringField(_l("Longitude"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField(
        _l("Note"),
        validators=[Length(max=MAX_NOTE_CHARS, message=_l("Use at most 140 characters."))],
    )

    def is_blank(self) -> bool:
        return not self.kind.data and not any(
            (f.data or "").strip() for f in (self.label, self.lat, self.lon, self.note)
        )

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            return True
        lat, lon = (self.lat.data or "").strip(), (self.lon.data or "").strip()
        if not lon and lat.count(",") == 1 and lat.replace(" ", "").count(".") == 2:
            self.lat.data, self.lon.data = (part.strip() for part in lat.split(","))
        valid = super().validate(extra_validators)
        for field, limit, empty, bad in (
            (
                self.lat,
                90,
                _l("Enter the latitude, for example 52.5163."),
                _l("The latitude must be a number between -90 and 90, for example 52.5163."),
            ),
            (
                self.lon,
                180,
                _l("Enter the longitude, for example 13.3777."),
                _l("The longitude must be a number between -180 and 180, for example 13.3777."),
            ),
        ):
            raw = (field.data or "").strip()
            value = _number(raw) if raw else None
            if not raw or value is None or not -limit <= value <= limit:
                field.errors = [*field.errors, str(empty if not raw else bad)]
                valid = False
        return valid

    def place(self) -> Place:
        return Place(
            _number(self.lat.data or "") or 0.0,
            _number(self.lon.data or "") or 0.0,
            self.kind.data or "",
            self.label.data or "",
            self.note.data or "",
        )


class AccessibilityForm(Form):
    """The route's marked sections (blank rows are ignored) and its step-free alternative."""

    # The service's message on "sections" (or "places") names the section (or place): it
    # shows above the form.
    error_fields = {"sections": None, "places": None}

    sections = FieldList(FormField(SectionRowForm), max_entries=MAX_SECTIONS + EMPTY_ROWS)
    alternative_text = TextAreaField(
        _l("Step-free alternative (optional)"),
        description=_l(
            "A second line that avoids the marked sections, one point per line in walking "
            "order: “latitude, longitude”. Leave empty for none."
        ),
        render_kw={"rows": 6, "spellcheck": "false", "autocomplete": "off"},
    )

    places = FieldList(FormField(PlaceRowForm), max_entries=MAX_PLACES + EMPTY_ROWS)

    def sections_given(self) -> list[Section]:
        return [row.form.section() for row in self.sections if not row.form.is_blank()]

    def places_given(self) -> list[Place]:
        return [row.form.place() for row in self.places if not row.form.is_blank()]
