"""Name keys for matching people, and the record of merges.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("name_key", sa.String(500)))
    op.create_index("ix_people_name", "people", ["tenant", "account_id", "name_key"])
    op.create_table(
        "person_merges",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("alias_id", sa.String(200), primary_key=True),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(50), nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("merged_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_person_merges_person", "person_merges", ["tenant", "person_id"])


def downgrade() -> None:
    op.drop_table("person_merges")
    op.drop_index("ix_people_name", "people")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("name_key")
