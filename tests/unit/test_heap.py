"""bot.heap.settle: survivors are exempt from later collections, and garbage made of them is
still collected at the next settle."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot import heap
from bot.scheduler import HEAP_JOB_ID, build_scheduler


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_settled_objects_are_skipped_by_collections_until_the_next_settle():
    node = Node()
    alive = weakref.ref(node)
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert node not in gc.get_objects()  # in the permanent generation, which collections skip
    del node
    gc.collect()
    assert alive() is not None  # frozen: even a full collection leaves the cycle alone
    heap.settle()
    assert alive() is None  # the next settle unfreezes first, so it is collected


async def test_every_role_settles_the_heap_hourly():
    scheduler = build_scheduler(None, 30)  # --role bot: no polling job
    job = scheduler.get_job(HEAP_JOB_ID)
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    scheduler.start()
    try:
        assert scheduler.get_job(HEAP_JOB_ID).next_run_time is not None  # scheduled, not paused
    finally:
        scheduler.shutdown(wait=False)
    gc.unfreeze()
    await job.func()  # on the event loop, not in APScheduler's threads
    assert gc.get_freeze_count() > 0
