"""Emails sent by the worker name the event, the role and the assembly point as the
organisers translated them for the participant's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Waypoint
from models.enums import TextKind
from services import worker
from services.events import translations
from tests.factories import add_rsvp, make_event

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def test_reminder_names_the_march_and_its_assembly_point_in_the_participants_language(
    session, smtp_server
):
    event = make_event(session, starts_at=START)
    session.add(
        Waypoint(event_id=event.id, seq=0, lat=52.5, lon=13.4, kind="assembly", label="Gate")
    )
    session.flush()
    translations.save(session, event, {"ru": ("Марш за климат", "")})
    translations.save_texts(
        session, event, {(TextKind.WAYPOINT, "Gate", "ru"): "Бранденбургские ворота"}
    )
    add_rsvp(session, event, "ivan@example.org", name="Иван", language="ru")
    add_rsvp(session, event, "ada@example.org", name="Ada", language="en")
    session.commit()

    worker.run(once=True, now=START - timedelta(hours=23))

    by_address = {message["To"]: message for message in smtp_server.messages}
    russian = by_address["ivan@example.org"]
    assert russian["Subject"].endswith(": Марш за климат")
    text = russian.get_body(("plain",)).get_content()
    assert "Марш за климат" in text and "Бранденбургские ворота" in text
    assert "March for the Climate" not in text and "Gate" not in text
    english = by_address["ada@example.org"]
    assert english["Subject"] == "Reminder, tomorrow: March for the Climate"
    assert "assemble at Gate." in english.get_body(("plain",)).get_content()
