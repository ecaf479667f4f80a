"""An organiser on a desktop re-saves the route and is told, before anything is stored, which
schedule items move to another waypoint and which lose their place; "Save anyway" stores it."""

from __future__ import annotations

from playwright.sync_api import expect

from core.extensions import db
from models import Event
from tests.factories import make_event
from tests.plugins.browser import log_in

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Potsdamer Platz dragged ~60 m and renamed; the embassy gone, Alexanderplatz instead.
MOVED = (
    "52.5101, 13.3768, Potsdamer Pl., assembly\n52.5130, 13.3774\n"
    "52.5200, 13.4050, Alexanderplatz, end\n"
)


def labels(app, event_id: int) -> list[str]:
    with app.app_context():
        return [w.label for w in db.session.get(Event, event_id).waypoints]


def test_the_organiser_sees_what_the_new_route_does_to_the_schedule_before_saving(
    app, live_server, browser, organiser
):
    user_id, email, password = organiser
    with app.app_context():
        event_id = make_event(db.session, user_id, as_organiser=True).id
    before = labels(app, event_id)
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, email, password)
        page.goto(f"{live_server}/organise/events/{event_id}/route")
        page.get_by_label("Route points").fill(MOVED)
        page.get_by_role("button", name="Save route").click()

        warning = page.get_by_role("region", name="Not saved yet")
        expect(warning).to_contain_text(
            "Not saved yet: the new route changes the place of 2 schedule items."
        )
        items = warning.get_by_role("listitem")
        expect(items).to_have_text(
            [
                "13:00 Assembly at Potsdamer Platz: it will move to Potsdamer Pl., "
                "the nearest waypoint of the new route.",
                "15:00 Rally at the embassy at Russian embassy: no waypoint of the new route "
                "is near it; it will have no fixed place.",
            ]
        )
        expect(page.get_by_label("Route points")).to_have_value(MOVED)  # kept as typed
        expect(page.locator(".map-editor-schedule")).to_be_hidden()  # said once, not twice
        assert labels(app, event_id) == before

        page.get_by_role("button", name="Save anyway").click()
        expect(page.get_by_text("Route saved: ")).to_be_visible()
        expect(page.get_by_role("region", name="Not saved yet")).to_have_count(0)
        assert labels(app, event_id) == ["Potsdamer Pl.", "Alexanderplatz"]
    finally:
        context.close()


def test_the_editor_says_it_while_the_route_is_edited(app, live_server, browser, organiser):
    user_id, email, password = organiser
    with app.app_context():
        event_id = make_event(db.session, user_id, as_organiser=True).id
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, email, password)
        page.goto(f"{live_server}/organise/events/{event_id}/route")
        live = page.locator(".map-editor-schedule")
        expect(page.locator(".map--ready")).to_be_visible()
        expect(live).to_be_hidden()  # the stored route changes nothing

        page.get_by_label("Route points").fill(MOVED)
        expect(live).to_be_visible()
        expect(live).to_contain_text(
            "Not saved yet: the new route changes the place of 2 schedule items."
        )
        expect(live.get_by_role("listitem")).to_have_text(
            [
                "13:00 Assembly at Potsdamer Platz: it will move to Potsdamer Pl., "
                "the nearest waypoint of the new route.",
                "15:00 Rally at the embassy at Russian embassy: no waypoint of the new route "
                "is near it; it will have no fixed place.",
            ]
        )
        # The embassy back where it was: only the assembly point moves.
        page.get_by_label("Route points").fill(
            MOVED.replace("52.5200, 13.4050, Alexanderplatz", "52.5168, 13.3830, Russian embassy")
        )
        expect(live.get_by_role("listitem")).to_have_count(1)
        expect(live).to_contain_text("changes the place of 1 schedule item.")
        assert labels(app, event_id)[-1] == "Russian embassy"  # nothing saved meanwhile
    finally:
        context.close()
