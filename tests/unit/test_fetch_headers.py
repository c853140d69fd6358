"""bot.fetch header helpers (pure): parse_retry_after and parse_max_age."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.fetch import parse_max_age, parse_retry_after

NOW = datetime(2015, 10, 21, 7, 26, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 120.0),  # two minutes after NOW
        ("Wed, 21 Oct 2015 09:28:00 +0200", 120.0),  # same instant, other offset
        ("Wed, 21 Oct 2015 07:28:00 -0000", 120.0),  # no zone information: read as UTC
        ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),  # already past
        ("Tue, 20 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_date_is_relative_to_now():
    later = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)

    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", later) == 30.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("public, max-age=600", 600.0),
        ("max-age=0", 0.0),
        ("private,max-age=60, must-revalidate", 60.0),
        ('max-age="300"', 300.0),
        ("MAX-AGE=30", 30.0),
        ("no-store", None),
        ("no-store, max-age=600", None),
        ("s-maxage=100", None),
        ("public", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_max_age(value, expected):
    assert parse_max_age(value) == expected
