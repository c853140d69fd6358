"""Classifier accuracy on labelled real reports, beside a naive keyword baseline.

    python benchmarks/accuracy.py                      # tests/data/real_dev.jsonl (dev: tuned on)
    python benchmarks/accuracy.py --set holdout        # tests/data/real_holdout.jsonl (never read)
    python benchmarks/accuracy.py --set invented       # tests/data/labelled.jsonl (old invented items)
    python benchmarks/accuracy.py --file F.jsonl       # any file in the LABELLING.md format
    python benchmarks/accuracy.py --errors             # also list every disagreement (dev only!)

Metrics, overall and per language (micro-averaged over item × label pairs): regions "about" on
security items (kind positive), regions "any" (about or mentioned), each topic and all topics,
severity accuracy, high-severity precision/recall, and the share of negative/trap items on which
a topic fired ("negatives flagged"). The baseline is what keyword-filter bots do: literal English
country names and topic keywords, every country found counts as "about".
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
SETS = {
    "dev": ROOT / "tests/data/real_dev.jsonl",
    "holdout": ROOT / "tests/data/real_holdout.jsonl",
    "invented": ROOT / "tests/data/labelled.jsonl",
    "invented-holdout": ROOT / "tests/data/holdout.jsonl",
}

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
    negatives = false_alarms = correct = 0
    for item in items:
        p = predict(item)
        about, mentioned = set(item["about"]), set(item["mentioned"])
        if item.get("kind", "positive") == "positive":
            scores["regions-about"].add(about, p.about)
        scores["regions-any"].add(about | mentioned, p.any)
        scores["topics-micro"].add(item["topics"], p.topics)
        for topic in TOPICS:
            scores[f"topic:{topic}"].add({topic} & set(item["topics"]), {topic} & p.topics)
        scores["high-severity"].add(
            {"high"} if item["severity"] == "high" else set(), {"high"} if p.severity == "high" else set()
        )
        correct += p.severity == item["severity"]
        if item.get("kind") in ("negative", "trap") and not item["topics"]:
            negatives += 1
            false_alarms += bool(p.topics)
    out: dict[str, Score | float] = dict(scores)
    out["severity-accuracy"] = correct / len(items) if items else 0.0
    out["negatives-flagged"] = false_alarms / negatives if negatives else 0.0
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


def _table(title: str, ours: dict, naive: dict) -> None:
    print(title)
    print(f"{'metric':<20} {'Briefbot P / R / F1':>22}   {'baseline P / R / F1':>22}")
    for name in ours:
        a, b = ours[name], naive[name]
        if isinstance(a, Score) and isinstance(b, Score):
            print(
                f"{name:<20} {a.precision:6.2f} {a.recall:6.2f} {a.f1:6.2f}     {b.precision:6.2f} {b.recall:6.2f} {b.f1:6.2f}"
            )
        else:
            print(f"{name:<20} {a:>22.2f}   {b:>22.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--file", type=Path, help="score this file instead of a named set")
    parser.add_argument(
        "--errors", action="store_true", help="list every item where Briefbot disagrees with the label"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--brief", action="store_true", help="one line per language, headline figures only")
    args = parser.parse_args()
    path = args.file.resolve() if args.file else SETS[args.set]
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    languages = sorted({item["language"] for item in items})
    groups = {"all": items} | {lang: [i for i in items if i["language"] == lang] for lang in languages}
    results = {name: (evaluate(group, briefbot), evaluate(group, baseline)) for name, group in groups.items()}
    if args.json:
        print(
            json.dumps(
                {
                    group: {
                        name: {"briefbot": _figures(ours[name]), "baseline": _figures(naive[name])}
                        for name in ours
                    }
                    for group, (ours, naive) in results.items()
                }
            )
        )
        return
    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    ours, naive = results["all"]
    _table(f"accuracy on {shown} ({len(items)} items)", ours, naive)
    print()
    print("per language (Briefbot F1 / baseline F1; severity accuracy; negatives flagged)")
    print(
        f"{'lang':<5} {'n':>4} {'about':>11} {'any':>11} {'topics':>11} {'high P/R':>11} {'sev acc':>8} {'neg':>5}"
    )
    for lang in languages:
        a, b = results[lang]
        print(
            f"{lang:<5} {len(groups[lang]):>4} {a['regions-about'].f1:5.2f}/{b['regions-about'].f1:4.2f}"
            f" {a['regions-any'].f1:5.2f}/{b['regions-any'].f1:4.2f} {a['topics-micro'].f1:5.2f}/{b['topics-micro'].f1:4.2f}"
            f" {a['high-severity'].precision:5.2f}/{a['high-severity'].recall:4.2f} {a['severity-accuracy']:8.2f}"
            f" {a['negatives-flagged']:5.2f}"
        )
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
