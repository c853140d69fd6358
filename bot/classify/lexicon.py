"""Match many multi-word, multilingual, inflected forms against a token stream in one pass. Pure.

Each form is registered with a payload saying what it is evidence of (a region, a topic, a
severity term, a context). ``Lexicon.match`` returns every place a form matches; the scoring
modules decide what the matches mean.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from bot.classify.text import _TOKEN, Stemmer, Token, fold


@dataclass(frozen=True, slots=True)
class Form:
    text: str  #: as written in the data file
    tokens: tuple[str, ...]  #: folded
    stems: tuple[frozenset[str], ...]  #: per token: its candidate stems (exact: only itself)
    payload: Hashable
    exact: bool = False  #: no inflection
    case: bool = False  #: the text must be capitalised (proper-noun sense)
    upper: bool = False  #: the text must be all capitals (acronyms written so in the data: US, KGB)


@dataclass(frozen=True, slots=True)
class Match:
    start: int  #: index of the first token
    end: int  #: index after the last token
    form: Form

    @property
    def payload(self) -> Hashable:
        return self.form.payload


@dataclass
class Lexicon:
    stemmer: Stemmer
    _exact: dict[str, list[Form]] = field(default_factory=dict)
    _stemmed: dict[str, list[Form]] = field(default_factory=dict)
    _cache: dict[str, tuple[Form, ...]] = field(default_factory=dict)
    size: int = 0

    def add(self, text: str, payload: Hashable, *, exact: bool = False, case: bool = False) -> Form | None:
        """Register ``text`` (one or more words) as evidence of ``payload``."""
        words = [fold(w) for w in _TOKEN.findall(text)]
        if not words:
            return None
        stems = tuple(frozenset((w,)) if exact else frozenset(self.stemmer.stems(w)) for w in words)
        upper = text.isupper() and len(text) <= 5
        if upper:
            exact = True
            stems = tuple(frozenset((w,)) for w in words)
        form = Form(
            text=text, tokens=tuple(words), stems=stems, payload=payload, exact=exact, case=case, upper=upper
        )
        if exact:
            self._exact.setdefault(words[0], []).append(form)
        else:
            for key in stems[0]:
                self._stemmed.setdefault(key, []).append(form)
        self._cache.clear()
        self.size += 1
        return form

    def _candidates(self, folded: str) -> tuple[Form, ...]:
        found = self._cache.get(folded)
        if found is None:
            seen: dict[int, Form] = {}
            for form in self._exact.get(folded, ()):
                seen[id(form)] = form
            token_stems = self.stemmer.stems(folded)
            for key in token_stems:
                for form in self._stemmed.get(key, ()):
                    seen[id(form)] = form
            found = tuple(seen.values())
            if len(self._cache) < 200_000:
                self._cache[folded] = found
        return found

    def _token_matches(self, token: Token, stems: frozenset[str], exact: bool) -> bool:
        if exact:
            return token.fold in stems
        return not stems.isdisjoint(self.stemmer.stems(token.fold))

    def match(self, tokens: Sequence[Token]) -> list[Match]:
        out: list[Match] = []
        count = len(tokens)
        for i, token in enumerate(tokens):
            for form in self._candidates(token.fold):
                if (form.case and not token.cap) or (form.upper and not token.upper):
                    continue
                if form.exact and token.fold != form.tokens[0]:
                    continue
                n = len(form.tokens)
                if n > 1:
                    if i + n > count:
                        continue
                    ok = True
                    for j in range(1, n):
                        nxt = tokens[i + j]
                        if nxt.sentence != token.sentence or not self._token_matches(
                            nxt, form.stems[j], form.exact
                        ):
                            ok = False
                            break
                    if not ok:
                        continue
                out.append(Match(i, i + n, form))
        return out


def longest_per_key(matches: Sequence[Match], key: callable) -> list[Match]:  # type: ignore[valid-type]
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
