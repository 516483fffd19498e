"""Counters kept by every write (graph.counts), row hashes on people, counter generations.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats",
        sa.Column("tenant", sa.String(100), primary_key=True),
        sa.Column("sid", sa.Text, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("present", sa.Integer, nullable=False),
        sa.Column("won", sa.Integer, nullable=False),
        sa.Column("deal_ids", sa.Text, nullable=False),
    )
    op.create_index("ix_stats_version", "stats", ["tenant", "kind", "version"])
    op.create_index("ix_stats_key", "stats", ["tenant", "kind", "key"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("row_hash", sa.String(32)))
    # A person's seats in deal order, covering: the first deals a ranking shows are read
    # from it without touching the seats (SQLite walks it and stops at the fifth).
    op.drop_index("ix_participations_person", "participations")
    op.create_index(
        "ix_participations_person", "participations", ["tenant", "person_id", "deal_id"]
    )
    with op.batch_alter_table("data_versions") as batch:
        # Tenants written before counters existed are counted once by `migrate`.
        batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("counted", sa.Boolean, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("data_versions") as batch:
        batch.drop_column("counted")
        batch.drop_column("generation")
    op.drop_index("ix_participations_person", "participations")
    op.create_index("ix_participations_person", "participations", ["tenant", "person_id"])
    with op.batch_alter_table("people") as batch:
        batch.drop_column("row_hash")
    op.drop_index("ix_stats_key", "stats")
    op.drop_index("ix_stats_version", "stats")
    op.drop_table("stats")
