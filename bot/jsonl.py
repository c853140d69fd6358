"""Reading JSON Lines items for ``briefbot classify`` and ``briefbot cluster``. Pure.

Both commands share one error rule (issues 4 and 5): a line that is not a JSON object, has a
non-text field, or has neither title nor summary becomes ``{"id": ..., "error": "..."}`` and the
run goes on; blank lines are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    id: Any
    texts: dict[str, str | None]  #: the requested text fields, None when absent
    raw: dict[str, Any]  #: the whole object, for other fields


def error(item_id: Any, number: int, reason: str) -> str:
    return json.dumps({"id": item_id, "error": f"line {number}: {reason}"})


def read_items(lines: Iterable[str], fields: tuple[str, ...]) -> Iterator[Line | str]:
    """Valid items as ``Line``; bad lines as the ready error line (a ``str``)."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield error(None, number, f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield error(None, number, "expected a JSON object")
            continue
        item_id = obj.get("id")
        texts = {k: obj.get(k) for k in fields}
        bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
        if bad:
            yield error(item_id, number, f"{', '.join(bad)} must be text")
            continue
        if not (texts.get("title") or "").strip() and not (texts.get("summary") or "").strip():
            yield error(item_id, number, "needs a title or a summary")
            continue
        yield Line(number, item_id, texts, obj)
