"""/status composition on a large database: 1,000,000 items in 200,000 stories, on SQLite and PostgreSQL.

    python benchmarks/status.py [--stories 200000] [--runs 50] [--only sqlite|postgresql]
                                [--pg-url URL] [--explain] [--keep] [--json]

For each database: the schema is built by the migrations (``db.migrate.upgrade``: the indexes are
the ones production has), then a generated, deterministic data set is bulk-loaded (SQLite:
``executemany`` in one transaction with ``synchronous=OFF``; PostgreSQL: ``COPY``), then
``/status`` is composed end to end as the bot composes it, ``db.call(status_text, region, now,
tz)``: resolve the region, ``status_facts`` (the queries), ``compose_status``, ``render_status``.
Each region gets 3 warm-up runs, then ``--runs`` timed ones; p50/p95/max are reported per region
and overall. Goal: p95 <= 50 ms.

The data, relative to a fixed now (2026-11-25 12:00 UTC):

- 45 feeds (last_success_at a few minutes before now);
- ``--stories`` stories (default 200,000) first seen uniformly over the 365 days before now, ids
  in order of first_seen (as the clusterer creates them); each is "about" 1-3 countries drawn
  from 15 with a skewed weight (UA, RU busiest; EE, MD, GE, SE quietest), has 1-2 topics, a
  severity low/medium/high ~70/25/5 %, last_seen 0-72 h after first_seen (most stories short);
- story_tags: one row per region (kind "region") and topic (kind "topic") of each story, with
  the story's first/last seen;
- 5 x stories items (default 1,000,000): each story has 1 + Poisson(4) of them (exactly 5 x
  stories in all), on random feeds (``source_count`` = distinct feeds), published between the
  story's first and last seen, with guid, title, summary, hash, severity, classified_at;
- item_tags is left EMPTY: ``status_facts`` never reads it (stories and story_tags carry what
  /status needs).

SQLite is measured without ``ANALYZE`` (the bot never runs it, so production has no sqlite_stat1);
``--sqlite-analyze`` runs it after the load. PostgreSQL is ``ANALYZE``d after the load (what
autovacuum does on a running server). PostgreSQL: a database ``briefbot_bench_status`` is
created through ``--pg-url`` (an AUTOCOMMIT connection) and dropped at the end unless ``--keep``.
``--explain`` prints the plan of every query ``status_facts`` runs, once, for each database.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.briefing_cli import status_text  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import Database  # noqa: E402

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Vilnius")
GOAL_P95_MS = 50.0
REGIONS = ("ukraine", "lithuania", "estonia", "moldova", "baltics", "poland")
WARMUP = 3
FEEDS = 45
ITEMS_PER_STORY = 5
PG_DATABASE = "briefbot_bench_status"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: countries and how often a story is about them (relative weights)
COUNTRY_WEIGHTS = {
    "UA": 30, "RU": 22, "PL": 8, "LT": 6, "LV": 5, "BY": 6, "DE": 4, "US": 5,
    "FI": 3, "RO": 3, "GB": 3, "EE": 2.5, "MD": 2, "SE": 2, "GE": 2,
}  # fmt: skip
TOPICS = ("border", "military", "migration", "hybrid", "diplomacy")
TOPIC_WEIGHTS = (25, 35, 15, 15, 10)
SEVERITIES = ("low", "medium", "high")
SEVERITY_WEIGHTS = (70, 25, 5)
LANGUAGES = ("en", "lt", "lv", "et", "pl", "uk", "ru", "de", "fi")
WORDS = [
    "border",
    "guards",
    "report",
    "drones",
    "over",
    "the",
    "frontier",
    "near",
    "the",
    "crossing",
    "ministry",
    "says",
    "exercises",
    "troops",
    "airspace",
    "violation",
    "migrants",
    "detained",
    "sanctions",
    "embassy",
    "talks",
    "cyber",
    "attack",
    "railway",
    "sabotage",
    "suspected",
    "officials",
    "confirmed",
    "incident",
    "investigation",
    "naval",
    "patrol",
]


# -- the data --------------------------------------------------------------------------------


def ts(seconds: float) -> str:
    """UTC text as SQLAlchemy's SQLite DATETIME stores it (and PostgreSQL parses, with '+00')."""
    whole = math.floor(seconds)
    micro = int((seconds - whole) * 1_000_000)
    return f"{datetime.fromtimestamp(whole, UTC):%Y-%m-%d %H:%M:%S}.{micro:06d}"


class Dataset:
    """Deterministic story skeletons; rows are generated from them on demand (twice: one pass per
    database, so nothing the size of the items table is held in memory)."""

    def __init__(self, stories: int, seed: int = 20261125) -> None:
        rng = random.Random(seed)
        now = NOW.timestamp()
        year = 365 * 86400
        self.n = stories
        self.first = sorted(now - rng.random() * year for _ in range(stories))
        self.last = [min(now, f + rng.random() ** 3 * 72 * 3600) for f in self.first]
        codes, weights = list(COUNTRY_WEIGHTS), list(COUNTRY_WEIGHTS.values())
        self.regions: list[list[str]] = []
        self.topics: list[list[str]] = []
        for _ in range(stories):
            want = rng.choices((1, 2, 3), (60, 30, 10))[0]
            picked: list[str] = []
            while len(picked) < want:
                code = rng.choices(codes, weights)[0]
                if code not in picked:
                    picked.append(code)
            self.regions.append(picked)
            want = rng.choices((1, 2), (65, 35))[0]
            chosen: list[str] = []
            while len(chosen) < want:
                topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
                if topic not in chosen:
                    chosen.append(topic)
            self.topics.append(chosen)
        self.severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS, k=stories)
        self.item_count = [1] * stories
        for i in rng.choices(range(stories), k=(ITEMS_PER_STORY - 1) * stories):
            self.item_count[i] += 1
        # feeds of each story's items, fixed here so source_count is known before the items
        self.feed_seed = rng.randrange(1 << 30)
        self.source_count = [len(set(self._feeds(i))) for i in range(stories)]

    def _feeds(self, i: int) -> list[int]:
        rng = random.Random(self.feed_seed + i)
        return [rng.randrange(1, FEEDS + 1) for _ in range(self.item_count[i])]

    def feeds(self) -> Iterator[tuple[Any, ...]]:
        now = NOW.timestamp()
        for f in range(1, FEEDS + 1):
            url = f"https://feed{f}.example.org/rss"
            yield (
                f, url, url, f"Feed {f}", LANGUAGES[f % len(LANGUAGES)], json.dumps([]), 900, "file", 1,
                0, ts(now - 60 - f * 7), ts(now - 60 - f * 7), 200, ts(now + 600), f"Feed {f}", ts(now - 400 * 86400),
            )  # fmt: skip

    FEED_COLUMNS = (
        "id, url, origin_url, name, language, regions, interval, source, enabled, consecutive_errors, "
        "last_fetched_at, last_success_at, last_status, next_fetch_at, title, created_at"
    )

    def stories(self) -> Iterator[tuple[Any, ...]]:
        for i in range(self.n):
            sid = i + 1
            title = f"{' '.join(WORDS[(sid * k) % len(WORDS)] for k in (3, 5, 7, 11, 13, 17))} #{sid}"
            yield (
                sid, f"story-{sid:012d}", title.capitalize(), f"https://news.example.org/{sid}",
                ts(self.first[i]), ts(self.last[i]), json.dumps(self.regions[i]), json.dumps(self.topics[i]),
                self.item_count[i], self.source_count[i], self.severity[i], "{}",
                ts(self.first[i] + 90), ts(self.last[i] + 90),
            )  # fmt: skip

    STORY_COLUMNS = (
        "id, key, title, url, first_seen_at, last_seen_at, regions, topics, item_count, "
        "source_count, severity, state, created_at, updated_at"
    )

    def story_tags(self) -> Iterator[tuple[Any, ...]]:
        tid = 0
        for i in range(self.n):
            first, last = ts(self.first[i]), ts(self.last[i])
            for kind, values in (("region", self.regions[i]), ("topic", self.topics[i])):
                for value in values:
                    tid += 1
                    yield (tid, i + 1, kind, value, first, last)

    STORY_TAG_COLUMNS = "id, story_id, kind, value, first_seen_at, last_seen_at"

    def items(self) -> Iterator[tuple[Any, ...]]:
        iid = 0
        nwords = len(WORDS)
        for i in range(self.n):
            sid = i + 1
            first, span = self.first[i], self.last[i] - self.first[i]
            count = self.item_count[i]
            for k, feed in enumerate(self._feeds(i)):
                iid += 1
                published = first + (span * k / (count - 1) if count > 1 else 0.0)
                fetched = min(published + 120 + (iid % 600), NOW.timestamp())
                words = " ".join(WORDS[(iid * p) % nwords] for p in (3, 7, 11, 13, 19, 23))
                yield (
                    iid, feed, f"urn:bench:{iid}", f"https://feed{feed}.example.org/a/{iid}",
                    words.capitalize(), f"{words}. {words}.", LANGUAGES[feed % len(LANGUAGES)],
                    ts(published), ts(fetched), f"{iid:064x}", sid,
                    self.severity[i] if k == 0 else "low", ts(fetched + 1),
                )  # fmt: skip

    ITEM_COLUMNS = (
        "id, feed_id, guid, url, title, summary, language, published_at, fetched_at, "
        "content_hash, story_id, severity, classified_at"
    )

    def tables(self) -> list[tuple[str, str, Iterator[tuple[Any, ...]]]]:
        return [
            ("feeds", self.FEED_COLUMNS, self.feeds()),
            ("stories", self.STORY_COLUMNS, self.stories()),
            ("story_tags", self.STORY_TAG_COLUMNS, self.story_tags()),
            ("items", self.ITEM_COLUMNS, self.items()),
        ]


# -- loading -----------------------------------------------------------------------------------


def batches(rows: Iterator[tuple[Any, ...]], size: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_sqlite(path: Path, data: Dataset, analyze: bool) -> dict[str, int]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB for the index b-trees during the load
        conn.execute("BEGIN")
        counts = {}
        for table, columns, rows in data.tables():
            marks = ", ".join("?" * (columns.count(",") + 1))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            n = 0
            for batch in batches(rows):
                conn.executemany(sql, batch)
                n += len(batch)
            counts[table] = n
        conn.execute("COMMIT")
        if analyze:
            conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return counts


def load_postgresql(url: str, data: Dataset) -> dict[str, int]:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    counts = {}
    with psycopg.connect(dsn) as conn:
        conn.execute("SET TIME ZONE 'UTC'")  # the generated times are UTC without an offset
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        with conn.cursor() as cur:
            for table, columns, rows in data.tables():
                n = 0
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for batch in batches(rows):
                        # generated text has no tab, newline, backslash or NULL: nothing to escape
                        copy.write("".join("\t".join(map(str, row)) + "\n" for row in batch))
                        n += len(batch)
                counts[table] = n
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return counts


def create_pg_database(admin_url: str, name: str) -> str:
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# -- measuring ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def figures(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "max_ms": round(max(values), 2),
    }


def measure(db: Database, runs: int) -> dict[str, Any]:
    per_region: dict[str, dict[str, Any]] = {}
    every: list[float] = []
    for region in REGIONS:
        for _ in range(WARMUP):
            db.call(status_text, region, NOW, TZ)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            db.call(status_text, region, NOW, TZ)
            times.append((time.perf_counter() - start) * 1000)
        every.extend(times)
        per_region[region] = figures(times)
    return {"regions": per_region, "overall": figures(every)}


def explain(db: Database, region: str) -> list[str]:
    """The plan of each statement ``status_text`` runs for ``region``."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.call(status_text, region, NOW, TZ)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    out = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            out.append("  " + " ".join(statement.split())[:300])
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            for row in rows:
                out.append(
                    "      " + (" ".join(str(v) for v in row[-1:]) if db.dialect == "sqlite" else row[0])
                )
    return out


def bench(kind: str, args: argparse.Namespace, data: Dataset, workdir: Path) -> dict[str, Any]:
    if kind == "sqlite":
        path = workdir / "status.db"
        url = f"sqlite:///{path}"
    else:
        url = create_pg_database(args.pg_url, PG_DATABASE)
    db = Database(url)
    try:
        start = time.perf_counter()
        migrate.upgrade(db.engine)
        db.engine.dispose()
        if kind == "sqlite":
            counts = load_sqlite(path, data, args.sqlite_analyze)
        else:
            counts = load_postgresql(url, data)
        load_s = time.perf_counter() - start
        result: dict[str, Any] = {"database": kind, "load_s": round(load_s, 1), "rows": counts}
        if kind == "sqlite":
            result["size_mb"] = round(sum(p.stat().st_size for p in workdir.glob("status.db*")) / 1e6)
        if not args.json:
            print(f"[{kind}] loaded in {load_s:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        if args.explain:
            for region in ("ukraine", "baltics"):
                plan = explain(db, region)
                result.setdefault("explain", {})[region] = plan
                if not args.json:
                    print(f"[{kind}] plans for {region}:")
                    print("\n".join(plan))
        result.update(measure(db, args.runs))
        result["goal_ok"] = result["overall"]["p95_ms"] <= GOAL_P95_MS
        return result
    finally:
        db.close()
        if kind == "postgresql" and not args.keep:
            drop_pg_database(args.pg_url, PG_DATABASE)


def report(result: dict[str, Any], runs: int) -> str:
    lines = [f"[{result['database']}] /status composition, {runs} runs per region after {WARMUP} warm-up:"]
    for region, f in [*result["regions"].items(), ("overall", result["overall"])]:
        lines.append(
            f"  {region:<10} p50 {f['p50_ms']:7.2f} ms   p95 {f['p95_ms']:7.2f} ms   max {f['max_ms']:7.2f} ms"
        )
    verdict = "ok" if result["goal_ok"] else "MISSED"
    lines.append(
        f"{result['database']}: load {result['load_s']:.1f} s, /status p50 {result['overall']['p50_ms']:.2f} ms, "
        f"p95 {result['overall']['p95_ms']:.2f} ms; goal p95 <= {GOAL_P95_MS:.0f} ms: {verdict}"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--stories", type=int, default=200_000, help="stories (items: 5 x as many); default 200,000"
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per region (default 50)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only (default: both)")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        metavar="URL",
        help=f"a PostgreSQL database to connect to for CREATE/DROP DATABASE {PG_DATABASE} (default {DEFAULT_PG_URL})",
    )
    parser.add_argument(
        "--sqlite-analyze", action="store_true", help="ANALYZE the SQLite database after the load"
    )
    parser.add_argument("--explain", action="store_true", help="print the plan of each /status query once")
    parser.add_argument("--keep", action="store_true", help=f"keep the PostgreSQL database {PG_DATABASE}")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    data = Dataset(args.stories)
    generate_s = time.perf_counter() - start
    if not args.json:
        print(f"story skeletons generated in {generate_s:.1f} s ({args.stories:,} stories)")
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    results = []
    with tempfile.TemporaryDirectory(prefix="briefbot-status-") as tmp:
        for kind in kinds:
            result = bench(kind, args, data, Path(tmp))
            results.append(result)
            if not args.json:
                print(report(result, args.runs))
    if args.json:
        print(json.dumps({"stories": args.stories, "generate_s": round(generate_s, 1), "results": results}))
    return 0 if all(r["goal_ok"] for r in results) else 3


if __name__ == "__main__":
    sys.exit(main())
