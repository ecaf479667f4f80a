"""The outbox's claim indexes are partial in the migrated database exactly as the model says
(``alembic check`` compares columns, not an index's WHERE)."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.schema import CreateIndex

from models import OutboxMessage

PARTIAL = {"ix_outbox_priority_next_attempt_at", "ix_outbox_lease_until"}


def _where(sql: str) -> str:
    return re.sub(r"[\s()]", "", sql.split(" WHERE ", 1)[1]).replace("::text", "")


def test_claim_indexes_cover_only_live_rows(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox'"
            else:
                query = "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'outbox'"
            found = {name: sql for name, sql in connection.execute(text(query)) if sql}
        model = {
            index.name: str(CreateIndex(index).compile(dialect=engine.dialect))
            for index in OutboxMessage.__table__.indexes
            if index.name in PARTIAL
        }
    finally:
        engine.dispose()
    assert set(model) == PARTIAL
    for name, sql in model.items():
        assert _where(found[name]) == _where(sql)
