"""An unlisted demonstration is found only through its link: a link nobody can guess."""

from __future__ import annotations

import math

from models import Event
from services import events
from services.events.details import _SLUG_ALPHABET
from tests.factories import NOW, make_user
from tests.factories import event_details as details


def random_bits(slug: str) -> float:
    """The bits of a slug made only of random symbols; 0 for one with anything else in it."""
    if not set(slug) <= set(_SLUG_ALPHABET):
        return 0
    return len(slug) * math.log2(len(_SLUG_ALPHABET))


def test_an_unlisted_event_gets_a_slug_of_at_least_128_random_bits_and_no_title(session):
    user = make_user(session)
    event = events.create_event(
        session,
        owner_id=user.id,
        now=NOW,
        details=details(title="Exiles march to the embassy", visibility="unlisted"),
    )
    assert random_bits(event.slug) >= 128
    assert "embassy" not in event.slug and "exiles" not in event.slug
    assert len(event.slug) <= Event.__table__.c.slug.type.length


def test_a_listed_event_keeps_its_readable_slug(session):
    user = make_user(session)
    event = events.create_event(session, owner_id=user.id, now=NOW, details=details())
    assert event.slug.startswith("march-against-the-war-")


def test_making_a_listed_event_unlisted_gives_it_a_new_unguessable_slug(session):
    user = make_user(session)
    event = events.create_event(session, owner_id=user.id, now=NOW, details=details())
    readable = event.slug

    events.update_event(session, event, details(visibility="unlisted"), NOW)

    assert event.slug != readable and random_bits(event.slug) >= 128
    unlisted = event.slug
    events.update_event(session, event, details(visibility="unlisted", city="Potsdam"), NOW)
    assert event.slug == unlisted  # saving it again keeps the link people have
    events.update_event(session, event, details(visibility="listed"), NOW)
    assert event.slug == unlisted  # listing it too: the link they have keeps working


def test_a_copy_of_an_unlisted_event_is_unlisted_with_its_own_unguessable_slug(session):
    user = make_user(session)
    event = events.create_event(
        session, owner_id=user.id, now=NOW, details=details(visibility="unlisted")
    )
    copy = events.duplicate(session, event, owner_id=user.id, weeks=1)
    assert copy.slug != event.slug and random_bits(copy.slug) >= 128
