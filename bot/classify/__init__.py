"""The classifier: regions (about vs mentioned), topics, severity, each with its evidence. Pure.

    tokens = tokenize(title, summary)          text.py: fold scripts and diacritics, sentences
    matches = lexicon.match(tokens)            lexicon.py: every gazetteer/lexicon form, inflected
    sport?  → nothing fires                    contexts.yaml
    regions = score_regions(matches)           regions.py
    topics = score_topics(matches)             topics.py
    severity = score_severity(matches)         severity.py

Data lives in ``bot/classify/data/*.yaml`` (format: data/SCHEMA.md); numbers in ``thresholds``.
"""

from __future__ import annotations

from bot.classify import thresholds as t
from bot.classify.events import find_events
from bot.classify.language import detect_language
from bot.classify.lexicon import Match
from bot.classify.model import Model, load_model
from bot.classify.parties import (
    CIVIL_DRONE_TYPES,
    WORD_ONCE,
    event_severity,
    parties_about,
    settle,
    with_event_topics,
)
from bot.classify.regions import score_regions
from bot.classify.severity import score_severity
from bot.classify.text import Tokens, tokenize
from bot.classify.topics import score_topics, topic_matches
from bot.domain import Classification, Event, Severity

__all__ = ["Classifier", "Matches", "classify", "default_classifier"]

Matches = dict[str, list[Match]]  #: lexicon matches by kind ("region", "topic", "ctx", …)


class Classifier:
    def __init__(self, model: Model | None = None) -> None:
        self.model = model or load_model()

    def classify(self, title: str, summary: str = "", language: str | None = None) -> Classification:
        return self.analyse(title, summary, language)[0]

    def analyse(
        self, title: str, summary: str = "", language: str | None = None
    ) -> tuple[Classification, Tokens, Matches]:
        """The classification with the tokens and lexicon matches it was made from, so the next
        stage (clustering features) reads the same pass instead of matching the text again."""
        language = (language or "").strip().lower() or detect_language(f"{title}. {summary}"[:300])
        tokens = tokenize(title, summary)
        matches = self.model.lexicon.match(tokens)
        return self._classify(language, tokens, matches), tokens, matches

    def _classify(self, language: str, tokens: Tokens, matches: Matches) -> Classification:
        contexts = [m.payload[1] for m in matches.get("ctx", ())]
        civil_drone = "civil_drone" in contexts
        topical = topic_matches(matches, civil_drone=civil_drone)
        regions = score_regions(self.model, tokens, matches, language)
        named = {r.code for r in regions}
        home = self.model.home_regions.get(language)
        found = find_events(
            tokens,
            language,
            [m for m in matches.get("region", ()) if m.payload[1] in named],
            home=home,
            counterparts=frozenset(m.end for m in matches.get("counterpart", ())),
        )
        if civil_drone:  # farm, delivery and wedding drones are not incursions
            found = tuple((s, e) for s, e in found if e.type not in CIVIL_DRONE_TYPES)
        strong = sum(1 for m in topical if m.payload[2] == "strong")
        leisure = contexts.count("sport") + contexts.count("entertainment")
        # An event of the title or lead that matters (not talks or a threat) overrides the sport
        # context: "footballers killed in a strike"; "the team will meet Israel" is still sport.
        headline_event = any(sentence <= 1 and e.severity is not Severity.LOW for sentence, e in found)
        if leisure >= t.SPORT_MIN and strong < t.SECURITY_OVERRIDE and not headline_event:
            # Sport or entertainment, not security: "Lithuania beat Belarus", "a spy thriller set
            # in Riga" tag nothing (tests/data/LABELLING.md, traps).
            return Classification(language=language, regions=(), topics=(), severity=Severity.LOW)
        topics = score_topics(self.model, tokens, topical)
        severity, why = score_severity(self.model, tokens, matches, has_topic=bool(topics))
        events: tuple[Event, ...] = ()
        if not found and len(topics) == 1 and topics[0].score <= WORD_ONCE:
            # No event and one topic word said once in the body: not security news.
            topics, severity, why = (), Severity.LOW, ()
        if found:
            found = settle(found)
            events = tuple(event for _, event in found)
            regions = parties_about(regions, found, language)
            topics = with_event_topics(topics, found)
            severity, why = event_severity(severity, why, found)
        return Classification(
            language=language,
            regions=regions,
            topics=topics,
            severity=severity,
            severity_evidence=why,
            events=events,
        )


_default: Classifier | None = None


def default_classifier() -> Classifier:
    """The classifier with the bundled data, loaded once per process."""
    global _default
    if _default is None:
        _default = Classifier()
    return _default


def classify(title: str, summary: str = "", language: str | None = None) -> Classification:
    """Classify one item with the bundled data (loaded once)."""
    return default_classifier().classify(title, summary, language)
