"""When to fetch a feed next, and what to record after a fetch. Pure: decisions take ``now``.

The rules (README "Polling"):
- success (200 or 304): next fetch after the feed's interval, with ±10 % jitter so feeds added
  together drift apart; never sooner than the server's ``Cache-Control: max-age`` or
  ``Retry-After``;
- error: exponential backoff, 1 minute doubling per consecutive error up to 6 hours, jittered
  over the upper half of each step, and never sooner than ``Retry-After``;
- 410 Gone: disabled, not polled again until re-enabled.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bot.domain import FeedForUpdate, FeedUpdateIntent, FetchResult, FetchStatus

# Tuned numbers and where they come from.
JITTER = 0.10  # ±10 % of the interval: enough to spread 200 feeds over a 5-minute interval
BACKOFF_BASE = 60.0  # seconds for the first retry after an error (one minute, as a person would)
BACKOFF_CAP = 6 * 3600.0  # a broken feed is still tried four times a day
MAX_HONOURED_WAIT = 24 * 3600.0  # Retry-After / max-age beyond a day is treated as a day


def next_fetch_at(
    now: datetime,
    interval: float,
    status: FetchStatus,
    consecutive_errors: int,
    *,
    retry_after: float | None = None,
    max_age: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The instant the feed is next due. ``consecutive_errors`` counts this fetch if it failed."""
    rng = rng or random.Random()
    if status is FetchStatus.ERROR:
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(0, consecutive_errors - 1), 20))
        delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    else:
        delay = interval * (1 + rng.uniform(-JITTER, JITTER))
    floor = max(retry_after or 0.0, max_age or 0.0)
    delay = max(delay, min(floor, MAX_HONOURED_WAIT))
    return now + timedelta(seconds=delay)


def decide_update(
    feed: FeedForUpdate,
    result: FetchResult,
    now: datetime,
    default_interval: int,
    *,
    error: str | None = None,
    rng: random.Random | None = None,
) -> FeedUpdateIntent:
    """What to record on ``feed`` after ``result``; ``error`` overrides a fetch that then failed
    to parse (so a 200 with garbage counts as an error)."""
    interval = float(feed.interval or default_interval)
    status = result.status
    error = error or result.error
    if error and status is not FetchStatus.GONE:
        status = FetchStatus.ERROR
    errors = feed.consecutive_errors + 1 if status is FetchStatus.ERROR else 0
    if status is FetchStatus.GONE:
        return FeedUpdateIntent(
            feed_id=feed.id,
            fetched_at=now,
            status=status,
            http_status=result.http_status,
            next_fetch_at=now,
            consecutive_errors=feed.consecutive_errors,
            error=error or "410 Gone: the publisher removed this feed",
            disable_reason="410 Gone: the publisher removed this feed",
        )
    return FeedUpdateIntent(
        feed_id=feed.id,
        fetched_at=now,
        status=status,
        http_status=result.http_status,
        next_fetch_at=next_fetch_at(
            now,
            interval,
            status,
            errors,
            retry_after=result.retry_after,
            max_age=result.max_age,
            rng=rng,
        ),
        consecutive_errors=errors,
        # None keeps the stored validator: a 304 often omits them. After an error (a 200 whose
        # body did not parse included) they are not stored, or the bad body would be 304'd forever.
        etag=None if status is FetchStatus.ERROR else result.etag,
        last_modified=None if status is FetchStatus.ERROR else result.last_modified,
        new_url=result.permanent_url,
        error=error,
    )
