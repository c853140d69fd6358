"""``briefbot cluster [FILE|-]``: JSON Lines in, ``{"id", "story"}`` out, one line per input. Edge.

Input lines: ``{"id", "title", "summary", "published", "source", "url", "language"}``
(``published`` ISO 8601; ``language`` optional). Items are grouped in the order given, as they
would arrive. A line that is not a JSON object, has neither title nor summary, or has no valid
``published`` time gets ``{"id": ..., "error": "..."}`` and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from bot.cluster import Clusterer, ClusterItem


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def cluster_lines(lines: Iterable[str], clusterer: Clusterer | None = None) -> Iterator[str]:
    clusterer = clusterer or Clusterer()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield json.dumps({"id": None, "error": f"line {number}: not valid JSON ({exc.msg})"})
            continue
        if not isinstance(obj, dict):
            yield json.dumps({"id": None, "error": f"line {number}: expected a JSON object"})
            continue
        item_id = obj.get("id")
        texts = {k: obj.get(k) for k in ("title", "summary", "source", "url", "language")}
        bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
        if bad:
            yield json.dumps({"id": item_id, "error": f"line {number}: {', '.join(bad)} must be text"})
            continue
        if not (texts["title"] or "").strip() and not (texts["summary"] or "").strip():
            yield json.dumps({"id": item_id, "error": f"line {number}: needs a title or a summary"})
            continue
        published = _when(obj.get("published"))
        if published is None:
            yield json.dumps({"id": item_id, "error": f"line {number}: published must be an ISO 8601 time"})
            continue
        item = ClusterItem(
            id=str(item_id) if item_id is not None else f"line-{number}",
            title=texts["title"] or "",
            summary=texts["summary"] or "",
            published=published,
            source=texts["source"] or "",
            language=texts["language"],
            url=texts["url"],
        )
        assignment = clusterer.add(item)
        yield json.dumps({"id": item_id, "story": assignment.story_key})
