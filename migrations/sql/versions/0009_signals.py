"""Signals, webhooks and their outbox, and what each write brought until detection ran.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_arrivals",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("lease_token", sa.String(40)),
        sa.Column("leased_until", sa.Float),
    )
    op.create_table(
        "signals",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(200)),
        sa.Column("deal_id", sa.String(200)),
        sa.Column("person_id", sa.String(200)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
    )
    op.create_index("ix_signals_newest", "signals", ["tenant", "created_at", "id"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", sa.String(200), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_webhooks_tenant", "webhooks", ["tenant"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("webhook_id", sa.String(40), nullable=False),
        sa.Column("signal_id", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_token", sa.String(40)),
        sa.Column("leased_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_webhook", "outbox", ["tenant", "webhook_id", "state"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("webhooks")
    op.drop_table("signals")
    op.drop_table("signal_arrivals")
