"""What an item's events make of its regions, topics and severity. Pure.

A region is *about* an item when it is a party to one of its main events — where it happens, who
acts, the counterpart — and *mentioned* otherwise (tests/data/LABELLING.md section 1). The main
events are those of the title and the lead; when neither has one, those of the body.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bot.classify import thresholds as t
from bot.classify.events import load_events
from bot.domain import Event, RegionRole, RegionTag, Severity, TopicTag

#: The score of a topic tag made by one strong word in the body (topics.py: s / (s + 1), s = 1).
WORD_ONCE = 0.5
#: Events that a farm, delivery or wedding drone would otherwise make (contexts.yaml civil_drone).
CIVIL_DRONE_TYPES = frozenset({"drone_incursion", "drone_debris_found", "shoot_down", "airport_disruption"})


def parties_about(
    regions: Sequence[RegionTag], found: Sequence[tuple[int, Event]], language: str
) -> tuple[RegionTag, ...]:
    """The parties of the main events are about; the country the item's words put first (the
    title's actor) stays about too: an event's clause may name only the counterpart ("the
    government closed two crossings with Belarus")."""
    main = [event for sentence, event in found if sentence <= 1]
    if not main:  # the body's first event sentence
        first = min(sentence for sentence, _ in found)
        main = [event for sentence, event in found if sentence == first]
    counts: Counter[str] = Counter()
    for rank, event in enumerate(main):
        for code in event.parties:
            counts[code] += 1 + (len(main) - rank) / 100  # earlier events first on ties
    words_about = [r.code for r in regions if r.role is RegionRole.ABOUT]
    if len(counts) < 2:  # the events name one side only: the words' first country is the other
        for code in words_about[:1]:
            counts[code] += 0.5
    if not counts:
        return tuple(regions)
    by_code = {r.code: r for r in regions}
    about = [code for code, _ in counts.most_common(t.ABOUT_MAX)]
    out: list[RegionTag] = []
    for code in about:
        tag = by_code.get(code)
        if tag is None:
            # Named by no word: the home state ("the government closes …") or the neighbour beyond
            # a border with one neighbour. Its evidence is the event that makes it a party.
            why = next((e.evidence for e in main if code in e.parties and e.evidence), ())
            out.append(RegionTag(code, RegionRole.ABOUT, t.HOME_ONLY_SCORE, why or (f"language:{language}",)))
        else:
            out.append(RegionTag(code, RegionRole.ABOUT, tag.score, tag.evidence))
    for tag in regions:
        if tag.code not in about:
            out.append(RegionTag(tag.code, RegionRole.MENTIONED, tag.score, tag.evidence))
    return tuple(out)


def with_event_topics(topics: Sequence[TopicTag], found: Sequence[tuple[int, Event]]) -> tuple[TopicTag, ...]:
    """The topics the words gave, and every topic of an event of the title or lead; a body
    event's topics only when the words found the item to be security news (a background
    clause does not make a weather item diplomacy)."""
    types = load_events().types
    headline = any(sentence <= 1 for sentence, _ in found)
    if headline:
        # The headline's events say what the item is about; a topic word said once in the body
        # ("exceptions for diplomats", "sanctions") is detail (a tag at WORD_ONCE or below).
        topics = [tag for tag in topics if tag.score > WORD_ONCE]
    out = {tag.topic: tag for tag in topics}
    for sentence, event in found:
        if sentence > 1 and not (topics or headline):
            continue
        for topic in types[event.type].topics:
            if topic not in out:
                out[topic] = TopicTag(topic, 0.75, event.evidence)
    return tuple(sorted(out.values(), key=lambda tag: -tag.score))


def settle(found: Sequence[tuple[int, Event]]) -> tuple[tuple[int, Event], ...]:
    """Item-level rules over the events found sentence by sentence:

    - a title that says a crossing reopens makes any closure of the item background (medium);
    - a body event is background or detail: at most medium (severity is the event as reported,
      tests/data/LABELLING.md section 3);
    - an event none of whose parties Briefbot covers is far-region news: low.
    """
    model = load_events()
    reopened = any(sentence == 0 and e.type == "border_reopening" for sentence, e in found)
    out = []
    for sentence, event in found:
        severity = event.severity
        if sentence > 1 or (reopened and event.type == "border_closure"):
            severity = min(severity, Severity.MEDIUM, key=lambda s: s.rank)
        if event.parties and model.coverage and not set(event.parties) & model.coverage:
            severity = Severity.LOW  # far-region news: North Korea's missile tests
        out.append((sentence, replace(event, severity=severity)))
    return tuple(out)


def event_severity(
    severity: Severity, why: tuple[str, ...], found: Sequence[tuple[int, Event]]
) -> tuple[Severity, tuple[str, ...]]:
    """The headline decides: the highest severity of the title's events, else of the lead's,
    else of the body's (already at most medium). The word rules' severity counts only where no
    event of the title or lead speaks (the rules read keywords, the events who did what)."""
    first = min(sentence for sentence, _ in found)
    best = max((e for s, e in found if s == first), key=lambda e: e.severity.rank)
    if first <= 1 or best.severity.rank >= severity.rank:
        return best.severity, best.evidence
    return severity, why
