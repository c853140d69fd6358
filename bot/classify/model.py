"""Load the classifier's data files (bot/classify/data/*.yaml, Babel/pycountry country names)
into one ``Lexicon``. Pure: reads package data only, once (``load_model()`` is cached).

Payloads registered (what a match is evidence of):

- ``("region", code, kind)``       kind: names, demonyms, places, institutions, people, cldr
- ``("group", name)``              a group of countries (Baltic states)
- ``("topic", topic, strength)``   strength: strong | weak
- ``("not", topic)``               another sense of a topic word ("bordering on")
- ``("sev", level, rule, group)``  one term group of a severity rule
- ``("eased",)``                   things easing (reopened, resumed, lifted) in the title: the rules
                                   of severity.yaml ``eases`` do not fire
- ``("ctx", name)``                sport | civil_drone
- ``("trap_when", code)`` / ``("trap_unless", code)``; ``("honorific",)``; ``("counterpart",)``
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml
from babel import Locale

from bot.classify.lexicon import Lexicon
from bot.classify.text import _TOKEN, MIN_STEM, Stemmer, fold

DATA = Path(__file__).with_name("data")
#: Languages whose CLDR country names are matched (the feeds' languages and close neighbours).
CLDR_LOCALES = ("en", "lt", "lv", "et", "pl", "ru", "uk", "be", "fi", "de", "sv", "ro")
#: Codes that are not countries, or that are groups we define ourselves.
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AQ"}
CLDR_EXACT_BELOW = 6  # CLDR names this short are matched exactly (Iran, Chad, Peru)


@dataclass(frozen=True, slots=True)
class SeverityRule:
    level: str
    name: str
    groups: int  #: how many term groups must match in one sentence ("any" rules: 1)
    eased: bool = False  #: does not fire when the title says things ease (severity.yaml `eases`)


@dataclass
class Model:
    lexicon: Lexicon
    topics: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    rules: list[SeverityRule]
    #: region → folded forms that may mean something else (traps.yaml "ambiguous")
    ambiguous: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    #: region → the region an ambiguous form means in its trap context (Georgia → US)
    instead: dict[str, str] = field(default_factory=dict)
    not_given_names: frozenset[str] = frozenset()
    #: language → the country it is the national language of (lt → LT); not ru, not en
    home_regions: dict[str, str] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)  #: code → English name


class _WordLoader(yaml.SafeLoader):
    """YAML without implicit booleans: in a word list, ``no``, ``on`` and ``off`` are words
    (Latvian "no" = from; the endings "on"), not false/true."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read(name: str) -> dict[str, Any]:
    path = DATA / f"{name}.yaml"
    if not path.exists():
        return {}
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_WordLoader) or {}  # noqa: S506 - safe subclass


Item = tuple[str, bool, bool, str | None]  # form, exact, case, language


def _items(value: Any, language: str | None = None) -> Iterator[Item]:
    """Forms from a list (of strings or {form, exact, case}) or a {language: list} mapping."""
    if value is None:
        return
    if isinstance(value, dict) and "form" not in value:
        for key, sub in value.items():
            yield from _items(sub, str(key) if len(str(key)) == 2 else language)
        return
    if isinstance(value, list):
        for item in value:
            yield from _items(item, language)
        return
    if isinstance(value, dict):
        yield str(value["form"]), bool(value.get("exact")), bool(value.get("case")), language
        return
    yield str(value), False, False, language


#: Common words (topics, severity, contexts) inflect only down to stems of this length: at four
#: letters, unrelated words meet (ru "после" "after" and "посла" "ambassador's" share "posl").
#: Names keep text.MIN_STEM (4): "Литвы" must reach "litv". (dev)
COMMON_MIN_STEM = 5


def _add_all(
    lexicon: Lexicon,
    forms: Iterable[Item],
    payload: Any,
    *,
    exact: bool = False,
    case: bool = False,
    min_stem: int = MIN_STEM,
) -> None:
    for text, form_exact, form_case, language in forms:
        lexicon.add(
            text,
            payload,
            exact=exact or form_exact,
            case=case or form_case,
            language=language,
            min_stem=min_stem,
        )


def _cldr_names() -> dict[str, set[str]]:
    codes = {c.alpha_2 for c in pycountry.countries} | {"XK"}
    names: dict[str, set[str]] = {code: set() for code in codes if code not in NOT_COUNTRIES}
    for country in pycountry.countries:
        if country.alpha_2 in names:
            for attr in ("name", "common_name"):
                value = getattr(country, attr, None)
                if value and "," not in value:
                    names[country.alpha_2].add(value)
    for locale_name in CLDR_LOCALES:
        territories = Locale.parse(locale_name).territories
        for code, name in territories.items():
            if code in names:
                names[code].add(name.split("(")[0].strip())
    return names


@functools.cache
def load_model() -> Model:
    endings = _read("endings").get("endings", {})
    stemmer = Stemmer({str(lang): [str(e) for e in (words or [])] for lang, words in endings.items()})
    lexicon = Lexicon(stemmer)

    regions = _read("regions")
    for code, kinds in (regions.get("regions") or {}).items():
        for kind, forms in (kinds or {}).items():
            _add_all(lexicon, _items(forms), ("region", str(code).upper(), kind))

    cldr = _cldr_names()
    for code, names in cldr.items():
        for name in names:
            exact = len(fold(name)) < CLDR_EXACT_BELOW
            lexicon.add(name, ("region", code, "cldr"), exact=exact, case=True)

    ambiguous: dict[str, set[tuple[str, ...]]] = {}
    instead: dict[str, str] = {}
    for code, trap in (regions.get("traps") or {}).items():
        code = str(code).upper()
        ambiguous[code] = {
            tuple(fold(w) for w in _TOKEN.findall(text)) for text, *_ in _items(trap.get("ambiguous"))
        }
        # Context words are names: matched as written, capitalised ("Maine" is not "main").
        _add_all(lexicon, _items(trap.get("when")), ("trap_when", code), exact=True, case=True)
        _add_all(lexicon, _items(trap.get("unless")), ("trap_unless", code), exact=True, case=True)
        if trap.get("instead"):
            instead[code] = str(trap["instead"]).upper()
    honorifics = (regions.get("surnames") or {}).get("honorifics")
    _add_all(lexicon, _items(honorifics), ("honorific",), exact=True)

    groups: dict[str, tuple[str, ...]] = {}
    for name, group in (_read("groups").get("groups") or {}).items():
        groups[name] = tuple(str(m).upper() for m in group.get("members", []))
        _add_all(lexicon, _items(group.get("names")), ("group", name))

    topics = _read("topics").get("topics") or {}
    for topic, parts in topics.items():
        for strength in ("strong", "weak"):
            _add_all(
                lexicon, _items(parts.get(strength)), ("topic", topic, strength), min_stem=COMMON_MIN_STEM
            )
        _add_all(lexicon, _items(parts.get("not")), ("not", topic), min_stem=COMMON_MIN_STEM)
        _add_all(lexicon, _items(parts.get("not_with")), ("not_with", topic), min_stem=COMMON_MIN_STEM)

    rules: list[SeverityRule] = []
    severity = _read("severity")
    eases = {str(name) for name in severity.get("eases") or []}
    for level in ("high", "medium"):
        for rule in severity.get(level) or []:
            index = len(rules)
            term_groups = rule["all"] if "all" in rule else [rule.get("any") or []]
            name = str(rule.get("rule", f"{level}-{index}"))
            rules.append(SeverityRule(level, name, len(term_groups), eased=name in eases))
            for g, terms in enumerate(term_groups):
                _add_all(lexicon, _items(terms), ("sev", level, index, g), min_stem=COMMON_MIN_STEM)
    unknown = eases - {r.name for r in rules}
    if unknown:
        raise ValueError(f"severity.yaml eases unknown rules: {sorted(unknown)}")
    _add_all(lexicon, _items(severity.get("eased")), ("eased",), min_stem=COMMON_MIN_STEM)

    contexts = _read("contexts")
    for name in ("sport", "entertainment", "civil_drone"):
        _add_all(lexicon, _items(contexts.get(name)), ("ctx", name), min_stem=COMMON_MIN_STEM)

    # Entities (places, people, institutions with one id across languages) serve story
    # clustering. Every ingested item is clustered, so they share the one matching pass
    # (a lexicon of their own cost a second pass: ingest ran 28 % slower per item).
    for entity_id, forms in (_read("entities").get("entities") or {}).items():
        _add_all(lexicon, _items(forms), ("entity", str(entity_id)))

    syntax = _read("syntax")
    _add_all(lexicon, _items(syntax.get("counterpart")), ("counterpart",), exact=True)
    _add_all(lexicon, _items(syntax.get("coordination")), ("coordination",), exact=True)
    home_regions = {str(k): str(v).upper() for k, v in (syntax.get("home_regions") or {}).items()}
    for language, forms in (syntax.get("domestic") or {}).items():
        _add_all(lexicon, _items(forms, str(language)), ("domestic", str(language)), min_stem=COMMON_MIN_STEM)
    not_given = frozenset(fold(text) for text, *_ in _items(syntax.get("not_given_names")))

    english = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    return Model(
        lexicon=lexicon,
        topics=tuple(topics) or ("border", "military", "migration", "hybrid", "diplomacy"),
        groups=groups,
        rules=rules,
        ambiguous=ambiguous,
        instead=instead,
        home_regions=home_regions,
        not_given_names=not_given,
        country_names=english,
    )
