"""Topics (border, military, migration, hybrid, diplomacy) and their evidence. Pure.

A topic fires on one strong term, or on enough weak ones, or on a weak term next to a strong
term of another topic. Words inside an other-sense phrase ("bordering on", "spy novel") never
count, and in an item about farming or deliveries, drone words are not hybrid threats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.classify import thresholds as t
from bot.classify.lexicon import Match, longest_per_key
from bot.classify.model import Model
from bot.classify.text import Tokens
from bot.domain import TopicTag

_DRONE_STEMS = ("dron", "bespilot", "bezpilot", "bpla", "balon", "balloon", "droon")


def topic_matches(matches: dict[str, list[Match]], civil_drone: bool) -> list[Match]:
    """Topic matches that count: outside other-sense phrases, longest per topic."""
    blocked = [(m.start, m.end) for m in matches.get("not", ())]
    # A topic whose other-sense context is present does not fire ("migration" with "birds").
    excluded = {m.payload[1] for m in matches.get("not_with", ())}
    kept = []
    for m in matches.get("topic", ()):
        if m.payload[1] in excluded:
            continue
        if blocked and any(m.start < e and s < m.end for s, e in blocked):
            continue
        topic, strength = m.payload[1], m.payload[2]
        drone_word = strength == "weak" or any(stem in w for w in m.form.tokens for stem in _DRONE_STEMS)
        if civil_drone and topic in ("hybrid", "military") and drone_word:
            continue
        kept.append(m)
    # Longest per topic: "border crossing" is one strong term, not also a weak "border".
    return longest_per_key(kept, key=lambda m: m.payload[1])


def score_topics(model: Model, tokens: Tokens, matches: Sequence[Match]) -> tuple[TopicTag, ...]:
    strong: dict[str, float] = defaultdict(float)
    weak: dict[str, float] = defaultdict(float)
    evidence: dict[str, dict[str, None]] = defaultdict(dict)
    weak_seen: set[tuple[str, str]] = set()
    for m in matches:
        topic, strength = m.payload[1], m.payload[2]
        factor = t.TITLE_TOPIC_FACTOR if tokens.sentences[m.start] == 0 else 1.0
        if strength == "strong":
            strong[topic] += t.STRONG_WEIGHT * factor
        elif (topic, m.form.text) not in weak_seen:  # a weak word said twice is still one hint
            weak_seen.add((topic, m.form.text))
            weak[topic] += t.WEAK_WEIGHT * factor
        if len(evidence[topic]) < t.MAX_EVIDENCE:
            evidence[topic][tokens.span(m.start, m.end)] = None

    any_strong = {topic for topic, s in strong.items() if s > 0}
    tags = []
    for topic in model.topics:
        score = strong[topic] + weak[topic]
        fires = (
            strong[topic] > 0
            or score >= t.TOPIC_MIN
            or (weak[topic] >= t.WEAK_SUPPORTED and bool(any_strong - {topic}))
        )
        if fires:
            tags.append(
                TopicTag(
                    topic=topic,
                    score=round(score / (score + t.TOPIC_SCORE_HALF), 2),
                    evidence=tuple(evidence[topic]),
                )
            )
    tags.sort(key=lambda tag: -tag.score)
    return tuple(tags)
