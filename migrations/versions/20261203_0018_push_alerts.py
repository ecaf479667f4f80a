"""Push alerts: subscriptions (an endpoint and its keys, no personal data), urgent updates
sent to them by the worker, and the retries of failed deliveries.

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_push_subscriptions_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_push_subscriptions_role_id_roles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint(
            "event_id", "endpoint", name=op.f("uq_push_subscriptions_event_id_endpoint")
        ),
    )
    op.create_index(
        op.f("ix_push_subscriptions_event_id_id"), "push_subscriptions", ["event_id", "id"]
    )
    op.create_index(op.f("ix_push_subscriptions_role_id"), "push_subscriptions", ["role_id"])
    op.create_table(
        "push_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_push_alerts_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["event_changes.id"],
            name=op.f("fk_push_alerts_change_id_event_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.id"],
            name=op.f("fk_push_alerts_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_alerts")),
        sa.UniqueConstraint("change_id", name=op.f("uq_push_alerts_change_id")),
    )
    op.create_index(op.f("ix_push_alerts_event_id"), "push_alerts", ["event_id"])
    op.create_index(
        op.f("ix_push_alerts_status_lease_until"), "push_alerts", ["status", "lease_until"]
    )
    op.create_table(
        "push_retries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["push_alerts.id"],
            name=op.f("fk_push_retries_alert_id_push_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["push_subscriptions.id"],
            name=op.f("fk_push_retries_subscription_id_push_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_retries")),
        sa.UniqueConstraint(
            "alert_id", "subscription_id", name=op.f("uq_push_retries_alert_id_subscription_id")
        ),
    )
    op.create_index(op.f("ix_push_retries_next_attempt_at"), "push_retries", ["next_attempt_at"])
    op.create_index(op.f("ix_push_retries_subscription_id"), "push_retries", ["subscription_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_push_retries_subscription_id"), table_name="push_retries")
    op.drop_index(op.f("ix_push_retries_next_attempt_at"), table_name="push_retries")
    op.drop_table("push_retries")
    op.drop_index(op.f("ix_push_alerts_status_lease_until"), table_name="push_alerts")
    op.drop_index(op.f("ix_push_alerts_event_id"), table_name="push_alerts")
    op.drop_table("push_alerts")
    op.drop_index(op.f("ix_push_subscriptions_role_id"), table_name="push_subscriptions")
    op.drop_index(op.f("ix_push_subscriptions_event_id_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
