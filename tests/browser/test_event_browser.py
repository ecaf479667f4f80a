"""On a phone, an organiser creates a march, draws its route on the map, publishes it; the
public page shows that line and the schedule, and says everything without JavaScript too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.plugins.browser import PHONE, log_in

# Taps on the editor map, from its top left corner. The two points named later (the first and
# the last) sit low and central, where their popups open without panning the map: a pan for
# one popup could carry the other point out of the map box, where no user could tap it.
CLICKS = [(160, 430), (110, 330), (250, 330), (200, 450)]


def points_in(page) -> list[str]:
    return [line for line in page.locator("#points_text").input_value().splitlines() if line]


def name_vertex(page, index: int, label: str) -> None:
    """Tap a vertex, which must be inside the map box (a user taps what they see), and name it
    in its popup. A popup that opens near the map's edge first pans the map (Leaflet's animated
    auto-pan; the map pane has leaflet-pan-anim meanwhile): like a user, wait until it has come
    to rest before tapping in it, since a tap aimed at a sliding popup can miss (see
    test_map_widgets._open_vertex_popup)."""
    vertex = page.locator(".route-vertex").nth(index)
    box, area = vertex.bounding_box(), page.locator(".map--editor").bounding_box()
    assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"]
    assert area["y"] <= box["y"] and box["y"] + box["height"] <= area["y"] + area["height"]
    vertex.click()
    popup = page.locator(".map--editor .leaflet-popup")
    expect(popup).to_be_visible()
    expect(page.locator(".map--editor .leaflet-map-pane.leaflet-pan-anim")).to_have_count(0)
    popup.get_by_label("Waypoint name").fill(label)
    popup.get_by_role("button", name="Make waypoint").click()
    expect(page.locator("#points_text")).to_have_value(re.compile(re.escape(label)))
    expect(popup).to_have_count(0)  # closed with the redraw, faded out: the map is free again


def test_organiser_draws_a_route_publishes_and_everyone_sees_it(
    live_server, page, browser, organiser
):
    log_in(page, live_server, organiser[1], organiser[2])
    page.get_by_role("link", name="Create a demonstration").click()
    page.get_by_label("Title").fill("Sunday march to the embassy")
    page.get_by_label("Starts", exact=True).fill("2026-12-06T13:00")
    page.get_by_label("Ends", exact=True).fill("2026-12-06T16:00")
    page.get_by_label("City", exact=True).fill("Berlin")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    # Draw: one tap on the map per point.
    page.get_by_role("link", name="Route", exact=True).click()
    editor = page.locator(".map--editor.map--ready")
    expect(editor).to_be_visible()
    for n, (x, y) in enumerate(CLICKS, 1):
        editor.click(position={"x": x, "y": y})
        expect(page.locator(".route-vertex")).to_have_count(n)
    assert len(points_in(page)) == 4

    # Drag the second point somewhere else: its line changes, the count does not.
    before = points_in(page)
    box = page.locator(".route-vertex").nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=8)
    page.mouse.up()
    expect(page.locator("#points_text")).not_to_have_value("\n".join(before) + "\n")
    after = points_in(page)
    assert len(after) == 4 and after[1] != before[1] and after[0] == before[0]

    name_vertex(page, 0, "Potsdamer Platz")
    name_vertex(page, 3, "Russian embassy")
    page.get_by_role("button", name="Save route").click()
    expect(page.get_by_text("Route saved")).to_be_visible()
    assert "Potsdamer Platz, assembly" in page.locator("#points_text").input_value()

    page.get_by_role("link", name="Schedule").click()
    for time, title, place in [
        ("13:00", "Assembly and speeches", "1. Potsdamer Platz"),
        ("15:00", "Closing rally", "2. Russian embassy"),
    ]:
        page.get_by_label("Time").fill(time)
        page.get_by_label("What happens").fill(title)
        page.get_by_label("Where on the route (optional)").select_option(label=place)
        page.get_by_role("button", name="Add to schedule").click()
        expect(page.get_by_text("Schedule saved.")).to_be_visible()

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published.")).to_be_visible()
    page.get_by_role("link", name="Public page").first.click()

    # The public page draws a line with exactly the saved vertices.
    line = page.locator("path.route-line")
    expect(line).to_have_count(1)
    d = line.get_attribute("d")
    assert len(re.findall(r"[ML]", d)) == 4
    expect(page.locator(".waypoint-marker")).to_have_count(2)
    schedule = page.get_by_role("region", name="Schedule").or_(page.locator(".schedule"))
    expect(schedule.first).to_contain_text("Closing rally")
    page.get_by_role("button", name="Show on map").last.click()
    expect(page.locator(".leaflet-popup")).to_contain_text("Russian embassy")

    # Without JavaScript the same page lists the waypoints and the schedule as text.
    url = page.url
    no_js = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        plain = no_js.new_page()
        plain.goto(url)
        waypoints = plain.locator("ol.waypoints li")
        expect(waypoints).to_have_count(2)
        expect(waypoints.nth(0)).to_contain_text("Potsdamer Platz")
        expect(waypoints.nth(1)).to_contain_text("Russian embassy")
        items = plain.locator(".schedule-item")
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_contain_text("13:00")
        expect(items.nth(0)).to_contain_text("Assembly and speeches")
        expect(items.nth(1)).to_contain_text("15:00")
        expect(plain.get_by_text("Sunday 6 December 2026, 13:00 CET")).to_be_visible()
        expect(plain.locator(".map")).to_be_hidden()
        # No button that needs JavaScript: "Show on map" would do nothing here.
        expect(plain.get_by_role("button", name="Show on map")).to_have_count(0)
    finally:
        no_js.close()
