"""Fan-out jobs: a notice to many participants is one row that the worker expands, and the
outbox is indexed by change for the organisers' delivery progress.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fanout_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("include_waitlist", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("expanded", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_fanout_jobs_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["event_changes.id"],
            name=op.f("fk_fanout_jobs_change_id_event_changes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fanout_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_fanout_jobs_key")),
    )
    op.create_index(op.f("ix_fanout_jobs_event_id"), "fanout_jobs", ["event_id"], unique=False)
    op.create_index(
        op.f("ix_fanout_jobs_status_run_after"),
        "fanout_jobs",
        ["status", "run_after"],
        unique=False,
    )
    op.create_index(
        op.f("ix_outbox_change_id_status"), "outbox", ["change_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_change_id_status"), table_name="outbox")
    op.drop_index(op.f("ix_fanout_jobs_status_run_after"), table_name="fanout_jobs")
    op.drop_index(op.f("ix_fanout_jobs_event_id"), table_name="fanout_jobs")
    op.drop_table("fanout_jobs")
