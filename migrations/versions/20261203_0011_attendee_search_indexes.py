"""Indexes for the attendee list at 100,000 RSVPs: its order (event, RSVP time), its role
filter, its grouped counts (read from the index alone), and on
PostgreSQL trigram indexes for "name or email contains" (``pg_trgm``).

Creating the extension needs a role allowed to: a superuser, or (PostgreSQL 13+, pg_trgm
being a trusted extension) the database's owner or a role with CREATE on it. Where the app's
role may not, an administrator runs ``CREATE EXTENSION pg_trgm`` once before migrating;
``IF NOT EXISTS`` then skips it here.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCHED = ("email", "name")


def upgrade() -> None:
    op.create_index("ix_rsvps_event_id_created_at_id", "rsvps", ["event_id", "created_at", "id"])
    op.create_index("ix_rsvps_role_id", "rsvps", ["role_id"])
    op.create_index(
        "ix_rsvps_event_id_status_role_id_party_size",
        "rsvps",
        ["event_id", "status", "role_id", "party_size"],
    )
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the search scans one event's rows, found by the index above
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        op.create_index(
            f"ix_rsvps_{column}_trgm",
            "rsvps",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in SEARCHED:
            op.drop_index(f"ix_rsvps_{column}_trgm", table_name="rsvps")
        # The extension stays: other databases' objects may use it, and it holds no data.
    op.drop_index("ix_rsvps_event_id_status_role_id_party_size", table_name="rsvps")
    op.drop_index("ix_rsvps_role_id", table_name="rsvps")
    op.drop_index("ix_rsvps_event_id_created_at_id", table_name="rsvps")
