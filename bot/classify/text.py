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
from collections.abc import Iterable, Mapping

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


def fold(text: str) -> str:
    """Lower-case, strip diacritics, transliterate Cyrillic to Latin."""
    return text.lower().translate(_TABLE)


class Token:
    """One word of an item, made on demand from ``Tokens`` (the hot loops read its lists)."""

    __slots__ = ("surface", "fold", "start", "end", "sentence", "index", "first")

    def __init__(self, tokens: Tokens, i: int) -> None:
        self.surface = tokens.surfaces[i]  #: as in the text
        self.fold = tokens.folds[i]  #: folded form
        self.start = tokens.starts[i]  #: character offsets in the sentence it came from
        self.end = tokens.ends[i]
        self.sentence = tokens.sentences[i]  #: 0 = title, 1 = lead (first sentence of summary), 2+ rest
        self.index = i  #: position in the whole token stream
        self.first = tokens.firsts[i]  #: first token of its sentence

    @property
    def cap(self) -> bool:
        """Starts with a capital letter."""
        return self.surface[0].isupper()

    @property
    def upper(self) -> bool:
        """All capitals (acronyms: US, KGB, VSAT)."""
        return self.surface.isupper()

    def __repr__(self) -> str:
        return f"Token({self.surface!r}, sentence={self.sentence}, index={self.index})"


class Tokens:
    """The words of one item as parallel lists (cheap to build: ~100 per item)."""

    __slots__ = ("surfaces", "folds", "words", "starts", "ends", "sentences", "firsts", "texts")

    def __init__(self) -> None:
        self.surfaces: list[str] = []
        self.folds: list[str] = []
        self.words: list[str] = []  #: folds tagged with their script ("l:litva", "c:litva")
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.sentences: list[int] = []
        self.firsts: list[bool] = []
        self.texts: list[str] = []  #: sentence texts; 0 is the title

    def __len__(self) -> int:
        return len(self.folds)

    def __getitem__(self, i: int) -> Token:
        return Token(self, i)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (Token(self, i) for i in range(len(self.folds)))

    def span(self, start: int, end: int) -> str:
        """The text of tokens ``start`` … ``end - 1`` as written (they share a sentence)."""
        return self.texts[self.sentences[start]][self.starts[start] : self.ends[end - 1]]


_BREAK = re.compile(r"[.!?…][\"”»']?\s+")
_OPENERS = '"“„«('


def sentences(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (offset, sentence) pairs: after . ! ? … when a capital, a digit or an
    opening quote follows (so "5 p.m. on Sunday" stays whole)."""
    out = []
    pos = 0
    for match in _BREAK.finditer(text):
        end = match.end()
        if end >= len(text):
            break
        nxt = text[end]
        if nxt in _OPENERS and end + 1 < len(text):
            nxt = text[end + 1]
        if nxt.isupper() or nxt.isdigit():
            out.append((pos, text[pos : match.start() + 1]))
            pos = end
    if pos < len(text):
        out.append((pos, text[pos:]))
    return out


#: surface → (fold, script-tagged fold "l:litva" / "c:litva"), shared by every item: news
#: vocabulary repeats, so almost every word is folded once per process.
_FOLDED: dict[str, tuple[str, str]] = {}


def _fold_word(surface: str) -> tuple[str, str]:
    folded = surface.lower().translate(_TABLE)
    entry = (folded, ("c:" if "\u0400" <= surface[0] <= "\u052f" else "l:") + folded)
    if len(_FOLDED) < 500_000:
        _FOLDED[surface] = entry
    return entry


def tokenize(title: str, summary: str) -> Tokens:
    """The tokens of the title (sentence 0) and the summary (sentences 1, 2, …)."""
    title = unicodedata.normalize("NFC", title or "")
    summary = unicodedata.normalize("NFC", summary or "")
    tokens = Tokens()
    surfaces, starts, ends, numbers, firsts = (
        tokens.surfaces,
        tokens.starts,
        tokens.ends,
        tokens.sentences,
        tokens.firsts,
    )
    get = _FOLDED.get
    parts = [title] + [text for _, text in sentences(summary)]
    for number, text in enumerate(parts):
        tokens.texts.append(text)
        found = _TOKEN.findall(text)
        if not found:
            continue
        pos = 0
        find = text.find
        for surface in found:
            start = find(surface, pos)  # C speed; the regex already said it is there
            starts.append(start)
            pos = start + len(surface)
            ends.append(pos)
        surfaces.extend(found)
        numbers.extend([number] * len(found))
        firsts.append(True)
        firsts.extend([False] * (len(found) - 1))
    pairs = [get(w) or _fold_word(w) for w in surfaces]
    tokens.folds = [p[0] for p in pairs]
    tokens.words = [p[1] for p in pairs]
    return tokens


class Stemmer:
    """Candidate stems of folded words, from endings per language (cached: vocabulary repeats).

    Text tokens are stemmed with the endings of every language (an English item names Lietuvos
    too); a lexicon form written for one language only with that language's endings, so the
    English "missile" never shares the stem "miss" with "missing" through a Finnish ending.
    """

    def __init__(self, endings: Mapping[str, Iterable[str]] | Iterable[str]) -> None:
        if not isinstance(endings, Mapping):
            endings = {"*": endings}
        self._languages: dict[str | None, list[tuple[int, set[str]]]] = {}
        union: dict[int, set[str]] = {}
        for language, words in endings.items():
            by_length: dict[int, set[str]] = {}
            for ending in words:
                ending = fold(str(ending)).strip()
                if ending:
                    by_length.setdefault(len(ending), set()).add(ending)
                    union.setdefault(len(ending), set()).add(ending)
            self._languages[language] = sorted(by_length.items())
        self._languages[None] = sorted(union.items())
        self._cache: dict[tuple[str, str | None, int], tuple[str, ...]] = {}

    def stems(self, folded: str, language: str | None = None, min_stem: int = MIN_STEM) -> tuple[str, ...]:
        """``folded`` and what is left after removing one ending (of ``language``, or of any),
        keeping at least ``min_stem`` letters."""
        cached = self._cache.get((folded, language, min_stem))
        if cached is not None:
            return cached
        out = [folded]
        size = len(folded)
        for length, endings in self._languages.get(language, self._languages[None]):
            if size - length < min_stem:
                break
            if folded[-length:] in endings:
                out.append(folded[:-length])
        result = tuple(out)
        if len(self._cache) < 300_000:
            self._cache[(folded, language, min_stem)] = result
        return result
