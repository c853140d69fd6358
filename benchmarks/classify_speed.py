"""Classifier throughput on one core: items/s over the labelled sets, repeated.

    python benchmarks/classify_speed.py [--items 20000]

Model loading (data files, CLDR names) is timed separately: it happens once per process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20000)
    args = parser.parse_args()
    items = []
    for name in ("real_dev.jsonl", "labelled.jsonl"):
        path = ROOT / "tests/data" / name
        if path.exists():
            items += [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
    started = time.perf_counter()
    from bot.classify import Classifier

    classifier = Classifier()
    classifier.classify("warm-up", "", "en")
    load = time.perf_counter() - started
    # Vary the text a little so per-token caches see realistic, not identical, input.
    batch = [
        (f"{it['title']} ({i})", f"{it['summary']} Report {i}.", it.get("language"))
        for i, it in zip(range(args.items), (items * (args.items // len(items) + 1)), strict=False)
    ]
    started, cpu_started = time.perf_counter(), time.process_time()
    for title, summary, language in batch:
        classifier.classify(title, summary, language)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    chars = sum(len(t) + len(s) for t, s, _ in batch) / len(batch)
    print(
        f"classify: {len(batch)} items (avg {chars:.0f} chars) in {seconds:.2f} s = "
        f"{len(batch) / seconds:,.0f} items/s on one core ({len(batch) / cpu:,.0f} items per CPU-second)"
    )
    detect = batch[:2000]
    started = time.process_time()
    for title, summary, _ in detect:
        classifier.classify(title, summary, None)
    print(
        f"without a language (detected): {len(detect) / (time.process_time() - started):,.0f} items per CPU-second"
    )
    print(f"model load: {load:.2f} s (once per process)")


if __name__ == "__main__":
    main()
