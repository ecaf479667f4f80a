"""Other places show an event: the card other websites frame, the route picture (SVG, and
PNG for link previews) and the printable flyer. They set no cookie, load nothing from another
site, and only the card may be framed, by any site or by the organisers' list."""

from __future__ import annotations

import re
import struct

import pytest

from core.extensions import db
from models import Event, utcnow
from services import events
from tests.factories import make_event


@pytest.fixture
def march(app, organiser) -> Event:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True)
        db.session.commit()
        return event


def _attributes(html: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}="([^"]*)"', html)


def test_the_card_shows_the_event_and_may_be_framed_by_any_site(client, march):
    response = client.get(f"/e/{march.slug}/embed")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "March against the war" in html
    assert "Sunday 29 November 2026, 13:00 CET" in html
    assert "Assemble at: Potsdamer Platz, Berlin" in html
    assert "<svg" in html and 'class="route-line"' in html
    rsvp = re.search(
        r'<a class="embed-button" href="([^"]+)" target="_blank" rel="noopener">RSVP', html
    )
    assert rsvp and rsvp.group(1) == f"/e/{march.slug}"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf_token"' not in html
    assert response.headers["Cache-Control"] == "public, max-age=60"
    # Everything it loads is ours: relative links, or this site's own address.
    for url in _attributes(html, "src") + _attributes(html, "href"):
        assert url.startswith("/") or url.startswith("http://127.0.0.1:5000/"), url


def test_every_other_page_still_refuses_frames(client, march):
    for path in (f"/e/{march.slug}", f"/e/{march.slug}/flyer", f"/e/{march.slug}/route.svg", "/"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_a_card_of_a_draft_is_not_found_and_a_cancelled_one_says_so(app, client, organiser):
    with app.app_context():
        draft = make_event(db.session, organiser[0], as_organiser=True, published=False)
        cancelled = make_event(db.session, organiser[0], as_organiser=True, title="Sit-in")
        events.cancel(db.session, cancelled, "The police banned the route.", utcnow())
        db.session.commit()
        draft_slug, cancelled_slug = draft.slug, cancelled.slug
    assert client.get(f"/e/{draft_slug}/embed").status_code == 404
    assert client.get(f"/e/{draft_slug}/route.svg").status_code == 404
    html = client.get(f"/e/{cancelled_slug}/embed").get_data(as_text=True)
    assert "Cancelled." in html and "The police banned the route." in html
    assert ">RSVP<" not in html and ">Details</a>" in html


def test_organisers_limit_the_card_to_their_sites(app, logged_in, march):
    page = f"/organise/events/{march.id}/embed"
    response = logged_in.submit(page, {"origins": "https://Example.org/\nhttp://localhost:8080"})
    assert response.status_code == 302
    html = logged_in.get(page).get_data(as_text=True)
    assert "https://example.org\nhttp://localhost:8080</textarea>" in html
    visitor = app.test_client()
    csp = visitor.get(f"/e/{march.slug}/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://example.org http://localhost:8080;" in csp
    # And back to any site.
    assert logged_in.submit(page, {"origins": ""}).status_code == 302
    csp = visitor.get(f"/e/{march.slug}/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors *;" in csp


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("example.org", "is not a web address like https://example.org"),
        ("https://example.org/events", "give only the site"),
        ("https://example.org; script-src *", "is not a web address"),
        ("javascript:alert(1)", "is not a web address"),
        ("https://user@example.org", "give only the site"),
    ],
)
def test_a_wrong_site_is_explained_next_to_the_field(logged_in, march, session, typed, message):
    response = logged_in.submit(f"/organise/events/{march.id}/embed", {"origins": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="origins-error" role="alert">([^<]*)<', html)
    assert error and message in error.group(1).replace("&#34;", '"')
    assert typed.replace("&", "&amp;") in html  # what was typed is kept
    assert (
        "frame-ancestors *"
        in logged_in.get(f"/e/{march.slug}/embed").headers["Content-Security-Policy"]
    )


def test_the_overview_offers_the_snippet_to_copy(logged_in, march):
    html = logged_in.get(f"/organise/events/{march.id}").get_data(as_text=True)
    snippet = re.search(r'<textarea id="embed-snippet"[^>]*>([^<]*)</textarea>', html).group(1)
    assert snippet.startswith(
        f"&lt;iframe src=&#34;http://127.0.0.1:5000/e/{march.slug}/embed&#34; "
    )
    assert 'data-copy="embed-snippet"' in html
    assert f'href="/organise/events/{march.id}/notice"' in html
    assert f'href="/e/{march.slug}/flyer"' in html


def test_the_route_picture_is_an_svg_that_caches_may_keep(client, march):
    response = client.get(f"/e/{march.slug}/route.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "Brandenburg Gate" in svg
    again = client.get(
        f"/e/{march.slug}/route.svg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_link_previews_get_a_png_of_the_route(client, march):
    response = client.get(f"/e/{march.slug}/route.png")
    body = response.get_data()
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", body[16:24]) == (1200, 630)
    page = client.get(f"/e/{march.slug}").get_data(as_text=True)
    assert (
        f'<meta property="og:image" content="http://127.0.0.1:5000/e/{march.slug}/route.png">'
        in page
    )


def test_no_route_no_picture(app, client, organiser):
    with app.app_context():
        slug = make_event(db.session, organiser[0], as_organiser=True, route=False).slug
    assert client.get(f"/e/{slug}/route.svg").status_code == 404
    assert client.get(f"/e/{slug}/route.png").status_code == 404
    assert "og:image" not in client.get(f"/e/{slug}").get_data(as_text=True)
    assert "<svg" not in client.get(f"/e/{slug}/embed").get_data(as_text=True)


def test_the_flyer_has_the_route_and_a_qr_code_of_the_link(client, march):
    response = client.get(f"/e/{march.slug}/flyer")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "<h1>March against the war</h1>" in html
    assert 'class="route-line"' in html
    # A whole QR code with its quiet zone, that the print stylesheet scales (a viewBox).
    assert re.search(r'<div class="flyer-qr"[^>]*><svg viewBox="0 0 (\d+) \1"[^>]*><path', html)
    assert f"<strong>http://127.0.0.1:5000/e/{march.slug}</strong>" in html
