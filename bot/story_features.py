"""What the clusterer needs of one report, taken from the classifier's pass over its text. Pure.

``analyse`` classifies an item and returns its ``Features``: the countries it is about, its
topics and security event types, the specific names it gives (places, people, institutions,
folded to Latin; entity ids from entities.yaml), its numbers, its content words and two-word
phrases, whether its title says "again", and — filled in later by ingest's workers — its
meaning vector (bot/encoder.py). Made in the parse workers; picklable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.classify import Classifier, Matches
from bot.classify.events import says_again
from bot.classify.model import Model
from bot.classify.text import Tokens, fold
from bot.domain import Classification, RegionRole, Severity

_NUMBER = re.compile(r"\d[\d\s.,]*\d|\d")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Capitalised words that name no event: months, days, titles of office (English; in the other
#: languages these are written in lower case).
_NOT_NAMES = _words(
    """
        january february march april may june july august september october november december
        monday tuesday wednesday thursday friday saturday sunday group minister ministry
        government parliament police service guard guards council office agency committee union
        commission middle africa europe european asia
    """
)
#: Frequent English words that say nothing about which event a report is about.
_STOP = _words(
    """
        the and for with from that this have has been were will would after over into their
        about said which while also more than they them its was are not but who
    """
)


@dataclass(frozen=True, slots=True)
class Features:
    """What the clusterer needs of one item. Picklable: made in the parse workers."""

    about: frozenset[str]
    regions: frozenset[str]
    topics: frozenset[str]
    names: frozenset[str]  #: folded specific names: places, people, institutions
    numbers: frozenset[str]
    words: frozenset[str]  #: folded content words (compared within one language)
    language: str
    severity: Severity = Severity.LOW
    pairs: frozenset[str] = frozenset()  #: consecutive content words of the whole text ("wagner group")
    events: frozenset[str] = frozenset()  #: its security event types (bot/classify/data/events.yaml)
    again: bool = False  #: its title says the event happened again ("closed again", "вновь закрыла")
    actor: str | None = None  #: the first region it is about (the acting state: LT in "LT closes …")
    severe: frozenset[str] = frozenset()  #: its event types found at high severity
    #: its meaning (bot/encoder.py), when computed ahead (ingest embeds new entries in the workers)
    vector: np.ndarray | None = field(default=None, compare=False)


def analyse(
    classifier: Classifier, title: str, summary: str = "", language: str | None = None
) -> tuple[Classification, Features]:
    """Classify an item and take its clustering features from the same pass over the text."""
    c, tokens, matches = classifier.analyse(title, summary, language)
    return c, _features(tokens, matches, c, classifier.model, f"{title} {summary}")


def _features(tokens: Tokens, matches: Matches, c: Classification, model: Model, text: str) -> Features:
    names = {
        fold(tokens.span(m.start, m.end))
        for m in matches.get("region", ())
        if m.payload[2] in ("places", "institutions", "people")
    }
    # The same place or person in any language, by its id in entities.yaml ("#vilnius").
    names |= {f"#{m.payload[1]}" for m in matches.get("entity", ())}
    # Other proper names (Wagner, Eagle S, Bilotaitė): capitalised words inside a sentence that
    # are not country names, which every story of that country shares.
    countries = {
        i
        for m in matches.get("region", ())
        if m.payload[2] in ("names", "cldr", "demonyms")
        for i in range(m.start, m.end)
    }
    names |= {
        tokens.folds[i]
        for i, surface in enumerate(tokens.surfaces)
        if surface[0].isupper()
        and not tokens.firsts[i]
        and len(surface) >= 4
        and i not in countries
        and not surface.isupper()
        and tokens.folds[i] not in _NOT_NAMES
        and tokens.folds[i] not in model.not_given_names
    }
    numbers = {re.sub(r"[\s.,]", "", n) for n in _NUMBER.findall(text)}
    numbers = {n for n in numbers if len(n) >= 2 and not (len(n) == 4 and n.startswith(("19", "20")))}
    # Words of the title and the first two sentences: what the report is about, not background.
    lead = {i for i, sentence in enumerate(tokens.sentences) if sentence <= 2}
    content = [w for w in tokens.folds if len(w) > 3 and w not in _STOP and not w.isdigit()]
    words = {
        tokens.folds[i]
        for i in lead
        if len(tokens.folds[i]) > 3 and tokens.folds[i] not in _STOP and not tokens.folds[i].isdigit()
    }
    return Features(
        about=frozenset(r.code for r in c.regions if r.role is RegionRole.ABOUT),
        regions=frozenset(r.code for r in c.regions),
        topics=frozenset(t.topic for t in c.topics),
        names=frozenset(names),
        numbers=frozenset(numbers),
        words=frozenset(words),
        language=c.language,
        severity=c.severity,
        pairs=frozenset(f"{a} {b}" for a, b in zip(content, content[1:], strict=False)),
        events=frozenset(e.type for e in c.events),
        again=says_again(tokens, c.language),
        actor=next((r.code for r in c.regions if r.role is RegionRole.ABOUT), None),
        severe=frozenset(e.type for e in c.events if e.severity is Severity.HIGH),
    )
