"""Alembic migration environment and revisions (applied by db.migrate)."""
