"""axe-core finds nothing on the log-in form with its error, the 404 page, a steward's
position page and the organiser's steward links, on a phone; the position page and the
error page also speak German when the browser asks for it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models import utcnow
from services.live import positions as march
from tests.a11y import assert_accessible
from tests.factories import march_under_way


@pytest.fixture
def event(session, organiser):
    return march_under_way(
        session,
        organiser[0],
        now=utcnow(),
        slug="a11y-march",
        with_gate=True,
        title="Accessible march",
    )


@pytest.fixture
def steward_token(session, event) -> str:
    token = march.create_steward_link(session, event, label="Front team", now=utcnow())
    session.commit()
    return token


def _log_in(page, live_server, organiser) -> None:
    _, email, password = organiser
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")


def test_login_form_with_its_error_is_accessible(live_server, page, organiser):
    page.goto(f"{live_server}/login")
    assert_accessible(page)
    page.get_by_label("Email").fill(organiser[1])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account."
    )
    assert_accessible(page)

    page.get_by_label("Email").fill("")
    page.get_by_role("button", name="Log in").click()
    error = page.get_by_text("Enter your email address.")
    expect(error).to_be_visible()
    # The message is tied to its field, so a screen reader reads it with the field.
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_accessible_description("Enter your email address.")
    assert_accessible(page)


def test_not_found_page_is_accessible(live_server, page):
    response = page.goto(f"{live_server}/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)


def test_steward_position_page_and_its_error_are_accessible(live_server, page, steward_token):
    page.goto(f"{live_server}/steward/{steward_token}")
    expect(page.get_by_role("heading", name="Where is the march?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="We are here").click()  # no place picked
    expect(page.get_by_text("Pick the nearest place, or share your location.")).to_be_visible()
    assert_accessible(page)


def test_steward_links_page_is_accessible(live_server, page, organiser, event):
    _log_in(page, live_server, organiser)
    page.goto(f"{live_server}/organise/events/{event.id}/stewards")
    assert_accessible(page)
    page.get_by_role("button", name="Create a link").click()  # no name given
    expect(page.get_by_text("Give the link a name, e.g. “Front team”.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Who is it for?").fill("End team")
    page.get_by_role("button", name="Create a link").click()
    expect(page.get_by_label("New steward link")).to_have_value(re.compile(r"/steward/\S+$"))
    assert_accessible(page)


def test_position_page_passes_its_words_to_the_script(live_server, browser, steward_token):
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/steward/{steward_token}")
        assert page.evaluate("document.documentElement.lang") == "de"
        words = page.evaluate("JSON.parse(document.getElementById('position-form').dataset.i18n)")
        assert set(words) == {"finding", "unavailable"}
        assert_accessible(page)
    finally:
        context.close()


# The route editor with words as a German catalogue would give them: the script must show
# the data block's words, pick the plural form by the page's language and write its numbers.
GERMAN_EDITOR = """
{% extends "base.html" %}
{% from "macros/map.html" import editor_assets %}
{% block head %}{{ editor_assets() }}{% endblock %}
{% block content %}
<h1>Route zeichnen</h1>
<form method="post" class="stack">
  <div class="map map--editor" id="route_text-map" role="region" aria-label="Karte"
       data-editor-for="route_text" data-map-data="route_text-map-data"></div>
  <script type="application/json" id="route_text-map-data">{{ data|tojson }}</script>
  <label for="route_text">Punkte</label>
  <textarea id="route_text" name="route_text">{{ text }}</textarea>
</form>
{% endblock %}
"""
GERMAN_WORDS = {
    "undo": "Rückgängig",
    "clear": "Leeren",
    "kinds": {"assembly": "Sammelpunkt", "end": "Ende"},
    "summary": {"one": "{n} Punkt, {km} km", "other": "{n} Punkte, {km} km"},
    "point_waypoint": "Punkt {index} von {total}, Wegpunkt {n}: {label} ({kind})",
}


def _german_editor():
    from flask import render_template_string

    data = {"points": [], "waypoints": [], "tiles": {"url": ""}, "i18n": GERMAN_WORDS}
    text = "52.5096, 13.3762, Potsdamer Platz\n52.5130, 13.3770\n"
    return render_template_string(GERMAN_EDITOR, data=data, text=text)


def test_route_editor_shows_the_words_of_the_page_language(app, request, browser):
    app.add_url_rule("/test-only/german-editor", view_func=_german_editor)
    live_server = request.getfixturevalue("live_server")
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/test-only/german-editor")
        page.wait_for_function("window.__rallypointTestEditors?.length")
        expect(page.get_by_role("button", name="Rückgängig")).to_be_visible()
        expect(page.get_by_role("button", name="Leeren")).to_be_visible()
        expect(page.locator(".map-editor-status")).to_contain_text("2 Punkte, 0,4 km")
        expect(
            page.get_by_label("Punkt 1 von 2, Wegpunkt 1: Potsdamer Platz (Sammelpunkt)")
        ).to_have_count(1)
        # Words the data block lacks fall back to English.
        page.get_by_label("Point 2 of 2").click()
        expect(page.get_by_role("button", name="Make waypoint")).to_be_visible()
    finally:
        context.close()
