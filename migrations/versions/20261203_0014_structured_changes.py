"""Change records as data, rendered per reader; a change notice remembers what it compares
against while it waits.

``event_changes.data`` holds each change as facts (what, old, new) that are worded in the
reader's language; rows from before keep their stored ``summary``, which is still shown for
them. ``fanout_jobs.base`` is the event as participants knew it before the first edit a
pending change notice covers (the grace period, ``CHANGE_NOTICE_DELAY``).

Revision ID: 0014
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_changes") as batch_op:
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
    with op.batch_alter_table("fanout_jobs") as batch_op:
        batch_op.add_column(sa.Column("base", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fanout_jobs") as batch_op:
        batch_op.drop_column("base")
    with op.batch_alter_table("event_changes") as batch_op:
        batch_op.drop_column("data")
