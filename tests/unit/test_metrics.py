"""/healthz decided from facts and now (pure), and the names /metrics exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from bot.metrics import REGISTRY, Facts, error_kind, health

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def test_healthy_when_the_database_answers_and_a_poll_finished_recently():
    status, body = health(Facts(True, NOW - timedelta(seconds=200), 40, 3, 2), NOW, poll_interval=300)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "last_poll_age_s": 200.0,
        "feeds": {"ok": 40, "failing": 3, "disabled": 2},
    }


def test_unhealthy_with_a_reason_otherwise():
    status, body = health(Facts(True, NOW - timedelta(seconds=901), 1, 0, 0), NOW, poll_interval=300)
    assert (
        status == 503 and body["reason"] == "no poll has finished in 900 s" and body["status"] == "unhealthy"
    )
    status, body = health(Facts(False, None), NOW, poll_interval=300)
    assert status == 503 and body["database"] == "down" and body["reason"] == "the database does not answer"
    assert set(body) == {"status", "database", "last_poll_age_s", "feeds", "reason"}
    # A process that only talks (--role bot) does not poll: no poll is not a fault there.
    assert health(Facts(True, None), NOW, poll_interval=300, polling=False)[0] == 200


def test_feed_error_kinds_are_few():
    kinds = {error_kind(e) for e in ("HTTP 500 Internal Server Error", "connection refused",
             "refused: 127.0.0.1 is a private or local network address", "not stored: database error",
             "timed out after 60 s", "not a readable RSS/Atom feed (…)", None)}  # fmt: skip
    assert kinds == {"http", "network", "refused", "store", "parse", "other"}


def test_every_metric_is_named_briefbot():
    text = generate_latest(REGISTRY).decode()
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert names and all(n.startswith("briefbot_") for n in names)
    for wanted in ("briefbot_items_stored_total", "briefbot_polls_total", "briefbot_poll_duration_seconds",
                   "briefbot_feed_errors_total", "briefbot_deliveries_total", "briefbot_alert_latency_seconds",
                   "briefbot_ledger_backlog", "briefbot_stories", "briefbot_feeds"):  # fmt: skip
        assert wanted in names
