"""The models and the migrations agree, on SQLite and PostgreSQL (pytest-alembic's built-ins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from db import migrate
from db.models import Base, Feed


def test_single_head() -> None:
    assert len(migrate.current_heads()) == 1


def test_models_match_migrations(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_datetimes_come_back_timezone_aware_utc(database) -> None:
    vilnius = timezone(timedelta(hours=2))
    created = datetime(2026, 3, 29, 3, 30, tzinfo=vilnius)
    with database.session() as s:
        s.add(
            Feed(
                url="https://a.test/rss",
                origin_url="https://a.test/rss",
                name="a",
                language="en",
                regions=[],
                source="file",
                enabled=True,
                consecutive_errors=0,
                created_at=created,
            )
        )
    loaded = database.call(lambda s: s.scalars(select(Feed)).one().created_at)
    assert loaded == created
    assert loaded.tzinfo is not None and loaded.utcoffset() == timedelta(0)
    assert loaded == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(database) -> None:
    from bot.errors import StorageError

    with pytest.raises(StorageError), database.session() as s:
        s.add(
            Feed(
                url="https://b.test/rss",
                origin_url="https://b.test/rss",
                name="b",
                language="en",
                regions=[],
                source="file",
                enabled=True,
                consecutive_errors=0,
                created_at=datetime(2026, 1, 1),
            )
        )  # noqa: DTZ001 - the point of the test
