"""Severity of an item: high, medium or low, by the rules in data/severity.yaml. Pure.

A rule fires when every one of its term groups matches inside one sentence (the title is a
sentence): "closes" + "border crossing". Severity counts only for items with a security topic,
so a closed shop or a closed road is never "high". README "Severity" lists the rules.
"""

from __future__ import annotations

from collections import defaultdict

from bot.classify.lexicon import Match
from bot.classify.model import Model
from bot.classify.text import Tokens
from bot.domain import Severity


def score_severity(
    model: Model,
    tokens: Tokens,
    matches: dict[str, list[Match]],
    has_topic: bool,
) -> tuple[Severity, tuple[str, ...]]:
    if not has_topic:
        return Severity.LOW, ()
    # The title says things ease ("reopens two crossings"): the rules that describe what eased
    # (a closure, an emergency) count as medium, though the title or body names the closure
    # (severity.yaml `eases`).
    eased = [m for m in matches.get("eased", ()) if tokens.sentences[m.start] == 0]
    # (rule, sentence) → group → first match
    seen: dict[tuple[int, int], dict[int, Match]] = defaultdict(dict)
    for m in matches.get("sev", ()):
        _, _level, rule, group = m.payload
        seen[(rule, tokens.sentences[m.start])].setdefault(group, m)
    best: tuple[int, int] | None = None  # (rank, rule)
    best_matches: list[Match] = []
    for (rule_index, _sentence), groups in sorted(seen.items()):
        rule = model.rules[rule_index]
        if len(groups) < rule.groups:
            continue
        rank = Severity(rule.level).rank
        found = [groups[g] for g in sorted(groups)]
        if eased and rule.eased:
            rank, found = min(rank, Severity.MEDIUM.rank), [eased[0], *found]
        if best is None or rank > best[0]:
            best = (rank, rule_index)
            best_matches = found
    if best is None:
        return Severity.LOW, ()
    level = next(sev for sev in Severity if sev.rank == best[0])
    why = [tokens.span(m.start, m.end) for m in best_matches]
    return level, tuple(dict.fromkeys(why))
