"""Outreach: marketing's targets, their spend, and the person each was matched to.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outreach",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("campaign", sa.Text, nullable=False),
        sa.Column("campaign_key", sa.Text, nullable=False),
        sa.Column("channel", sa.String(200)),
        sa.Column("spend", sa.Float, nullable=False),
        sa.Column("occurred_at", sa.String(40)),
        sa.Column("given_person_id", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("name", sa.Text),
        sa.Column("company", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("role", sa.String(100)),
        sa.Column("audience", sa.Integer),
        sa.Column("status", sa.String(100)),
        sa.Column("person_id", sa.String(200)),
        sa.Column("match", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_outreach_campaign", "outreach", ["tenant", "campaign_key"])
    op.create_index("ix_outreach_person", "outreach", ["tenant", "person_id"])


def downgrade() -> None:
    op.drop_table("outreach")
