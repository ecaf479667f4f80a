"""Create march_positions and steward_links: where the march is, and who may report it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "march_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("seq_on_route", sa.Integer(), nullable=False),
        sa.Column("is_front", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_march_positions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_march_positions")),
    )
    op.create_index(
        op.f("ix_march_positions_event_id_is_front_created_at"),
        "march_positions",
        ["event_id", "is_front", "created_at"],
    )
    op.create_table(
        "steward_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_steward_links_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steward_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_steward_links_token_hash")),
    )
    op.create_index(op.f("ix_steward_links_event_id"), "steward_links", ["event_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_steward_links_event_id"), table_name="steward_links")
    op.drop_table("steward_links")
    op.drop_index(
        op.f("ix_march_positions_event_id_is_front_created_at"), table_name="march_positions"
    )
    op.drop_table("march_positions")
