"""The phrasing matrix: every event type × every polled language × three phrasings (active verb,
passive or nominal, headline shorthand), and sentences that use the same words in another sense.
Written by a helper who had not seen the word lists (tests/data/phrasings.jsonl), so it measures
how far the frames generalise. Floors, not goals: a change that loses phrasings fails here;
raise the floors as the vocabulary grows (docs/dev.md "Classifier")."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.classify import classify
from bot.classify.events import load_events

ROWS = [
    json.loads(line)
    for line in (Path(__file__).parents[1] / "data/phrasings.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
LANGUAGES = sorted({r["language"] for r in ROWS})
#: Share of event phrasings whose type is found, overall and in the weakest language (measured
#: 2026-12-07: 0.91 overall, 0.84 in the weakest, Swedish). The misses were used to find
#: vocabulary gaps (words and compounds of each language, never whole phrasings), so this is a
#: regression guard, not a blind measure: the hold-out of real reports is that.
OVERALL_FLOOR = 0.89
LANGUAGE_FLOOR = 0.82


def _found(row: dict) -> bool:
    return row["type"] in {e.type for e in classify(row["text"], "", row["language"]).events}


def test_the_matrix_covers_every_type_language_and_form():
    cells = Counter((r["type"], r["language"], r["form"]) for r in ROWS if r["type"])
    assert {t for t, _, _ in cells} == set(load_events().types)
    assert len(cells) == len(load_events().types) * len(LANGUAGES) * 3


def test_event_phrasings_are_understood_in_every_language():
    hits, totals = Counter(), Counter()
    for row in ROWS:
        if row["type"]:
            totals[row["language"]] += 1
            hits[row["language"]] += _found(row)
    assert sum(hits.values()) / sum(totals.values()) >= OVERALL_FLOOR
    weakest = min(LANGUAGES, key=lambda lang: hits[lang] / totals[lang])
    assert hits[weakest] / totals[weakest] >= LANGUAGE_FLOOR, weakest


@pytest.mark.parametrize("row", [r for r in ROWS if r["type"] is None], ids=lambda r: r["text"][:40])
def test_other_senses_are_no_event(row):
    assert classify(row["text"], "", row["language"]).events == ()
