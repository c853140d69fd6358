"""The polling schedule (APScheduler). Edge: jobs are one-liners into the orchestration.

A tick every ``TICK_SECONDS`` polls the feeds whose own next-fetch time has come; each feed's
time is in the database (interval, backoff, Retry-After), so a restart loses nothing and feeds
drift apart instead of being polled all at once.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import heap
from bot.clock import Clock
from bot.errors import StorageError
from bot.ingest import Poller
from db.engine import Database
from db.queries import housekeeping

if TYPE_CHECKING:
    from bot.delivery import Deliverer

log = logging.getLogger(__name__)

TICK_SECONDS = 15  # how late a due feed may be picked up; cheap: one indexed query per tick
POLL_JOB_ID = "poll-due-feeds"


class PollJob:
    """The scheduled job: one poll of the due feeds, never two at once, stoppable mid-way."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self._running: asyncio.Task[object] | None = None

    async def run(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.poller.poll_due()
        except StorageError as exc:
            # The database is down or refusing: skip this tick, the next one tries again.
            log.error("poll.skipped reason=%s", exc)
        finally:
            self._running = None

    async def stop(self) -> None:
        """Cancel a poll in progress. What was stored stays; what was not is fetched again."""
        task = self._running
        if task is not None and not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


DELIVERY_SECONDS = 10  # digests are due on the minute; alerts go out within a poll + this
DELIVERY_JOB_ID = "deliver"


class DeliveryJob:
    """The scheduled sending: plan digests and alerts that are due, send them, never two at once."""

    def __init__(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer
        self._running: asyncio.Task[object] | None = None

    async def run(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.deliverer.tick()
        except StorageError as exc:
            log.error("delivery.skipped reason=%s", exc)
        finally:
            self._running = None

    async def stop(self) -> None:
        """Cancel sending in progress: a delivery claimed but not marked is sent again after its
        lease (at most that one message twice)."""
        task = self._running
        if task is not None and not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


def add_delivery(scheduler: AsyncIOScheduler, job: DeliveryJob) -> None:
    scheduler.add_job(
        job.run,
        IntervalTrigger(seconds=DELIVERY_SECONDS, timezone=UTC),
        id=DELIVERY_JOB_ID,
        name="send due digests and alerts",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


HOUSEKEEPING_JOB_ID = "housekeeping"


class HousekeepingJob:
    """Hourly: delete what is older than the retention (db/queries/housekeeping.py)."""

    def __init__(self, db: Database, clock: Clock, retention_days: int) -> None:
        self.db, self.clock, self.retention_days = db, clock, retention_days

    async def run(self) -> None:
        try:
            gone = await self.db.run(housekeeping.prune, self.clock.now(), self.retention_days)
        except StorageError as exc:
            log.error("housekeeping.skipped reason=%s", exc)
            return
        if any(gone.values()):
            log.info("housekeeping.pruned %s", " ".join(f"{k}={v}" for k, v in gone.items()))


def add_housekeeping(scheduler: AsyncIOScheduler, job: HousekeepingJob) -> None:
    scheduler.add_job(
        job.run,
        IntervalTrigger(hours=1, timezone=UTC),
        id=HOUSEKEEPING_JOB_ID,
        name="prune old items, stories and deliveries",
        next_run_time=datetime.now(UTC) + timedelta(minutes=1),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


HEAP_JOB_ID = "settle-heap"


async def settle_heap() -> None:
    """bot/heap.py, on the event loop (a plain function would run in APScheduler's threads)."""
    heap.settle()


def build_scheduler(job: PollJob | None, poll_interval: int) -> AsyncIOScheduler:
    """The scheduler, with the polling job unless ``job`` is None (``--role bot``), and the
    hourly heap settling (bot/heap.py) in every role."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        settle_heap,
        IntervalTrigger(hours=1, timezone=UTC),
        id=HEAP_JOB_ID,
        name="settle the heap (short garbage-collection pauses)",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    if job is None:
        return scheduler
    scheduler.add_job(
        job.run,  # a bound coroutine function: APScheduler awaits it on the event loop
        IntervalTrigger(seconds=min(TICK_SECONDS, poll_interval), timezone=UTC),
        id=POLL_JOB_ID,
        name="poll due feeds",
        next_run_time=datetime.now(UTC),  # start at once
        max_instances=1,  # a slow cycle is never overlapped by the next tick
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler
