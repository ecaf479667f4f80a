"""The suppression list holds keyed hashes: a seized database cannot be checked against a
list of known addresses without the server's secret. Older unsalted rows keep working."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from models import OutboxMessage, Suppression, utcnow
from services import tokens
from services.mail import notify, outbox, unsubscribe
from tests.factories import add_rsvp, make_event


def stored_keys(session) -> list[str]:
    return list(session.scalars(select(Suppression.email_hash)))


def test_suppression_is_keyed_by_an_hmac_under_the_server_secret(app, session):
    unsubscribe.suppress(session, " Never@Example.org ", utcnow())
    session.commit()

    [key] = stored_keys(session)
    unsalted = hashlib.sha256(b"never@example.org").hexdigest()
    assert key != unsalted  # a list of addresses hashed by anyone does not find it
    secret_key = app.config["SECRET_KEY"].encode()
    assert key != hmac.new(secret_key, b"never@example.org", hashlib.sha256).hexdigest()
    assert key == tokens.email_hash("NEVER@example.org")
    app.config["SECRET_KEY"] = "another server's secret"
    assert tokens.email_hash("never@example.org") != key  # it takes this server's secret


def test_old_unsalted_suppressions_still_suppress_and_are_rekeyed_when_met_again(session):
    event = make_event(session)
    rsvp = add_rsvp(session, event, "old@example.org")
    unsalted = hashlib.sha256(b"old@example.org").hexdigest()
    session.add(Suppression(email_hash=unsalted, created_at=utcnow()))
    session.commit()

    assert outbox.is_suppressed(session, "Old@example.org")
    notify.rsvp_received(session, event, rsvp, utcnow())
    row = {"dedupe_key": "x", "kind": "k", "subject": "s", "body_text": "b"}
    assert outbox.enqueue_many(session, [{**row, "to_addr": "old@example.org"}], utcnow()) == 0
    assert session.scalars(select(OutboxMessage)).all() == []

    unsubscribe.suppress(session, "old@example.org", utcnow())
    session.commit()
    assert stored_keys(session) == [tokens.email_hash("old@example.org")]
    assert outbox.is_suppressed(session, "old@example.org")
