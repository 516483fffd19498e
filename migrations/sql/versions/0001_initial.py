"""Accounts, people, deals and participations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("industry", sa.String(200)),
        sa.Column("industry_key", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("region_key", sa.String(200)),
        sa.Column("country", sa.String(200)),
        sa.Column("employees", sa.Integer),
    )
    op.create_index("ix_accounts_segment", "accounts", ["tenant", "industry_key", "region_key"])
    op.create_table(
        "people",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("account_id", sa.String(200)),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.String(254)),
        sa.Column("title", sa.Text),
        sa.Column("function", sa.String(50), nullable=False),
        sa.Column("seniority", sa.String(50), nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.Column("external_kind", sa.String(50)),
        sa.Column("audience", sa.Integer),
        sa.Column("content_hash", sa.String(64)),
    )
    op.create_index("ix_people_account", "people", ["tenant", "account_id"])
    op.create_index("ix_people_email", "people", ["tenant", "email"])
    op.create_table(
        "deals",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("stage", sa.String(200)),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("created_at", sa.String(10)),
        sa.Column("closed_at", sa.String(10)),
        sa.Column("product", sa.String(200)),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_deals_account", "deals", ["tenant", "account_id"])
    op.create_index("ix_deals_outcome", "deals", ["tenant", "outcome", "closed_at"])
    op.create_table(
        "participations",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("deal_id", sa.String(200), primary_key=True),
        sa.Column("person_id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(20), primary_key=True),
        sa.Column("deal_role", sa.String(50), nullable=False),
        sa.Column("stance", sa.String(20), nullable=False),
        sa.Column("external", sa.Boolean, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("evidence_count", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.String(40)),
        sa.Column("last_seen", sa.String(40)),
    )
    op.create_index("ix_participations_person", "participations", ["tenant", "person_id"])


def downgrade() -> None:
    for table in ("participations", "deals", "people", "accounts"):
        op.drop_table(table)
