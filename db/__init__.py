"""Persistence: SQLAlchemy 2 models, engine and sessions, queries, Alembic migrations.

Imports ``bot.domain``/``bot.errors`` only, never ``telegram``, ``httpx`` or ``handlers``. ORM
objects never leave this package: query functions take a ``Session`` and return domain records.
"""
