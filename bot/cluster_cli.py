"""``briefbot cluster [FILE|-]``: JSON Lines in, ``{"id", "story"}`` out, one line per input. Edge.

Input lines: ``{"id", "title", "summary", "published", "source", "url", "language"}``
(``published`` ISO 8601; ``language`` optional). Items are grouped in the order given, as they
would arrive. The answers are written when the input ends: a later item can show that two
stories were one (it bridges them), and every line then names the story they became. A line that is not a JSON object, has neither title nor summary, or has no valid
``published`` time gets ``{"id": ..., "error": "..."}`` and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from bot.cluster import Clusterer, ClusterItem
from bot.jsonl import error, read_items


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
    out: list[str | tuple[object, str]] = []  # an error line, or (id, story key)
    renamed: dict[str, str] = {}
    for line in read_items(lines, ("title", "summary", "source", "url", "language")):
        if isinstance(line, str):
            out.append(line)
            continue
        published = _when(line.raw.get("published"))
        if published is None:
            out.append(error(line.id, line.number, "published must be an ISO 8601 time"))
            continue
        t = line.texts
        item = ClusterItem(
            id=str(line.id) if line.id is not None else f"line-{line.number}",
            title=t["title"] or "",
            summary=t["summary"] or "",
            published=published,
            source=t["source"] or "",
            language=t["language"],
            url=t["url"],
        )
        assignment = clusterer.add(item)
        out.append((line.id, assignment.story_key))
        for gone in assignment.merged:
            renamed[gone.key] = assignment.story_key
    for entry in out:
        if isinstance(entry, str):
            yield entry
            continue
        item_id, key = entry
        while key in renamed:
            key = renamed[key]
        yield json.dumps({"id": item_id, "story": key})
