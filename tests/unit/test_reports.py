"""bot.reports: ago(), format_poll(), format_feed_health()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import FeedHealth, FeedOutcome, FetchStatus
from bot.reports import ago, format_feed_health, format_poll

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def squash(line: str) -> str:
    return " ".join(line.split())


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(0), "0s ago"),
        (timedelta(seconds=-5), "5s ago"),
        (timedelta(seconds=-59.9), "59s ago"),
        (timedelta(seconds=-60), "1m ago"),
        (timedelta(minutes=-5), "5m ago"),
        (timedelta(minutes=-59, seconds=-59), "59m ago"),
        (timedelta(hours=-1), "1h ago"),
        (timedelta(hours=-47), "47h ago"),
        (timedelta(days=-2), "2d ago"),
        (timedelta(days=-30), "30d ago"),
        (timedelta(seconds=10), "in 10s"),
        (timedelta(minutes=3), "in 3m"),
        (timedelta(hours=6), "in 6h"),
        (timedelta(days=3), "in 3d"),
    ],
)
def test_ago(offset, expected):
    assert ago(NOW + offset, NOW) == expected


def test_ago_never():
    assert ago(None, NOW) == "never"


# --- format_poll --------------------------------------------------------------------------------

OUTCOMES = [
    FeedOutcome(
        4,
        "Zeta",
        "https://z.example/rss",
        FetchStatus.GONE,
        error="410 Gone: the publisher removed this feed",
    ),
    FeedOutcome(3, "beta", "https://b.example/rss", FetchStatus.ERROR, error="HTTP 503 Service Unavailable"),
    FeedOutcome(2, "Delfi", "https://d.example/rss", FetchStatus.NOT_MODIFIED),
    FeedOutcome(
        1,
        "LRT",
        "https://l.example/rss",
        FetchStatus.OK,
        new_item_ids=(11, 12, 13),
        updated_items=2,
        warning="malformed, kept what could be read (SAXParseException: undefined entity)",
    ),
    FeedOutcome(5, "ERR News", "https://e.example/rss", FetchStatus.OK, new_url="https://news.err.ee/rss"),
]


def test_format_poll_lines_in_order():
    lines = format_poll(OUTCOMES, 2.345).splitlines()

    # OK feeds first, then the rest, each group by name (case-insensitive).
    assert [squash(line) for line in lines] == [
        "0 new ERR News",
        "moved permanently to https://news.err.ee/rss",
        "3 new LRT (2 updated) [malformed, kept what could be read (SAXParseException: undefined entity)]",
        "error beta: HTTP 503 Service Unavailable",
        "unchanged Delfi (304)",
        "gone Zeta: 410 Gone: the publisher removed this feed; disabled",
        "5 feeds in 2.3 s: 3 new items from 2 fetched, 1 unchanged, 2 errors",
    ]
    assert lines[2].startswith("    3 new ")


def test_format_poll_totals_line_exact():
    assert format_poll(OUTCOMES, 2.345).splitlines()[-1] == (
        "5 feeds in 2.3 s: 3 new items from 2 fetched, 1 unchanged, 2 errors"
    )


def test_format_poll_nothing():
    assert format_poll([], 0.04) == "0 feeds in 0.0 s: 0 new items from 0 fetched, 0 unchanged, 0 errors"


def test_format_poll_long_error_cut():
    outcome = FeedOutcome(1, "Slow", "https://s.example/", FetchStatus.ERROR, error="x" * 300)

    line = format_poll([outcome], 1.0).splitlines()[0]

    assert squash(line) == "error Slow: " + "x" * 99 + "…"


def test_format_poll_feed_names_share_a_column():
    lines = format_poll(OUTCOMES, 1.0).splitlines()
    names = ["ERR News", "LRT", "beta", "Delfi", "Zeta"]
    rows = [line for line in lines if any(n in line for n in names) and "moved" not in line]

    assert len({next(line.index(n) for n in names if n in line) for line in rows}) == 1


# --- format_feed_health -------------------------------------------------------------------------


def health(name: str, **overrides) -> FeedHealth:
    values = {
        "name": name,
        "url": "https://example.org/rss",
        "language": "en",
        "enabled": True,
        "disabled_reason": None,
        "last_fetched_at": NOW - timedelta(minutes=5),
        "last_success_at": NOW - timedelta(minutes=5),
        "last_status": 200,
        "last_error": None,
        "consecutive_errors": 0,
        "next_fetch_at": NOW + timedelta(minutes=3),
        "items": 10,
        "newest_item_at": NOW - timedelta(hours=2),
    }
    values.update(overrides)
    return FeedHealth(**values)


def test_format_feed_health_states():
    rows = [
        health("LRT English"),
        health(
            "Broken feed",
            last_error="HTTP 503 Service Unavailable",
            consecutive_errors=4,
            last_success_at=NOW - timedelta(days=3),
        ),
        health(
            "Old feed",
            enabled=False,
            disabled_reason="410 Gone: the publisher removed this feed",
            last_error="410 Gone",
        ),
        health(
            "New feed",
            last_fetched_at=None,
            last_success_at=None,
            next_fetch_at=NOW,
            items=0,
            newest_item_at=None,
        ),
    ]

    assert format_feed_health(rows, NOW) == "\n".join(
        [
            "FEED         STATE      LAST SUCCESS  ITEMS  NEWEST  NEXT FETCH  LAST ERROR",
            "LRT English  ok         5m ago        10     2h ago  in 3m",
            "Broken feed  failing×4  3d ago        10     2h ago  in 3m       HTTP 503 Service Unavailable",
            "Old feed     disabled   5m ago        10     2h ago  -           410 Gone: the publisher removed this feed",
            "New feed     new        never         0      -       0s ago",
            "4 feeds: 2 healthy, 1 failing, 1 disabled",
        ]
    )


def test_format_feed_health_old_error_hidden_once_recovered():
    row = health("Recovered", last_error="HTTP 500 Internal Server Error", consecutive_errors=0)

    table = format_feed_health([row], NOW)

    assert "HTTP 500" not in table
    assert table.splitlines()[1].split()[:2] == ["Recovered", "ok"]


def test_format_feed_health_empty():
    assert format_feed_health([], NOW) == (
        "FEED  STATE  LAST SUCCESS  ITEMS  NEWEST  NEXT FETCH  LAST ERROR\n0 feeds: 0 healthy, 0 failing, 0 disabled"
    )


def test_most_feeds_failing_the_same_way_is_named_once():
    from bot.domain import FeedOutcome, FetchStatus
    from bot.reports import common_failure

    def failed(i: int, error: str) -> FeedOutcome:
        return FeedOutcome(i, f"feed {i}", f"https://f{i}.test/", FetchStatus.ERROR, error=error)

    dns = "ConnectError: [Errno -3] Temporary failure in name resolution"
    outcomes = [failed(i, dns) for i in range(44)] + [failed(44, "HTTP 500 Internal Server Error")]
    assert common_failure(outcomes) == "45 of 45 feeds failed: name resolution — is the network up?"
    ok = [FeedOutcome(i, "x", "u", FetchStatus.OK) for i in range(100, 160)]
    assert common_failure(outcomes + ok) is None  # most feeds are fine: no summary line
    assert common_failure([failed(1, "odd"), failed(2, "stranger")]) == "2 of 2 feeds failed."
