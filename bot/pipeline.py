"""The CPU-bound stage of ingest, run in worker processes: parse the bytes, classify each entry.
Pure: bytes in, records out (picklable, so it crosses the process boundary)."""

from __future__ import annotations

from datetime import datetime

from bot.classify import classify
from bot.domain import Classification, ParsedFeed
from bot.parse import parse_feed


def analyse_feed(
    body: bytes, *, url: str, fetched_at: datetime, content_type: str | None, language: str
) -> tuple[ParsedFeed, dict[str, Classification]]:
    """Parse a feed and classify every entry (keyed by GUID). Raises ``ParseError``."""
    parsed = parse_feed(body, url=url, fetched_at=fetched_at, content_type=content_type)
    tags = {e.guid: classify(e.title, e.summary, language) for e in parsed.entries}
    return parsed, tags
