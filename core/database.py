"""The database connection: one engine per app, one session per app context.

We keep this small module instead of Flask-SQLAlchemy(-Lite) because SQLite needs two
connection-level rules that are easier to read in one place: WAL with foreign keys and a busy
timeout, and ``BEGIN IMMEDIATE`` for transactions that will write (see ``_begin``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import request_ctx
from sqlalchemy import Engine, Select, String, create_engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import GenericFunction

SQLITE_BUSY_TIMEOUT_MS = 10_000
# How long a request waits for PostgreSQL to accept a connection before it gives up and the
# visitor sees the "unavailable" page; a vanished host would otherwise hang it for minutes.
POSTGRES_CONNECT_TIMEOUT_S = 5
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set by code that only inspects the database between requests of its own thread (the test
# suite's arrange-and-check session), which must not hold the write lock while they run.
sqlite_deferred: ContextVar[bool] = ContextVar("sqlite_deferred", default=False)
# Set inside ``Database.reading()``: a writing request's queries there take no write lock.
_reading: ContextVar[bool] = ContextVar("_reading", default=False)


def skipping_locked(session: Session, query: Select) -> Select:
    """``query`` taking the rows it reads for this transaction, passing over rows another
    transaction holds (``FOR UPDATE SKIP LOCKED``), on PostgreSQL: how several workers claim
    work without waiting for each other. SQLite's write lock already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url`` with our connection rules applied.

    Bound values stay out of error messages (``hide_parameters``): an error's text ends up
    in the logs, and the values are participants' names and emails.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if "connect_timeout" not in url:
        kwargs["connect_args"] = {
            "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
            **kwargs.get("connect_args", {}),
        }
    # pre_ping: after PostgreSQL restarted, pooled connections are dead; each is tested
    # before use and replaced, so the app recovers without a restart of its own.
    return create_engine(url, pool_pre_ping=True, **kwargs)


class unicode_lower(GenericFunction):  # noqa: N801 (named like the SQL functions it stands for)
    """``lower()`` for every script: PostgreSQL's follows the database's locale (Cyrillic,
    Greek, umlauts), SQLite's only knows ASCII, so there it is Python's, registered on each
    connection (``_sqlite_connect``). For searches that ignore case in any language."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _lower(element, compiler, **kw) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _sqlite_lower(element, compiler, **kw) -> str:
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _python_lower(text):
    return text.lower() if isinstance(text, str) else text


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    dbapi_connection.create_function("unicode_lower", 1, _python_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed, not left in free space in the file, where
    # anyone with a copy of it could read erased names and addresses (``services.rsvp.purge``).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
    # writer got in between; the busy timeout cannot help it. So every transaction that may
    # write takes the write lock up front: all but read-only requests, plus the CLI, the
    # worker and threads. Reads never wait in WAL mode, so public pages stay fast.
    if has_request_context():
        deferred = request.method in _READ_ONLY_METHODS or _reading.get()
    else:
        deferred = sqlite_deferred.get()
    if deferred:
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_ATTR = "_rallypoint_db_session"


def _holder() -> object:
    # A request gets its own session even when it runs inside an app context that was
    # pushed before it (tests and CLI commands do that): it must end with the request.
    if has_request_context():
        return request_ctx._get_current_object()
    return g._get_current_object()


class Database:
    """Engine and session (one per request, else one per app context) for a Flask app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"], **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        )
        app.extensions["rallypoint.db"] = (engine, sessionmaker(engine, expire_on_commit=False))
        app.teardown_request(self._close_request)
        app.teardown_appcontext(self._close_app)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["rallypoint.db"][0]

    @property
    def session(self) -> Session:
        """The session of this request (or of this app context outside requests)."""
        holder = _holder()
        session = getattr(holder, _ATTR, None)
        if session is None:
            session = current_app.extensions["rallypoint.db"][1]()
            setattr(holder, _ATTR, session)
        return session

    def new_session(self) -> Session:
        """A session of its own, for work that must commit apart from the request's."""
        return current_app.extensions["rallypoint.db"][1]()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A block that only reads: its queries run in a transaction of their own that takes
        no lock for writing (on SQLite a deferred ``BEGIN``, even in a POST), ended with it.

        For a request that does slow work before it writes (parsing an upload): check and
        read in the block, do the slow work after it with no transaction open, then write in
        a transaction that takes its lock only then. Whatever the request's session holds
        is rolled back on entry and on exit, so call it before writing anything.
        """
        session = self.session
        session.rollback()
        token = _reading.set(True)
        try:
            yield session
        finally:
            session.rollback()
            _reading.reset(token)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A fresh session committed on success and rolled back on error (CLI, worker)."""
        with self.new_session() as session, session.begin():
            yield session

    @staticmethod
    def _close(holder: object) -> None:
        session = holder.__dict__.pop(_ATTR, None)
        if session is not None:
            session.close()  # rolls back anything that was not committed

    def _close_request(self, _exc: BaseException | None) -> None:
        self._close(request_ctx._get_current_object())

    def _close_app(self, _exc: BaseException | None) -> None:
        self._close(g._get_current_object())
