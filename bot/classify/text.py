"""Text for matching: tokens with their surface form and position, folded for comparison. Pure.

Folding makes one comparable form of any token in any of the feeds' scripts: lower case,
diacritics removed, Cyrillic transliterated to Latin (the tables come from ``unidecode``, compiled
once into a ``str.translate`` table so folding runs at C speed): Литва → litva, Гродна → grodna,
Białoruś → bialorus. Inflection is handled by ``stems()``: a token's candidate stems are the token
itself and the token minus one known ending (endings.yaml), keeping at least ``MIN_STEM`` letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from unidecode import unidecode

#: Shortest stem an ending may leave: shorter stems collide across languages (``rus``, ``pol``).
MIN_STEM = 4

# Latin-1 Supplement … Latin Extended-B, Greek, Cyrillic (+ supplement), Latin Extended Additional,
# and general punctuation that may sit inside a word.
_RANGES = ((0x00C0, 0x0250), (0x0370, 0x0530), (0x1E00, 0x1F00))


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, high in _RANGES:
        for cp in range(low, high):
            char = chr(cp)
            folded = unidecode(char).lower().replace("'", "")
            if folded != char:
                table[cp] = folded
    return table


_TABLE = _fold_table()
_TOKEN = re.compile(r"[^\W_]+")
# A sentence ends at . ! ? … followed by space and a capital letter, digit or opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»']?\s+(?=[\"“„«(]?[^\W\d_a-zà-ÿа-я]|\d)")


def fold(text: str) -> str:
    """Lower-case, strip diacritics, transliterate Cyrillic to Latin."""
    return text.lower().translate(_TABLE)


@dataclass(frozen=True, slots=True)
class Token:
    surface: str  #: as in the text
    fold: str  #: folded form
    start: int  #: character offsets in the field it came from
    end: int
    sentence: int  #: 0 = title, 1 = lead (first sentence of the summary), 2+ = the rest
    index: int  #: position in the whole token stream
    cap: bool  #: starts with a capital letter
    upper: bool  #: all capitals (acronyms: US, KGB, VSAT)
    first: bool  #: first token of its sentence


def sentences(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (offset, sentence) pairs."""
    out = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        out.append((pos, text[pos : match.start()]))
        pos = match.end()
    if pos < len(text):
        out.append((pos, text[pos:]))
    return out


def tokenize(title: str, summary: str) -> tuple[list[Token], list[str]]:
    """Tokens of the title (sentence 0) and the summary (sentences 1…), and the sentence texts."""
    title = unicodedata.normalize("NFC", title or "")
    summary = unicodedata.normalize("NFC", summary or "")
    tokens: list[Token] = []
    texts: list[str] = []
    parts: list[tuple[int, str]] = [(0, title)] + sentences(summary)
    for number, (_offset, text) in enumerate(parts):
        texts.append(text)
        first = True
        for match in _TOKEN.finditer(text):
            surface = match.group()
            tokens.append(
                Token(
                    surface=surface,
                    fold=surface.lower().translate(_TABLE),
                    start=match.start(),
                    end=match.end(),
                    sentence=number,
                    index=len(tokens),
                    cap=surface[0].isupper(),
                    upper=surface.isupper(),
                    first=first,
                )
            )
            first = False
    return tokens, texts


class Stemmer:
    """Candidate stems of folded tokens, from a set of endings (cached: news vocabulary repeats)."""

    def __init__(self, endings: Iterable[str]) -> None:
        by_length: dict[int, set[str]] = {}
        for ending in endings:
            ending = fold(ending).strip()
            if ending:
                by_length.setdefault(len(ending), set()).add(ending)
        self._by_length = sorted(by_length.items())
        self._cache: dict[str, tuple[str, ...]] = {}

    def stems(self, folded: str) -> tuple[str, ...]:
        cached = self._cache.get(folded)
        if cached is not None:
            return cached
        out = [folded]
        size = len(folded)
        for length, endings in self._by_length:
            if size - length < MIN_STEM:
                break
            if folded[-length:] in endings:
                out.append(folded[:-length])
        result = tuple(out)
        if len(self._cache) < 200_000:
            self._cache[folded] = result
        return result
