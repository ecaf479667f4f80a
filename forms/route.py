"""The second step of a route upload (the organiser's answer to the page's question), and
the route's accessibility: marked sections and a step-free alternative."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms import Form as WtfForm
from wtforms.validators import DataRequired, Length

from forms.base import Form
from services.route import MAX_NOTE_CHARS, MAX_SECTIONS, Section

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


class AccessibilityForm(Form):
    """The route's marked sections (blank rows are ignored) and its step-free alternative."""

    # The service's message on "sections" names the section: it shows above the table.
    error_fields = {"sections": None}

    sections = FieldList(FormField(SectionRowForm), max_entries=MAX_SECTIONS + EMPTY_ROWS)
    alternative_text = TextAreaField(
        _l("Step-free alternative (optional)"),
        description=_l(
            "A second line that avoids the marked sections, one point per line in walking "
            "order: “latitude, longitude”. Leave empty for none."
        ),
        render_kw={"rows": 6, "spellcheck": "false", "autocomplete": "off"},
    )

    def sections_given(self) -> list[Section]:
        return [row.form.section() for row in self.sections if not row.form.is_blank()]
