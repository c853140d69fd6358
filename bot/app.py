"""Composition root: the one place that builds the database, HTTP client, process pool and
scheduler, and wires them together (like reader's ``make_reader()``). Nothing else constructs them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot import feeds as feed_list
from bot import heap
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import BriefbotError, StorageError
from bot.fetch import Fetcher, FetchLimits
from bot.ingest import Poller
from bot.scheduler import HousekeepingJob, PollJob, add_housekeeping, build_scheduler
from db import migrate
from db.engine import Database, redacted
from db.queries import feeds as feed_queries

log = logging.getLogger(__name__)

NO_TOKEN_HINT = (
    "Telegram is off: no TELEGRAM_BOT_TOKEN. Briefbot polls and stores; `briefbot status lithuania` "
    "and `briefbot feeds` show the results. To add the bot, put TELEGRAM_BOT_TOKEN=<token from "
    "@BotFather> in .env and restart."
)


def open_database(settings: Settings) -> Database:
    """Open the configured database and bring its schema to the newest migration."""
    db = Database(settings.sqlalchemy_url)
    try:
        migrate.upgrade(db.engine)
    except OperationalError as exc:
        db.close()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise StorageError(
            f"cannot open the database {redacted(settings.sqlalchemy_url)}: {reason}"
        ) from None
    except SQLAlchemyError as exc:
        db.close()
        raise StorageError(
            f"cannot migrate the database {redacted(settings.sqlalchemy_url)}: {exc}"
        ) from None
    log.info("db.ready url=%s", redacted(settings.sqlalchemy_url))
    return db


def sync_feeds(settings: Settings, db: Database, clock: Clock) -> dict[str, int]:
    """Read feeds.yaml (raising ``FeedListError`` with every problem) and store it."""
    specs = feed_list.load(settings.feeds_path)
    counts = db.call(feed_queries.sync_feed_list, specs, clock.now())
    log.info(
        "feeds.synced path=%s listed=%d %s",
        settings.feeds_path,
        len(specs),
        " ".join(f"{k}={v}" for k, v in counts.items()),
    )
    return counts


@dataclass
class Services:
    settings: Settings
    db: Database
    fetcher: Fetcher
    poller: Poller
    clock: Clock


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Parsing is CPU-bound (feedparser is pure Python): one process per core keeps the event loop
    and the database thread free. ``spawn`` so no lock held by a thread is ever forked."""
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn")
    )


@asynccontextmanager
async def services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    fetch_limits: FetchLimits | None = None,
    parse_workers: int | None = None,
    db: Database | None = None,
) -> AsyncIterator[Services]:
    """Everything a poll needs, opened and closed together. The database must be migrated."""
    clock = clock or SystemClock()
    own_db = db is None
    database = db or open_database(settings)
    pool = parse_pool(parse_workers) if parse_workers != 0 else None
    fetcher = Fetcher(fetch_limits, now=clock.now, allow_private=settings.allow_private_feeds)
    try:
        poller = Poller(
            db=database,
            fetcher=fetcher,
            clock=clock,
            default_interval=settings.poll_interval,
            parse_executor=pool,
        )
        # Items stored before stories existed (or by an older version) join stories now.
        await database.run(poller.stories.backfill, clock.now())
        yield Services(settings, database, fetcher, poller, clock)
    finally:
        await fetcher.aclose()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if own_db:
            database.close()


ROLES = ("all", "poller", "bot")


async def start_metrics(settings: Settings, db: Database, clock: Clock, *, polling: bool):  # type: ignore[no-untyped-def]
    """The /healthz and /metrics server (bot/metrics.py), its facts read from the database."""
    from bot.metrics import Facts, MetricsServer
    from db.queries import deliveries as ledger

    async def facts() -> Facts:
        ok, failing, disabled, last = await db.read(feed_queries.health_facts)
        backlog, stories = await db.read(ledger.backlog_and_stories)
        return Facts(True, last, ok, failing, disabled, backlog, stories)

    server = MetricsServer(facts, clock.now, settings.poll_interval, polling=polling)
    await server.start(settings.metrics_host, settings.metrics_port or 0)
    return server


async def run(
    settings: Settings,
    *,
    role: str = "all",
    stop: asyncio.Event | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """``briefbot run``: migrate, sync feeds.yaml, then poll on schedule and (with a token) answer
    in Telegram and send digests and alerts, until stopped. ``role`` splits the work between
    processes: ``poller`` only polls, ``bot`` only talks and sends, ``all`` does both."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if role == "bot" and settings.token is None:
        raise BriefbotError("--role bot needs TELEGRAM_BOT_TOKEN: it answers in Telegram and sends digests")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    polls = role in ("all", "poller")
    talks = role in ("all", "bot") and settings.token is not None
    async with services(settings, parse_workers=None if polls else 0) as svc:
        job = None
        if polls:
            sync_feeds(settings, svc.db, svc.clock)
            job = PollJob(svc.poller)
        scheduler = build_scheduler(job, settings.poll_interval)
        if polls:
            add_housekeeping(scheduler, HousekeepingJob(svc.db, svc.clock, settings.retention_days))
        scheduler.start()
        log.info("run.started role=%s interval=%ds", role, settings.poll_interval)
        telegram = None
        delivery = None
        metrics_server = None
        try:
            if settings.metrics_port is not None:
                metrics_server = await start_metrics(settings, svc.db, svc.clock, polling=polls)
                announce(
                    f"Health and metrics on http://{settings.metrics_host}:{settings.metrics_port}/healthz "
                    "and /metrics."
                )
            if role == "poller":
                announce(
                    "Role poller: polling feeds only; the bot and deliveries run in `briefbot run --role bot`."
                )
            elif not talks:
                announce(NO_TOKEN_HINT)
            else:
                from bot.delivery import Deliverer
                from bot.scheduler import DeliveryJob, add_delivery
                from bot.telegram_app import build_application, start_bot
                from handlers.common import Deps

                telegram = build_application(settings, Deps(svc.db, settings, svc.clock))
                announce(await start_bot(telegram, settings))
                delivery = DeliveryJob(
                    Deliverer(
                        telegram.bot,
                        svc.db,
                        svc.clock,
                        admin_ids=settings.admin_ids,
                        lease=timedelta(seconds=settings.delivery_lease),
                    )
                )
                add_delivery(scheduler, delivery)
            heap.settle()  # everything start-up built stays: later collections skip it (bot/heap.py)
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            if metrics_server is not None:
                await metrics_server.stop()
            if delivery is not None:
                await delivery.stop()
            if telegram is not None:
                from bot.telegram_app import stop_bot

                await stop_bot(telegram)
            if job is not None:
                await job.stop()
            log.info("run.stopped")
