"""stories: representative link, clusterer state, times; story_tags for /status and digests

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_stories_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.alter_column("state", server_default=None)

    op.create_table(
        "story_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("first_seen_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_story_tags_story_id_stories"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_tags")),
        sa.UniqueConstraint("story_id", "kind", "value", name=op.f("uq_story_tags_story_id_kind_value")),
    )
    with op.batch_alter_table("story_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_story_tags_kind_value_last_seen_at", ["kind", "value", "last_seen_at"], unique=False
        )
        batch_op.create_index(
            "ix_story_tags_kind_value_first_seen_at", ["kind", "value", "first_seen_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("story_tags")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stories_created_at"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("created_at")
        batch_op.drop_column("state")
        batch_op.drop_column("url")
