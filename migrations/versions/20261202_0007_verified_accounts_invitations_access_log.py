"""Verified accounts, per-account session keys, co-organiser invitations and the access log.

Accounts made before this revision are left unverified: whoever registered an address first
could not prove it was theirs, so they log in, confirm the address by mail, and organise again.
Every account gets a fresh session key, which logs everyone out once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("session_key", sa.String(length=32), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_key", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_key=secrets.token_hex(16))
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_key", existing_type=sa.String(length=32), nullable=False)

    op.create_table(
        "event_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_invitations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_event_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_event_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_event_invitations_event_id"), "event_invitations", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_event_invitations_invited_by_id"),
        "event_invitations",
        ["invited_by_id"],
        unique=False,
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_access_log_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_access_log_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_event_id"), "access_log", ["event_id"], unique=False)
    op.create_index(op.f("ix_access_log_user_id"), "access_log", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_access_log_user_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_event_id"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_index(op.f("ix_event_invitations_invited_by_id"), table_name="event_invitations")
    op.drop_index(op.f("ix_event_invitations_event_id"), table_name="event_invitations")
    op.drop_table("event_invitations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_key")
        batch.drop_column("email_verified_at")
