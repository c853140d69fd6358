"""Short garbage-collection pauses for a long-running process. Edge (process-wide state).

CPython's full collection walks every object that survived earlier ones: after start-up (the
bot, the database layer, lexicons, CLDR data, open stories) that is a few hundred thousand
objects, and a full collection took ~100 ms every few seconds while digests were being sent,
each one a stall of the event loop that the rate limiter cannot make up without risking a
burst beyond Telegram's limit (benchmarks/fanout.py: 93.5 % of 30/s; settled: 96 %).

:func:`settle` collects, then moves everything alive into the permanent generation
(``gc.freeze``), which collections skip; objects allocated later are collected as usual.
``briefbot run`` settles once started and then hourly (bot/scheduler.py), unfreezing first,
so objects that became garbage since the last settle are collected rather than kept.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle() -> None:
    """Collect everything, then exempt the survivors from later collections."""
    start = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    log.debug(
        "heap.settled objects=%d in %.0f ms", gc.get_freeze_count(), (time.perf_counter() - start) * 1000
    )


__all__ = ["settle"]
