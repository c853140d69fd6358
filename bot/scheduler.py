"""The polling schedule (APScheduler). Edge: jobs are one-liners into the orchestration.

A tick every ``TICK_SECONDS`` polls the feeds whose own next-fetch time has come; each feed's
time is in the database (interval, backoff, Retry-After), so a restart loses nothing and feeds
drift apart instead of being polled all at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.ingest import Poller

TICK_SECONDS = 15  # how late a due feed may be picked up; cheap: one indexed query per tick
POLL_JOB_ID = "poll-due-feeds"


def build_scheduler(poller: Poller, poll_interval: int) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        poller.poll_due,
        IntervalTrigger(seconds=min(TICK_SECONDS, poll_interval), timezone=UTC),
        id=POLL_JOB_ID,
        name="poll due feeds",
        next_run_time=datetime.now(UTC),  # start at once
        max_instances=1,  # a slow cycle is never overlapped by the next tick
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler
