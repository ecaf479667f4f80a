"""The database connection: one engine per app, one session per app context.

We keep this small module instead of Flask-SQLAlchemy(-Lite) because SQLite needs two
connection-level rules that are easier to read in one place: WAL with foreign keys and a busy
timeout, and ``BEGIN IMMEDIATE`` for transactions that will write (see ``_begin``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url`` with our connection rules applied."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
    # writer got in between; the busy timeout cannot help it. So every transaction that may
    # write takes the write lock up front: all but read-only requests, plus the CLI and the
    # worker. Reads never wait in WAL mode, so public pages stay fast.
    if has_request_context() and request.method in _READ_ONLY_METHODS:
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Engine and per-app-context session for a Flask app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"], **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        )
        app.extensions["rallypoint.db"] = (engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_appcontext(self._close)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["rallypoint.db"][0]

    @property
    def session(self) -> Session:
        """The session of this app context (request or CLI command); created on first use."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["rallypoint.db"][1]()
        return g.db_session

    def new_session(self) -> Session:
        """A session of its own, for work that must commit apart from the request's."""
        return current_app.extensions["rallypoint.db"][1]()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A fresh session committed on success and rolled back on error (CLI, worker)."""
        with self.new_session() as session, session.begin():
            yield session

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # rolls back anything the request did not commit
