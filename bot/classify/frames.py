"""Word patterns on an item's folded tokens, and the clauses of its sentences. Pure.

A pattern is one or more words; a word ending in `*` matches every word that starts with it, a
`"*fragment*"` one word that contains it (compounds), any other word exactly. Patterns are kept
per language and per script (Cyrillic patterns meet Cyrillic words only), indexed by their first
word, and what a text word starts is cached per process (news vocabulary repeats).
data/events.yaml is written in them; events.py reads events from the hits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.classify.text import _TOKEN, Tokens, fold

#: Shortest prefix a `word*` pattern may have: shorter ones match half the dictionary.
MIN_PREFIX = 3
#: Shortest fragment a `*word*` pattern (inside compounds) may have.
MIN_INSIDE = 5
#: Events are read in the title and the first sentences of the summary: what an item reports is
#: there (a long summary's later sentences are background, and at most medium anyway).
MAX_SENTENCE = 4
_CLAUSE_PUNCTUATION = (";", " — ", " – ", "(", ": ")


@dataclass(frozen=True, slots=True)
class Pattern:
    group: str  #: the word group ("close", "border", or a modifier name)
    words: tuple[tuple[str, bool], ...]  #: (script-tagged fold, is prefix)
    inside: bool = False  #: "*kabel*": one word containing it (compounds: Unterseekabel, kabelskada)


class PatternIndex:
    """Patterns of one language: exact first words and prefix first words, with a per-word cache."""

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        self.exact: dict[str, list[Pattern]] = {}
        self.prefix: dict[str, list[Pattern]] = {}
        self.inside: list[tuple[str, str, Pattern]] = []  #: (script, fragment, pattern)
        for p in patterns:
            word, is_prefix = p.words[0]
            if p.inside:
                self.inside.append((word[:2], word[2:], p))
                continue
            (self.prefix if is_prefix else self.exact).setdefault(word, []).append(p)
        self.lengths = sorted({len(w) for w in self.prefix})
        self._cache: dict[str, tuple[Pattern, ...]] = {}

    def starting(self, word: str) -> tuple[Pattern, ...]:
        found = self._cache.get(word)
        if found is None:
            out = list(self.exact.get(word, ()))
            for length in self.lengths:
                if length > len(word):
                    break
                out.extend(self.prefix.get(word[:length], ()))
            script, bare = word[:2], word[2:]
            out.extend(p for s, fragment, p in self.inside if s == script and fragment in bare)
            found = tuple(out)
            if len(self._cache) < 200_000:
                self._cache[word] = found
        return found


def fits(word: str, pattern: tuple[str, bool]) -> bool:
    text, is_prefix = pattern
    return word.startswith(text) if is_prefix else word == text


def compile_pattern(group: str, text: str) -> Pattern | None:
    if text.startswith("*") and text.endswith("*") and " " not in text.strip():
        pieces = _TOKEN.findall(text)
        if len(pieces) == 1 and len(fold(pieces[0])) >= MIN_INSIDE:
            script = "c:" if "\u0400" <= pieces[0][0] <= "\u052f" else "l:"
            return Pattern(group, ((script + fold(pieces[0]), True),), inside=True)
    words: list[tuple[str, bool]] = []
    for raw in text.split():
        star = raw.endswith("*")
        pieces = _TOKEN.findall(raw)
        for j, piece in enumerate(pieces):
            script = "c:" if "\u0400" <= piece[0] <= "\u052f" else "l:"
            is_prefix = star and j == len(pieces) - 1
            folded = fold(piece)
            if is_prefix and len(folded) < MIN_PREFIX:
                is_prefix = False
            words.append((script + folded, is_prefix))
    return Pattern(group, tuple(words)) if words else None


class Hit(NamedTuple):
    group: str
    start: int
    end: int


def find_hits(index: PatternIndex, tokens: Tokens) -> list[Hit]:
    words, sentences = tokens.words, tokens.sentences
    count = len(words)
    out: list[Hit] = []
    cache, starting = index._cache, index.starting
    for i, word in enumerate(words):
        if sentences[i] > MAX_SENTENCE:
            break
        found = cache.get(word)
        if found is None:
            found = starting(word)
        for p in found:
            n = len(p.words)
            if n > 1:
                end = i + n
                if end > count or sentences[end - 1] != sentences[i]:
                    continue
                if not all(fits(words[i + j], p.words[j]) for j in range(1, n)):
                    continue
            out.append(Hit(p.group, i, i + n))
    return out


def clause_numbers(tokens: Tokens, hits: Sequence[Hit]) -> list[int]:
    """A clause number per token: a new clause at every sentence, before a clause word ("as",
    "after", "на фоне") and after ; — ( or a colon."""
    breaks = {h.start for h in hits if h.group == "clause"}
    starts, sentences = tokens.starts, tokens.sentences
    first_of: dict[int, int] = {}
    for i, sentence in enumerate(sentences):
        first_of.setdefault(sentence, i)
    for sentence, first in first_of.items():
        text = tokens.texts[sentence]
        marks = [pos for mark in _CLAUSE_PUNCTUATION for pos in _positions(text, mark)]
        if not marks:
            continue
        i = first
        for pos in sorted(marks):  # the first token after the mark starts a clause
            while i < len(sentences) and sentences[i] == sentence and starts[i] <= pos:
                i += 1
            if i < len(sentences) and sentences[i] == sentence:
                breaks.add(i)
    # A clause opened by a clause word ends at the next comma too: "during a Russian attack on
    # Ukraine, drones entered Polish airspace".
    words = {h.start for h in hits if h.group == "clause"}
    out: list[int] = []
    clause = 0
    opened_by_word = False
    previous = sentences[0] if sentences else 0
    for i, sentence in enumerate(sentences):
        if i and (sentence != previous or i in breaks):
            clause += 1
            opened_by_word = i in words
        elif i and opened_by_word and "," in tokens.texts[sentence][tokens.ends[i - 1] : starts[i]]:
            clause += 1
            opened_by_word = False
        if i == 0:
            opened_by_word = 0 in words
        previous = sentence
        out.append(clause)
    return out


def _positions(text: str, mark: str) -> list[int]:
    out, at = [], text.find(mark)
    while at >= 0:
        out.append(at)
        at = text.find(mark, at + 1)
    return out
