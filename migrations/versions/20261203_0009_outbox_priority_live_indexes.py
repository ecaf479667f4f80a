"""Outbox: a priority (transactional mail before bulk), and claim indexes on live rows only.

The worker claims by (priority, next_attempt_at) among queued rows and takes over expired
leases among rows being sent; both indexes are partial, so the sent rows that pile up do not
make a claim slower. Rows already queued get their priority from their kind.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# services.mail.outbox.BULK_KINDS as of this revision (a migration does not import the app).
BULK_KINDS = ("event_changed", "event_cancelled", "organiser_update", "reminder")


def _only(status: str) -> dict:
    where = sa.text(f"status = '{status}'")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_index(batch_op.f("ix_outbox_status_next_attempt_at"))
    outbox = sa.table("outbox", sa.column("kind", sa.String), sa.column("priority", sa.Integer))
    op.execute(outbox.update().where(outbox.c.kind.in_(BULK_KINDS)).values(priority=1))
    op.create_index(
        op.f("ix_outbox_priority_next_attempt_at"),
        "outbox",
        ["priority", "next_attempt_at"],
        unique=False,
        **_only("queued"),
    )
    op.create_index(
        op.f("ix_outbox_lease_until"), "outbox", ["lease_until"], unique=False, **_only("sending")
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_lease_until"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_priority_next_attempt_at"), table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.drop_column("priority")
