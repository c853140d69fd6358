"""The CPU-bound stage of ingest, run in worker processes: parse the bytes, classify each entry
and take its clustering features from the same pass. Pure: bytes in, records out (picklable, so
they cross the process boundary)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from bot.classify import default_classifier
from bot.cluster import Features, analyse
from bot.domain import Classification, ParsedFeed
from bot.encoder import default_encoder
from bot.parse import parse_feed


def analyse_feed(
    body: bytes, *, url: str, fetched_at: datetime, content_type: str | None, language: str
) -> tuple[ParsedFeed, dict[str, Classification], dict[str, Features]]:
    """Parse a feed, classify every entry and compute its clustering features (both keyed by
    GUID). Raises ``ParseError``.

    An entry the classifier fails on is stored untagged (``classified_at`` stays empty, so it
    can be tagged again later) rather than losing the feed's other entries.
    """
    classifier = default_classifier()
    parsed = parse_feed(body, url=url, fetched_at=fetched_at, content_type=content_type)
    tags, features = {}, {}
    for entry in parsed.entries:
        try:
            tags[entry.guid], features[entry.guid] = analyse(classifier, entry.title, entry.summary, language)
        except Exception:  # noqa: BLE001 - a classifier bug must not cost the feed its items
            continue
    return parsed, tags, features


def embed_entries(texts: Sequence[tuple[str, str]]) -> list[np.ndarray | None]:
    """The meaning vectors of (title, summary) pairs (bot/encoder.py), None each when the encoder
    is off or unavailable. Run in the workers, for new entries only: ~0.1 s of CPU each."""
    encoder = default_encoder()
    if encoder is None:
        return [None] * len(texts)
    out: list[np.ndarray | None] = []
    for title, summary in texts:
        try:
            out.append(encoder.embed(title, summary))
        except Exception:  # noqa: BLE001 - the clusterer does without a vector
            out.append(None)
    return out
