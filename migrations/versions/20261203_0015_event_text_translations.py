"""Create event_text_translations: schedule item titles, role names and waypoint labels in
other languages, keyed by the text as written (it survives a route saved again).

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_text_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=140), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_text_translations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_text_translations")),
        sa.UniqueConstraint(
            "event_id",
            "kind",
            "source",
            "language",
            name=op.f("uq_event_text_translations_event_id_kind_source_language"),
        ),
    )


def downgrade() -> None:
    op.drop_table("event_text_translations")
