"""What the purge erases is gone for good: no purged address is left in the database file, its
write-ahead log or the development mailbox, as someone who seizes the disk would look."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.extensions import db
from models import OutboxMessage, utcnow
from services import worker
from services.accounts import password_reset, signup
from services.errors import DomainError
from services.rsvp import purge
from tests.factories import make_event, make_user, rsvp

MARCHER, MARCHER_NAME = "zq.hidden-marcher@example.org", "Zebulon Quaxmire"
ORGANISER = "zq.forgetful-organiser@example.org"
STILL_COMING = "still.coming@example.org"


@pytest.fixture
def mailbox(tmp_path) -> Path:
    return tmp_path / "mailbox"


@pytest.fixture
def app_settings(mailbox):
    return {"MAILBOX_DIR": str(mailbox), "MAIL_SERVER": ""}


def raw_bytes(*paths: Path) -> bytes:
    """Every byte of these files and of the files in these folders, as `strings` reads them."""
    found = b""
    for path in paths:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                found += file.read_bytes()
    return found


def database_files(database_url: str) -> list[Path]:
    path = Path(database_url.removeprefix("sqlite:///"))
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


@pytest.fixture
def mailed(app, session):
    """A march that ended 15 days ago and one still to come, whose participants got their
    mail in the development mailbox, and an organiser who asked for a password reset."""
    now = utcnow()
    over, coming = make_event(session, capacity=10), make_event(session)
    make_user(session, ORGANISER)
    with app.test_request_context():
        rsvp(session, over, MARCHER, 2, name=MARCHER_NAME, now=now)
        rsvp(session, coming, STILL_COMING, name="Still Coming", now=now)
        password_reset.request_reset(session, ORGANISER, now)
        session.commit()
    worker.run(once=True, now=now)
    over.starts_at, over.ends_at = now - timedelta(days=15, hours=3), now - timedelta(days=15)
    session.commit()
    return over, coming


def test_purge_leaves_no_purged_address_in_the_database_files_or_the_mailbox(
    app, session, database_url, mailbox, mailed
):
    if not database_url.startswith("sqlite:///"):
        pytest.skip("reads the files of an SQLite database")
    # Debian's SQLite zeroes deleted content by default; others need the pragma.
    assert session.execute(text("PRAGMA secure_delete")).scalar() == 1
    assert MARCHER.encode() in raw_bytes(mailbox, *database_files(database_url))
    assert ORGANISER.encode() in raw_bytes(mailbox)

    later = utcnow() + timedelta(hours=2)  # the reset link has expired
    assert purge.purge(session, now=later, retention_days=14, mailbox=mailbox) == 1
    session.commit()
    assert purge.checkpoint(db.engine)

    files = raw_bytes(mailbox, *database_files(database_url))
    assert MARCHER.encode() not in files
    assert MARCHER_NAME.encode() not in files
    assert ORGANISER.encode() not in raw_bytes(mailbox)  # the account itself keeps its address
    reset = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    assert (reset.to_addr, reset.body_text) == (None, "")
    assert STILL_COMING.encode() in raw_bytes(mailbox)  # mail of the march to come stays


def test_a_reset_mail_stays_while_its_link_works(app, session, mailbox, mailed):
    purge.purge(session, now=utcnow() + timedelta(minutes=30), retention_days=14, mailbox=mailbox)
    session.commit()
    assert ORGANISER.encode() in raw_bytes(mailbox)
    reset = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    assert reset.to_addr == ORGANISER


def test_the_purge_command_also_empties_the_mailbox(app, session, mailbox, mailed):
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Erased the details of 1 RSVPs." in result.output
    assert MARCHER.encode() not in raw_bytes(mailbox)
    assert STILL_COMING.encode() in raw_bytes(mailbox)


def test_erasing_now_erases_what_the_purge_would_for_that_event_only(app, session, mailbox, mailed):
    over, coming = mailed
    now = utcnow()
    with pytest.raises(DomainError, match="once the demonstration is over"):
        purge.erase_participants_now(session, coming, now=now)

    assert purge.erase_participants_now(session, over, now=now) == 1
    purge.erase_mailbox(session, mailbox)
    session.commit()

    assert MARCHER.encode() not in raw_bytes(mailbox)
    assert STILL_COMING.encode() in raw_bytes(mailbox)
    assert ORGANISER.encode() in raw_bytes(mailbox)  # a reset mail is not the event's
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == over.id)).all()
    assert mail and all(m.to_addr is None and m.body_text == "" for m in mail)


def test_a_sign_up_mail_goes_once_its_link_has_expired(app, session, mailbox):
    """A sign-up link names whoever typed an address; after its two days nothing in it works,
    so purge erases it, in the outbox and in the mailbox, like a reset mail."""
    now = utcnow()
    stranger = "typed-by-someone@example.org"
    with app.test_request_context():
        signup.request_signup(session, email=stranger, display_name="Someone", now=now)
        session.commit()
    worker.run(once=True, now=now)
    purge.purge(session, now=now + timedelta(hours=47), retention_days=14, mailbox=mailbox)
    session.commit()
    assert stranger.encode() in raw_bytes(mailbox)  # the link still works

    purge.purge(session, now=now + timedelta(hours=49), retention_days=14, mailbox=mailbox)
    session.commit()
    assert stranger.encode() not in raw_bytes(mailbox)
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account_verify"))
    assert (mail.to_addr, mail.body_text) == (None, "")
