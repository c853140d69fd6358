"""Translations: the catalogues in bot/locale are current with the code, complete, keep every
placeholder, and the status and digest really come out in Lithuanian and Russian.

When a test here fails because a string was added or changed, update the catalogues as
docs/translations.md says (pybabel extract, pybabel update, translate)."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot import i18n, regions
from bot.briefing import Follow, StatusFacts, StoryLine, compose_digest, compose_status, render_status
from bot.domain import Severity
from bot.render import html_text, validate

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "bot" / "locale"
POT = LOCALE / "briefbot.pot"
TRANSLATED = ("lt", "ru")
#: The same keywords as the documented ``pybabel extract --no-default-keywords -k …`` command.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
FIX = "update the catalogues: run the commands in docs/translations.md (pybabel extract, pybabel update, translate)"
PLURAL_FORMS = {
    "lt": "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2)",
    "ru": "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)",
}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _po(language: str) -> Catalog:
    return _read(LOCALE / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po", language)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id for m in catalog if m.id}


def _extracted() -> set[str | tuple[str, ...]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    return {message for _filename, _lineno, message, _comments, _context in found}


def _show(ids) -> str:  # type: ignore[no-untyped-def]
    return "\n  ".join(sorted(repr(i) for i in ids))


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


# --- the catalogues are current and complete ------------------------------------------------------


def test_the_catalogues_hold_exactly_the_messages_in_the_code():
    code = _extracted()
    assert len(code) > 100, "extraction found almost nothing: is babel.cfg's method map right?"
    for name, catalog in [("briefbot.pot", _read(POT))] + [(f"{lang} .po", _po(lang)) for lang in TRANSLATED]:
        ids = _ids(catalog)
        missing, stale = code - ids, ids - code
        assert not missing and not stale, (
            f"{name} is not current with the code; {FIX}.\n"
            f"In the code, not in {name}:\n  {_show(missing)}\nIn {name}, not in the code:\n  {_show(stale)}"
        )
        assert not catalog.obsolete, f"{name} keeps obsolete (#~) messages: {_show(catalog.obsolete)}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language):
    catalog = _po(language)
    problems = []
    for m in catalog:
        if not m.id:
            continue
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        if isinstance(m.id, tuple):
            wanted = _fields(m.id[0]) | _fields(m.id[1])
            forms = list(m.string)
            if len(forms) != catalog.num_plurals:
                problems.append(f"{len(forms)} plural forms instead of {catalog.num_plurals}: {m.id!r}")
        else:
            wanted, forms = _fields(m.id), [m.string]
        for form in forms:
            if not form or not form.strip():
                problems.append(f"untranslated: {m.id!r}")
            elif _fields(form) != wanted:
                problems.append(
                    f"placeholders {sorted(_fields(form))} ≠ {sorted(wanted)}: {m.id!r} → {form!r}"
                )
    assert not problems, f"{language}: {FIX}.\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_headers_give_the_language_and_its_three_plural_forms(language):
    catalog = _po(language)
    assert str(catalog.locale) == language
    assert catalog.num_plurals == 3
    assert re.sub(r"\s", "", catalog.plural_expr) == re.sub(r"\s", "", PLURAL_FORMS[language])
    assert catalog.charset.lower() == "utf-8"
    assert not catalog.fuzzy


def test_english_text_in_a_translation_is_only_a_command_an_example_or_a_name():
    """A catalogue that still says "source" or "digest" was copied, not translated."""
    english = re.compile(r"\b(story|stories|source|sources|digest|alerts?|region|follow\w*|severity)\b", re.I)
    allowed = re.compile(r"/\w+(?: [\w/:|.-]+)*|Europe/\w+|America/\w+|Briefbot")
    for language in TRANSLATED:
        for m in _po(language):
            for form in m.string if isinstance(m.string, tuple) else [m.string]:
                leftover = english.findall(allowed.sub("", re.sub(r"\{\w+\}", "", form or "")))
                assert not leftover, f"{language}: English {leftover} in {form!r}"


# --- the translator -------------------------------------------------------------------------------------


#: n → plural form (0, 1, 2) by CLDR. Lithuanian: 1, 21, 101 "šaltinis"; 2–9, 22–29 "šaltiniai";
#: 10–20, 30, 111 "šaltinių" (so 2 and 5 share a form). Russian: 1, 21 "источник"; 2–4, 22–24
#: "источника"; 5–20, 25, 111 "источников".
PLURAL_CASES = {
    "lt": {1: 0, 21: 0, 101: 0, 2: 1, 5: 1, 9: 1, 22: 1, 10: 2, 11: 2, 12: 2, 19: 2, 20: 2, 30: 2, 111: 2},
    "ru": {1: 0, 21: 0, 101: 0, 2: 1, 4: 1, 22: 1, 5: 2, 11: 2, 12: 2, 14: 2, 20: 2, 25: 2, 111: 2},
}


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("lt", ("{n} šaltinis", "{n} šaltiniai", "{n} šaltinių")),
        ("ru", ("{n} источник", "{n} источника", "{n} источников")),
    ],
)
def test_plurals_have_three_forms_chosen_by_the_catalogue_rule(language, forms):
    t = i18n.translator(language)

    def sources(n: int) -> str:
        return t.ngettext("{n} source", "{n} sources", n).format(n=n)

    assert len({sources(1), sources(2), sources(11)}) == 3
    assert {n: sources(n) for n in PLURAL_CASES[language]} == {
        n: forms[form].format(n=n) for n, form in PLURAL_CASES[language].items()
    }
    # One day ago is never said ("2 days" is the first), but the same rule serves every plural.
    assert t.ngettext("{n} day ago", "{n} days ago", 21) == t.ngettext("{n} day ago", "{n} days ago", 1)


def test_translator_and_language_of():
    assert i18n.translator("lt").gettext("calm") == "ramu"
    assert i18n.translator("ru").gettext("calm") == "спокойно"
    assert i18n.translator("lt").gettext("Baltic states") == "Baltijos šalys"
    assert i18n.translator("xx").gettext("calm") == "calm"
    assert i18n.translator(None).ngettext("{n} source", "{n} sources", 2) == "{n} sources"
    assert i18n.translator("ru").gettext("not in any catalogue") == "not in any catalogue"
    assert i18n.language_of("ru-RU") == "ru"
    assert i18n.language_of("lt") == "lt"
    assert i18n.language_of("en-GB") == "en"
    assert i18n.language_of("de") == "en"
    assert i18n.language_of(None) == "en"


def test_the_help_menu_is_translated():
    from handlers.start import ADMIN_COMMANDS, COMMANDS

    for language in TRANSLATED:
        t = i18n.translator(language)
        for _name, _example, what in COMMANDS + ADMIN_COMMANDS:
            assert t.gettext(what) != what, f"{language}: /help line {what!r} is not translated"


def test_every_dynamic_string_is_translated():
    for language in TRANSLATED:
        t = i18n.translator(language)
        for message in i18n.DYNAMIC:
            assert t.gettext(message) != message, f"{language}: {message!r} is not translated"


# --- the status and the digest in another language ---------------------------------------------------

NOW = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)  # Thursday, 08:30 in Vilnius
VILNIUS = ZoneInfo("Europe/Vilnius")


def _story(id_: int, title: str, *, hours: float = 1, topics=("border",), sev=Severity.MEDIUM, sources=1):  # type: ignore[no-untyped-def]
    when = NOW - timedelta(hours=hours)
    url = f"https://news.test/{id_}"
    return StoryLine(id_, title, url, sources, sources, sev, ("LT",), tuple(topics), when, when, when)


def test_status_in_lithuanian():
    facts = StatusFacts(
        now=NOW,
        last_24h=5,
        previous_days=[5] * 30,
        high_severity_24h=1,
        latest=[
            _story(1, "Sienos kirtimo punktai uždaryti", sources=2),
            _story(2, "Drone <b>", sources=5),
            _story(3, "Pratybos", sources=12, hours=30),
        ],
        topics_24h={"border": 2, "military": 1},
        topics_7d={"border": 4, "military": 2},
        newest_item_at=NOW - timedelta(hours=1),
        feeds_checked_at=NOW - timedelta(minutes=5),
    )
    html = render_status(compose_status(regions.resolve("LT"), facts), VILNIUS, "lt")
    validate(html)
    text = html_text(html)
    lines = text.splitlines()
    assert lines[0] == "🇱🇹 Lietuva — 🟠 padidėjęs"  # CLDR's name, the catalogue's level
    assert lines[1] == "5 įvykiai per 24 h (paprastai 5 per dieną), iš jų labai svarbių: 1."
    assert "Naujausias pranešimas 07:30 (prieš 1 h), laikas – Europe/Vilnius." in lines
    assert "Srautai paskutinį kartą tikrinti prieš 5 min." in lines
    assert "siena 2/4 · kariniai reikalai 1/2" in text
    assert "Naujausi įvykiai" in lines
    assert "• Sienos kirtimo punktai uždaryti — 2 šaltiniai · prieš 1 h" in lines
    assert "• Drone <b> — 5 šaltiniai · prieš 1 h" in lines
    assert "• Pratybos — 12 šaltinių · prieš 30 h" in lines
    for english in ("Latest stories", "source", "Newest report", "ago", "elevated", "Lithuania"):
        assert english not in text


def test_an_empty_status_in_russian_names_the_region_in_russian():
    facts = StatusFacts(NOW, 0, [0] * 30, 0, [], {}, {}, None)
    html = render_status(compose_status(regions.resolve("LT"), facts), VILNIUS, "ru")
    validate(html)
    assert html_text(html).splitlines() == [
        "🇱🇹 Литва — 🟢 спокойно",
        "0 сюжетов за 24 ч (обычно 0 в день).",
        "",
        "Литва: за последние 30 дней сюжетов о безопасности не было.",
    ]


def test_digest_in_russian():
    stories = [
        _story(1, "Пограничный переход закрыт", topics=("border",), sev=Severity.HIGH, sources=3),
        _story(2, "Учения у границы", topics=("military",), sources=21),
    ]
    html = compose_digest(
        [Follow(regions.resolve("LT"))], stories, NOW - timedelta(days=1), NOW, VILNIUS, language="ru"
    )
    validate(html)
    lines = html_text(html).splitlines()
    assert lines[0].endswith(" · чт 26 нояб. 2026")  # CLDR's day and month names
    assert lines[1] == "2 новых сюжета (ср 08:30 – 08:30, Europe/Vilnius)"
    assert "🇱🇹 Литва" in lines
    assert lines[lines.index("Граница") + 1] == "🔴 Пограничный переход закрыт — 3 источника"
    assert lines[lines.index("Военное") + 1] == "• Учения у границы — 21 источник"


def test_a_quiet_digest_in_lithuanian():
    html = compose_digest(
        [Follow(regions.resolve("LT")), Follow(regions.resolve("baltics"))],
        [],
        NOW - timedelta(days=1),
        NOW,
        VILNIUS,
        language="lt",
    )
    validate(html)
    assert (
        html_text(html).splitlines()[1] == "Lietuva, Baltijos šalys: nuo tr 08:30 nieko naujo – rami diena."
    )


# --- strings the catalogues cannot hold yet ------------------------------------------------------------


def _calls_inside_f_strings() -> list[str]:
    """Translation calls written inside an f-string's braces. Babel finds them only on Python 3.12+
    (on 3.11 an f-string is one token), so they are missing from the catalogues or, worse, make
    extraction depend on the Python version."""
    found = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if not isinstance(call, ast.Call) or not call.args:
                    continue
                name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                if name in KEYWORDS and isinstance(call.args[0], ast.Constant):
                    found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {call.args[0].value!r}")
    return found


def test_no_translation_call_hides_inside_an_f_string():
    found = _calls_inside_f_strings()
    assert not found, "move these out of the f-strings (e.g. name = _('…'); f'{name}'):\n" + "\n".join(found)


def test_the_digest_header_is_translated():
    html = compose_digest([Follow(regions.resolve("LT"))], [], NOW - timedelta(days=1), NOW, VILNIUS, "ru")
    assert html_text(html).startswith("Ежедневная сводка · ")
