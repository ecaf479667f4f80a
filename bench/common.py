"""What the benchmarks share: an app on a migrated database of its own."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402

from app import create_app  # noqa: E402
from core import migrate  # noqa: E402
from tests.plugins.database import PostgresServer  # noqa: E402


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres",
        default="",
        help="a PostgreSQL server URL; the bench makes a database of its own there and drops it",
    )


@contextmanager
def bench_app(postgres: str, settings: dict) -> Iterator[tuple[Flask, str]]:
    """An app with ``settings`` and its database URL: a new SQLite file in a temporary
    folder, or a new database on the PostgreSQL server ``postgres``, migrated, and removed
    afterwards."""
    tmp = tempfile.TemporaryDirectory()
    server = PostgresServer(postgres) if postgres else None
    try:
        url = server.create() if server else f"sqlite:///{os.path.join(tmp.name, 'bench.sqlite3')}"
        migrate.upgrade(url)
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, **settings})
        try:
            yield app, url
        finally:
            app.extensions["rallypoint.db"][0].dispose()
    finally:
        tmp.cleanup()
        if server:
            server.drop_all()
