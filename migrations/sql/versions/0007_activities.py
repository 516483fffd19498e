"""Activities (calls, meetings, e-mails, tasks) and the people who took part in them.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("deal_id", sa.String(200)),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_activities_deal", "activities", ["tenant", "deal_id"])
    op.create_index("ix_activities_account", "activities", ["tenant", "account_id"])
    op.create_table(
        "activity_people",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("activity_id", sa.String(200), primary_key=True),
        sa.Column("person_id", sa.String(200), primary_key=True),
    )
    op.create_index("ix_activity_people_person", "activity_people", ["tenant", "person_id"])


def downgrade() -> None:
    op.drop_table("activity_people")
    op.drop_table("activities")
