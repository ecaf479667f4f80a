"""``/healthz`` tells a load balancer whether this instance can serve, and a monitor when the
mail worker was last alive."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import create_engine, text

from core import migrate
from models import utcnow
from services import worker
from tests.plugins.app import make_test_app


def test_migrated_database_is_healthy_and_the_answer_is_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "head",
        "worker": {"status": "missing", "last_seen_at": None, "age_seconds": None},
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_worker_round_shows_up_with_its_age(app, client):
    with app.app_context():
        worker.run(once=True, now=utcnow() - timedelta(seconds=12))

    body = client.get("/healthz").get_json()
    assert body["worker"]["status"] == "ok"
    assert 12 <= body["worker"]["age_seconds"] < 60
    seen_at = datetime.fromisoformat(body["worker"]["last_seen_at"])
    assert timedelta(seconds=11) < utcnow() - seen_at < timedelta(seconds=60)


def test_a_silent_worker_is_reported_stale_but_pages_stay_healthy(app, client):
    # Silent for longer than its lease: it stopped, or it is stuck in a batch.
    lease = app.config["OUTBOX_LEASE_SECONDS"]
    with app.app_context():
        worker.run(once=True, now=utcnow() - timedelta(seconds=lease + 60))

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["worker"]["status"] == "stale"


def test_the_newest_of_several_workers_counts(app, client):
    now = utcnow()
    with app.app_context():
        worker.run(once=True, now=now - timedelta(hours=2))
        worker.run(once=True, now=now - timedelta(seconds=5))  # the same process beats again

    body = client.get("/healthz").get_json()
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["age_seconds"] < 60


def test_a_database_without_the_latest_migration_is_unhealthy(empty_database_url):
    migrate.upgrade(empty_database_url, "0004")
    app = make_test_app(empty_database_url)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {
            "status": "unavailable",
            "database": "ok",
            "migrations": "behind",
            "worker": {"status": "unknown", "last_seen_at": None, "age_seconds": None},
        }

        migrate.upgrade(empty_database_url)  # what a deploy does: the same app turns healthy
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        app.extensions["rallypoint.db"][0].dispose()


def test_a_database_migrated_by_newer_code_is_reported_ahead(empty_database_url):
    # The code was rolled back after a deploy had migrated the database further.
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    app = make_test_app(empty_database_url)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == "ahead"
    finally:
        app.extensions["rallypoint.db"][0].dispose()


def test_a_database_with_no_schema_at_all_is_unhealthy(empty_database_url):
    app = make_test_app(empty_database_url)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == "behind"
    finally:
        app.extensions["rallypoint.db"][0].dispose()


def test_a_database_that_cannot_be_opened_is_unhealthy(tmp_path):
    # SQLite here; a stopped PostgreSQL server: tests/test_faults.py
    app = make_test_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'rallypoint.sqlite3'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "database": "unavailable",
        "migrations": "unknown",
        "worker": {"status": "unknown", "last_seen_at": None, "age_seconds": None},
    }
    assert "no-such-folder" not in response.get_data(as_text=True)
