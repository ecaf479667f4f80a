"""A short code per event, for its short link (``/s/<code>``); existing events get one.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

# As models.event.new_short_code (a migration does not import the models it outlives).
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("short_code", sa.String(length=16), nullable=True))
    events = sa.table("events", sa.column("id", sa.Integer), sa.column("short_code", sa.String))
    connection = op.get_bind()
    ids = connection.execute(sa.select(events.c.id)).scalars().all()
    for event_id in ids:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(7))
        connection.execute(events.update().where(events.c.id == event_id).values(short_code=code))
    with op.batch_alter_table("events") as batch_op:
        batch_op.alter_column("short_code", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_events_short_code"), ["short_code"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_events_short_code"), type_="unique")
        batch_op.drop_column("short_code")
