"""Accessibility along the route: marked sections (steps, steep, rough, narrow, no exit),
a step-free alternative line, and whether an event has one.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("start_seq", sa.Integer(), nullable=False),
        sa.Column("end_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_route_sections_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_sections")),
    )
    op.create_index(
        op.f("ix_route_sections_event_id"), "route_sections", ["event_id"], unique=False
    )
    op.create_table(
        "route_alternative_points",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_route_alternative_points_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "seq", name=op.f("pk_route_alternative_points")),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column(
                "is_step_free_available", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("is_step_free_available")
    op.drop_table("route_alternative_points")
    op.drop_index(op.f("ix_route_sections_event_id"), table_name="route_sections")
    op.drop_table("route_sections")
