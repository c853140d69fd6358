"""Classifier accuracy on the labelled sets, beside a naive keyword baseline.

    python benchmarks/accuracy.py                      # tests/data/labelled.jsonl (dev)
    python benchmarks/accuracy.py --set holdout        # tests/data/holdout.jsonl (never tuned on)
    python benchmarks/accuracy.py --errors             # also list every disagreement

Metrics (micro-averaged over item × label pairs): regions "about", regions "any" (about or
mentioned), each topic and all topics, high-severity recall/precision, and the share of
negative/trap items on which a topic fired (false alarms). The baseline is what keyword-filter
bots do: literal English country names and topic keywords, every country found counts as "about".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.classify import classify  # noqa: E402

TOPICS = ("border", "military", "migration", "hybrid", "diplomacy")
SETS = {"dev": ROOT / "tests/data/labelled.jsonl", "holdout": ROOT / "tests/data/holdout.jsonl"}

BASELINE_TOPICS = {
    "border": ["border", "frontier", "checkpoint"],
    "military": ["military", "army", "troops", "soldier", "defence", "defense", "nato", "missile", "weapon"],
    "migration": ["migrant", "refugee", "asylum", "migration"],
    "hybrid": [
        "cyber",
        "hack",
        "spy",
        "espionage",
        "sabotage",
        "drone",
        "disinformation",
        "propaganda",
        "jamming",
    ],
    "diplomacy": ["diplomat", "ambassador", "sanction", "talks", "summit", "foreign minister"],
}
BASELINE_HIGH = [
    "closed",
    "closes",
    "attack",
    "killed",
    "explosion",
    "emergency",
    "mobilisation",
    "mobilization",
]


@dataclass(frozen=True)
class Prediction:
    about: set[str]
    any: set[str]
    topics: set[str]
    severity: str


def briefbot(item: dict) -> Prediction:
    c = classify(item.get("title", ""), item.get("summary", ""), item.get("language"))
    return Prediction(
        about={r.code for r in c.regions if r.role.value == "about"},
        any={r.code for r in c.regions},
        topics={tp.topic for tp in c.topics},
        severity=c.severity.value,
    )


_COUNTRY_NAMES = {
    c.alpha_2: [n for n in {c.name, getattr(c, "common_name", c.name)} if "," not in n]
    for c in pycountry.countries
}


def baseline(item: dict) -> Prediction:
    text = f"{item.get('title', '')} {item.get('summary', '')}"
    lower = text.lower()
    found = {
        code
        for code, names in _COUNTRY_NAMES.items()
        if any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)
    }
    topics = {t for t, words in BASELINE_TOPICS.items() if any(w in lower for w in words)}
    high = topics and any(w in lower for w in BASELINE_HIGH)
    return Prediction(about=found, any=found, topics=topics, severity="high" if high else "low")


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, truth: Iterable[str], predicted: Iterable[str]) -> None:
        truth, predicted = set(truth), set(predicted)
        self.tp += len(truth & predicted)
        self.fp += len(predicted - truth)
        self.fn += len(truth - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(items: list[dict], predict) -> dict[str, Score | float]:  # type: ignore[no-untyped-def]
    scores: dict[str, Score] = {
        k: Score() for k in ("regions-about", "regions-any", "topics-micro", "high-severity")
    }
    for topic in TOPICS:
        scores[f"topic:{topic}"] = Score()
    negatives = false_alarms = 0
    for item in items:
        p = predict(item)
        about, mentioned = set(item["about"]), set(item["mentioned"])
        scores["regions-about"].add(about, p.about)
        scores["regions-any"].add(about | mentioned, p.any)
        scores["topics-micro"].add(item["topics"], p.topics)
        for topic in TOPICS:
            scores[f"topic:{topic}"].add({topic} & set(item["topics"]), {topic} & p.topics)
        scores["high-severity"].add(
            {"high"} if item["severity"] == "high" else set(), {"high"} if p.severity == "high" else set()
        )
        if item.get("kind") in ("negative", "trap") and not item["topics"]:
            negatives += 1
            false_alarms += bool(p.topics)
    out: dict[str, Score | float] = dict(scores)
    out["false-alarm-rate"] = false_alarms / negatives if negatives else 0.0
    return out


def disagreements(items: list[dict]) -> Iterable[str]:
    for item in items:
        p = briefbot(item)
        want = (
            set(item["about"]),
            set(item["about"]) | set(item["mentioned"]),
            set(item["topics"]),
            item["severity"],
        )
        got = (p.about, p.any, p.topics, p.severity)
        if want != got:
            parts = []
            for name, w, g in zip(("about", "any", "topics", "severity"), want, got, strict=True):
                if w != g:
                    parts.append(
                        f"{name}: want {sorted(w) if isinstance(w, set) else w} got {sorted(g) if isinstance(g, set) else g}"
                    )
            yield f"{item['id']} [{item['language']}] {item['title'][:70]!r}\n    " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument(
        "--errors", action="store_true", help="list every item where Briefbot disagrees with the label"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    items = [
        json.loads(line) for line in SETS[args.set].read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    ours, naive = evaluate(items, briefbot), evaluate(items, baseline)
    if args.json:
        print(
            json.dumps(
                {name: {"briefbot": _figures(ours[name]), "baseline": _figures(naive[name])} for name in ours}
            )
        )
        return
    print(f"accuracy on {SETS[args.set].relative_to(ROOT)} ({len(items)} items)")
    print(f"{'metric':<20} {'Briefbot P / R / F1':>22}   {'baseline P / R / F1':>22}")
    for name in ours:
        a, b = ours[name], naive[name]
        if isinstance(a, Score) and isinstance(b, Score):
            print(
                f"{name:<20} {a.precision:6.2f} {a.recall:6.2f} {a.f1:6.2f}     {b.precision:6.2f} {b.recall:6.2f} {b.f1:6.2f}"
            )
        else:
            print(f"{name:<20} {a:>22.2f}   {b:>22.2f}")
    if args.errors:
        print()
        for line in disagreements(items):
            print(line)


def _figures(value: Score | float) -> dict[str, float] | float:
    if isinstance(value, Score):
        return {
            "precision": round(value.precision, 3),
            "recall": round(value.recall, 3),
            "f1": round(value.f1, 3),
        }
    return round(value, 3)


if __name__ == "__main__":
    main()
