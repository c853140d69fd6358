"""Security events: an action bound to its object and its parties, in one sentence. Pure.

    frames    = every type's word groups found together in one sentence   data/events.yaml
    modifiers = negation right before the action; denial, hedging, the past, escalation in the
                clause; easing (reopens) turns a closure into a reopening
    parties   = the countries named in the frame's clauses (where, who, the counterpart), the
                item's home country when the action has no actor before it ("Vyriausybė uždaro
                sieną su Baltarusija" → LT, BY)

Words are matched per language on the folded tokens the classifier already made (frames.py;
why prefixes and not a lemmatiser: docs/decisions/0003-event-frames.md). Country names come from
the classifier's one lexicon pass.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml

from bot.classify.frames import (
    Hit,
    Pattern,
    PatternIndex,
    clause_numbers,
    compile_pattern,
    find_hits,
)
from bot.classify.lexicon import Match
from bot.classify.model import DATA, _WordLoader
from bot.classify.text import Tokens
from bot.domain import Event, Severity

#: Evidence longer than this many tokens is cut to the frame's words.
MAX_EVIDENCE_TOKENS = 12
#: How many tokens before the action a negation counts ("did not violate", "не нарушали").
NEGATION_REACH = 3
#: At most this many parties per event (LABELLING.md: usually 1–3).
MAX_PARTIES = 3
#: How many tokens before a frame word a hedge counts ("suspected of violating", "may close").
HEDGE_REACH = 4


@dataclass(frozen=True, slots=True)
class Frame:
    groups: tuple[str, ...]
    min_parties: int = 0
    severity: Severity | None = None  #: this reading's own base ("jets scrambled" is a reaction)


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    topics: tuple[str, ...]
    severity: Severity
    frames: tuple[Frame, ...]
    eased_to: str | None = None  #: the type this becomes when the sentence says things ease
    escalates: bool = False  #: an escalation word in the clause makes it high
    attributed: bool = False  #: its base severity needs two parties (whose drone, over whom)
    yields_to: tuple[str, ...] = ()  #: types that, found in the same sentence, say it better
    unless: tuple[str, ...] = ()  #: word groups that, in the same sentence, mean another event
    home_party: bool = False  #: the item's home state is a party even when others are named


@dataclass
class EventModel:
    types: dict[str, EventType]
    indexes: dict[str, PatternIndex]  #: language → patterns of every word group and modifier
    #: word group → (type, frame) of every frame that starts with it: a sentence tries only the
    #: frames whose first group it has
    by_first: dict[str, list[tuple[EventType, Frame]]] = field(default_factory=dict)
    #: state → the neighbour beyond its only external land border (events.yaml external_border)
    external_border: dict[str, str] = field(default_factory=dict)
    coverage: frozenset[str] = frozenset()  #: the states Briefbot covers (events.yaml coverage)


@functools.cache
def load_events() -> EventModel:
    data = yaml.load((DATA / "events.yaml").read_text(encoding="utf-8"), Loader=_WordLoader)  # noqa: S506
    by_language: dict[str, list[Pattern]] = {}
    for section in ("words", "modifiers"):
        for group, languages in (data.get(section) or {}).items():
            for language, forms in (languages or {}).items():
                for form in forms or ():
                    pattern = compile_pattern(str(group), str(form))
                    if pattern:
                        by_language.setdefault(str(language), []).append(pattern)
    types: dict[str, EventType] = {}
    words = set(data.get("words") or {})
    for name, spec in (data.get("types") or {}).items():
        frames = []
        for frame in spec.get("frames") or ():
            if isinstance(frame, Mapping):
                groups, minimum = tuple(frame["words"]), int(frame.get("min_parties", 0))
            else:
                groups, minimum = tuple(frame), 0
            unknown = set(groups) - words
            if unknown:
                raise ValueError(f"events.yaml: {name} uses unknown word groups {sorted(unknown)}")
            level = frame.get("severity") if isinstance(frame, Mapping) else None
            frames.append(Frame(groups, minimum, Severity(level) if level else None))
        types[str(name)] = EventType(
            name=str(name),
            topics=tuple(spec.get("topics") or ()),
            severity=Severity(spec.get("severity", "low")),
            frames=tuple(frames),
            eased_to=spec.get("eased_to"),
            escalates=bool(spec.get("escalates")),
            attributed=bool(spec.get("attributed")),
            yields_to=tuple(spec.get("yields_to") or ()),
            unless=tuple(spec.get("unless") or ()),
            home_party=bool(spec.get("home_party")),
        )
    by_first: dict[str, list[tuple[EventType, Frame]]] = {}
    for event_type in types.values():
        for frame in event_type.frames:
            by_first.setdefault(frame.groups[0], []).append((event_type, frame))
    external = {str(k).upper(): str(v).upper() for k, v in (data.get("external_border") or {}).items()}
    coverage = frozenset(str(c).upper() for c in data.get("coverage") or ())
    return EventModel(
        types,
        {lang: PatternIndex(patterns) for lang, patterns in by_language.items()},
        by_first,
        external,
        coverage,
    )


def _lower(severity: Severity, floor: Severity = Severity.LOW) -> Severity:
    rank = max(severity.rank - 1, floor.rank)
    return next(s for s in Severity if s.rank == rank)


def find_events(
    tokens: Tokens,
    language: str,
    region_matches: Sequence[Match],
    home: str | None = None,
    model: EventModel | None = None,
    counterparts: frozenset[int] = frozenset(),
) -> tuple[tuple[int, Event], ...]:
    """Every catalogue event of the item with the sentence it was first found in (0 = title,
    1 = lead), in reading order, one per type (its strongest reading). ``counterparts``: token
    indices right after a counterpart marker ("with", "su", "з"): a country named there is the
    other side of the event, not its actor."""
    model = model or load_events()
    index = model.indexes.get(language)
    if index is None or not len(tokens):
        return ()
    hits = find_hits(index, tokens)
    other = [(h.start, h.end) for h in hits if h.group == "other_sense"]
    if other:  # "close to the border": no word of an other-sense phrase is a frame word
        hits = [h for h in hits if h.group == "other_sense" or not any(s <= h.start < e for s, e in other)]
    if not hits:
        return ()
    sentences = tokens.sentences
    by_sentence: dict[int, dict[str, list[Hit]]] = {}
    for h in hits:
        by_sentence.setdefault(sentences[h.start], {}).setdefault(h.group, []).append(h)
    # Only the frames that are complete in a sentence are tried, by type in catalogue order.
    candidates: dict[int, list[tuple[EventType, list[Frame]]]] = {}
    order = {name: i for i, name in enumerate(model.types)}
    for sentence, groups in by_sentence.items():
        complete: dict[str, tuple[EventType, list[Frame]]] = {}
        for group in groups:
            for event_type, frame in model.by_first.get(group, ()):
                if all(g in groups for g in frame.groups[1:]) and not any(
                    g in groups for g in event_type.unless
                ):
                    complete.setdefault(event_type.name, (event_type, []))[1].append(frame)
        candidates[sentence] = sorted(complete.values(), key=lambda c: order[c[0].name])
    if not any(candidates.values()):
        return ()
    clause_of = clause_numbers(tokens, hits)
    # "a Cook Islands-flagged tanker": the flag state is not a party
    flagged = {h.start for h in hits if h.group == "flag_state"}
    countries = sorted(
        (
            (m.start, m.payload[1])
            for m in region_matches
            if m.payload[0] == "region" and m.end not in flagged
        ),
        key=lambda x: x[0],
    )

    found: list[tuple[int, int, Event]] = []  # (sentence, first token, event)
    for sentence, groups in sorted(by_sentence.items()):
        eased = "reopen" in groups
        typed: dict[str, tuple[int, Event]] = {}
        for event_type, frames in candidates[sentence]:
            best: tuple[int, Event, list[Hit]] | None = None
            for frame in frames:
                anchor = groups[frame.groups[0]][0]
                chosen = [anchor] + [
                    min(groups[g], key=lambda h, a=anchor: abs(h.start - a.start)) for g in frame.groups[1:]
                ]
                event = _event(
                    event_type,
                    frame,
                    chosen,
                    groups,
                    clause_of,
                    countries,
                    tokens,
                    home,
                    eased,
                    model,
                    counterparts,
                )
                if event is not None and (best is None or event.severity.rank > best[1].severity.rank):
                    best = (min(h.start for h in chosen), event, chosen)
            if best is not None:
                start, event, chosen = best
                clauses = set(clause_of[start : max(h.end for h in chosen)])
                evidence = _evidence(tokens, chosen, countries, clause_of, clauses)
                typed[event.type] = (start, Event(event.type, event.severity, event.parties, (evidence,)))
        # "Drones entered Polish airspace" is a drone incursion, not also a violation by jets;
        # "a drone that had flown in was found" is the find.
        for name in list(typed):
            if any(other in typed for other in model.types[name].yields_to):
                del typed[name]
        for start, event in sorted(typed.values(), key=lambda x: x[0]):
            found.append((sentence, start, event))
    # One event per type: the first (title, then lead); a stronger reading in the title or lead
    # raises it (the body tells background and detail, LABELLING.md section 3).
    out: dict[str, tuple[int, Event]] = {}
    for sentence, _start, event in found:
        seen = out.get(event.type)
        if seen is None:
            out[event.type] = (sentence, event)
            continue
        # The lead tells the title's event with more of its parties — when it names the same
        # actor ("Poland closed its border earlier" after "Lithuania closes …" is another event).
        first_parties = seen[1].parties
        if sentence <= 1 and seen[0] <= 1 and (not first_parties or first_parties[0] in event.parties):
            more = [c for c in event.parties if c not in first_parties]
            if more:
                parties = (*seen[1].parties, *more)[:MAX_PARTIES]
                seen = (seen[0], Event(seen[1].type, seen[1].severity, parties, seen[1].evidence))
                out[event.type] = seen
        # The title's reading stands ("Lithuania may close the border" stays hedged though the
        # lead says the government is considering a closure); a lead reading raises a lead one.
        if seen[0] == sentence == 1 and event.severity.rank > seen[1].severity.rank:
            first = seen[1]
            out[event.type] = (
                seen[0],
                Event(event.type, event.severity, first.parties or event.parties, first.evidence),
            )
    _attribute(out, by_sentence, countries, sentences, model)
    return tuple(out.values())


def _attribute(
    out: dict[str, tuple[int, Event]],
    by_sentence: Mapping[int, Mapping[str, list[Hit]]],
    countries: Sequence[tuple[int, str]],
    sentences: Sequence[int],
    model: EventModel,
) -> None:
    """ "Drohne abgestürzt: Warschau beschuldigt Russland" — the state the title or lead accuses
    is a party of the events found there (LABELLING.md section 1: the state the main claim
    attributes the act to)."""
    for sentence in (0, 1):
        accusations = by_sentence.get(sentence, {}).get("accuse")
        if not accusations:
            continue
        after = accusations[0].end
        accused = [code for start, code in countries if start >= after and sentences[start] == sentence]
        for name, (first, event) in list(out.items()):
            if first <= 1 and accused:
                parties = list(event.parties)
                severity = event.severity
                for code in accused:
                    if code not in parties:
                        parties.append(code)
                        spec = model.types[event.type]
                        if spec.attributed and len(parties) == 2 and severity.rank < spec.severity.rank:
                            severity = next(s for s in Severity if s.rank == severity.rank + 1)
                        break  # the first state named after the accusation: whose drone it was
                out[name] = (first, Event(event.type, severity, tuple(parties[:MAX_PARTIES]), event.evidence))


def _event(
    event_type: EventType,
    frame: Frame,
    chosen: list[Hit],
    groups: Mapping[str, list[Hit]],
    clause_of: list[int],
    countries: Sequence[tuple[int, str]],
    tokens: Tokens,
    home: str | None,
    eased: bool,
    model: EventModel,
    counterparts: frozenset[int] = frozenset(),
) -> Event | None:
    first = min(h.start for h in chosen)
    last = max(h.end for h in chosen)
    clauses = set(clause_of[first:last])
    # "did not violate": a negation just before the action word.
    action = chosen[0]
    for h in groups.get("negation", ()):
        if 0 < action.start - h.start <= NEGATION_REACH and clause_of[h.start] in clauses:
            return None

    def in_clause(group: str) -> bool:
        return any(clause_of[h.start] in clauses for h in groups.get(group, ()))

    name, severity = event_type.name, frame.severity or event_type.severity
    if eased and event_type.eased_to and event_type.eased_to in model.types:
        target = model.types[event_type.eased_to]
        name, severity = target.name, target.severity
    if event_type.escalates and in_clause("escalation"):
        severity = Severity.HIGH
    if in_clause("denial"):
        severity = _lower(severity)
    if in_clause("past") and severity is Severity.HIGH:  # the trial, the repair, the anniversary
        severity = Severity.MEDIUM
    # "suspected of violating", "may close": hedging right before a word of the frame (after
    # it, "cable damaged, sabotage suspected", it hedges the cause, not the event).
    frame_starts = [h.start for h in chosen]
    if any(
        clause_of[h.start] in clauses and any(0 < s - h.start <= HEDGE_REACH for s in frame_starts)
        for h in groups.get("hedge", ())
    ):
        severity = _lower(severity, floor=Severity.MEDIUM)

    parties: list[str] = []
    own_side = False  # a country named in the clause other than as the counterpart
    named: set[str] = set()  # …and which: the drone's owner and the state it flew over
    for start, code in countries:
        if clause_of[start] in clauses:
            if start not in counterparts:
                own_side = True
                named.add(code)
            if code not in parties:
                parties.append(code)
    # "Vyriausybė uždaro sieną su Baltarusija": the actor is the item's own state; but "Lotnisko
    # w Wilnie zamknięte" in a Polish item is Lithuania's, not Poland's.
    if home and home not in parties and (not own_side or (event_type.home_party and len(named) < 2)):
        parties.insert(0, home)
        named.add(home)
    # An incursion, shoot-down or crash is an alarm when a state's drone is over another state
    # ("a Russian drone over Poland"); a drone from somewhere, or nobody's, is news: one level
    # lower. Where it came from ("from Belarus") does not make it that state's.
    if event_type.attributed and len(named) < 2:
        severity = _lower(severity)
    if len(parties) == 1 and "border" in event_type.topics and parties[0] in model.external_border:
        parties.append(model.external_border[parties[0]])  # "Suomi sulkee itärajan": and Russia
    if len(parties) < frame.min_parties:
        return None
    parties = parties[:MAX_PARTIES]
    return Event(name, severity, tuple(parties), ())  # evidence: for the reading kept only


def _evidence(
    tokens: Tokens,
    chosen: Sequence[Hit],
    countries: Sequence[tuple[int, str]],
    clause_of: list[int],
    clauses: set[int],
) -> str:
    """The frame as written, with the countries of its clause next to it ("closes its border
    with Belarus"); the frame's words alone when that would be long."""
    first = min(h.start for h in chosen)
    last = max(h.end for h in chosen)
    near = [s for s, _ in countries if clause_of[s] in clauses and abs(s - first) <= MAX_EVIDENCE_TOKENS]
    lo, hi = min([first, *near]), max([last, *(s + 1 for s in near)])
    if hi - lo <= MAX_EVIDENCE_TOKENS and tokens.sentences[lo] == tokens.sentences[hi - 1]:
        return tokens.span(lo, hi)
    if last - first <= MAX_EVIDENCE_TOKENS:
        return tokens.span(first, last)
    return " … ".join(tokens.span(h.start, h.end) for h in sorted(chosen, key=lambda h: h.start))


def says_again(tokens: Tokens, language: str, model: EventModel | None = None) -> bool:
    """Does the title say the event happened again ("closed again", "вновь закрыла")?"""
    model = model or load_events()
    index = model.indexes.get(language)
    if index is None:
        return False
    title = [i for i, sentence in enumerate(tokens.sentences) if sentence == 0]
    if not title:
        return False
    head = _title_only(tokens, title[-1] + 1)
    return any(h.group == "again" for h in find_hits(index, head))


def _title_only(tokens: Tokens, end: int) -> Tokens:
    out = Tokens()
    out.words, out.sentences = tokens.words[:end], tokens.sentences[:end]
    return out
