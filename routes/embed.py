"""What other places show of an event: the card other websites frame, the route picture
(SVG, and PNG for link previews) and a printable A4 flyer with a QR code of the event's link.

Like the event page: published and cancelled events are public, a draft is shown only to its
organisers (a preview) and is 404 for anyone else. None of these responses starts a session
or sets a cookie, and none loads anything from another site.
"""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from core.extensions import db
from core.headers import allow_framing
from models import Event
from models.enums import EventStatus
from routes.access import require_organiser
from services.events import embed as embeds
from services.events import event_route, finding
from services.route import kind_labels
from services.route.svg import Size, route_svg

bp = Blueprint("embed", __name__)

CARD_PICTURE = Size(width=360, height=200, margin=18)
PAGE_PICTURE = Size(width=600, height=400, margin=28)
# Link previews: 1200×630 is what the big sites show; drawn at half size and scaled, so that
# labels stay readable in a thumbnail.
PREVIEW_PICTURE = Size(width=600, height=315, margin=24)


def _load(slug: str) -> Event:
    event = finding.event_for_page(db.session, slug)
    if event is None:
        abort(404)
    if event.status == EventStatus.DRAFT:
        require_organiser(event.id)  # 404 for anyone else, as on the event page
    return event


def _cached(response: Response, event: Event) -> Response:
    """Public for a minute (nginx may cache it); a draft's preview or an organiser's view is
    kept by no shared cache."""
    if event.status == EventStatus.DRAFT:
        response.headers["Cache-Control"] = "no-store"
        return response
    personal = current_user.is_authenticated
    response.headers["Cache-Control"] = "private, no-cache" if personal else "public, max-age=60"
    response.add_etag()
    return response.make_conditional(request)


def _page_url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


def _svg(event: Event, size: Size, *, show_labels: bool = True) -> str:
    return route_svg(
        event_route(event),
        size=size,
        title=event.title,
        kind_names=kind_labels(),
        show_labels=show_labels,
    )


@bp.get("/e/<slug>/embed")
def card(slug: str):
    """The card: title, time, place, the route, and an RSVP link that opens the event's own
    page in a new tab (an RSVP form inside another site's frame would need our cookies)."""
    event = _load(slug)
    has_route = len(event.route_points) >= 2
    html = render_template(
        "embed/card.html",
        event=event,
        assembly=event.assembly_waypoint,
        picture=_svg(event, CARD_PICTURE, show_labels=False) if has_route else "",
        # Relative: inside the frame it resolves against the card's own address, this site.
        page_url=url_for("events.show", slug=event.slug),
    )
    response = allow_framing(Response(html), embeds.allowed_origins(db.session, event))
    return _cached(response, event)


@bp.get("/e/<slug>/route.svg")
def route_picture(slug: str):
    event = _load(slug)
    if len(event.route_points) < 2:
        abort(404)
    response = Response(_svg(event, PAGE_PICTURE), mimetype="image/svg+xml")
    return _cached(response, event)


@functools.lru_cache(maxsize=32)
def _png(svg: str) -> bytes:
    """``svg`` drawn as a PNG at twice its size, by CairoSVG (Debian's libcairo2). Kept per
    process for the same picture: drawing a route with many waypoints takes a second, and a
    link shared in a big chat is fetched by every client's preview at once."""
    import cairosvg

    return cairosvg.svg2png(
        bytestring=svg.encode(),
        output_width=PREVIEW_PICTURE.width * 2,
        output_height=PREVIEW_PICTURE.height * 2,
        unsafe=False,
    )


@bp.get("/e/<slug>/route.png")
def route_preview(slug: str):
    """The route picture as a PNG, for link previews (og:image): messengers and social sites
    show PNG, not SVG. Drawn from our own SVG only."""
    event = _load(slug)
    if len(event.route_points) < 2:
        abort(404)
    png = _png(_svg(event, PREVIEW_PICTURE))
    return _cached(Response(png, mimetype="image/png"), event)


@bp.get("/e/<slug>/flyer")
def flyer(slug: str):
    """An A4 page to print and hand out: what, when, where, the route and a QR code of the
    event's link."""
    import segno

    event = _load(slug)
    page_url = _page_url(event)
    has_route = len(event.route_points) >= 2
    html = render_template(
        "embed/flyer.html",
        event=event,
        assembly=event.assembly_waypoint,
        picture=_svg(event, PAGE_PICTURE) if has_route else "",
        waypoints=list(event.waypoints),
        kinds=kind_labels(),
        qr=segno.make(page_url, error="m").svg_inline(omitsize=True, dark="#1b1b1f"),
        page_url=page_url,
    )
    return _cached(Response(html), event)
