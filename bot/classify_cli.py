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


def as_json(item_id: Any, c: Classification) -> dict[str, Any]:
    """The stable output format (issue 4): id, language, regions, topics, severity."""
    return {
        "id": item_id,
        "language": c.language,
        "regions": [
            {"code": r.code, "role": r.role.value, "score": r.score, "evidence": list(r.evidence)}
            for r in c.regions
        ],
        "topics": [{"topic": tp.topic, "score": tp.score, "evidence": list(tp.evidence)} for tp in c.topics],
        "severity": c.severity.value,
    }


def classify_lines(lines: Iterable[str], classifier: Classifier | None = None) -> Iterator[str]:
    """One output line per non-blank input line."""
    classifier = classifier or Classifier()
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
        title, summary, language = obj.get("title"), obj.get("summary"), obj.get("language")
        bad = [
            k
            for k, v in (("title", title), ("summary", summary), ("language", language))
            if v is not None and not isinstance(v, str)
        ]
        if bad:
            yield json.dumps({"id": item_id, "error": f"line {number}: {', '.join(bad)} must be text"})
            continue
        if not (title or "").strip() and not (summary or "").strip():
            yield json.dumps({"id": item_id, "error": f"line {number}: needs a title or a summary"})
            continue
        result = classifier.classify(title or "", summary or "", language)
        yield json.dumps(as_json(item_id, result), ensure_ascii=False)
