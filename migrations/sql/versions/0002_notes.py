"""Notes and the people they mention.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("deal_id", sa.String(200)),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_notes_deal", "notes", ["tenant", "deal_id"])
    op.create_table(
        "mentions",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("note_id", sa.String(200), primary_key=True),
        sa.Column("person_id", sa.String(200), primary_key=True),
        sa.Column("stance", sa.String(20), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_mentions_person", "mentions", ["tenant", "person_id"])


def downgrade() -> None:
    op.drop_table("mentions")
    op.drop_table("notes")
