"""Organisers and stewards report where the march is; the position sits on the route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import MarchPosition
from services.errors import DomainError
from services.live import positions as march
from services.route import Point, snap_to_route
from tests.factories import LINE, march_under_way

NOW = datetime(2026, 11, 29, 13, 30, tzinfo=UTC)


@pytest.fixture
def event(session, organiser):
    return march_under_way(session, organiser[0], now=NOW, slug="march")


def test_snap_to_route_projects_onto_the_nearest_segment():
    points = [Point(*p) for p in LINE]
    seq, distance, snapped = snap_to_route(points, Point(52.5113, 13.3767))
    assert seq == 0
    assert distance < 10
    assert 52.5096 < snapped.lat < 52.5130


def test_position_on_the_route_is_recorded_without_who_sent_it(session, event):
    position = march.report_position(
        session, event, lat=52.5140, lon=13.3774, is_front=True, now=NOW
    )
    session.commit()
    assert position.seq_on_route == 1
    assert {c.name for c in MarchPosition.__table__.columns}.isdisjoint({"user_id", "ip", "token"})
    assert march.latest_positions(session, event.id)["front"].id == position.id


def test_position_far_from_the_route_is_refused(session, event):
    with pytest.raises(DomainError, match="m from the route"):
        march.report_position(session, event, lat=52.5200, lon=13.4050, is_front=True, now=NOW)
    assert session.scalar(select(MarchPosition.id)) is None


def test_positions_too_close_in_time_are_refused(session, event):
    march.report_position(session, event, lat=52.5100, lon=13.3763, is_front=True, now=NOW)
    with pytest.raises(DomainError, match="a moment ago"):
        march.report_position(
            session, event, lat=52.5110, lon=13.3765, is_front=True, now=NOW + timedelta(seconds=3)
        )
    # the end of the march is reported on its own
    march.report_position(
        session, event, lat=52.5097, lon=13.3762, is_front=False, now=NOW + timedelta(seconds=3)
    )


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), 13.0), (91.0, 13.0), (52.0, 181.0)])
def test_impossible_coordinates_are_refused(session, event, lat, lon):
    with pytest.raises(DomainError, match="not a position on Earth"):
        march.report_position(session, event, lat=lat, lon=lon, is_front=True, now=NOW)


def test_cancelled_event_takes_no_position(session, event):
    event.status = "cancelled"
    with pytest.raises(DomainError, match="not taking place"):
        march.report_position(session, event, lat=52.51, lon=13.3763, is_front=True, now=NOW)


def test_steward_link_opens_the_event_until_it_expires_or_is_revoked(session, event):
    token = march.create_steward_link(session, event, label="Front", now=NOW, hours=2)
    session.commit()
    assert march.event_for_steward(session, token, NOW).id == event.id
    assert march.event_for_steward(session, token, NOW + timedelta(hours=3)) is None
    assert march.event_for_steward(session, token + "x", NOW) is None
    link_id = session.scalar(select(march.StewardLink.id))
    march.revoke_steward_link(session, event, link_id, NOW)
    assert march.event_for_steward(session, token, NOW) is None


@pytest.mark.parametrize(
    ("when", "accepted"),
    [
        (timedelta(days=-3), False),  # the march starts at NOW - 30 min; three days before it
        (timedelta(minutes=-91), False),  # just over an hour before the start
        (timedelta(minutes=-89), True),  # people gather: an hour before is fine
        (timedelta(hours=2), True),  # the last moment: the end
        (timedelta(hours=2, minutes=1), False),  # after the end
    ],
)
def test_positions_are_accepted_only_from_shortly_before_the_start_to_the_end(
    session, event, when, accepted
):
    at = NOW + when
    if accepted:
        march.report_position(session, event, lat=52.5140, lon=13.3774, is_front=True, now=at)
        assert session.scalar(select(MarchPosition.created_at)) is not None
    else:
        with pytest.raises(DomainError, match="from an hour before the start until the end"):
            march.report_position(session, event, lat=52.5140, lon=13.3774, is_front=True, now=at)
        assert session.scalar(select(MarchPosition.id)) is None
