"""Public event pages set no cookie and may be shared by caches; the RSVP form comes apart."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from services.events import demo


def seed_march(app) -> str:
    with app.app_context():
        demo.seed(
            db.session, email="demo@example.org", password="demo organiser password", now=utcnow()
        )
        db.session.commit()
        return db.session.scalar(select(Event.slug).where(Event.slug == demo.DEMO_SLUG))


def test_event_page_sets_no_cookie_and_is_publicly_cacheable(app, client):
    slug = seed_march(app)
    response = client.get(f"/e/{slug}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=60"
    html = response.get_data(as_text=True)
    assert 'name="csrf_token"' not in html
    assert f'href="/e/{slug}/rsvp" data-rsvp-open' in html
    again = client.get(f"/e/{slug}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_rsvp_form_is_served_apart_with_its_token(app, client):
    slug = seed_march(app)
    form = client.get(f"/e/{slug}/rsvp", headers={"X-Requested-With": "fetch"})
    assert 'name="csrf_token"' in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"
