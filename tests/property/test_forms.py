"""Every form, posted with made-up values through the test client as a browser would post it:
never a server error, and a refusal stores nothing at all.

Each example starts from a valid submission and replaces some fields with arbitrary text,
plausible-but-wrong values (dates that do not exist, huge numbers, "nan") or control
characters. After a 4xx answer every table must hold exactly what it held before.
"""

from __future__ import annotations

import itertools

import pytest
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import create_app  # noqa: F401 - imports every form, for the subclass check
from forms.base import Form
from models import Base, utcnow
from services import tokens
from services.live import positions as march
from tests.factories import add_role, add_rsvp, march_under_way

EVENT = {
    "title": "March against the war",
    "starts_at": "2026-11-29T13:00",
    "ends_at": "2026-11-29T16:00",
    "timezone": "Europe/Berlin",
    "city": "Berlin",
    "description_md": "Bring water.\r\nAnd friends.",
    "contact": "org@example.org",
    "visibility": "listed",
    "capacity": "",
    "max_party_size": "5",
    "rsvp_deadline_at": "",
    "is_count_public": "y",
    "neutral_subject": "",
    "reminder_offsets": "24h, 2h",
}
TEXTS = {
    f"{part}_{code}": "Text" for part in ("title", "description") for code in ["en", "de", "ru"]
}
RSVP = {"email": "p@example.org", "name": "Pat", "party_size": "1", "role_id": "0"}
POSITION = {"part": "front", "place": "", "lat": "52.5130", "lon": "13.3770"}

# (who posts, path, a valid submission); {event}, {slug}, {manage} and {steward} are filled in
FORMS = [
    ("anyone", "/signup", {"email": "new@example.org", "display_name": "Group"}),
    ("anyone", "/login", {"email": "nobody@example.org", "password": "x" * 12}),
    ("anyone", "/reset", {"email": "nobody@example.org"}),
    ("anyone", "/e/{slug}/rsvp", {**RSVP, "wants_reminders": "y"}),
    ("anyone", "/manage/{manage}", {"name": "Pat", "party_size": "2", "role_id": "0"}),
    ("anyone", "/steward/{steward}", POSITION),
    ("organiser", "/organise/events/new", EVENT),
    ("organiser", "/organise/events/{event}/edit", EVENT),
    ("organiser", "/organise/events/{event}/languages", TEXTS),
    ("organiser", "/organise/events/{event}/route", {"points_text": "52.5, 13.4\n52.6, 13.5"}),
    (
        "organiser",
        "/organise/events/{event}/schedule",
        {"time": "13:45", "date": "", "title": "Speech", "description": "", "waypoint_id": ""},
    ),
    ("organiser", "/organise/events/{event}/cancel", {"reason": "Banned by the police."}),
    ("organiser", "/organise/events/{event}/duplicate", {"weeks": "1", "new_date": ""}),
    ("organiser", "/organise/events/{event}/organisers", {"email": "other@example.org"}),
    ("organiser", "/organise/events/{event}/roles", {"name": "Medics", "needed": "4"}),
    ("organiser", "/organise/events/{event}/position", POSITION),
    ("organiser", "/organise/events/{event}/stewards", {"label": "Front", "hours": "12"}),
    ("organiser", "/organise/events/{event}/updates", {"message": "Meet at the south exit."}),
]
FIELDS = {
    path: sorted(
        {*valid, "password", "confirm", "remember", "needs_approval", "include_waitlist"}
        if path in ("/signup", "/login")
        else valid
    )
    for _who, path, valid in FORMS
}

plausible = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e400",
        "nan",
        "inf",
        "99999999999999999999999",
        "2026-02-30",
        "2026-11-29T25:61",
        "2027-03-28T02:30",
        "24:00",
        "Europe/Atlantis",
        "w1",
        "w999",
        "unlisted",
        "y",
        "a@b",
        "x" * 20_001,
        "52.5, 13.4, Gate\u202e, end",
    ]
)
controls = st.text(st.sampled_from("\r\n\t\x00\x1b\x85\u2028\u202e\u2066\u200f a1"), max_size=8)
anything = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
value = st.one_of(plausible, controls, anything)
ADDRESSES = itertools.count()


def snapshot(session) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    session.expire_all()
    return {
        table.name: sorted(map(repr, session.execute(select(table)).all()))
        for table in Base.metadata.sorted_tables
    }


@pytest.fixture
def anonymous(app):
    """A browser without a log-in (one for all examples of a test, as its session goes on)."""
    return app.test_client()


@pytest.fixture
def world(session, organiser) -> dict[str, str]:
    """A march under way with a waypoint, a role, an RSVP and a steward link."""
    event = march_under_way(session, organiser[0], now=utcnow(), slug="prop-march", with_gate=True)
    add_role(session, event, "Stewards", needed=3)
    row = add_rsvp(session, event, "someone@example.org", party_size=1)
    steward = march.create_steward_link(session, event, label="Front", now=utcnow())
    session.commit()
    return {
        "event": str(event.id),
        "slug": event.slug,
        "manage": tokens.rsvp_token(row.token_salt),
        "steward": steward,
    }


def test_every_form_refuses_control_characters_because_it_derives_from_form():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forgotten = [
        f"{c.__module__}.{c.__qualname__}"
        for c in subclasses(FlaskForm)
        if not issubclass(c, Form) and c.__module__.split(".")[0] in ("forms", "routes")
    ]
    assert forgotten == []


@pytest.mark.parametrize(("who", "path", "valid"), FORMS, ids=[f[1] for f in FORMS])
@settings(max_examples=20)
@given(data=st.data())
def test_any_post_to_a_form_is_answered_and_a_refusal_stores_nothing(
    logged_in, anonymous, session, world, who, path, valid, data
):
    url = path.format(**world)
    client = logged_in if who == "organiser" else anonymous
    # The token belongs to the browser session, not to a form: one page shows it for all
    token = client.csrf_token("/organise/events/new" if who == "organiser" else "/login")
    changes = data.draw(st.dictionaries(st.sampled_from(FIELDS[path]), value, max_size=4))
    # Each example from an address of its own, so the per-address rate limits let it reach
    # the form (RATELIMIT_ENABLED=False would switch Flask-Limiter off for later apps too)
    n = next(ADDRESSES)
    address = f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"
    before = snapshot(session)
    response = client.post(
        url, data={**valid, **changes, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code < 500, (url, changes)
    if response.status_code >= 400:
        assert snapshot(session) == before, (url, changes, response.status_code)
