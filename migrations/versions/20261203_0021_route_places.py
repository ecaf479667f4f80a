"""Places beside the route (toilets, first aid, rest, quiet zone, a place to leave the march),
not part of its line, and whether an event has any.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "route_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_route_places_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_places")),
    )
    op.create_index(op.f("ix_route_places_event_id"), "route_places", ["event_id"], unique=False)
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("has_route_places", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("has_route_places")
    op.drop_index(op.f("ix_route_places_event_id"), table_name="route_places")
    op.drop_table("route_places")
