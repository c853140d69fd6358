"""Integration fixtures: real SQLite and PostgreSQL through the real migrations, a loopback feed
server, loopback-only sockets.

PostgreSQL: one database per test run (``briefbot_test_<random>``), migrated once, dropped at
the end; tables are emptied between tests. With ``CI=true`` an unreachable server fails the
tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_socket
from sqlalchemy import create_engine, text

from db import migrate
from db.engine import Database
from db.models import Base
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss, seed_items

PG_ADMIN_URL = os.environ.get("BRIEFBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    pytest_socket.socket_allow_hosts(["127.0.0.1", "localhost", "::1"], allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


def _pg_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run."""
    name = f"briefbot_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server
        _pg_unavailable(f"{type(exc).__name__}: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: a SQLite file, or this run's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "briefbot.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def write_feeds(path: Path, server: FeedServer, names: list[str]) -> None:
    lines = ["feeds:"]
    for name in names:
        lines += [f"  - name: {name}", f"    url: {server.url('/' + name + '.xml')}", "    language: en"]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def farm(feed_server: FeedServer, tmp_path: Path) -> FeedServer:
    feed_server.route("/seeds.xml", body=rss(seed_items()), etag='"s1"')
    many = [
        FakeItem(f"Drone seen near Suwałki {i}", f"<p>Report {i}</p>", f"d{i}", None, None) for i in range(20)
    ]
    feed_server.route("/drones.xml", body=rss(many), etag='"d1"')
    feed_server.route("/broken.xml", status=500, body=b"down")
    write_feeds(tmp_path / "feeds.yaml", feed_server, ["seeds", "drones", "broken"])
    return feed_server
