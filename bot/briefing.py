"""Compose what users read about a region: its activity level first. Pure: no I/O.

Activity level (README "Activity level"): the number of stories about a region in the last 24 h
against that region's own baseline, the previous 30 days. Regions differ a lot (Ukraine has
dozens of security stories a day, Estonia a few), so a fixed threshold would make one always
"high" and the other always "calm"; the baseline makes each region's level mean "unusual for
this region".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Tuned numbers and where they come from (judgement, then checked on the examples in
# tests/unit/test_briefing.py; to be revisited with real stored data):
MIN_SPREAD = 1.0  # a region with a perfectly steady baseline still needs one story more to move
ELEVATED_Z = 2.0  # about the top 2-3 % of days for a normal-ish daily count
HIGH_Z = 4.0
ELEVATED_MIN_STORIES = 3  # two stories are never "elevated", however quiet the region usually is
HIGH_MIN_STORIES = 5
BASELINE_DAYS = 30


class Level(StrEnum):
    CALM = "calm"
    ELEVATED = "elevated"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Activity:
    level: Level
    last_24h: int  #: stories about the region in the last 24 hours
    baseline: float  #: median stories per day over the previous BASELINE_DAYS days
    spread: float  #: robust standard deviation of those days (1.4826 × MAD, at least MIN_SPREAD)
    score: float  #: (last_24h − baseline) / spread
    reason: str  #: one line a user can read


def activity(last_24h: int, previous_days: Sequence[int], high_severity_24h: int = 0) -> Activity:
    """The level of a region from its story counts.

    ``previous_days``: stories per day for the days before the last 24 h (oldest first; at most
    the last BASELINE_DAYS are used; missing days count as 0 when the caller fills them).
    ``high_severity_24h``: stories of severity high among the last 24 h: one of them makes the
    level at least elevated, two make it high — a closed border matters even on a quiet day.
    """
    days = list(previous_days)[-BASELINE_DAYS:] or [0]
    baseline = float(statistics.median(days))
    mad = statistics.median(abs(d - baseline) for d in days)
    spread = max(MIN_SPREAD, 1.4826 * mad)
    score = (last_24h - baseline) / spread
    if (score >= HIGH_Z and last_24h >= HIGH_MIN_STORIES) or high_severity_24h >= 2:
        level = Level.HIGH
    elif (score >= ELEVATED_Z and last_24h >= ELEVATED_MIN_STORIES) or high_severity_24h >= 1:
        level = Level.ELEVATED
    else:
        level = Level.CALM
    usual = f"usually {baseline:g} a day"
    if high_severity_24h:
        reason = f"{last_24h} stories in 24 h ({usual}), {high_severity_24h} of high severity"
    else:
        reason = f"{last_24h} stories in 24 h ({usual})"
    return Activity(level, last_24h, baseline, round(spread, 2), round(score, 2), reason)
