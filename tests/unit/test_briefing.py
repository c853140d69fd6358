"""Activity level: the last 24 hours against the region's own 30-day baseline."""

from __future__ import annotations

import pytest

from bot.briefing import Level, activity


def test_a_usual_day_is_calm():
    a = activity(4, [3, 4, 5, 4, 3, 4, 6, 4, 3, 5] * 3)
    assert (a.level, a.baseline, a.last_24h) == (Level.CALM, 4.0, 4)
    assert a.reason == "4 stories in 24 h (usually 4 a day)"


def test_the_same_count_means_different_things_in_different_regions():
    quiet = [0, 1, 0, 0, 1, 0] * 5  # Estonia-like
    busy = [20, 24, 18, 22, 25, 21] * 5  # Ukraine-like
    assert activity(6, quiet).level is Level.HIGH
    assert activity(6, busy).level is Level.CALM


def test_elevated_and_high_thresholds():
    days = [10, 12, 8, 11, 9, 10, 13, 7, 10, 11] * 3  # median 10, MAD 1 -> spread 1.48
    assert activity(12, days).level is Level.CALM  # z = 1.35
    assert activity(14, days).level is Level.ELEVATED  # z = 2.7
    assert activity(17, days).level is Level.HIGH  # z = 4.7
    assert activity(17, days).score == pytest.approx(4.72, abs=0.01)


def test_a_few_stories_are_never_elevated_on_their_own():
    assert activity(2, [0] * 30).level is Level.CALM


def test_high_severity_stories_raise_the_level_even_on_a_quiet_day():
    assert activity(1, [5] * 30, high_severity_24h=1).level is Level.ELEVATED
    a = activity(2, [5] * 30, high_severity_24h=2)
    assert a.level is Level.HIGH
    assert a.reason == "2 stories in 24 h (usually 5 a day), 2 of high severity"


def test_no_history_is_a_baseline_of_zero():
    a = activity(3, [])
    assert (a.baseline, a.spread, a.level) == (0.0, 1.0, Level.ELEVATED)


def test_only_the_last_30_days_count():
    old_busy, recent_quiet = [50] * 60, [1] * 30
    assert activity(6, old_busy + recent_quiet).baseline == 1.0
