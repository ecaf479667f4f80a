"""A link pasted into Telegram or WhatsApp shows the march, not a bare URL; drafts and
unlisted marches ask search engines to stay away."""

from __future__ import annotations

import re

from services.events.page import contact_href, plain_summary
from tests.factories import make_event, make_user


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_a_public_march_carries_its_preview(client, session):
    event = make_event(
        session,
        make_user(session).id,
        as_organiser=True,
        description_md="**Bring** flags & banners. Meet *early*.\n\nSecond paragraph.",
    )
    html = client.get(f"/e/{event.slug}").get_data(as_text=True)
    assert meta(html, "og:title") == "March against the war"
    assert meta(html, "og:url") == f"http://127.0.0.1:5000/e/{event.slug}"
    assert meta(html, "description") == (
        "Sunday 29 November 2026, 13:00 CET · Berlin. Bring flags &amp; banners. Meet early. "
        "Second paragraph."
    )
    assert meta(html, "og:description") == meta(html, "description")
    assert meta(html, "og:image").endswith(f"/e/{event.slug}/route.png")
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "robots") is None


def test_unlisted_marches_are_not_indexed(client, session):
    event = make_event(session, make_user(session).id, as_organiser=True, visibility="unlisted")
    assert meta(client.get(f"/e/{event.slug}").get_data(as_text=True), "robots") == "noindex"


def test_a_long_description_is_cut_at_a_word():
    summary = plain_summary("word " * 100)
    assert len(summary) <= 200 and summary.endswith("word…")


def test_the_page_names_the_organiser_and_links_the_contact(client, session):
    owner = make_user(session, display_name="Russian Democratic Society")
    event = make_event(session, owner.id, as_organiser=True, contact="info@example.org")
    html = client.get(f"/e/{event.slug}").get_data(as_text=True)
    assert "<dt>Organised by</dt><dd>Russian Democratic Society</dd>" in html
    assert '<a href="mailto:info@example.org">info@example.org</a>' in html


def test_a_contact_becomes_a_link_only_when_it_is_one_address():
    assert contact_href("https://example.org/march") == "https://example.org/march"
    assert contact_href("+49 30 1234-567") == "tel:+49301234567"
    assert contact_href("orga@example.org") == "mailto:orga@example.org"
    assert contact_href("Ask at the info stand") is None
    assert contact_href("javascript:alert(1)") is None
