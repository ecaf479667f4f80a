"""RSVP counters per event, role and status, and each event's page version: the public page
is answered from them (``models.counts``) instead of grouping every RSVP on every view.

The counters are filled from the RSVPs there are; page versions start at 0.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rsvp_counts",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("role_key", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rsvps", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_rsvp_counts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "role_key", "status", name=op.f("pk_rsvp_counts")),
    )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("page_version", sa.Integer(), server_default="0", nullable=False)
        )
    # Plain participants count under role_key 0 (models.counts.NO_ROLE).
    op.execute(
        "INSERT INTO rsvp_counts (event_id, role_key, status, rsvps, people) "
        "SELECT event_id, COALESCE(role_id, 0), status, COUNT(*), SUM(party_size) "
        "FROM rsvps GROUP BY event_id, COALESCE(role_id, 0), status"
    )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("page_version")
    op.drop_table("rsvp_counts")
