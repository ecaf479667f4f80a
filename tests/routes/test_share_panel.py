"""The event page's share panel (link, short link, QR code) and what its live feed tells an
open page about the top lines: the rules a participant meets without a browser."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import cairosvg
import pytest
import segno
from PIL import Image

from models import utcnow
from models.enums import Visibility
from services import events
from services.live import positions as march
from tests.factories import event_details, make_event, march_under_way

BASE = "http://127.0.0.1:5000"  # BASE_URL under tests


def _details(hour: int = 13, **changes):
    """The march, a month from now (a published event may not move into the past)."""
    day = (utcnow() + timedelta(days=30)).date()
    return event_details(
        starts_local=datetime.combine(day, time(hour, 0)),
        ends_local=datetime.combine(day, time(16, 0)),
        **changes,
    )


@pytest.fixture
def listed(session, organiser):
    event = make_event(session, organiser[0], as_organiser=True)
    events.update_event(session, event, _details(), utcnow())
    session.commit()
    return event


def _qr_text(svg: bytes) -> list[list[bool]]:
    """The modules of a served QR code, read back from its picture: drawn by CairoSVG and
    sampled at the middle of each module (4 units a module, 4 modules of quiet zone)."""
    png = cairosvg.svg2png(bytestring=svg)
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = image.width // 4 - 8
    return [
        [image.getpixel((4 * (4 + c) + 2, 4 * (4 + r) + 2)) < 128 for c in range(modules)]
        for r in range(modules)
    ]


def _matrix(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]


def test_the_qr_code_is_a_picture_of_the_pages_address_and_is_cached(client, listed):
    response = client.get(f"/e/{listed.slug}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers
    assert _qr_text(response.data) == _matrix(f"{BASE}/e/{listed.slug}")
    assert _qr_text(response.data) != _matrix(f"{BASE}/e/{listed.slug}x")
    again = client.get(
        f"/e/{listed.slug}/qr.svg", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_drafts_qr_code_and_short_link_are_not_found(client, session, organiser):
    draft = make_event(session, organiser[0], as_organiser=True, published=False)
    assert client.get(f"/e/{draft.slug}/qr.svg").status_code == 404
    assert client.get(f"/s/{draft.short_code}").status_code == 404


def test_the_short_link_of_a_listed_event_leads_to_its_page(client, session, listed):
    page = client.get(f"/e/{listed.slug}").get_data(as_text=True)
    short = f"{BASE}/s/{listed.short_code}"
    assert f'href="{short}"' in page
    assert re.fullmatch(r"[a-km-z2-9]{7}", listed.short_code)
    for code in (listed.short_code, listed.short_code.upper()):  # read out, typed in capitals
        response = client.get(f"/s/{code}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/e/{listed.slug}"
    assert client.get(f"/s/{listed.short_code}x").status_code == 404
    events.cancel(session, listed, "Storm warning.", utcnow())
    session.commit()
    assert client.get(f"/s/{listed.short_code}").status_code == 302  # says it is cancelled


def test_an_unlisted_event_has_no_short_link_only_its_secret_one(client, session, listed):
    code = listed.short_code
    events.update_event(session, listed, _details(visibility=Visibility.UNLISTED), utcnow())
    session.commit()
    assert len(listed.slug) == 26
    page = client.get(f"/e/{listed.slug}").get_data(as_text=True)
    assert "/s/" not in page and "Short link" not in page
    assert f"{BASE}/e/{listed.slug}" in page
    assert client.get(f"/s/{code}").status_code == 404
    qr = client.get(f"/e/{listed.slug}/qr.svg")
    assert _qr_text(qr.data) == _matrix(f"{BASE}/e/{listed.slug}")


def test_the_share_buttons_need_javascript_and_come_hidden(client, listed):
    page = client.get(f"/e/{listed.slug}").get_data(as_text=True)
    for name in ("Copy link", "Share…"):
        button = re.search(rf"<button[^>]*>{name}</button>", page).group(0)
        assert " hidden" in button
    assert "data-live-banner-close" not in page  # live.js makes the banner's button
    assert "Link to share" not in page  # the old truncated field


def test_feed_words_the_top_lines_in_the_pages_language(client, session, listed):
    first = client.get(f"/e/{listed.slug}/live.json")
    assert re.fullmatch(r"\w+day \d+ \w+ \d{4}, 13:00 CES?T, until 16:00", first.json["when"])
    assert first.json["assembly"] == "Potsdamer Platz, Berlin"

    german = client.get(f"/e/{listed.slug}/live.json", headers={"Accept-Language": "de"})
    assert re.fullmatch(r"\w+, \d+\. \w+ \d{4}, 13:00 Uhr CES?T, bis 16:00", german.json["when"])
    assert german.headers["ETag"] != first.headers["ETag"]
    assert "Accept-Language" in german.headers["Vary"]
    # The English body, cached under its ETag, is never the German answer, and back.
    assert client.get(f"/e/{listed.slug}/live.json").json["when"] == first.json["when"]
    assert (
        client.get(
            f"/e/{listed.slug}/live.json",
            headers={"Accept-Language": "de", "If-None-Match": first.headers["ETag"]},
        ).status_code
        == 200
    )

    events.update_event(session, listed, _details(hour=14), utcnow())
    session.commit()
    moved = client.get(
        f"/e/{listed.slug}/live.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert moved.status_code == 200
    assert re.search(r", 14:00 CES?T, until 16:00$", moved.json["when"])
    assert re.search(r"\d{4}, \d\d:\d\d CES?T$", moved.json["updates"][0]["when"])


def test_the_page_names_its_one_clock(client, listed):
    page = client.get(f"/e/{listed.slug}").get_data(as_text=True)
    assert re.search(r"All times are local time in Berlin \(CES?T\)\.", page)
    german = client.get(f"/e/{listed.slug}", headers={"Accept-Language": "de"}).get_data(True)
    assert re.search(r"Alle Zeiten sind Ortszeit in Berlin \(CES?T\)\.", german)


def test_the_marchs_position_is_told_on_the_events_clock(client, session, organiser):
    now = utcnow()
    event = march_under_way(session, organiser[0], now=now, slug="on-the-clock", with_gate=True)
    march.report_position(session, event, lat=52.5163, lon=13.3777, is_front=True, now=now)
    session.commit()
    page = client.get("/e/on-the-clock").get_data(as_text=True)
    local = now.astimezone(ZoneInfo("Europe/Berlin"))
    assert (
        f"The front of the march was near Brandenburg Gate at {local:%H:%M} {local.tzname()}."
        in page
    )
