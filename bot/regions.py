"""What people type for a region → the region: country names in many languages, ISO codes and
groups (``lithuania``, ``LT``, ``LTU``, ``Lietuva``, ``Литва``, ``baltics``). Pure.

Names come from the classifier's data (regions.yaml names, groups.yaml) and CLDR (every country
in the feed languages, via Babel/pycountry), folded like the classifier folds text (case,
diacritics, Cyrillic), so ``lietuva``, ``LIETUVA`` and ``Lietuvá`` are one name. Unknown names
get suggestions by rapidfuzz similarity ("did you mean …?").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pycountry
from babel import Locale
from rapidfuzz import fuzz, process

from bot.classify.model import _cldr_names, _items, _read
from bot.classify.text import fold

SUGGEST_SCORE = 70  #: rapidfuzz ratio from which a known name is offered as "did you mean"


@dataclass(frozen=True, slots=True)
class Region:
    key: str  #: ISO 3166 alpha-2 code ("LT") or group name ("baltics")
    name: str  #: English display name
    codes: tuple[str, ...]  #: the countries it covers (one for a country)

    @property
    def is_group(self) -> bool:
        return self.key.islower()

    @property
    def flag(self) -> str:
        """The flag emoji of a country ("🇱🇹"); groups have none."""
        if self.is_group or len(self.key) != 2:
            return ""
        return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in self.key)

    @property
    def label(self) -> str:
        return f"{self.flag} {self.name}".strip()


@dataclass(frozen=True, slots=True)
class _Index:
    regions: dict[str, Region]  #: key → region
    names: dict[str, str]  #: folded name or code → key


def _forms(value: Any) -> list[str]:
    return [text for text, *_ in _items(value)]


@functools.cache
def _index() -> _Index:
    english = Locale.parse("en").territories
    regions: dict[str, Region] = {}
    names: dict[str, str] = {}
    for code, cldr in _cldr_names().items():
        country = pycountry.countries.get(alpha_2=code)
        display = english.get(code) or (country.name if country else code)
        regions[code] = Region(code, display, (code,))
        for name in cldr | {display}:
            names.setdefault(fold(name), code)
        names[code.lower()] = code
        if country is not None:
            names[country.alpha_3.lower()] = code
    for code, kinds in (_read("regions").get("regions") or {}).items():
        code = str(code).upper()
        if code in regions:
            for name in _forms((kinds or {}).get("names")):
                names.setdefault(fold(name), code)
    for key, group in (_read("groups").get("groups") or {}).items():
        members = tuple(str(m).upper() for m in group.get("members", []))
        forms = _forms(group.get("names"))
        display = forms[0] if forms else key.title()
        regions[key] = Region(key, display, members)
        names[fold(key)] = key
        for name in forms:
            names.setdefault(fold(name), key)
    return _Index(regions, names)


def get(key: str) -> Region | None:
    """The region with this key ("LT", "baltics")."""
    return _index().regions.get(key)


def resolve(text: str) -> Region | None:
    """The region ``text`` names, or None. Case, diacritics and script do not matter."""
    folded = fold(text.strip())[:100]
    if not folded:
        return None
    index = _index()
    key = index.names.get(folded) or index.names.get(folded.replace(" ", ""))
    return index.regions[key] if key else None


def suggest(text: str, limit: int = 3) -> list[Region]:
    """Regions whose names are close to ``text`` (a typo, a partial name), best first."""
    folded = fold(text.strip())[:100]
    if len(folded) < 2:
        return []
    index = _index()
    out: list[Region] = []
    for name, _, _ in process.extract(
        folded, list(index.names), scorer=fuzz.ratio, score_cutoff=SUGGEST_SCORE, limit=limit * 4
    ):
        region = index.regions[index.names[name]]
        if region not in out:
            out.append(region)
        if len(out) == limit:
            break
    return out


#: What people type for a topic filter ("/subscribe poland border military").
TOPIC_WORDS = {
    "border": "border",
    "borders": "border",
    "military": "military",
    "army": "military",
    "defence": "military",
    "defense": "military",
    "migration": "migration",
    "migrants": "migration",
    "hybrid": "hybrid",
    "diplomacy": "diplomacy",
    "diplomatic": "diplomacy",
}


@dataclass(frozen=True, slots=True)
class Request:
    """What ``/subscribe`` was asked: regions, an optional topic filter, words not understood."""

    regions: tuple[Region, ...]
    topics: tuple[str, ...]
    unknown: tuple[str, ...]


def parse_request(text: str, max_words: int = 40) -> Request:
    """Split "lt lv border", "Baltic states military", "Литва граница" into regions, topics and
    unknown words. Names of up to four words are tried longest first ("republic of lithuania")."""
    words = [w for w in text.replace(",", " ").split() if w][:max_words]
    regions: list[Region] = []
    topics: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(4, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            region = resolve(phrase)
            if region is not None:
                if region not in regions:
                    regions.append(region)
                i += n
                break
            if n == 1:
                topic = TOPIC_WORDS.get(fold(phrase))
                if topic is not None:
                    if topic not in topics:
                        topics.append(topic)
                else:
                    unknown.append(phrase)
                i += 1
    return Request(tuple(regions), tuple(topics), tuple(unknown))
