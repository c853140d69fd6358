"""Match many multi-word, multilingual, inflected forms against a token stream in one pass. Pure.

Each form is registered with a payload — a tuple whose first item is its family — saying what it
is evidence of (a region, a topic, a severity term, a context). ``Lexicon.match`` returns every
place a form matches, by family; the scoring modules decide what the matches mean.

Speed (issue 4 asks ≥ 5,000 items/s on one core): one-word forms are found with one cached dict
lookup per token; longer forms are indexed by the stems of their first two words, so a common
first word ("border …") costs nothing unless the second word fits too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.classify.text import _TOKEN, MIN_STEM, Stemmer, Tokens, fold

#: Across scripts (a Latin-script form, a Cyrillic word) a shared stem must be this long, or be
#: the whole word: transliteration makes short stems collide ("Polija" and "поля" share "poli").
CROSS_SCRIPT_MIN_STEM = 5


def _exact_key(folded: str, script: str) -> str:
    """Exact matches cross scripts only for words longer than three letters: Lithuanian "į"
    (into) and Russian "и" (and) both fold to "i"."""
    return f"={folded}" if len(folded) > 3 else f"={script}:{folded}"


def script_of(word: str) -> str:
    """ "c" for Cyrillic, "l" for anything else (Latin, digits)."""
    return "c" if "\u0400" <= word[0] <= "\u052f" else "l"


@dataclass(frozen=True, slots=True)
class Form:
    text: str  #: as written in the data file
    tokens: tuple[str, ...]  #: folded
    keys: tuple[frozenset[str], ...]  #: per word: the index keys a text word must share with it
    payload: Any
    exact: bool = False  #: no inflection
    case: bool = False  #: the text must be capitalised (proper-noun sense)
    upper: bool = False  #: the text must be all capitals (acronyms written so in the data: US, KGB)


class Match(NamedTuple):
    start: int  #: index of the first token
    end: int  #: index after the last token
    payload: Any  #: what the form is evidence of
    form: Form


@dataclass
class Lexicon:
    """Index keys of a word: ``=word`` (exact), ``<script>|<stem>`` (inflected, same script) and
    ``*|<stem>`` (inflected across scripts, long stems only). A text word and a form word match
    when they share a key."""

    stemmer: Stemmer
    _single: dict[str, list[Form]] = field(default_factory=dict)  # key → one-word forms
    _pairs: dict[str, dict[str, list[Form]]] = field(default_factory=dict)  # key1 → key2 → longer forms
    _keys_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _entries: dict[str, tuple[tuple[Form, ...], dict[str, tuple[Form, ...]]]] = field(default_factory=dict)
    size: int = 0

    def _keys(
        self, folded: str, script: str, exact: bool, language: str | None, min_stem: int = MIN_STEM
    ) -> tuple[str, ...]:
        if exact:
            return (_exact_key(folded, script),)
        stems = self.stemmer.stems(folded, language, min_stem)
        keys = [f"{script}|{stem}" for stem in stems]
        keys += [f"*|{stem}" for stem in stems if stem == folded or len(stem) >= CROSS_SCRIPT_MIN_STEM]
        return tuple(keys)

    def add(
        self,
        text: str,
        payload: Hashable,
        *,
        exact: bool = False,
        case: bool = False,
        language: str | None = None,
        min_stem: int = MIN_STEM,
    ) -> Form | None:
        """Register ``text`` (one or more words, written in ``language`` if known) as evidence of
        ``payload``. ``min_stem``: the shortest stem an ending may leave of this form's words."""
        raw = _TOKEN.findall(text)
        if not raw:
            return None
        words = [fold(w) for w in raw]
        upper = text.isupper() and len(text) <= 5
        exact = exact or upper
        keys = tuple(
            frozenset(self._keys(f, script_of(w), exact, language, min_stem))
            for w, f in zip(raw, words, strict=True)
        )
        form = Form(text, tuple(words), keys, payload, exact, case, upper)
        if len(words) == 1:
            for key in keys[0]:
                self._single.setdefault(key, []).append(form)
        else:
            for k1 in keys[0]:
                for k2 in keys[1]:
                    self._pairs.setdefault(k1, {}).setdefault(k2, []).append(form)
        self._entries.clear()
        self.size += 1
        return form

    def _token_keys(self, word: str) -> tuple[str, ...]:
        """Keys of a folded text word, prefixed with its script: "c:" or "l:" + fold."""
        keys = self._keys_cache.get(word)
        if keys is None:
            script, folded = word[0], word[2:]
            keys = (_exact_key(folded, script), *self._keys(folded, script, False, None))
            if len(self._keys_cache) < 300_000:
                self._keys_cache[word] = keys
        return keys

    def _heads(self, word: str) -> dict[str, tuple[Form, ...]]:
        """Longer forms whose first word fits ``word``, by the key their second word needs."""
        merged: dict[str, dict[Any, Form]] = {}
        for k1 in self._token_keys(word):
            for k2, forms in self._pairs.get(k1, {}).items():
                bucket = merged.setdefault(k2, {})
                for form in forms:  # forms that would match the same words the same way: one
                    bucket.setdefault((form.payload, form.keys[1:], form.case), form)
        return {k2: tuple(bucket.values()) for k2, bucket in merged.items()}

    def _entry(self, word: str) -> tuple[tuple[Form, ...], dict[str, tuple[Form, ...]]]:
        """Everything the matcher needs about one text word, computed once per word."""
        entry = (self._singles(word), self._heads(word))
        if len(self._entries) < 300_000:
            self._entries[word] = entry
        return entry

    def _singles(self, word: str) -> tuple[Form, ...]:
        """One-word forms that fit ``word``."""
        by_payload: dict[Any, Form] = {}
        for key in self._token_keys(word):
            for form in self._single.get(key, ()):
                # One form per payload and capitalisation rule: "NATO", "NATO's", "Nato"…
                by_payload.setdefault((form.payload, form.case, form.upper), form)
        return tuple(by_payload.values())

    def match(self, tokens: Tokens) -> dict[str, list[Match]]:
        """Every match, by family, without duplicates: a token that matches several forms with
        the same payload ("border", "borders") counts once."""
        out: dict[str, list[Match]] = {}
        seen: set[tuple[int, int, Any]] = set()
        folds, sentences, surfaces = tokens.folds, tokens.sentences, tokens.surfaces
        words = tokens.words
        count = len(folds)
        keys_of = self._token_keys
        entries = self._entries
        for i, word in enumerate(words):
            entry = entries.get(word)
            if entry is None:
                entry = self._entry(word)
            singles, heads = entry
            if singles:
                surface = surfaces[i]
                for form in singles:
                    if form.case or form.upper:
                        if (form.case and not surface[0].isupper()) or (form.upper and not surface.isupper()):
                            continue
                        key = (i, 1, form.payload)
                        if key in seen:
                            continue
                        seen.add(key)
                    out.setdefault(form.payload[0], []).append(Match(i, i + 1, form.payload, form))
            if not heads or i + 1 >= count or sentences[i + 1] != sentences[i]:
                continue
            next_keys = keys_of(words[i + 1])
            if len(heads) <= len(next_keys):
                candidates = [forms for k2, forms in heads.items() if k2 in next_keys]
            else:
                candidates = [heads[k2] for k2 in next_keys if k2 in heads]
            for found in candidates:
                for form in found:
                    n = len(form.tokens)
                    if i + n > count or sentences[i + n - 1] != sentences[i]:
                        continue
                    if form.case and not surfaces[i][0].isupper():
                        continue
                    if n > 2 and not all(
                        not form.keys[j].isdisjoint(keys_of(words[i + j])) for j in range(2, n)
                    ):
                        continue
                    key = (i, n, form.payload)
                    if key not in seen:
                        seen.add(key)
                        out.setdefault(form.payload[0], []).append(Match(i, i + n, form.payload, form))
        return out


def longest_per_key(matches: Sequence[Match], key: Callable[[Match], Hashable]) -> list[Match]:
    """Among overlapping matches with the same ``key(match)``, keep the longest (leftmost first)."""
    best: list[Match] = []
    taken: dict[Hashable, list[tuple[int, int]]] = {}
    for m in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
        spans = taken.setdefault(key(m), [])
        if any(m.start < e and s < m.end for s, e in spans):
            continue
        spans.append((m.start, m.end))
        best.append(m)
    best.sort(key=lambda m: (m.start, m.end))
    return best
