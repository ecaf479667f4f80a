"""Absolute links for emails and calendars, built from ``BASE_URL``.

Not from the current request: the same code runs in a request and in the worker (reminders
are rendered there, with no request at all). Needs an app context. Imports models and
``services.tokens`` only, so that any service (mail, accounts, events) may use it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from models import Event, Rsvp
from services.tokens import confirm_token, rsvp_token, unsubscribe_token


def absolute_url(endpoint: str, **values) -> str:
    """``BASE_URL`` + the path of ``endpoint``; needs an app context, not a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def manage_url(rsvp: Rsvp) -> str:
    """The participant's private link to see, change or cancel their RSVP."""
    return absolute_url("rsvp.manage", token=rsvp_token(rsvp.token_salt))


def event_url(event: Event) -> str:
    """The public page of the event."""
    return absolute_url("events.show", slug=event.slug)


def confirm_url(rsvp: Rsvp) -> str:
    """The link in the email that confirms a new RSVP: it opens a page with the button."""
    return absolute_url("rsvp.confirm", token=confirm_token(rsvp.token_salt))


def unsubscribe_url(rsvp: Rsvp) -> str:
    """The RFC 8058 one-click link: a POST to it stops reminders and updates for this RSVP.
    Its token only unsubscribes: it does not open the manage page."""
    return absolute_url("mail.unsubscribe", token=unsubscribe_token(rsvp.token_salt))
