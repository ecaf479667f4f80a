"""Schemathesis against the API's own OpenAPI document: for every operation, requests that
fit the document and requests that do not, public ones and an organiser's with a token that
may do everything, on the organiser's real event. No answer may be a server error, and every
answer must be what the document says (status, media type, headers, body schema).

Bounded and deterministic: a fixed number of examples per operation, derandomized, no
example database, so the run takes the same (short) time and finds the same things on every
machine."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from models.enums import ApiAccess
from routes.api.docs import document
from services.accounts import api_tokens
from tests.factories import NOW, add_role, add_rsvp, make_event, make_user
from tests.plugins.app import make_test_app

MAX_EXAMPLES = 10  # per operation and mode: under a minute per database on 2 cores


@pytest.fixture
def app_settings() -> dict:
    return {"API_RATE_LIMIT": "100000 per minute", "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def world(session) -> dict:
    owner = make_user(session, "owner@example.org")
    event = make_event(session, owner.id, as_organiser=True)
    add_rsvp(session, event, "anna@example.org", name="Anna", role_id=add_role(session, event).id)
    _row, secret = api_tokens.create_token(
        session, owner, label="Fuzz", access=ApiAccess.WRITE, reads_attendees=True, now=NOW
    )
    session.commit()
    return {"event_id": event.id, "slug": event.slug, "token": secret}


def _document() -> dict:
    """The document as the app serves it; reading it needs no database."""
    app = make_test_app("sqlite://")
    with app.test_request_context():
        return document()


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)


@schema.parametrize()
# One app and database per operation, shared by its examples: they only add to it.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_keeps_to_its_document(app, world, case):
    # The organiser's own event, so that writes reach the forms and services behind them.
    if "event_id" in case.path_parameters:
        case.path_parameters["event_id"] = world["event_id"]
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = world["slug"]
    with app.app_context():  # a request of its own, as under a server
        case.call_and_validate(
            app=app,
            # identity: the WSGI transport does not decompress what Flask-Compress compressed
            headers={"Authorization": f"Bearer {world['token']}", "Accept-Encoding": "identity"},
            checks=[
                schemathesis.checks.not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_headers_conformance,
                response_schema_conformance,
            ],
        )
