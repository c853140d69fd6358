"""When to send: each chat's daily digest at its local time (DST-correct), quiet hours, and the
retry rhythm of failed deliveries. Pure: times in, times out.

A chat's digest for a local date is due at that date's digest time in the chat's timezone. On
the night clocks go forward the time may not exist (03:30 in Vilnius on 29 March): the digest
then comes at the first instant after the gap. On the night clocks go back a time exists twice:
the first one counts. A process that was down sends the latest digest that fell due while it was
away — once, not once per missed day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Retry delays for a delivery that failed with a temporary error (5xx, network), then it fails.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))


def digest_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on local ``day`` in ``tz`` (gap: the first instant after it;
    fold: the first occurrence)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first  # exists (the first occurrence when it exists twice)
    # ``at`` falls in the gap when clocks go forward: fold=1 and fold=0 map it to instants on
    # either side of the transition; the first instant whose local time is past ``at`` ends it.
    low, high = wall.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def latest_digest(
    now: datetime, at: time, tz: ZoneInfo, not_before: datetime | None = None
) -> tuple[str, datetime] | None:
    """The most recent digest due at or before ``now``: (key = local date ISO, due instant);
    None when it would be before ``not_before`` (the chat did not exist yet)."""
    today = now.astimezone(tz).date()
    for day in (today, today - timedelta(days=1)):
        instant = digest_instant(day, at, tz)
        if instant <= now:
            if not_before is not None and instant < not_before:
                return None
            return day.isoformat(), instant
    return None


def next_digest(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first digest instant after ``now``."""
    today = now.astimezone(tz).date()
    for offset in range(3):
        instant = digest_instant(today + timedelta(days=offset), at, tz)
        if instant > now:
            return instant
    raise AssertionError("a digest time recurs daily")


def in_quiet_hours(now: datetime, tz: ZoneInfo, start: time | None, end: time | None) -> bool:
    """Whether the local time is within [start, end) (which may cross midnight)."""
    if start is None or end is None or start == end:
        return False
    local = now.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try a delivery again after ``attempts`` failed tries; None: give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    return now + RETRY_DELAYS[attempts - 1]
