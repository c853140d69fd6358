"""The polling schedule (APScheduler). Edge: jobs are one-liners into the orchestration.

A tick every ``TICK_SECONDS`` polls the feeds whose own next-fetch time has come; each feed's
time is in the database (interval, backoff, Retry-After), so a restart loses nothing and feeds
drift apart instead of being polled all at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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


class _SingleRun:
    """A scheduled job that never runs twice at once and can be stopped mid-way; a database
    that is down or refusing skips the tick (the next one tries again)."""

    skipped = "job.skipped"  #: the log event of a skipped tick

    def __init__(self) -> None:
        self._running: asyncio.Task[object] | None = None

    async def _work(self) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self._work()
        except StorageError as exc:
            log.error("%s reason=%s", self.skipped, exc)
        finally:
            self._running = None

    async def stop(self) -> None:
        """Cancel the run in progress."""
        task = self._running
        if task is not None and not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


class PollJob(_SingleRun):
    """One poll of the due feeds. Stopped mid-way, what was stored stays and what was not is
    fetched again."""

    skipped = "poll.skipped"

    def __init__(self, poller: Poller) -> None:
        super().__init__()
        self.poller = poller

    async def _work(self) -> None:
        await self.poller.poll_due()


DELIVERY_SECONDS = 10  # digests are due on the minute; alerts go out within a poll + this
DELIVERY_JOB_ID = "deliver"


class DeliveryJob(_SingleRun):
    """Plan digests and alerts that are due and send them. Stopped mid-way, a delivery claimed
    but not marked is sent again after its lease (at most that one message twice)."""

    skipped = "delivery.skipped"

    def __init__(self, deliverer: Deliverer) -> None:
        super().__init__()
        self.deliverer = deliverer

    async def _work(self) -> None:
        await self.deliverer.tick()


def _every(
    scheduler: AsyncIOScheduler,
    run: Callable[[], Awaitable[None]],
    interval: timedelta,
    job_id: str,
    name: str,
    first: datetime | None = None,
) -> None:
    """Add ``run`` (a coroutine function: APScheduler awaits it on the event loop) every
    ``interval``: never two at once (a slow run is not overlapped by the next tick), missed
    ticks coalesced into one, and none dropped for being late."""
    scheduler.add_job(
        run,
        IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC),
        id=job_id,
        name=name,
        # None would add the job paused: without ``first`` the trigger decides (an interval on)
        **({"next_run_time": first} if first is not None else {}),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


def add_delivery(scheduler: AsyncIOScheduler, job: DeliveryJob) -> None:
    _every(
        scheduler,
        job.run,
        timedelta(seconds=DELIVERY_SECONDS),
        DELIVERY_JOB_ID,
        "send due digests and alerts",
        first=datetime.now(UTC),
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
    _every(
        scheduler,
        job.run,
        timedelta(hours=1),
        HOUSEKEEPING_JOB_ID,
        "prune old items, stories and deliveries",
        first=datetime.now(UTC) + timedelta(minutes=1),
    )


HEAP_JOB_ID = "settle-heap"


async def settle_heap() -> None:
    """bot/heap.py, on the event loop (a plain function would run in APScheduler's threads)."""
    heap.settle()


def build_scheduler(job: PollJob | None, poll_interval: int) -> AsyncIOScheduler:
    """The scheduler, with the polling job unless ``job`` is None (``--role bot``), and the
    hourly heap settling (bot/heap.py) in every role."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    _every(
        scheduler,
        settle_heap,
        timedelta(hours=1),
        HEAP_JOB_ID,
        "settle the heap (short garbage-collection pauses)",
    )
    if job is not None:
        interval = timedelta(seconds=min(TICK_SECONDS, poll_interval))
        _every(scheduler, job.run, interval, POLL_JOB_ID, "poll due feeds", first=datetime.now(UTC))
    return scheduler
