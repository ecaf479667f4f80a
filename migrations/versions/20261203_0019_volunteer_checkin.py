"""Volunteer check-in: which confirmed role RSVPs were checked in on the day, when, and by
which steward link (the codes themselves are derived, never stored).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rsvp_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("steward_link_id", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_check_ins_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rsvp_id"], ["rsvps.id"], name=op.f("fk_check_ins_rsvp_id_rsvps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["steward_link_id"],
            ["steward_links.id"],
            name=op.f("fk_check_ins_steward_link_id_steward_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("rsvp_id", name=op.f("uq_check_ins_rsvp_id")),
    )
    op.create_index(
        op.f("ix_check_ins_event_id_checked_in_at"), "check_ins", ["event_id", "checked_in_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_check_ins_event_id_checked_in_at"), table_name="check_ins")
    op.drop_table("check_ins")
