"""Alembic environment: the app's metadata, the URL from the settings, batch mode on SQLite."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from core import config as settings
from core.database import make_engine
from models import Base

alembic_config = context.config
if alembic_config.config_file_name and alembic_config.attributes.get("configure_logger", True):
    fileConfig(alembic_config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return alembic_config.get_main_option("sqlalchemy.url") or settings.database_url(
        __import__("os").environ.get("DATABASE_URL")
    )


def _include_object(item, name, type_, reflected, compare_to) -> bool:
    """Leave out of the comparison what a model marks as one dialect's only (e.g. the
    trigram indexes: ``info={"only_on": "postgresql"}``) when running on another."""
    only_on = getattr(item, "info", {}).get("only_on")
    return only_on is None or only_on == context.get_context().dialect.name


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = alembic_config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
