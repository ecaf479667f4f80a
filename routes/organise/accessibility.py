"""The route's accessibility: marked sections (steps, steep, rough, narrow, no exit), a
step-free alternative line and places beside the route."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from core.extensions import db
from forms.route import EMPTY_ROWS, AccessibilityForm
from models import utcnow
from routes.access import require_organiser
from routes.organise.common import bp, page, save
from services import events
from services.errors import DomainError
from services.events import accessibility as access
from services.route import (
    KIND_LABELS,
    PLACE_KINDS,
    SECTION_LABELS,
    Point,
    Route,
    RouteError,
    format_text,
    parse_text,
)

# A select listing more points than this offers only those with a waypoint (and those in use).
MAX_PLAIN_POINT_CHOICES = 150


def _accessibility_form(event) -> AccessibilityForm:
    """The form with the stored sections, alternative and places beside the route (a POST's
    own data wins), blank rows to add sections and places with, and each row's choices: the
    route's points, named by waypoint; the places' kinds."""
    if request.method == "POST":
        form = AccessibilityForm()
    else:
        alternative = access.stored_alternative(event)
        form = AccessibilityForm(
            data={
                "sections": [
                    {
                        "start": str(s.start_seq),
                        "end": str(s.end_seq),
                        "kind": s.kind,
                        "note": s.note,
                    }
                    for s in event.sections
                ],
                "alternative_text": format_text(Route(alternative, ())) if alternative else "",
                "places": [
                    {
                        "kind": p.kind,
                        "label": p.label,
                        "lat": f"{p.lat:g}",
                        "lon": f"{p.lon:g}",
                        "note": p.note,
                    }
                    for p in access.stored_places(event)
                ],
            }
        )
        for _n in range(EMPTY_ROWS):
            form.sections.append_entry()
            form.places.append_entry()
    names = access.point_names(event)
    used = {s.start_seq for s in event.sections} | {s.end_seq for s in event.sections}
    count = len(event.route_points)
    points = [
        SelectChoice(str(i), _("Point %(n)d: %(label)s", n=i + 1, label=names[i]))
        if i in names
        else SelectChoice(str(i), _("Point %(n)d", n=i + 1))
        for i in range(count)
        if i in names or i in used or count <= MAX_PLAIN_POINT_CHOICES
    ]
    kinds = [SelectChoice("", _("Not marked"))] + [
        SelectChoice(kind.value, str(label)) for kind, label in SECTION_LABELS.items()
    ]
    for row in form.sections:
        row.form.start.choices = [SelectChoice("", "—"), *points]
        row.form.end.choices = [SelectChoice("", "—"), *points]
        row.form.kind.choices = kinds
    place_kinds = [SelectChoice("", "—")] + [
        SelectChoice(kind.value, str(KIND_LABELS[kind])) for kind in PLACE_KINDS
    ]
    for row in form.places:
        row.form.kind.choices = place_kinds
    return form


def _alternative_points(form: AccessibilityForm) -> tuple[Point, ...]:
    """The typed alternative's points (labels ignored); a ``DomainError`` on its field."""
    try:
        return parse_text(form.alternative_text.data or "").points
    except RouteError as err:
        raise DomainError(str(err), form.alternative_text.name) from None


@bp.route("/events/<int:event_id>/route/accessibility", methods=["GET", "POST"])
@login_required
def accessibility(event_id: int):
    """Marked sections (steps, steep, rough, narrow, no exit), a step-free alternative and
    places beside the route (toilets, first aid, rest, quiet zone, a place to leave)."""
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = _accessibility_form(event)
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.save_accessibility(
                db.session,
                event,
                form.sections_given(),
                _alternative_points(form),
                utcnow(),
                form.places_given(),
            ),
            _("Accessibility saved."),
            lambda _result: redirect(url_for(".accessibility", event_id=event.id)),
            event=event,
        )
    ):
        return done
    return page("organise/accessibility.html", form=form, event=event)
