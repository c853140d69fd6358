"""Languages of the bot's replies: English, Lithuanian and Russian, from gettext catalogues
(``bot/locale/<lang>/LC_MESSAGES/briefbot.po``, read with Babel). Pure: reads package data.

The English text is the message id; a catalogue that lacks a message (or an empty translation)
falls back to English, so a new string never shows up blank.

    _ = translator("lt").gettext
    _("You follow {regions}.").format(regions=...)
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = {"en": "English", "lt": "Lietuvių", "ru": "Русский"}
DEFAULT = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "briefbot"


class _Catalog(gettext.NullTranslations):
    def __init__(self, messages: dict[str, str], plurals: dict[str, list[str]], plural_rule) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self._messages = messages
        self._plurals = plurals
        self._rule = plural_rule

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self._plurals.get(singular)
        if forms:
            index = self._rule(n)
            if 0 <= index < len(forms) and forms[index]:
                return forms[index]
        return singular if n == 1 else plural


@functools.cache
def translator(language: str | None) -> gettext.NullTranslations:
    """The catalogue for ``language`` (en, lt, ru); English for anything else."""
    language = language if language in LANGUAGES else DEFAULT
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, list[str]] = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple):
            plurals[m.id[0]] = list(m.string)
        elif m.string:
            messages[m.id] = m.string
    return _Catalog(messages, plurals, catalog.plural_expr and _plural_rule(catalog.plural_expr))


def _plural_rule(expr: str):  # type: ignore[no-untyped-def]
    return gettext.c2py(expr)


def language_of(telegram_code: str | None) -> str:
    """The reply language for a Telegram ``language_code`` ("lt", "ru-RU", "en-GB"…)."""
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT


def N_(message: str) -> str:
    """Marks a string for the catalogues where it is defined; it is translated where shown."""
    return message


#: Strings that reach the reader through a variable (level, severity, role, topic and group
#: names), listed here so that extraction puts them in the catalogues.
DYNAMIC = (
    N_("calm"),
    N_("elevated"),
    N_("high"),
    N_("medium"),
    N_("low"),
    N_("about"),
    N_("mentioned"),
    N_("border"),
    N_("military"),
    N_("migration"),
    N_("hybrid threats"),
    N_("diplomacy"),
    N_("Baltic states"),
    N_("Nordic countries"),
    N_("Nordic-Baltic Eight"),
    N_("NATO's eastern flank"),
    N_("Visegrad Group"),
)

#: Event types as readers see them (bot/classify/data/events.yaml), translated where shown (/why).
EVENT_NAMES = {
    "border_closure": N_("border closure"),
    "border_reopening": N_("border reopening"),
    "border_restriction": N_("border restriction"),
    "crossing_traffic_halted": N_("traffic halted at a crossing"),
    "airspace_violation": N_("airspace violation"),
    "drone_incursion": N_("drone incursion"),
    "missile_incursion": N_("missile incursion"),
    "shoot_down": N_("shoot-down"),
    "drone_debris_found": N_("drone debris found"),
    "balloon_incursion": N_("balloon incursion"),
    "airport_disruption": N_("airport disruption"),
    "infrastructure_damage": N_("cable or pipeline damage"),
    "gps_interference": N_("GPS interference"),
    "sabotage": N_("sabotage"),
    "railway_sabotage": N_("railway sabotage"),
    "cyberattack": N_("cyberattack"),
    "espionage": N_("espionage"),
    "disinformation": N_("disinformation"),
    "military_exercise": N_("military exercise"),
    "troop_deployment": N_("troop deployment"),
    "troops_massing": N_("troops massing"),
    "mobilisation": N_("mobilisation"),
    "conscription": N_("conscription"),
    "defence_procurement": N_("defence procurement"),
    "military_aid": N_("military aid"),
    "border_barrier": N_("border barrier"),
    "migrant_pressure": N_("migrant pressure"),
    "state_of_emergency": N_("state of emergency"),
    "armed_attack": N_("armed attack"),
    "border_shooting": N_("shots at the border"),
    "border_detention": N_("detention at the border"),
    "diplomatic_expulsion": N_("diplomats expelled"),
    "envoy_summoned": N_("envoy summoned"),
    "sanctions": N_("sanctions"),
    "treaty_withdrawal": N_("treaty withdrawal"),
    "official_threat": N_("threat by an official"),
    "nato_consultations": N_("NATO consultations"),
    "diplomatic_talks": N_("diplomatic talks"),
}
