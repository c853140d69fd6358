"""End-to-end ingest benchmark: a loopback farm of N feeds x M items, polled by the real Poller.

    python benchmarks/ingest.py [--feeds 200] [--items 50] [--database-url URL] [--workers N] [--json]

Cold pass: every feed is new (fetch, then parse and classify in the process pool, then store),
and every item must be stored exactly once. Warm pass: the same feeds again, every one answered 304. Then the peak
memory of this process and of the largest parse worker. ``--runs K`` repeats it all K times
(a new database each time) and reports medians: on a shared VM single runs vary by +-30 %.
See benchmarks/README.md.

``farm`` is the sibling module benchmarks/farm.py (run as a script, benchmarks/ is sys.path[0]).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchenv import machine_busy, prepare_database
from farm import FeedFarm
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from bot.app import open_database, services, sync_feeds
from bot.clock import SystemClock
from bot.config import load_settings
from bot.domain import FetchStatus
from bot.fetch import FetchLimits
from bot.ingest import PollSummary
from db.engine import Database
from db.models import Feed, Item
from db.queries import feeds as feed_queries

# The team's targets on the 2-core reference machine (200 feeds x 50 items).
TARGET_COLD_ITEMS_PER_S = 1600
TARGET_WARM_SECONDS = 0.4
TARGET_MEMORY_MB = 200
#: Share of the machine's CPU busy before a run above which the figures are flagged as unreliable.
BUSY_WARNING = 0.15


class BenchmarkFailure(Exception):
    """The run did not do what it must (items lost or duplicated, a feed failed): figures are void."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200, help="feeds in the farm (default 200)")
    parser.add_argument("--items", type=int, default=50, help="items per feed (default 50)")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="postgresql://user@host:port/db: a database briefbot_bench_<random> is created on that "
        "server for each run and dropped after it; sqlite:///path: a file that must not exist yet, "
        "deleted after each run (default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parse processes (default: one per core, as in production); 0 parses on a thread",
    )
    parser.add_argument("--runs", type=int, default=1, help="repeat the measurement; medians are reported")
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="spread the feeds over 127.0.0.1..127.0.0.N (default 1, so FetchLimits.per_host caps "
        "the fetches in flight)",
    )
    parser.add_argument("--gzip", action="store_true", help="the farm serves gzip-compressed bodies")
    parser.add_argument("--concurrency", type=int, help="override FetchLimits.concurrency")
    parser.add_argument("--per-host", type=int, help="override FetchLimits.per_host")
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the start-up step (start the parse processes, poll a few tiny warm-up feeds once): "
        "its one-off costs, such as each worker loading the classifier data, then land in the cold pass",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to SECONDS for other processes to leave the CPUs idle",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--check", action="store_true", help="exit with status 3 when a target is missed")
    args = parser.parse_args(argv)
    if args.feeds < 1 or args.items < 1 or args.runs < 1:
        parser.error("--feeds, --items and --runs must be at least 1")
    if args.workers is not None and args.workers < 0:
        parser.error("--workers must be 0 or more")
    if args.database_url:
        try:
            backend = make_url(args.database_url).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in ("sqlite", "postgresql"):
            parser.error("--database-url must be sqlite:///path or postgresql://user@host/db")
    return args


def _stored_counts(session: Session) -> tuple[int, int, dict[int, int]]:
    """Rows, distinct (feed, guid) pairs and rows per feed in ``items``, for the enabled feeds
    (the warm-up feeds are disabled once used)."""
    measured = Item.feed_id.in_(select(Feed.id).where(Feed.enabled.is_(True)))
    total = session.scalar(select(func.count(Item.id)).where(measured)) or 0
    pairs = select(Item.feed_id, Item.guid).where(measured).distinct().subquery()
    distinct = session.scalar(select(func.count()).select_from(pairs)) or 0
    per_feed = select(Item.feed_id, func.count(Item.id)).where(measured).group_by(Item.feed_id)
    return total, distinct, dict(session.execute(per_feed).all())


def _disable(session: Session, feed_ids: list[int]) -> None:
    session.execute(update(Feed).where(Feed.id.in_(feed_ids)).values(enabled=False))


# --- one run --------------------------------------------------------------------------------------


def _fail(what: str, details: Sequence[str] = ()) -> None:
    shown = list(details[:10]) + ([f"... and {len(details) - 10} more"] if len(details) > 10 else [])
    raise BenchmarkFailure("\n  ".join([what, *shown]))


def _problems(summary: PollSummary, expected: FetchStatus) -> list[str]:
    return [
        f"{o.name}: {o.status} {o.error or ''}".strip() for o in summary.outcomes if o.status is not expected
    ]


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _worker_ready(pause: float) -> int:
    """A job for the warm-up: the worker has started (and imported the pipeline) when it runs."""
    time.sleep(pause)
    return os.getpid()


async def _warm_pool(executor: Any, workers: int) -> float:
    """Start every parse process before the cold pass; returns the seconds it took.

    Spawned workers re-import this script, hence ``bot.app`` and everything the poller sends
    them; the first real job in each still pays any lazy set-up of its own.
    """
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    seen: set[int] = set()
    for _ in range(10):
        jobs = (loop.run_in_executor(executor, _worker_ready, 0.05) for _ in range(2 * workers))
        seen.update(await asyncio.gather(*jobs))
        if len(seen) >= workers:
            break
    return time.perf_counter() - started


async def _start_up(svc: Any, db: Database, farm: FeedFarm, workers: int) -> dict[str, float]:
    """Everything one-off, before the cold pass: start the parse processes, then poll the farm's
    warm-up feeds once (each worker loads what it loads lazily, e.g. classifier data; connections
    and statement caches fill), then disable those feeds. Returns the seconds each step took."""
    started = time.perf_counter()
    if workers:
        await _warm_pool(svc.poller.parse_executor, workers)
    pool_done = time.perf_counter()
    urls = set(farm.warmup_urls)
    warmup = [f for f in await db.run(feed_queries.feeds_to_poll) if f.url in urls]
    first = await svc.poller.poll(warmup)
    if bad := _problems(first, FetchStatus.OK):
        _fail(f"warm-up poll: {len(bad)} of {len(warmup)} feeds not OK", bad)
    await db.run(_disable, [f.id for f in warmup])
    return {"pool_seconds": pool_done - started, "first_poll_seconds": time.perf_counter() - pool_done}


async def _timed_poll(svc: Any, farm: FeedFarm) -> tuple[PollSummary, dict[str, float]]:
    served, cpu, started = farm.stats(), _cpu(), time.perf_counter()
    summary = await svc.poller.poll_all()
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    after = farm.stats()
    served = {k: after[k] - served[k] for k in after}
    return summary, {
        "seconds": seconds,
        "main_cpu_seconds": cpu,
        **{f"served_{k}": v for k, v in served.items()},
    }


def parse_workers(args: argparse.Namespace) -> int:
    return (os.cpu_count() or 1) if args.workers is None else args.workers


def warmup_feeds(args: argparse.Namespace) -> int:
    """Tiny extra feeds polled before the cold pass: two per worker, so each gets its first job."""
    return 0 if args.no_warmup else 2 * max(1, parse_workers(args))


async def measure(
    args: argparse.Namespace, farm: FeedFarm, database_url: str, workdir: Path
) -> dict[str, Any]:
    """One run against an empty database: cold pass, checks, warm pass, checks."""
    feeds_path = workdir / "feeds.yaml"
    feeds_path.write_text(farm.feeds_yaml(), encoding="utf-8")
    settings = load_settings(
        {"DATABASE_URL": database_url, "BRIEFBOT_FEEDS": str(feeds_path), "LOG_LEVEL": "WARNING"},
        env_file=None,
    )
    expected = args.feeds * args.items
    workers = parse_workers(args)
    overrides = {"concurrency": args.concurrency, "per_host": args.per_host}
    limits = dataclasses.replace(FetchLimits(), **{k: v for k, v in overrides.items() if v is not None})
    children_cpu = _cpu(resource.RUSAGE_CHILDREN)
    busy = machine_busy()

    db = open_database(settings)
    try:
        counts = sync_feeds(settings, db, SystemClock())
        if counts["added"] != args.feeds + farm.warmup:
            _fail(f"feed list sync added {counts['added']} feeds, expected {args.feeds + farm.warmup}")
        async with services(settings, db=db, parse_workers=workers, fetch_limits=limits) as svc:
            start_up = await _start_up(svc, db, farm, workers) if farm.warmup else None

            cold, cold_figures = await _timed_poll(svc, farm)
            if len(cold.outcomes) != args.feeds:
                _fail(f"cold pass: {len(cold.outcomes)} feeds polled, expected {args.feeds}")
            if bad := _problems(cold, FetchStatus.OK):
                _fail(f"cold pass: {len(bad)} of {args.feeds} feeds not OK", bad)
            total, distinct, per_feed = await db.run(_stored_counts)
            if cold.new_items != expected or total != expected or distinct != expected:
                _fail(
                    f"cold pass: expected {expected} items stored once each; the poll reported "
                    f"{cold.new_items} new, the items table has {total} rows ({distinct} distinct)"
                )
            if wrong := [f"feed #{f}: {n} items" for f, n in per_feed.items() if n != args.items]:
                _fail(f"cold pass: feeds without exactly {args.items} items", wrong)
            if cold_figures["served_200"] != args.feeds:
                _fail(f"cold pass: the farm served {cold_figures['served_200']} feeds, not {args.feeds}")

            warm, warm_figures = await _timed_poll(svc, farm)
            if len(warm.outcomes) != args.feeds:
                _fail(f"warm pass: {len(warm.outcomes)} feeds polled, expected {args.feeds}")
            if bad := _problems(warm, FetchStatus.NOT_MODIFIED):
                _fail(f"warm pass: {len(bad)} of {args.feeds} feeds not 304", bad)
            total_after, _, _ = await db.run(_stored_counts)
            if warm.new_items or total_after != expected:
                _fail(f"warm pass: {warm.new_items} new items; the items table now has {total_after} rows")
            if warm_figures["served_304"] != args.feeds or warm_figures["served_200"]:
                _fail(f"warm pass: the farm answered {warm_figures}, expected {args.feeds} x 304")
        dialect = db.dialect
    finally:
        db.close()
    # Parse processes count in RUSAGE_CHILDREN only once they have exited and been reaped, which
    # services() has done by now. The farm process is still running, so it is not counted.
    return {
        "database": dialect,
        "machine_busy_before": busy,
        "parse_workers": workers,
        "fetch_limits": {"concurrency": limits.concurrency, "per_host": limits.per_host},
        "start_up": start_up,
        "cold": {
            "items": cold.new_items,
            "items_per_s": cold.new_items / cold_figures["seconds"],
            **cold_figures,
        },
        "warm": {
            "feeds": len(warm.outcomes),
            "not_modified": warm.count(FetchStatus.NOT_MODIFIED),
            **warm_figures,
        },
        "parse_workers_cpu_seconds": _cpu(resource.RUSAGE_CHILDREN) - children_cpu if workers else None,
        "memory_mb": {
            "main_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "parse_worker_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if workers
            else None,
        },
    }


# --- summary ------------------------------------------------------------------------------------


def summarise(args: argparse.Namespace, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs (each figure on its own), the peak memory, and every run's figures."""

    def median(*path: str) -> float | None:
        values = [functools.reduce(lambda d, k: d[k], path, run) for run in runs]
        return None if None in values else round(statistics.median(values), 3)

    def spread(*path: str) -> list[float]:
        values = [functools.reduce(lambda d, k: d[k], path, run) for run in runs]
        return [round(min(values), 3), round(max(values), 3)]

    first = runs[0]
    result = {
        "feeds": args.feeds,
        "items_per_feed": args.items,
        "database": first["database"],
        "parse_workers": first["parse_workers"],
        "hosts": args.hosts,
        "gzip": args.gzip,
        "fetch_limits": first["fetch_limits"],
        "runs": len(runs),
        "machine_busy_before_max": None
        if None in (busy := [r["machine_busy_before"] for r in runs])
        else round(max(busy), 2),
        "start_up": None
        if first["start_up"] is None
        else {
            "warmup_feeds": warmup_feeds(args),
            "pool_seconds": median("start_up", "pool_seconds"),
            "first_poll_seconds": median("start_up", "first_poll_seconds"),
        },
        "cold": {
            "items": first["cold"]["items"],
            "seconds": median("cold", "seconds"),
            "items_per_s": round(statistics.median(r["cold"]["items_per_s"] for r in runs), 1),
            "items_per_s_range": spread("cold", "items_per_s"),
            "main_cpu_seconds": median("cold", "main_cpu_seconds"),
            "connections": median("cold", "served_connections"),
        },
        "warm": {
            "feeds": first["warm"]["feeds"],
            "not_modified": first["warm"]["not_modified"],
            "seconds": median("warm", "seconds"),
            "seconds_range": spread("warm", "seconds"),
            "main_cpu_seconds": median("warm", "main_cpu_seconds"),
            "connections": median("warm", "served_connections"),
        },
        "parse_workers_cpu_seconds": median("parse_workers_cpu_seconds"),
        "memory_mb": {
            key: None if first["memory_mb"][key] is None else round(max(r["memory_mb"][key] for r in runs), 1)
            for key in ("main_peak", "parse_worker_peak")
        },
        "per_run": [
            {
                "cold_seconds": round(r["cold"]["seconds"], 3),
                "cold_items_per_s": round(r["cold"]["items_per_s"], 1),
                "warm_seconds": round(r["warm"]["seconds"], 3),
                "machine_busy_before": r["machine_busy_before"] and round(r["machine_busy_before"], 2),
            }
            for r in runs
        ],
    }
    result["targets_met"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> dict[str, bool]:
    memory = max(v for v in result["memory_mb"].values() if v is not None)
    return {
        f"cold >= {TARGET_COLD_ITEMS_PER_S} items/s": result["cold"]["items_per_s"]
        >= TARGET_COLD_ITEMS_PER_S,
        f"warm < {TARGET_WARM_SECONDS} s": result["warm"]["seconds"] < TARGET_WARM_SECONDS,
        f"memory < {TARGET_MEMORY_MB} MB": memory < TARGET_MEMORY_MB,
    }


def report(result: dict[str, Any]) -> str:
    workers = result["parse_workers"]
    cold, warm, memory, limits = result["cold"], result["warm"], result["memory_mb"], result["fetch_limits"]
    setup = f"{workers} parse workers" if workers else "parsing on a thread"
    setup += f", {result['hosts']} hosts" if result["hosts"] > 1 else ""
    setup += ", gzip" if result["gzip"] else ""
    runs = result["runs"]
    cold_note = warm_note = ""
    if runs > 1:
        low, high = cold["items_per_s_range"]
        cold_note = f"  [median of {runs}; {low:.0f}-{high:.0f}]"
        low, high = warm["seconds_range"]
        warm_note = f"  [median of {runs}; {low:.2f}-{high:.2f} s]"
    workers_cpu = result["parse_workers_cpu_seconds"]
    lines = [
        f"ingest: {result['feeds']} feeds x {result['items_per_feed']} items, {result['database']}, {setup} "
        f"(fetch concurrency {limits['concurrency']}, per host {limits['per_host']})",
        f"cold:  {cold['items']} items in {cold['seconds']:.2f} s = {cold['items_per_s']:.0f} items/s{cold_note}",
        f"warm:  {warm['feeds']} feeds all 304 in {warm['seconds']:.2f} s{warm_note}",
        f"memory: main peak {memory['main_peak']:.0f} MB"
        + (f", parse workers peak {memory['parse_worker_peak']:.0f} MB" if workers else ""),
        f"cpu:   main {cold['main_cpu_seconds']:.2f} s cold, {warm['main_cpu_seconds']:.2f} s warm"
        + (f"; parse workers {workers_cpu:.2f} s (with their start-up)" if workers_cpu is not None else "")
        + f"; TCP connections: {cold['connections']:.0f} cold, {warm['connections']:.0f} warm",
    ]
    if (start := result["start_up"]) is not None:
        lines.append(
            "(before the cold pass: "
            + (f"parse pool start-up {start['pool_seconds']:.2f} s, " if workers else "")
            + f"first poll of {start['warmup_feeds']} tiny warm-up feeds {start['first_poll_seconds']:.2f} s)"
        )
    busy = result["machine_busy_before_max"]
    if busy is not None and busy > BUSY_WARNING:
        lines.append(
            f"WARNING: other processes kept the machine {busy:.0%} busy before a run: these figures "
            "measure the neighbours too; re-run on a quiet machine"
        )
    scale = "" if (result["feeds"], result["items_per_feed"]) == (200, 50) else " (set for 200 x 50)"
    verdicts = ", ".join(f"{k} {'ok' if ok else 'MISSED'}" for k, ok in result["targets_met"].items())
    lines.append(f"targets{scale}: {verdicts}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # The sentence encoder (~0.1 s per new item) would be all this measures: off unless asked
    # for with BRIEFBOT_ENCODER=on (benchmarks/README.md; its cost: docs/decisions/0004).
    os.environ.setdefault("BRIEFBOT_ENCODER", "off")
    if any(os.environ.get(v) for v in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")):
        print("warning: a proxy is set and httpx honours it; add 127.0.0.0/8 to NO_PROXY", file=sys.stderr)
    runs = []
    with (
        tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp,
        FeedFarm(
            args.feeds, args.items, warmup=warmup_feeds(args), hosts=args.hosts, use_gzip=args.gzip
        ) as farm,
    ):
        for number in range(args.runs):
            deadline = time.monotonic() + args.wait_quiet
            while time.monotonic() < deadline and (machine_busy() or 0) > BUSY_WARNING:
                pass  # machine_busy() sleeps while it samples
            workdir = Path(tmp, f"run{number}")
            workdir.mkdir()
            database_url, cleanup = prepare_database(args.database_url, workdir)
            try:
                runs.append(asyncio.run(measure(args, farm, database_url, workdir)))
            except BenchmarkFailure as exc:
                print(f"BENCHMARK FAILED (run {number + 1}): {exc}", file=sys.stderr)
                return 1
            except Exception as exc:  # the poll itself blew up: show where, then fail the same way
                traceback.print_exc()
                print(f"BENCHMARK FAILED (run {number + 1}): {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
            finally:
                cleanup()
    result = summarise(args, runs)
    print(json.dumps(result) if args.json else report(result))
    if args.check and not all(result["targets_met"].values()):
        return 3
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the databases and the farm are cleaned up on the way out
        print("interrupted", file=sys.stderr)
        sys.exit(130)
