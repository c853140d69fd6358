"""The grammar of /settings, typed or pressed: text in, an intent out. Pure.

``parse_typed("timezone", "europe/vilnius", current)`` and ``parse_button("set:tz:UTC", current)``
return a ``Change`` (the values to store and the sentence confirming them), a ``Refusal`` (the one
sentence saying what is wrong), a ``Menu`` (a sub-menu of buttons to show) or ``Usage``. They never
raise, whatever the text: the handler stores a change and sends the sentence. Sentences are msgids
(translated by the handler) with their parameters.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Protocol
from zoneinfo import available_timezones

from bot.i18n import N_

SEVERITIES = ("high", "medium", "low")
#: Longest IANA name is 32 characters ("America/Argentina/ComodRivadavia"); anything longer is not one.
MAX_ZONE = 64
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)?$")
_ON_OFF = {"on": True, "yes": True, "off": False, "no": False}


class Current(Protocol):
    """What the grammar reads of a chat's settings (db.queries.chats.ChatSettings)."""

    @property
    def timezone(self) -> str: ...
    @property
    def alerts_enabled(self) -> bool: ...
    @property
    def min_severity(self) -> str: ...
    @property
    def paused(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Change:
    values: dict[str, Any]  #: columns of ``chats`` to set
    message: str  #: msgid confirming it
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str  #: msgid saying what is wrong and how to say it
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Menu:
    what: str  #: "tz", "dt", "q", "lang", or "menu" (the main one)


@dataclass(frozen=True, slots=True)
class Usage:
    """The command was not understood: show what it can change."""


Intent = Change | Refusal | Menu | Usage


def parse_time(text: str) -> time | None:
    """ "7", "07:30", "7.30", "19h" → a time; anything else None."""
    match = _TIME.match(text.strip().lower().removesuffix("h"))
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2) or 0))


@functools.cache
def _zones() -> dict[str, str]:
    """IANA names by their lower case (the tzdata that ships with Python or the system)."""
    names = set(available_timezones()) | {"UTC"}
    return {name.lower(): name for name in sorted(names)}


def find_timezone(text: str) -> str | None:
    """An IANA zone name typed in any case ("europe/vilnius", "utc"); None for anything else —
    a directory of the zone database ("Europe"), a path, a 300-character string."""
    text = text.strip()
    if not text or len(text) > MAX_ZONE:
        return None
    return _zones().get(text.lower())


def _timezone(value: str) -> Change | Refusal:
    zone = find_timezone(value)
    if zone is None:
        return Refusal(
            N_("“{value}” is not a timezone name; use one like Europe/Vilnius or America/New_York."),
            {"value": value[:60]},
        )
    return Change({"timezone": zone}, N_("Timezone: {zone}."), {"zone": zone})


def _digest(value: str, current: Current) -> Change | Refusal:
    when = parse_time(value)
    if when is None:
        return Refusal(N_("Give the digest time as HH:MM, e.g. /settings digest 07:30."))
    return Change(
        {"digest_time": when},
        N_("Digest daily at {time} ({zone})."),
        {"time": f"{when:%H:%M}", "zone": current.timezone},
    )


def _quiet(value: str) -> Change | Refusal:
    if value.lower() in ("off", "none", "no"):
        return Change({"quiet_start": None, "quiet_end": None}, N_("No quiet hours."))
    start, _sep, end = value.replace("–", "-").partition("-")
    begins, ends = parse_time(start), parse_time(end)
    if begins is None or ends is None or begins == ends:
        return Refusal(N_("Give quiet hours as HH:MM-HH:MM, e.g. /settings quiet 23:00-07:00, or off."))
    return Change(
        {"quiet_start": begins, "quiet_end": ends},
        N_("Quiet hours {start}–{end}: alerts wait for the digest unless severity is high."),
        {"start": f"{begins:%H:%M}", "end": f"{ends:%H:%M}"},
    )


def _language(value: str, languages: dict[str, str]) -> Change | Refusal:
    if value.lower() not in languages:
        return Refusal(N_("Languages: {codes}."), {"codes": ", ".join(languages)})
    return Change({"language": value.lower()}, N_("Language: English."))


def parse_typed(name: str, value: str, current: Current, languages: dict[str, str]) -> Intent:
    """``/settings NAME VALUE``."""
    name, value = name.strip().lower(), value.strip()
    if name in ("timezone", "tz", "zone"):
        return _timezone(value)
    if name in ("digest", "time"):
        return _digest(value, current)
    if name == "alerts" and value.lower() in _ON_OFF:
        on = _ON_OFF[value.lower()]
        return Change({"alerts_enabled": on}, N_("Alerts on.") if on else N_("Alerts off."))
    if name in ("severity", "level") and value.lower() in SEVERITIES:
        level = value.lower()
        return Change({"min_severity": level}, N_("Alerts for {level} severity and above."), {"level": level})
    if name == "quiet":
        return _quiet(value)
    if name == "pause" and value.lower() in _ON_OFF:
        on = _ON_OFF[value.lower()]
        return Change(
            {"paused": on}, N_("Paused: nothing is sent until you resume.") if on else N_("Resumed.")
        )
    if name in ("language", "lang"):
        return _language(value, languages)
    return Usage()


def parse_button(data: str, current: Current, languages: dict[str, str]) -> Intent:
    """The data of a /settings button ("set:tz", "set:tz:Europe/Vilnius", "set:al" …), which a
    client may forge: a value no button offers is refused like a typed one."""
    parts = data.split(":", 2)
    if parts[0] != "set":
        return Refusal(N_("This button has expired."))
    what = parts[1] if len(parts) > 1 else "menu"
    value = parts[2] if len(parts) > 2 else None
    if what in ("menu", "tz", "dt", "q", "lang") and value is None:
        return Menu(what)
    if what == "tz" and value is not None:
        return _timezone(value)
    if what == "dt" and value is not None:
        return _digest(value, current)
    if what == "q" and value is not None:
        return _quiet(value)
    if what == "lang" and value is not None:
        return _language(value, languages)
    if value is not None:
        return Refusal(N_("This button has expired."))
    if what == "al":
        on = not current.alerts_enabled
        return Change({"alerts_enabled": on}, N_("Alerts on.") if on else N_("Alerts off."))
    if what == "sev":
        level = current.min_severity
        following = (
            SEVERITIES[(SEVERITIES.index(level) + 1) % len(SEVERITIES)] if level in SEVERITIES else "high"
        )
        return Change(
            {"min_severity": following}, N_("Alerts for {level} severity and above."), {"level": following}
        )
    if what == "p":
        on = not current.paused
        return Change(
            {"paused": on}, N_("Paused: nothing is sent until you resume.") if on else N_("Resumed.")
        )
    return Refusal(N_("This button has expired."))
