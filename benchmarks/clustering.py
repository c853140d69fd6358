"""Story clustering quality: pairwise precision, recall and F1, overall and per language pair.

    python benchmarks/clustering.py --file tests/data/real_clusters.jsonl [--errors]   # real dev set
    python benchmarks/clustering.py --file tests/data/real_clusters_holdout.jsonl      # never read it
    python benchmarks/clustering.py                      # the invented tests/data/clusters.jsonl
    BRIEFBOT_ENCODER=off python benchmarks/clustering.py …   # without the sentence encoder

Items are fed in publication order, as they would arrive. A pair of items is "together" when
they share a story; the labels (``group``) say which pairs report the same event
(tests/data/REAL_CLUSTERS.md, CLUSTERS.md). Goal on the real hold-out: F1 >= 0.88 with precision
>= 0.90. Also prints recall per language pair, items/s of ``Clusterer.add`` (the encoder
included) and the F1 when the same items arrive in other orders (feeds are polled at different
times).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cluster import Clusterer, ClusterItem, Story, analyse  # noqa: E402


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


def item_of(it: dict) -> ClusterItem:
    return ClusterItem(
        it["id"],
        it.get("title", ""),
        it.get("summary", ""),
        when(it["published"]),
        it.get("source", ""),
        it.get("language"),
        it.get("url"),
    )


def run(clusterer: Clusterer, items: list[dict]) -> dict[str, str]:
    """Story key per item id; merged stories are followed to the story they became."""
    got: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for it in items:
        a = clusterer.add(item_of(it))
        got[it["id"]] = a.story_key
        for gone in a.merged:
            renamed[gone.key] = a.story_key

    def final(key: str) -> str:
        while key in renamed:
            key = renamed[key]
        return key

    return {item_id: final(key) for item_id, key in got.items()}


def prf(want: dict[str, str], got: dict[str, str]) -> tuple[float, float, float, set, set]:
    truth, predicted = pairs(want), pairs(got)
    tp = len(truth & predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, truth, predicted


def language_pairs(items: list[dict], truth: set, predicted: set) -> None:
    """Recall and precision per pair of languages ("en-ru"; "en" alone: both in English): where
    grouping across languages and scripts is weak."""
    language = {it["id"]: it.get("language") or "?" for it in items}

    def key(pair: frozenset[str]) -> str:
        return (
            "-".join(sorted(language[i] for i in pair))
            if len({language[i] for i in pair}) > 1
            else next(language[i] for i in pair)
        )

    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # true pairs, found, predicted
    for pair in truth:
        rows[key(pair)][0] += 1
        rows[key(pair)][1] += pair in predicted
    for pair in predicted:
        rows[key(pair)][2] += 1
    same = [k for k in rows if "-" not in k]
    cross = [k for k in rows if "-" in k]
    for title, keys in (("same language", same), ("across languages", cross)):
        true_pairs = sum(rows[k][0] for k in keys)
        found = sum(rows[k][1] for k in keys)
        made = sum(rows[k][2] for k in keys)
        correct = sum(1 for p in predicted & truth if key(p) in keys)
        print(
            f"{title}: recall {found / true_pairs if true_pairs else 1:.2f} ({found}/{true_pairs}), "
            f"precision {correct / made if made else 1:.2f} ({correct}/{made})"
        )
    shown = sorted((k for k in rows if rows[k][0] >= 3), key=lambda k: (-rows[k][0], k))
    print(
        "recall per language pair (3+ true pairs): "
        + ", ".join(f"{k} {rows[k][1] / rows[k][0]:.2f} ({rows[k][0]})" for k in shown)
    )


def scaling(warm: Clusterer, items: list[dict], sizes: list[int]) -> None:
    """Adding an item should cost about the same with 100 or 100,000 open stories: the same
    items are added to a clusterer holding N synthetic open stories about the same countries,
    with the same entity names (the worst case for the candidate index)."""
    rng = random.Random(5)
    feats = [
        analyse(warm.classifier, it.get("title", ""), it.get("summary", ""), it.get("language"))[1]
        for it in items
    ]
    names = sorted({n for f in feats for n in f.names if n.startswith("#")}) or ["#vilnius"]
    latest = max(when(it["published"]) for it in items)
    codes = ["LT", "LV", "EE", "PL", "BY", "UA", "RU", "FI", "MD"]
    for size in sizes:
        stories = []
        for i in range(size):
            last = latest - timedelta(hours=rng.uniform(0, 200))
            story = Story(key=f"synthetic-{i}", first_seen=last - timedelta(hours=5), last_seen=last)
            story.about = {rng.choice(codes)}
            story.about_counts.update(story.about)
            story.regions = set(story.about)
            story.topics = {rng.choice(["border", "military", "hybrid", "migration", "diplomacy"])}
            story.names = {rng.choice(names), f"name{rng.randrange(10 * size)}"}
            story.words = {"en": {f"word{rng.randrange(5000)}" for _ in range(30)}}
            stories.append(story)
        clusterer = Clusterer(warm.classifier)
        clusterer.restore(stories)
        started = time.perf_counter()
        for it, f in zip(items, feats, strict=True):
            clusterer.add(item_of(it), f)
        per_item = (time.perf_counter() - started) / len(items) * 1e6
        print(f"scale: {size:>7,} open stories: {per_item:,.0f} µs per item added (features precomputed)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=ROOT / "tests/data/clusters.jsonl")
    parser.add_argument("--errors", action="store_true", help="list pairs joined or split wrongly")
    parser.add_argument("--orders", type=int, default=10, help="shuffled arrival orders to try")
    parser.add_argument(
        "--scale",
        type=int,
        nargs="*",
        default=[100, 100_000],
        metavar="N",
        help="time adding the items to N open stories (default: 100 and 100000)",
    )
    args = parser.parse_args()
    args.file = args.file.resolve()
    items = load(args.file)
    clusterer = Clusterer()
    clusterer.add(ClusterItem("warm-up", "warm-up", "", when("2000-01-01T00:00:00Z"), "x"))
    started = time.perf_counter()
    got = run(clusterer, items)
    seconds = time.perf_counter() - started
    want = {it["id"]: it["group"] for it in items}
    precision, recall, f1, truth, predicted = prf(want, got)
    groups = len(set(want.values()))
    print(
        f"clustering on {args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}: {len(items)} items, {groups} labelled groups, "
        f"{len(set(got.values()))} stories made"
    )
    print(
        f"pairwise precision {precision:.2f}  recall {recall:.2f}  F1 {f1:.2f}   (goal on the real hold-out: F1 >= 0.88, precision >= 0.90)"
    )
    print(f"speed: {len(items) / seconds:,.0f} items/s (classification included)")
    language_pairs(items, truth, predicted)
    # Feeds are polled at different times: the same reports arrive in other orders.
    f1s = []
    for seed in range(args.orders):
        rng = random.Random(seed)
        delayed = sorted(items, key=lambda it: when(it["published"]) + timedelta(hours=rng.uniform(0, 6)))
        f1s.append(prf(want, run(Clusterer(clusterer.classifier), delayed))[2])
    if f1s:
        print(
            f"arrival order shuffled (each item delayed 0-6 h, {len(f1s)} orders): "
            f"F1 mean {sum(f1s) / len(f1s):.2f}, min {min(f1s):.2f}"
        )
    if args.scale:
        scaling(clusterer, items, args.scale)
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
