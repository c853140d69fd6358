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
from bot.classify.language import detect_language
from bot.classify.lexicon import Match
from bot.classify.model import Model, load_model
from bot.classify.regions import score_regions
from bot.classify.severity import score_severity
from bot.classify.text import Tokens, tokenize
from bot.classify.topics import score_topics, topic_matches
from bot.domain import Classification, Severity

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
        topical = topic_matches(matches, civil_drone="civil_drone" in contexts)
        strong = sum(1 for m in topical if m.payload[2] == "strong")
        leisure = contexts.count("sport") + contexts.count("entertainment")
        if leisure >= t.SPORT_MIN and strong < t.SECURITY_OVERRIDE:
            # Sport or entertainment, not security: "Lithuania beat Belarus", "a spy thriller set
            # in Riga" tag nothing (issue 4, traps; tests/data/LABELLING.md).
            return Classification(language=language, regions=(), topics=(), severity=Severity.LOW)
        regions = score_regions(self.model, tokens, matches, language)
        topics = score_topics(self.model, tokens, topical)
        severity, why = score_severity(self.model, tokens, matches, has_topic=bool(topics))
        return Classification(
            language=language, regions=regions, topics=topics, severity=severity, severity_evidence=why
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
