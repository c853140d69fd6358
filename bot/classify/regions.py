"""Which countries an item is about, and which it merely mentions. Pure.

Each match of a country's name, demonym, place, institution or leader is evidence. The score
weighs where it stands (title, then lead sentence, then the rest with diminishing returns), what
kind of name it is, and whether the country is the grammatical actor (named first, at the start
of the title or lead) or the counterpart ("closes crossings *with Belarus*"). Numbers:
``bot.classify.thresholds``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from bot.classify import thresholds as t
from bot.classify.lexicon import Match
from bot.classify.model import Model
from bot.classify.text import Tokens
from bot.domain import RegionRole, RegionTag


def _outermost(found: list[Match]) -> list[Match]:
    """Drop a name inside a longer name: Finnish "Valko-Venäjä" (Belarus) contains "Venäjä"
    (Russia), "Nizhny Novgorod" is not "Novgorod"."""
    long = [(m.start, m.end) for m in found if m.end - m.start > 1]
    if not long:
        return found
    return [
        m
        for m in found
        if not any(s <= m.start and m.end <= e and (e - s) > (m.end - m.start) for s, e in long)
    ]


def _title_case_sentences(tokens: Tokens) -> set[int]:
    """Sentences (headlines, mostly) where most words are capitalised: there a capital letter
    says nothing about names."""
    words: dict[int, list[int]] = {}
    for surface, sentence in zip(tokens.surfaces, tokens.sentences, strict=True):
        if len(surface) > 3:
            counts = words.setdefault(sentence, [0, 0])
            counts[0] += 1
            counts[1] += surface[0].isupper()
    return {s for s, (n, caps) in words.items() if caps / n >= 0.6}


def _drop_traps(model: Model, matches: list[Match], payloads: set[tuple[str, str]]) -> list[Match]:
    """Georgia the US state, and the like: in their trap context, ambiguous forms do not count
    for the region, but for the one they mean there (``instead``), if the data names one."""
    out = []
    for m in matches:
        code = m.payload[1]
        ambiguous = model.ambiguous.get(code)
        if (
            ambiguous
            and m.form.tokens in ambiguous
            and ("trap_when", code) in payloads
            and ("trap_unless", code) not in payloads
        ):
            other = model.instead.get(code)
            if other:
                out.append(m._replace(payload=("region", other, "places")))
            continue
        out.append(m)
    return out


_APPOSITION = re.compile(r",\s+(a|an|the)\s", re.IGNORECASE)


def _surname(model: Model, tokens: Tokens, m: Match, marked: dict[int, str], title_case: set[int]) -> str:
    """How sure we are that a country name is a person's surname here: "sure" ("Mr Poland",
    "Helen Poland, a psychologist"), "maybe" ("Scott Poland warns"), or "" (a country)."""
    if m.end - m.start != 1 or m.payload[2] not in ("names", "cldr") or m.start == 0:
        return ""
    tok = tokens[m.start]
    prev = tokens[m.start - 1]
    if prev.sentence != tok.sentence or tok.start - prev.end != 1:
        return ""  # punctuation in between: "Warsaw, Poland"
    if marked.get(prev.index) == "honorific":
        return "sure"
    given_name = (
        prev.cap
        and not prev.upper
        and prev.index not in marked
        and prev.fold not in model.not_given_names
        and tok.sentence not in title_case
    )
    if not given_name:
        return ""
    if _APPOSITION.match(tokens.texts[tok.sentence], tok.end):
        return "sure"
    return "" if prev.first else "maybe"


def _actor_window_starts(tokens: Tokens) -> dict[int, int]:
    """Where the actor window of the title and the lead begins: at their first word, or after an
    attribution ending in a colon ("ДПСУ: Білорусь перекидає війська…" — the actor is Belarus)."""
    starts: dict[int, int] = {}
    for index, sentence in enumerate(tokens.sentences):
        if sentence > 1:
            break
        if sentence not in starts:
            starts[sentence] = index
            text = tokens.texts[sentence]
            colon = text.find(":")
            if 0 < colon < 60:
                after = [
                    i
                    for i in range(index, len(tokens))
                    if tokens.sentences[i] == sentence and tokens.starts[i] > colon
                ]
                if after and after[0] - index <= 6:
                    starts[sentence] = after[0]
    return starts


def score_regions(
    model: Model, tokens: Tokens, matches: dict[str, list[Match]], language: str = ""
) -> tuple[RegionTag, ...]:
    home = model.home_regions.get(language)
    region_matches = _outermost(matches.get("region", []))
    if home:  # "the government" in a Latvian item is Latvia's
        region_matches += [
            m._replace(payload=("region", home, "domestic"))
            for m in matches.get("domestic", ())
            if m.payload[1] == language
        ]
        region_matches.sort(key=lambda m: (m.start, m.end))
    group_matches = matches.get("group", [])
    if not region_matches and not group_matches:
        return _home_only(home, language)
    payloads = {m.payload for family in ("trap_when", "trap_unless") for m in matches.get(family, ())}
    marked: dict[int, str] = {}
    for family in ("region", "group", "honorific", "counterpart", "coordination"):
        for m in matches.get(family, ()):
            for i in range(m.start, m.end):
                marked.setdefault(i, family)
    border_words = {
        i for m in matches.get("topic", ()) if m.payload[1] == "border" for i in range(m.start, m.end)
    }

    found: list[tuple[str, str, Match]] = []  # (code, kind, match)
    surnames: set[str] = set()  # once "Helen Poland, a psychologist" is a person, so is every "Poland"
    persons: set[int] = set()  # single occurrences that look like a person's name
    kept = _drop_traps(model, region_matches, payloads)
    if language == "en":  # capitalised nouns before a name are ordinary in the other languages
        title_case = _title_case_sentences(tokens)
        for m in kept:
            verdict = _surname(model, tokens, m, marked, title_case)
            if verdict == "sure":
                surnames.add(tokens.folds[m.start])
            elif verdict == "maybe":
                persons.add(m.start)
    for m in kept:
        single = m.end - m.start == 1
        if not (single and (m.start in persons or tokens.folds[m.start] in surnames)):
            found.append((m.payload[1], m.payload[2], m))
    for m in group_matches:
        for code in model.groups.get(m.payload[1], ()):
            found.append((code, "group", m))
    if not found:
        return _home_only(home, language)

    title_w: dict[str, float] = defaultdict(float)
    lead_w: dict[str, float] = defaultdict(float)
    body_w: dict[str, float] = defaultdict(float)
    evidence: dict[str, dict[str, None]] = defaultdict(dict)
    window = _actor_window_starts(tokens)
    actors: list[str] = []  # the actor, and a second one joined by "and" ("Poland and Lithuania …")
    pending: tuple[int, str] | None = None  # (token after the actor, actor code)
    seen_spans: set[tuple[str, int]] = set()
    for code, kind, m in sorted(found, key=lambda f: (f[2].start, -(f[2].end - f[2].start))):
        if (code, m.start) in seen_spans:
            continue  # the same words matched as two forms of one country
        seen_spans.add((code, m.start))
        weight = t.KIND_WEIGHT.get(kind, 0.7)
        sentence = tokens.sentences[m.start]
        before, after = m.start - 1, m.end
        same = tokens.sentences
        # The counterpart of the event: after "with"/"з"/"su" ("border with Belarus", "кордону з
        # Україною"), or named as the owner of a border ("the Polish border", "Suomen rajasta").
        counterpart = (before >= 0 and same[before] == sentence and marked.get(before) == "counterpart") or (
            after < len(same) and after in border_words and same[after] == sentence
        )
        # Before an attribution colon is the source, not the subject ("ДПСУ: Білорусь …").
        source = sentence in window and m.start < window[sentence]
        factor = t.COUNTERPART_FACTOR if (counterpart or source) else 1.0
        if sentence == 0:
            title_w[code] = max(title_w[code], weight * factor)
        elif sentence == 1:
            lead_w[code] = max(lead_w[code], weight * factor)
        else:
            body_w[code] += weight
        if sentence in window and not actors and sentence <= 1:
            if 0 <= m.start - window[sentence] < t.ACTOR_WINDOW and not (
                counterpart and marked.get(before) == "counterpart"
            ):
                actors.append(code)
                pending = (m.end, code)
            elif m.start >= window[sentence]:
                window.pop(sentence)  # this sentence's first region is not its actor
        elif pending and code != pending[1] and len(actors) == 1:
            gap = range(pending[0], m.start)
            if len(gap) <= 2 and gap and all(marked.get(i) == "coordination" for i in gap):
                actors.append(code)
            pending = None
        if len(evidence[code]) < t.MAX_EVIDENCE:
            evidence[code][tokens.span(m.start, m.end)] = None

    scores: dict[str, float] = {}
    for code in evidence:
        scores[code] = (
            t.TITLE_WEIGHT * title_w[code]
            + t.LEAD_WEIGHT * lead_w[code]
            + t.BODY_WEIGHT * math.log2(1 + body_w[code])
        )
    for code in actors:
        scores[code] += t.ACTOR_BONUS
    for code in title_w:
        if code not in actors:  # named in the title, but as object or modifier
            scores[code] -= (1 - t.NON_ACTOR_TITLE_FACTOR) * t.TITLE_WEIGHT * title_w[code]
    if home in scores:
        scores[home] += t.HOME_BONUS

    best = max(scores.values())
    ranked = sorted(scores, key=lambda c: (-scores[c], c))
    about = {
        c for c in ranked[: t.ABOUT_MAX] if scores[c] >= t.ABOUT_MIN and scores[c] >= t.ABOUT_RELATIVE * best
    }
    tags = tuple(
        RegionTag(
            code=code,
            role=RegionRole.ABOUT if code in about else RegionRole.MENTIONED,
            score=round(scores[code] / (scores[code] + t.SCORE_HALF), 2),
            evidence=tuple(evidence[code]),
        )
        for code in ranked
    )
    if not about and home and home not in scores:
        # Only passing mentions of other countries: a national-language item is then about its
        # own country ("На Сумщині … обстріли" names only Russia, in the body).
        return _home_only(home, language) + tags
    return tags


def _home_only(home: str | None, language: str) -> tuple[RegionTag, ...]:
    """No country named: an item in a national language is about that language's country
    (an Estonian item on "the government" means Estonia's). Its evidence says so."""
    if home is None:
        return ()
    return (
        RegionTag(
            code=home, role=RegionRole.ABOUT, score=t.HOME_ONLY_SCORE, evidence=(f"language:{language}",)
        ),
    )
