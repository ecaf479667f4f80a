"""axe-core finds no WCAG 2.2 AA violation on the listing, the organiser's event form (empty
and showing its errors), the route editor and the dashboard, as a phone shows them."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from tests.a11y import assert_accessible
from tests.factories import make_event
from tests.plugins.browser import log_in


def test_the_listing_with_upcoming_and_past_marches_is_accessible(
    live_server, page, session, organiser
):
    make_event(session, organiser[0], as_organiser=True)
    make_event(
        session,
        organiser[0],
        as_organiser=True,
        title="Last year's march",
        starts_local=datetime(2025, 11, 30, 13, 0),
        ends_local=datetime(2025, 11, 30, 16, 0),
    )
    session.commit()
    page.goto(f"{live_server}/events")
    expect(page.get_by_role("link", name="March against the war")).to_be_visible()
    expect(page.get_by_role("link", name="Last year's march")).to_be_visible()
    assert_accessible(page)


def test_the_event_form_is_accessible_empty_and_with_its_errors(live_server, page, organiser):
    log_in(page, live_server, organiser[1], organiser[2])
    page.goto(f"{live_server}/organise/events/new")
    expect(page.get_by_role("heading", name="Create a demonstration")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Starts", exact=True).fill("2026-12-06T13:00")
    page.get_by_label("Ends", exact=True).fill("2026-12-06T12:00")
    page.get_by_role("button", name="Create draft").click()
    title = page.get_by_label("Title")
    expect(
        page.get_by_role("alert").filter(has_text="Give the demonstration a title.")
    ).to_be_visible()
    # The message is read out with the field it belongs to.
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Give the demonstration a title.")
    assert_accessible(page)


def test_the_route_editor_and_the_dashboard_are_accessible(live_server, page, session, organiser):
    event = make_event(session, organiser[0], as_organiser=True, published=False)
    session.commit()
    log_in(page, live_server, organiser[1], organiser[2])
    assert_accessible(page)  # the dashboard, with a draft in it

    page.goto(f"{live_server}/organise/events/{event.id}/route")
    expect(page.locator(".map--editor.map--ready")).to_be_visible()
    assert_accessible(page)
