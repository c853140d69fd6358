"""Health and metrics for operators: ``GET /healthz`` (JSON) and ``GET /metrics`` (Prometheus).
Edge (a small asyncio HTTP server on 127.0.0.1 or BRIEFBOT_METRICS_HOST, BRIEFBOT_METRICS_PORT).

The counters live in one ``prometheus_client`` registry, updated where things happen (the poller,
the deliverer); gauges that are facts about the database (feeds by state, the ledger's backlog,
stories) are read when scraped. ``health`` is a pure function of those facts and ``now``.

    briefbot_items_stored_total                 new items stored
    briefbot_polls_total                        polls finished
    briefbot_poll_duration_seconds              how long a poll took (histogram)
    briefbot_feed_errors_total{kind}            failed fetches by kind (http, network, parse, store, refused, other)
    briefbot_deliveries_total{kind,outcome}     digests / alerts / notices / broadcasts sent, retried, failed
    briefbot_alert_latency_seconds              from a story's newest report to its alert sent (histogram)
    briefbot_ledger_backlog                     deliveries due and not sent
    briefbot_stories                            stories stored
    briefbot_feeds{state}                       feeds ok / failing / disabled
    briefbot_last_poll_age_seconds              since the last poll finished
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

disable_created_metrics()  # no *_created series: one line per fact
REGISTRY = CollectorRegistry(auto_describe=True)
ITEMS_STORED = Counter("briefbot_items_stored", "New items stored", registry=REGISTRY)
POLLS = Counter("briefbot_polls", "Polls finished", registry=REGISTRY)
POLL_SECONDS = Histogram(
    "briefbot_poll_duration_seconds",
    "How long a poll took",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
FEED_ERRORS = Counter("briefbot_feed_errors", "Failed fetches by kind", ["kind"], registry=REGISTRY)
DELIVERIES = Counter(
    "briefbot_deliveries", "Deliveries by kind and outcome", ["kind", "outcome"], registry=REGISTRY
)
ALERT_LATENCY = Histogram(
    "briefbot_alert_latency_seconds",
    "From a story's newest report to its alert sent",
    buckets=(30, 60, 120, 300, 600, 1800, 3600, 10800),
    registry=REGISTRY,
)
BACKLOG = Gauge("briefbot_ledger_backlog", "Deliveries due and not sent", registry=REGISTRY)
STORIES = Gauge("briefbot_stories", "Stories stored", registry=REGISTRY)
FEEDS = Gauge("briefbot_feeds", "Feeds by state", ["state"], registry=REGISTRY)
LAST_POLL_AGE = Gauge(
    "briefbot_last_poll_age_seconds", "Seconds since the last poll finished", registry=REGISTRY
)


def error_kind(error: str | None) -> str:
    """The kind of a feed error, for the ``kind`` label (few values: labels must stay bounded)."""
    text = (error or "").lower()
    if text.startswith("http "):
        return "http"
    if text.startswith("refused:"):
        return "refused"
    if text.startswith("not stored"):
        return "store"
    if "feed" in text and ("readable" in text or "parse" in text):
        return "parse"
    if any(
        w in text for w in ("timed out", "connect", "name resolution", "refused", "unreachable", "network")
    ):
        return "network"
    return "other"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the database says when health is asked."""

    database: bool
    last_poll_at: datetime | None
    feeds_ok: int = 0
    feeds_failing: int = 0
    feeds_disabled: int = 0
    backlog: int = 0
    stories: int = 0


def health(facts: Facts, now: datetime, poll_interval: int, polling: bool = True) -> tuple[int, dict]:
    """(HTTP status, JSON body) of ``/healthz``: 200 ``ok``, or 503 with a ``reason`` when the
    database does not answer or no poll has finished within three poll intervals."""
    age = (now - facts.last_poll_at).total_seconds() if facts.last_poll_at is not None else None
    body = {
        "status": "ok",
        "database": "ok" if facts.database else "down",
        "last_poll_age_s": round(age, 1) if age is not None else None,
        "feeds": {"ok": facts.feeds_ok, "failing": facts.feeds_failing, "disabled": facts.feeds_disabled},
    }
    reason = None
    if not facts.database:
        reason = "the database does not answer"
    elif polling and (age is None or age > 3 * poll_interval):
        reason = f"no poll has finished in {3 * poll_interval} s"
    if reason:
        body["status"], body["reason"] = "unhealthy", reason
        return 503, body
    return 200, body


class MetricsServer:
    """``GET /healthz`` and ``GET /metrics`` over HTTP/1.1 on an asyncio server."""

    def __init__(self, facts: Callable[[], Awaitable[Facts]], now: Callable[[], datetime], poll_interval: int,
                 *, polling: bool = True) -> None:  # fmt: skip
        self._facts, self._now, self._interval, self._polling = facts, now, poll_interval, polling
        self._server: asyncio.Server | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.start_server(self._serve, host, port)
        bound = self._server.sockets[0].getsockname()[1]
        self.port = bound
        log.info("metrics.listening host=%s port=%d", host, bound)
        return bound

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            while (header := await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                if len(header) > 8192:
                    break
            method, _, rest = line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method != "GET":
                status, body, kind = 405, b"GET only\n", "text/plain"
            elif path == "/healthz":
                status, payload = health(
                    await self._facts_or_down(), self._now(), self._interval, self._polling
                )
                body, kind = json.dumps(payload).encode(), "application/json"
            elif path == "/metrics":
                facts = await self._facts_or_down()
                self._record(facts)
                status, body, kind = 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST
            else:
                status, body, kind = 404, b"not found: /healthz or /metrics\n", "text/plain"
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}[
                status
            ]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeError):
            pass
        finally:
            writer.close()

    async def _facts_or_down(self) -> Facts:
        try:
            return await self._facts()
        except Exception:  # noqa: BLE001 - a database that does not answer is what health reports
            log.warning("metrics.database_down", exc_info=True)
            return Facts(database=False, last_poll_at=None)

    def _record(self, facts: Facts) -> None:
        BACKLOG.set(facts.backlog)
        STORIES.set(facts.stories)
        for state, n in (
            ("ok", facts.feeds_ok),
            ("failing", facts.feeds_failing),
            ("disabled", facts.feeds_disabled),
        ):
            FEEDS.labels(state=state).set(n)
        if facts.last_poll_at is not None:
            LAST_POLL_AGE.set((self._now() - facts.last_poll_at).total_seconds())
