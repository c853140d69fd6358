"""Story clustering quality on tests/data/clusters.jsonl: pairwise precision, recall and F1.

    python benchmarks/clustering.py [--errors]

Items are fed in publication order, as they would arrive. A pair of items is "together" when
they share a story; the labels (``group``) say which pairs report the same event
(tests/data/CLUSTERS.md). Goal (issue 5): F1 >= 0.90. Also prints items/s of ``Clusterer.add``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cluster import Clusterer, ClusterItem  # noqa: E402


def load(path: Path) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(items, key=lambda it: it["published"])


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def pairs(assignment: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item_id, key in assignment.items():
        groups[key].append(item_id)
    return {frozenset(p) for members in groups.values() for p in itertools.combinations(members, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=ROOT / "tests/data/clusters.jsonl")
    parser.add_argument("--errors", action="store_true", help="list pairs joined or split wrongly")
    args = parser.parse_args()
    items = load(args.file)
    clusterer = Clusterer()
    clusterer.add(ClusterItem("warm-up", "warm-up", "", when("2000-01-01T00:00:00Z"), "x"))
    got: dict[str, str] = {}
    started = time.perf_counter()
    for it in items:
        item = ClusterItem(
            it["id"],
            it.get("title", ""),
            it.get("summary", ""),
            when(it["published"]),
            it.get("source", ""),
            it.get("language"),
            it.get("url"),
        )
        got[it["id"]] = clusterer.add(item).story_key
    seconds = time.perf_counter() - started
    want = {it["id"]: it["group"] for it in items}
    truth, predicted = pairs(want), pairs(got)
    tp = len(truth & predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    groups = len(set(want.values()))
    print(
        f"clustering on {args.file.relative_to(ROOT)}: {len(items)} items, {groups} labelled groups, "
        f"{len(set(got.values()))} stories made"
    )
    print(f"pairwise precision {precision:.2f}  recall {recall:.2f}  F1 {f1:.2f}   (goal F1 >= 0.90)")
    print(f"speed: {len(items) / seconds:,.0f} items/s (classification included)")
    if args.errors:
        by_id = {it["id"]: it for it in items}
        for pair in sorted(predicted - truth, key=sorted):
            a, b = sorted(pair)
            print(f"joined wrongly: {a} {by_id[a]['title'][:60]!r} + {b} {by_id[b]['title'][:60]!r}")
        for pair in sorted(truth - predicted, key=sorted):
            a, b = sorted(pair)
            print(f"split wrongly:  {a} {by_id[a]['title'][:60]!r} / {b} {by_id[b]['title'][:60]!r}")


if __name__ == "__main__":
    main()
