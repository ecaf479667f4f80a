"""The notice to the authorities' organiser-only details, and where an event's card may be
embedded.

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_notices",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("organiser", sa.Text(), nullable=False),
        sa.Column("leader", sa.Text(), nullable=False),
        sa.Column("deputy", sa.Text(), nullable=False),
        sa.Column("final_rally", sa.String(length=300), nullable=False),
        sa.Column("streets", sa.Text(), nullable=False),
        sa.Column("expected_participants", sa.Integer(), nullable=True),
        sa.Column("stewards", sa.Integer(), nullable=True),
        sa.Column("vehicles", sa.Text(), nullable=False),
        sa.Column("loudspeakers", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("banners", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_notices_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_notices")),
    )
    op.create_table(
        "event_embeds",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_embeds_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_embeds")),
    )


def downgrade() -> None:
    op.drop_table("event_embeds")
    op.drop_table("event_notices")
