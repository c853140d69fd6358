"""Which countries an item is about, and which it merely mentions. Pure.

Each match of a country's name, demonym, place, institution or leader is evidence. The score
weighs where it stands (title, then lead sentence, then the rest with diminishing returns), what
kind of name it is, and whether the country is the grammatical actor (named first, at the start
of the title or lead) or the counterpart ("closes crossings *with Belarus*"). Numbers:
``bot.classify.thresholds``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from bot.classify import thresholds as t
from bot.classify.lexicon import Match
from bot.classify.model import Model
from bot.classify.text import Token
from bot.domain import RegionRole, RegionTag


def evidence_text(tokens: Sequence[Token], texts: Sequence[str], m: Match) -> str:
    first, last = tokens[m.start], tokens[m.end - 1]
    return texts[first.sentence][first.start : last.end]


def _is_title_case(tokens: Sequence[Token], sentence: int) -> bool:
    words = [tok for tok in tokens if tok.sentence == sentence and len(tok.surface) > 3]
    return bool(words) and sum(tok.cap for tok in words) / len(words) >= 0.6


def _drop_traps(model: Model, matches: list[Match], payloads: set[tuple[str, str]]) -> list[Match]:
    """Georgia the US state, and the like: ambiguous forms do not count in their trap context."""
    out = []
    for m in matches:
        code = m.payload[1]  # type: ignore[index]
        ambiguous = model.ambiguous.get(code)
        if (
            ambiguous
            and m.form.tokens in ambiguous
            and ("trap_when", code) in payloads
            and ("trap_unless", code) not in payloads
        ):
            continue
        out.append(m)
    return out


def _is_surname(
    model: Model, tokens: Sequence[Token], m: Match, marked: dict[int, str], title_case: set[int]
) -> bool:
    """ "Mr Poland", "Scott Poland, a psychologist": a person, not a country."""
    if m.end - m.start != 1 or m.payload[2] not in ("names", "cldr"):  # type: ignore[index]
        return False
    tok = tokens[m.start]
    if tok.first or m.start == 0:
        return False
    prev = tokens[m.start - 1]
    if prev.sentence != tok.sentence or tok.start - prev.end != 1:
        return False  # punctuation in between: "Warsaw, Poland"
    if marked.get(prev.index) == "honorific":
        return True
    return (
        prev.cap
        and not prev.upper
        and not prev.first
        and prev.index not in marked
        and prev.fold not in model.not_given_names
        and tok.sentence not in title_case
    )


def score_regions(
    model: Model, tokens: Sequence[Token], texts: Sequence[str], matches: Sequence[Match]
) -> tuple[RegionTag, ...]:
    payloads = {m.payload for m in matches if m.payload[0] in ("trap_when", "trap_unless")}  # type: ignore[index]
    marked: dict[int, str] = {}
    for m in matches:
        kind = m.payload[0]  # type: ignore[index]
        if kind in ("region", "group", "honorific", "counterpart"):
            for i in range(m.start, m.end):
                marked.setdefault(i, kind)
    title_case = {s for s in {tok.sentence for tok in tokens} if _is_title_case(tokens, s)}

    found: list[tuple[str, str, Match]] = []  # (code, kind, match)
    region_matches = [m for m in matches if m.payload[0] == "region"]  # type: ignore[index]
    for m in _drop_traps(model, region_matches, payloads):
        if not _is_surname(model, tokens, m, marked, title_case):
            found.append((m.payload[1], m.payload[2], m))  # type: ignore[index]
    for m in matches:
        if m.payload[0] == "group":  # type: ignore[index]
            for code in model.groups.get(m.payload[1], ()):  # type: ignore[index]
                found.append((code, "group", m))
    if not found:
        return ()

    title_w: dict[str, float] = defaultdict(float)
    lead_w: dict[str, float] = defaultdict(float)
    body_w: dict[str, float] = defaultdict(float)
    evidence: dict[str, dict[str, None]] = defaultdict(dict)
    first_in: dict[int, tuple[int, str, bool]] = {}  # sentence → (token index, code, counterpart)
    seen_spans: set[tuple[str, int]] = set()
    for code, kind, m in sorted(found, key=lambda f: (f[2].start, -(f[2].end - f[2].start))):
        if (code, m.start) in seen_spans:
            continue  # the same words matched as two forms of one country
        seen_spans.add((code, m.start))
        weight = t.KIND_WEIGHT.get(kind, 0.7)
        tok = tokens[m.start]
        counterpart = (
            m.start > 0
            and marked.get(m.start - 1) == "counterpart"
            and tokens[m.start - 1].sentence == tok.sentence
        )
        if tok.sentence == 0:
            title_w[code] = max(title_w[code], weight * (t.COUNTERPART_FACTOR if counterpart else 1.0))
        elif tok.sentence == 1:
            lead_w[code] = max(lead_w[code], weight * (t.COUNTERPART_FACTOR if counterpart else 1.0))
        else:
            body_w[code] += weight
        if tok.sentence <= 1 and tok.sentence not in first_in:
            first_in[tok.sentence] = (m.start, code, counterpart)
        if len(evidence[code]) < t.MAX_EVIDENCE:
            evidence[code][evidence_text(tokens, texts, m)] = None

    scores: dict[str, float] = {}
    for code in evidence:
        scores[code] = (
            t.TITLE_WEIGHT * title_w[code]
            + t.LEAD_WEIGHT * lead_w[code]
            + t.BODY_WEIGHT * math.log2(1 + body_w[code])
        )
    sentence_start = {}
    for tok in tokens:
        sentence_start.setdefault(tok.sentence, tok.index)
    for sentence, (index, code, counterpart) in first_in.items():
        if not counterpart and index - sentence_start[sentence] < t.ACTOR_WINDOW:
            scores[code] += t.ACTOR_BONUS
            break  # one actor: the title's if it has one, else the lead's

    best = max(scores.values())
    ranked = sorted(scores, key=lambda c: (-scores[c], c))
    about = {
        c for c in ranked[: t.ABOUT_MAX] if scores[c] >= t.ABOUT_MIN and scores[c] >= t.ABOUT_RELATIVE * best
    }
    return tuple(
        RegionTag(
            code=code,
            role=RegionRole.ABOUT if code in about else RegionRole.MENTIONED,
            score=round(scores[code] / (scores[code] + t.SCORE_HALF), 2),
            evidence=tuple(evidence[code]),
        )
        for code in ranked
    )
