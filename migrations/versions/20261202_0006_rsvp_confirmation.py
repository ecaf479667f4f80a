"""RSVPs are confirmed from the email: the confirm link's hash, and an index for the salt
that unsubscribe links name, and one for the worker's search for expired unconfirmed RSVPs.

Existing RSVPs keep their status (they were placed before double opt-in existed). The
suppression list keeps its unsalted SHA-256 rows: they cannot be re-keyed without the
address, so ``services.mail.outbox`` checks both forms (see ``services.tokens``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rsvps") as batch_op:
        batch_op.add_column(sa.Column("confirm_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_rsvps_confirm_hash"), ["confirm_hash"])
        batch_op.create_index(batch_op.f("ix_rsvps_token_salt"), ["token_salt"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rsvps_status_created_at"), ["status", "created_at"], unique=False
        )


def downgrade() -> None:
    # Unconfirmed RSVPs never counted: without the column they could never be confirmed.
    op.execute(
        "DELETE FROM outbox WHERE rsvp_id IN (SELECT id FROM rsvps WHERE status = 'unconfirmed')"
    )
    op.execute("DELETE FROM rsvps WHERE status = 'unconfirmed'")
    with op.batch_alter_table("rsvps") as batch_op:
        batch_op.drop_index(batch_op.f("ix_rsvps_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_rsvps_token_salt"))
        batch_op.drop_constraint(batch_op.f("uq_rsvps_confirm_hash"), type_="unique")
        batch_op.drop_column("confirm_hash")
