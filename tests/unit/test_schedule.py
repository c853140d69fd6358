"""Digest times at each chat's local time, DST-correct; quiet hours; retry rhythm."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.schedule import RETRY_DELAYS, digest_instant, in_quiet_hours, latest_digest, next_digest, retry_at

VILNIUS = ZoneInfo("Europe/Vilnius")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_08_00_in_vilnius_is_06_00_utc_in_winter_and_05_00_in_summer():
    assert digest_instant(date(2026, 3, 28), time(8), VILNIUS) == utc(2026, 3, 28, 6)
    assert digest_instant(date(2026, 3, 29), time(8), VILNIUS) == utc(2026, 3, 29, 5)  # clocks went forward
    assert digest_instant(date(2026, 10, 24), time(8), VILNIUS) == utc(2026, 10, 24, 5)
    assert digest_instant(date(2026, 10, 25), time(8), VILNIUS) == utc(2026, 10, 25, 6)  # and back


def test_a_time_in_the_spring_gap_comes_at_the_end_of_the_gap():
    assert digest_instant(date(2026, 3, 29), time(3, 30), VILNIUS) == utc(2026, 3, 29, 1)  # 04:00 EEST
    assert digest_instant(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)  # 03:00 EDT


def test_a_time_that_happens_twice_counts_once_the_first_time():
    assert digest_instant(date(2026, 10, 25), time(3, 30), VILNIUS) == utc(2026, 10, 25, 0, 30)  # 03:30 EEST


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 11, 26, 5, 59), ("2026-11-25", utc(2026, 11, 25, 6))),  # 07:59: yesterday's
        (utc(2026, 11, 26, 6, 0), ("2026-11-26", utc(2026, 11, 26, 6))),  # 08:00: today's
        (utc(2026, 11, 29, 12, 0), ("2026-11-29", utc(2026, 11, 29, 6))),  # back after days away: once
    ],
)
def test_the_latest_digest_due(now, expected):
    assert latest_digest(now, time(8), VILNIUS) == expected


def test_a_new_chat_gets_no_digest_from_before_it_existed():
    created = utc(2026, 11, 26, 5, 0)
    assert latest_digest(utc(2026, 11, 26, 5, 30), time(8), VILNIUS, not_before=created) is None
    assert latest_digest(utc(2026, 11, 26, 6, 0), time(8), VILNIUS, not_before=created) == (
        "2026-11-26",
        utc(2026, 11, 26, 6),
    )


def test_each_timezone_has_its_own_day():
    now = utc(2026, 11, 26, 13, 0)  # 15:00 in Vilnius, 08:00 in New York
    assert latest_digest(now, time(8), NEW_YORK) == ("2026-11-26", utc(2026, 11, 26, 13))
    assert next_digest(now, time(8), VILNIUS) == utc(2026, 11, 27, 6)


def test_quiet_hours_across_midnight():
    start, end = time(23), time(7)
    assert in_quiet_hours(utc(2026, 11, 26, 21, 30), VILNIUS, start, end)  # 23:30
    assert in_quiet_hours(utc(2026, 11, 26, 4, 59), VILNIUS, start, end)  # 06:59
    assert not in_quiet_hours(utc(2026, 11, 26, 5, 0), VILNIUS, start, end)  # 07:00
    assert not in_quiet_hours(utc(2026, 11, 26, 12), VILNIUS, None, None)
    assert in_quiet_hours(utc(2026, 11, 26, 11), VILNIUS, time(12), time(14))


def test_retries_back_off_then_give_up():
    now = utc(2026, 11, 26)
    assert [retry_at(n, now) - now for n in range(1, len(RETRY_DELAYS) + 1)] == list(RETRY_DELAYS)
    assert retry_at(len(RETRY_DELAYS) + 1, now) is None
    assert RETRY_DELAYS[0] == timedelta(seconds=30)
