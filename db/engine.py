"""Engine and sessions; the one way the async edges talk to the (synchronous) database.

Concurrency model (docs/decisions/0001-db-concurrency.md): SQLAlchemy's synchronous ``Session``
run on a single dedicated worker thread (``Database.run``). One writer thread means SQLite never
sees two writers from this process, the event loop is never blocked by a query, and the same code
serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bot.errors import StorageError

try:  # the PostgreSQL driver is a dependency, but a SQLite-only install must still import
    import psycopg

    _DRIVER_ERRORS: tuple[type[Exception], ...] = (psycopg.Error, sqlite3.Error)
except ImportError:  # pragma: no cover
    _DRIVER_ERRORS = (sqlite3.Error,)

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas Briefbot needs on SQLite (WAL, foreign keys)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def redacted(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


#: Threads that run read-only queries beside the writer (``Database.read``).
READERS = 4


class Database:
    """An engine, a session factory, the one thread that runs every write (``run``), and a few
    that run reads beside it (``read``): SQLite in WAL mode and PostgreSQL both let a reader see
    the last committed state while a write is under way, so /status never waits behind a poll
    storing a thousand items."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-db")
        parsed = make_url(url)
        in_memory = parsed.get_backend_name() == "sqlite" and (parsed.database or ":memory:") == ":memory:"
        # An in-memory SQLite database is one connection's: reads go to the writer's thread.
        self._readers = (
            None
            if in_memory
            else ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="briefbot-db-read")
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as exc:
                raise StorageError(f"database unavailable ({redacted(self.url)})") from exc
            except (SQLAlchemyError, *_DRIVER_ERRORS) as exc:
                # db/queries/bulk.py talks to psycopg directly (unnest inserts, COPY): its errors
                # are the driver's own, and must not escape as anything but a storage error.
                raise StorageError(f"database error ({redacted(self.url)})") from exc

    def call(self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(session, *args)`` in one transaction, on the calling thread."""
        with self.session() as session:
            return fn(session, *args, **kwargs)

    async def run(self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(session, *args)`` in one transaction on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, functools.partial(self.call, fn, *args, **kwargs))

    async def read(self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a read-only ``fn(session, *args)`` beside the writer: it sees the last committed
        state and never waits for a write to finish. ``fn`` must not write."""
        loop = asyncio.get_running_loop()
        executor = self._readers or self._worker
        return await loop.run_in_executor(executor, functools.partial(self.call, fn, *args, **kwargs))

    def close(self) -> None:
        if self._readers is not None:
            self._readers.shutdown(wait=True)
        self._worker.shutdown(wait=True)
        self.engine.dispose()


__all__ = ["Database", "NullPool", "make_engine", "redacted"]
