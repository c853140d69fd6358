"""bot.timing: next_fetch_at and decide_update. Bounds are checked over many seeds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import FeedForUpdate, FetchResult, FetchStatus
from bot.timing import BACKOFF_BASE, BACKOFF_CAP, JITTER, MAX_HONOURED_WAIT, decide_update, next_fetch_at

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SEEDS = range(40)
GONE_REASON = "410 Gone: the publisher removed this feed"


def delay(when: datetime) -> float:
    return (when - NOW).total_seconds()


def feed(**overrides) -> FeedForUpdate:
    values = {
        "id": 7,
        "name": "LRT English",
        "url": "https://www.lrt.lt/en/news-in-english?rss",
        "language": "en",
        "interval": None,
        "etag": '"old"',
        "last_modified": "Mon, 26 Feb 2024 10:00:00 GMT",
        "consecutive_errors": 3,
    }
    values.update(overrides)
    return FeedForUpdate(**values)


def test_constants_are_the_documented_policy():
    assert (JITTER, BACKOFF_BASE, BACKOFF_CAP, MAX_HONOURED_WAIT) == (0.10, 60.0, 21600.0, 86400.0)


# --- next_fetch_at ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [FetchStatus.OK, FetchStatus.NOT_MODIFIED])
@pytest.mark.parametrize("interval", [60, 300, 3600])
def test_success_within_interval_plus_minus_ten_percent(status, interval):
    delays = [delay(next_fetch_at(NOW, interval, status, 0, rng=random.Random(s))) for s in SEEDS]

    assert min(delays) >= interval * 0.9
    assert max(delays) <= interval * 1.1
    assert len(set(delays)) > 1  # jittered, not constant


def test_same_seed_same_instant():
    a = next_fetch_at(NOW, 300, FetchStatus.OK, 0, rng=random.Random(3))
    b = next_fetch_at(NOW, 300, FetchStatus.OK, 0, rng=random.Random(3))

    assert a == b
    assert a.tzinfo is not None


def test_without_rng_still_in_range():
    assert 270 <= delay(next_fetch_at(NOW, 300, FetchStatus.OK, 0)) <= 330


@pytest.mark.parametrize("errors", [1, 2, 3, 5, 8])
def test_error_backoff_range_per_step(errors):
    ceiling = BACKOFF_BASE * 2 ** (errors - 1)
    delays = [delay(next_fetch_at(NOW, 300, FetchStatus.ERROR, errors, rng=random.Random(s))) for s in SEEDS]

    assert min(delays) >= ceiling / 2
    assert max(delays) <= ceiling


def test_error_backoff_grows_with_consecutive_errors():
    for seed in SEEDS:
        steps = [
            delay(next_fetch_at(NOW, 300, FetchStatus.ERROR, n, rng=random.Random(seed * 100 + n)))
            for n in range(1, 10)
        ]
        assert steps == sorted(steps), seed
    # One error waits at most a minute; nine errors at least two hours.
    assert delay(next_fetch_at(NOW, 300, FetchStatus.ERROR, 1, rng=random.Random(0))) <= 60
    assert delay(next_fetch_at(NOW, 300, FetchStatus.ERROR, 9, rng=random.Random(0))) >= 7680


@pytest.mark.parametrize("errors", [10, 20, 100, 1024])
def test_error_backoff_capped(errors):
    delays = [delay(next_fetch_at(NOW, 300, FetchStatus.ERROR, errors, rng=random.Random(s))) for s in SEEDS]

    assert min(delays) >= BACKOFF_CAP / 2
    assert max(delays) <= BACKOFF_CAP


def test_error_backoff_capped_after_very_many_errors():
    result = FetchResult(url=feed().url, status=FetchStatus.ERROR, error="ConnectError: name not resolved")

    intent = decide_update(feed(consecutive_errors=1024), result, NOW, 300, rng=random.Random(1))

    assert intent.consecutive_errors == 1025
    assert BACKOFF_CAP / 2 <= delay(intent.next_fetch_at) <= BACKOFF_CAP


def test_retry_after_is_a_floor_on_success_and_error():
    for seed in SEEDS:
        ok = next_fetch_at(NOW, 300, FetchStatus.OK, 0, retry_after=3600, rng=random.Random(seed))
        err = next_fetch_at(NOW, 300, FetchStatus.ERROR, 1, retry_after=7200, rng=random.Random(seed))
        assert delay(ok) == 3600
        assert delay(err) == 7200


def test_max_age_is_a_floor():
    for seed in SEEDS:
        assert (
            delay(next_fetch_at(NOW, 300, FetchStatus.NOT_MODIFIED, 0, max_age=1800, rng=random.Random(seed)))
            == 1800
        )


def test_larger_of_retry_after_and_max_age_wins():
    when = next_fetch_at(NOW, 300, FetchStatus.OK, 0, retry_after=600, max_age=900, rng=random.Random(1))

    assert delay(when) == 900


def test_floor_below_the_interval_does_not_shorten_it():
    delays = [
        delay(next_fetch_at(NOW, 3600, FetchStatus.OK, 0, retry_after=10, max_age=60, rng=random.Random(s)))
        for s in SEEDS
    ]

    assert min(delays) >= 3240
    assert max(delays) <= 3960


def test_huge_floors_are_capped_at_a_day():
    ten_days = 10 * 86400.0

    assert (
        delay(next_fetch_at(NOW, 300, FetchStatus.OK, 0, retry_after=ten_days, rng=random.Random(1))) == 86400
    )
    assert delay(next_fetch_at(NOW, 300, FetchStatus.OK, 0, max_age=ten_days, rng=random.Random(1))) == 86400


# --- decide_update ------------------------------------------------------------------------------


def test_gone_disables():
    result = FetchResult(url=feed().url, status=FetchStatus.GONE, http_status=410, error="410 Gone")

    intent = decide_update(feed(), result, NOW, 300, rng=random.Random(1))

    assert intent.status is FetchStatus.GONE
    assert intent.http_status == 410
    assert intent.disable_reason == GONE_REASON
    assert intent.error == "410 Gone"
    assert intent.feed_id == 7
    assert intent.fetched_at == NOW
    assert intent.next_fetch_at == NOW
    assert intent.consecutive_errors == 3
    assert (intent.etag, intent.last_modified, intent.new_url) == (None, None, None)


def test_gone_without_error_text_gets_default_reason():
    result = FetchResult(url=feed().url, status=FetchStatus.GONE, http_status=410)

    intent = decide_update(feed(), result, NOW, 300)

    assert intent.error == GONE_REASON
    assert intent.disable_reason == GONE_REASON


def test_not_modified_without_validators_keeps_stored_ones():
    result = FetchResult(url=feed().url, status=FetchStatus.NOT_MODIFIED, http_status=304)

    intent = decide_update(feed(), result, NOW, 300, rng=random.Random(1))

    assert intent.status is FetchStatus.NOT_MODIFIED
    assert intent.http_status == 304
    assert intent.etag is None  # None in the intent: keep what is stored
    assert intent.last_modified is None
    assert intent.consecutive_errors == 0
    assert intent.error is None
    assert intent.disable_reason is None
    assert 270 <= delay(intent.next_fetch_at) <= 330


def test_not_modified_with_new_validators_passes_them_on():
    result = FetchResult(
        url=feed().url,
        status=FetchStatus.NOT_MODIFIED,
        http_status=304,
        etag='"v3"',
        last_modified="Fri, 01 Mar 2024 11:00:00 GMT",
    )

    intent = decide_update(feed(), result, NOW, 300, rng=random.Random(1))

    assert (intent.etag, intent.last_modified) == ('"v3"', "Fri, 01 Mar 2024 11:00:00 GMT")


def test_parse_error_on_200_counts_as_error_and_drops_validators():
    result = FetchResult(
        url=feed().url,
        status=FetchStatus.OK,
        http_status=200,
        body=b"<html>not a feed</html>",
        etag='"bad-body"',
        last_modified="Fri, 01 Mar 2024 11:00:00 GMT",
    )

    intent = decide_update(
        feed(), result, NOW, 300, error="not a readable RSS/Atom feed", rng=random.Random(1)
    )

    assert intent.status is FetchStatus.ERROR
    assert intent.http_status == 200
    assert intent.consecutive_errors == 4
    assert intent.error == "not a readable RSS/Atom feed"
    assert intent.etag is None
    assert intent.last_modified is None
    assert intent.disable_reason is None
    # Fourth consecutive error: backoff ceiling 60 * 2**3 = 480 s.
    assert 240 <= delay(intent.next_fetch_at) <= 480


def test_http_error_increments_and_honours_retry_after():
    result = FetchResult(
        url=feed().url,
        status=FetchStatus.ERROR,
        http_status=503,
        error="HTTP 503 Service Unavailable",
        retry_after=1200.0,
    )

    intent = decide_update(feed(consecutive_errors=0), result, NOW, 300, rng=random.Random(1))

    assert intent.status is FetchStatus.ERROR
    assert intent.consecutive_errors == 1
    assert intent.error == "HTTP 503 Service Unavailable"
    assert delay(intent.next_fetch_at) == 1200


def test_success_resets_consecutive_errors_and_stores_validators():
    result = FetchResult(
        url=feed().url,
        status=FetchStatus.OK,
        http_status=200,
        body=b"<rss/>",
        etag='"v2"',
        last_modified="Fri, 01 Mar 2024 11:00:00 GMT",
        max_age=600.0,
    )

    intent = decide_update(feed(consecutive_errors=5, interval=900), result, NOW, 300, rng=random.Random(1))

    assert intent.status is FetchStatus.OK
    assert intent.consecutive_errors == 0
    assert intent.error is None
    assert (intent.etag, intent.last_modified) == ('"v2"', "Fri, 01 Mar 2024 11:00:00 GMT")
    # The feed's own interval (900 s) beats the default; max-age 600 s is below it.
    assert 810 <= delay(intent.next_fetch_at) <= 990


def test_permanent_redirect_becomes_new_url():
    result = FetchResult(
        url="http://old.example/rss",
        status=FetchStatus.OK,
        http_status=200,
        body=b"<rss/>",
        permanent_url="https://new.example/rss",
    )

    intent = decide_update(feed(url="http://old.example/rss"), result, NOW, 300, rng=random.Random(1))

    assert intent.new_url == "https://new.example/rss"


def test_no_redirect_no_new_url():
    result = FetchResult(url=feed().url, status=FetchStatus.OK, http_status=200, body=b"<rss/>")

    assert decide_update(feed(), result, NOW, 300, rng=random.Random(1)).new_url is None


def test_next_fetch_is_after_now_for_every_status():
    for status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED, FetchStatus.ERROR):
        result = FetchResult(
            url=feed().url, status=status, error="x" if status is FetchStatus.ERROR else None
        )
        intent = decide_update(feed(), result, NOW, 300, rng=random.Random(2))
        assert intent.next_fetch_at - NOW >= timedelta(seconds=30), status
