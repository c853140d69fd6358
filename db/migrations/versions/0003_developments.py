"""stories.development (severe developments so far); deliveries.text_hash (what an alert shows)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("development", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("text_hash")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("development")
