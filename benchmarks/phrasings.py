"""How many event phrasings the classifier understands: a phrasing matrix scored per language.

    python benchmarks/phrasings.py                                   # tests/data/phrasings_blind.jsonl
    python benchmarks/phrasings.py --file tests/data/phrasings.jsonl # the matrix used for vocabulary

Each line is one sentence written by a helper who never saw the word lists, with the event type it
reports and its parties (`type` null: the same words in another sense, no event). Printed: the
share of event sentences whose type is found, overall and per language; the share of those whose
parties are all "about"; and how many other-sense sentences stay without an event.
`phrasings_blind.jsonl` is a blind measure: score it, do not read its misses (if you do, it is a
development aid like `phrasings.jsonl`, and a new blind one must be written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.classify import classify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=ROOT / "tests/data/phrasings_blind.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    found, total, parties = Counter(), Counter(), 0
    clean = negatives = 0
    for row in rows:
        c = classify(row["text"], "", row["language"])
        types = {e.type for e in c.events}
        if row["type"] is None:
            negatives += 1
            clean += not types
            continue
        total[row["language"]] += 1
        if row["type"] in types:
            found[row["language"]] += 1
            parties += set(row["parties"]) <= set(c.about())
    hits, n = sum(found.values()), sum(total.values())
    print(f"phrasings in {args.file.name}: {hits} of {n} events found ({hits / n:.0%})")
    print(
        f"  parties all 'about' in {parties / max(hits, 1):.0%} of those; other senses without an event: {clean} of {negatives}"
    )
    print("  per language: " + ", ".join(f"{lang} {found[lang] / total[lang]:.0%}" for lang in sorted(total)))


if __name__ == "__main__":
    main()
