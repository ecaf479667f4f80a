"""Accessibility along the route in a real browser: on a phone, the event page's map draws a
marked section over the line and the step-free alternative beside it, and the toilets beside
the route as a marker of their own that the line does not pass through, each named in the
legend, and the text list under the map says the same; on a desktop, an organiser marks a
section through the form.

With ``SCREENSHOT_DIR`` set, the phone test also keeps a picture of the map
(``route-section.png``) once everything it checks is on screen."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from core.extensions import db
from services import events
from services.events import demo
from services.route import parse_text
from tests.factories import NOW, make_event
from tests.plugins.browser import PHONE, log_in


def test_phone_map_shows_the_marked_section_the_alternative_and_their_legend(
    live_server, page, app, organiser
):
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=False)
        events.save_route(db.session, event, parse_text(demo.ROUTE_TEXT), NOW)
        events.save_accessibility(
            db.session, event, demo.SECTIONS, demo.ALTERNATIVE, NOW, demo.PLACES
        )
        events.publish(db.session, event)
        db.session.commit()
        slug = event.slug

    page.goto(f"{live_server}/e/{slug}")
    section_line = page.locator("#route-map path.route-section-line--rough")
    expect(section_line).to_have_count(1)
    expect(page.locator("#route-map path.route-alternative")).to_have_count(1)
    legend = page.locator(".map-legend")
    expect(legend.locator('[data-legend-line="rough"]')).to_have_text("Rough surface")
    expect(legend.locator('[data-legend-line="alternative"]')).to_have_text("Step-free alternative")
    expect(legend).to_contain_text("Toilets")
    # The toilets beside the route: their own marker, in the legend, not a vertex of the line.
    toilets = page.locator("#route-map .place-marker.waypoint-marker--toilets")
    expect(toilets).to_have_count(1)
    expect(toilets).to_have_attribute(
        "aria-label", "Place beside the route: Toilets: Toilets at Pariser Platz (north side)"
    )
    expect(legend.locator(".map-legend__swatch.waypoint-marker--toilets")).to_have_count(1)
    drawn = page.evaluate(
        """() => {
          const entry = window.__rallypointTestMaps[0];
          const line = entry.line.getLatLngs().map((p) => [p.lat, p.lng]);
          let place = null;
          entry.map.eachLayer((layer) => {
            const el = layer.getElement && layer.getElement();
            if (el && el.classList.contains('place-marker')) {
              const at = layer.getLatLng();
              place = [at.lat, at.lng];
            }
          });
          return { line, place };
        }"""
    )
    route_points = [[p.lat, p.lon] for p in parse_text(demo.ROUTE_TEXT).points]
    assert drawn["line"] == route_points  # as many points as the route: none added
    place = demo.PLACES[0]
    assert drawn["place"] == [place.lat, place.lon] and drawn["place"] not in drawn["line"]
    toilets_box = toilets.bounding_box()
    assert toilets_box and toilets_box["width"] >= 24  # big enough to tap
    # The overlay lies over the stretch it marks, inside the map box a phone user sees.
    box, area = section_line.bounding_box(), page.locator("#route-map").bounding_box()
    assert box and box["width"] > 5
    assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"]

    item = page.locator(".route-sections li")
    expect(item).to_have_text(
        "Between Brandenburg Gate and point 14 of the route: Rough surface — Cobblestones "
        "across Pariser Platz; step-free alternative available"
    )
    expect(page.locator(".route-step-free")).to_contain_text("Step-free alternative available")
    expect(page.locator(".route-places li")).to_have_text(
        "Toilets: Toilets at Pariser Platz (north side) (80 m from the route) — "
        "Step-free, with a wheelchair-accessible cubicle"
    )

    if shots := os.environ.get("SCREENSHOT_DIR"):
        page.locator("#route-map").scroll_into_view_if_needed()
        page.locator("#route-map").screenshot(path=str(Path(shots) / "route-section.png"))


def test_organiser_marks_a_section_through_the_form(live_server, browser, app, organiser):
    with app.app_context():
        event_id = make_event(db.session, organiser[0], as_organiser=True).id
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, organiser[1], organiser[2])
        page.goto(f"{live_server}/organise/events/{event_id}/route")
        page.get_by_role("link", name="Accessibility: mark steps").click()
        page.get_by_label("Section 1: From").select_option(label="Point 3: Brandenburg Gate")
        page.get_by_label("Section 1: To").select_option(label="Point 4: Russian embassy")
        page.get_by_label("Section 1: Kind").select_option(label="Steps")
        page.get_by_label("Section 1: Note").fill("12 steps down to the underpass")
        page.get_by_role("button", name="Save accessibility").click()
        expect(page.get_by_text("Accessibility saved.")).to_be_visible()
        expect(page.get_by_label("Section 1: Note")).to_have_value("12 steps down to the underpass")
    finally:
        context.close()


def test_organiser_adds_toilets_beside_the_route_on_a_phone(live_server, browser, app, organiser):
    with app.app_context():
        event_id = make_event(db.session, organiser[0], as_organiser=True).id
        db.session.commit()
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, organiser[1], organiser[2])
        page.goto(f"{live_server}/organise/events/{event_id}/route/accessibility")
        page.get_by_label("Place 1: Kind").select_option(label="Toilets")
        page.get_by_label("Place 1: Label").fill("Tiergarten side of the Gate")
        page.get_by_label("Place 1: Latitude").fill("52.5160, 13.3765")  # a pasted pair
        page.get_by_label("Place 2: Kind").select_option(label="Rest")
        page.get_by_label("Place 2: Label").fill("Benches")
        page.get_by_label("Place 2: Latitude").fill("north")
        page.get_by_label("Place 2: Longitude").fill("13.3765")
        page.get_by_role("button", name="Save accessibility").click()
        # Refused next to the field, with everything typed kept (the pair now split).
        expect(page.get_by_text("The latitude must be a number between -90 and 90")).to_be_visible()
        expect(page.get_by_label("Place 2: Latitude")).to_have_value("north")
        expect(page.get_by_label("Place 1: Longitude")).to_have_value("13.3765")
        page.get_by_label("Place 2: Latitude").fill("52.5120")
        page.get_by_role("button", name="Save accessibility").click()
        expect(page.get_by_text("Accessibility saved.")).to_be_visible()
        expect(page.get_by_label("Place 1: Label")).to_have_value("Tiergarten side of the Gate")
        expect(page.get_by_label("Place 2: Kind")).to_have_value("rest")
    finally:
        context.close()
