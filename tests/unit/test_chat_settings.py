"""The /settings grammar: every text, typed or as button data, gives an intent, never an error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat_settings import Change, Menu, Refusal, Usage, find_timezone, parse_button, parse_typed

LANGUAGES = {"en": "English", "lt": "Lietuvių", "ru": "Русский"}


@dataclass(frozen=True)
class Chat:
    timezone: str = "UTC"
    alerts_enabled: bool = True
    min_severity: str = "high"
    paused: bool = False


@pytest.mark.parametrize(
    "text",
    ["Europe", "America", "Etc", "europe/", "/etc/passwd", "../UTC", "x" * 300, "", "Europe/Vilnius\x00"],
)
def test_what_is_not_a_zone_is_refused_not_crashed_on(text):
    assert find_timezone(text) is None
    assert isinstance(parse_typed("timezone", text, Chat(), LANGUAGES), Refusal)
    assert isinstance(parse_button(f"set:tz:{text}", Chat(), LANGUAGES), Refusal | Menu)


def test_a_zone_in_any_case_is_its_iana_name():
    assert find_timezone("europe/vilnius") == "Europe/Vilnius" and find_timezone(" utc ") == "UTC"
    assert parse_typed("tz", "Europe/Kyiv", Chat(), LANGUAGES) == Change(
        {"timezone": "Europe/Kyiv"}, "Timezone: {zone}.", {"zone": "Europe/Kyiv"}
    )


def test_quiet_hours_that_begin_when_they_end_are_refused_typed_or_pressed():
    assert isinstance(parse_typed("quiet", "07:00-07:00", Chat(), LANGUAGES), Refusal)
    assert isinstance(parse_button("set:q:07:00-07:00", Chat(), LANGUAGES), Refusal)
    ok = parse_button("set:q:23:00-07:00", Chat(), LANGUAGES)
    assert isinstance(ok, Change) and ok.values == {"quiet_start": time(23), "quiet_end": time(7)}


def test_forged_buttons_are_refused_not_saved():
    for data in ("set:xx", "set:al:1", "set:lang:xx", "set:dt:25:00", "set:sev:low", "nope", "set:p:x"):
        assert isinstance(parse_button(data, Chat(), LANGUAGES), Refusal), data
    assert parse_button("set:tz", Chat(), LANGUAGES) == Menu("tz")
    assert parse_button("set:al", Chat(alerts_enabled=True), LANGUAGES).values == {"alerts_enabled": False}
    assert parse_button("set:sev", Chat(min_severity="low"), LANGUAGES).values == {"min_severity": "high"}


def test_what_the_command_cannot_change_shows_its_usage():
    assert parse_typed("colour", "red", Chat(), LANGUAGES) == Usage()
    assert parse_typed("alerts", "maybe", Chat(), LANGUAGES) == Usage()


TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=300) | st.sampled_from(
    ["Europe", "\x00", "²", "①", "\ud800", "07:00-07:00", "x" * 10_000]
)


@given(TEXT, TEXT)
def test_any_typed_setting_gives_an_intent_and_every_change_is_valid(name, value):
    intent = parse_typed(name, value, Chat(), LANGUAGES)
    assert isinstance(intent, Change | Refusal | Usage)
    if isinstance(intent, Change) and "timezone" in intent.values:
        ZoneInfo(intent.values["timezone"])


@given(TEXT)
def test_any_button_data_gives_an_intent(data):
    for prefix in ("", "set:", "set:tz:", "set:dt:", "set:q:", "set:lang:", "set:al"):
        intent = parse_button(prefix + data, Chat(), LANGUAGES)
        assert isinstance(intent, Change | Refusal | Menu)
        if isinstance(intent, Change) and "quiet_start" in intent.values and intent.values["quiet_start"]:
            assert intent.values["quiet_start"] != intent.values["quiet_end"]
