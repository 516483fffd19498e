"""The data version at which a write last moved a seat (graph.live keeps where people
sat across writes that only moved amounts).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_versions") as table:
        table.add_column(sa.Column("seats_version", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("data_versions") as table:
        table.drop_column("seats_version")
