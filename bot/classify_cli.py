"""``briefbot classify [FILE|-]``: JSON Lines in, one JSON line out per input, in order. Edge.

Input lines: ``{"id": "...", "title": "...", "summary": "...", "language": "en"}`` (language
optional: detected when missing). A line that is not a JSON object, or has neither title nor
summary, gets ``{"id": ..., "error": "..."}`` and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from bot.classify import Classifier
from bot.domain import Classification
from bot.jsonl import read_items


def as_json(item_id: Any, c: Classification) -> dict[str, Any]:
    """The stable output format: id, language, regions, topics, severity, events (README
    "briefbot classify"; events were added later, so older readers can ignore the key)."""
    return {
        "id": item_id,
        "language": c.language,
        "regions": [
            {"code": r.code, "role": r.role.value, "score": r.score, "evidence": list(r.evidence)}
            for r in c.regions
        ],
        "topics": [{"topic": tp.topic, "score": tp.score, "evidence": list(tp.evidence)} for tp in c.topics],
        "severity": c.severity.value,
        "events": [
            {
                "type": e.type,
                "severity": e.severity.value,
                "parties": list(e.parties),
                "evidence": list(e.evidence),
            }
            for e in c.events
        ],
    }


def classify_lines(lines: Iterable[str], classifier: Classifier | None = None) -> Iterator[str]:
    """One output line per non-blank input line."""
    classifier = classifier or Classifier()
    for line in read_items(lines, ("title", "summary", "language")):
        if isinstance(line, str):
            yield line
            continue
        t = line.texts
        result = classifier.classify(t["title"] or "", t["summary"] or "", t["language"])
        yield json.dumps(as_json(line.id, result), ensure_ascii=False)
