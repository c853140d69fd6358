"""The environment a benchmark runs in: an empty database of its own, and how busy the machine
is. Shared by benchmarks/ingest.py (and any later benchmark that needs a database)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def prepare_database(database_url: str | None, workdir: Path) -> tuple[str, Callable[[], None]]:
    """(DATABASE_URL for one run, cleanup). Every run starts from an empty database."""
    url = make_url(database_url or f"sqlite:///{workdir / 'bench.db'}")
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:" or path.exists():
            raise SystemExit(
                f"--database-url: {url.database!r} must be a SQLite file that does not exist yet"
            )

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return url.render_as_string(hide_password=False), remove

    name = f"briefbot_bench_{secrets.token_hex(5)}"
    problems = []
    for maintenance_db in dict.fromkeys(("postgres", url.database or "postgres")):
        admin = create_engine(
            url.set(drivername="postgresql+psycopg", database=maintenance_db), isolation_level="AUTOCOMMIT"
        )
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # unreachable, or no right to create databases there: try the next
            problems.append(f"{maintenance_db}: {type(exc).__name__}: {exc}".splitlines()[0])
            admin.dispose()
            continue

        def drop(admin: Any = admin) -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False), drop
    raise SystemExit("cannot create a benchmark database:\n  " + "\n  ".join(problems))


def machine_busy(seconds: float = 1.0) -> float | None:
    """Share of all CPUs busy with anything over ``seconds`` (Linux /proc/stat), else None.

    Sampled before each run, while nothing of the benchmark's is working: on a shared machine
    another job's load makes the figures meaningless, and this says so.
    """

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:9]]  # user … steal
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    try:
        total, idle = sample()
        time.sleep(seconds)
        total2, idle2 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (idle2 - idle) / (total2 - total) if total2 > total else 0.0
