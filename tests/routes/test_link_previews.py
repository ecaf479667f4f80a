"""A link pasted into Telegram or WhatsApp shows the march, not a bare URL; drafts and
unlisted marches ask search engines to stay away."""

from __future__ import annotations

import re

from services.events.page import plain_summary
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
