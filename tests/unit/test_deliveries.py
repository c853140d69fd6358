"""Who gets which alert and digest: the pure deciders, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from bot.deliveries import (
    AlertFollow,
    AlertStory,
    DeliveryKind,
    DigestChat,
    alert_intents,
    digest_intents,
)
from bot.domain import Severity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 14:00 in Vilnius
CLOSURE = AlertStory(7, Severity.HIGH, frozenset({"border"}), frozenset({"LT", "BY"}))
DRILL = AlertStory(8, Severity.MEDIUM, frozenset({"military"}), frozenset({"LV"}))


def follow(chat: int, region: str, minimum: str = "high", topics=(), quiet=(None, None)) -> AlertFollow:
    return AlertFollow(chat, region, frozenset(topics), minimum, "Europe/Vilnius", *quiet)


def test_a_story_alerts_the_chats_that_follow_one_of_its_parties_once_each():
    intents = alert_intents(
        [CLOSURE, DRILL],
        [follow(1, "LT"), follow(1, "baltics"), follow(2, "BY"), follow(3, "PL"), follow(4, "LV")],
        NOW,
    )
    assert sorted((i.chat_id, i.key) for i in intents) == [(1, "7"), (2, "7")]
    assert all(i.kind is DeliveryKind.ALERT and i.due_at == NOW for i in intents)


def test_the_floor_the_topic_filter_and_quiet_hours():
    assert [i.key for i in alert_intents([DRILL], [follow(1, "LV", "medium")], NOW)] == ["8"]
    assert alert_intents([DRILL], [follow(1, "LV", "medium", topics=["border"])], NOW) == []
    quiet = (time(13), time(15))  # 14:00 in Vilnius: quiet
    assert alert_intents([DRILL], [follow(1, "LV", "medium", quiet=quiet)], NOW) == []
    assert [i.key for i in alert_intents([CLOSURE], [follow(1, "LT", quiet=quiet)], NOW)] == ["7"]


def test_a_development_has_its_own_key():
    later = AlertStory(7, Severity.HIGH, frozenset({"border"}), frozenset({"LT"}), development=2)
    assert [i.key for i in alert_intents([later], [follow(1, "LT")], NOW)] == ["7.2"]


def test_a_digest_is_due_at_the_chats_last_local_time():
    chats = [
        DigestChat(1, "Europe/Vilnius", time(8), datetime(2026, 11, 1, tzinfo=UTC)),
        DigestChat(2, "America/New_York", time(8), datetime(2026, 11, 1, tzinfo=UTC)),
        DigestChat(3, "Europe/Vilnius", time(8), NOW),  # created after today's 08:00
    ]
    intents = {i.chat_id: i for i in digest_intents(chats, NOW)}
    assert intents[1].key == "2026-11-26" and intents[1].due_at == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert intents[2].key == "2026-11-25" and 3 not in intents


SEVERITIES = st.sampled_from([Severity.LOW, Severity.MEDIUM, Severity.HIGH])
CODES = st.sampled_from(["LT", "LV", "EE", "PL", "BY", "baltics", "RU"])


@given(
    st.lists(
        st.tuples(SEVERITIES, st.frozensets(CODES.filter(lambda c: c != "baltics"), max_size=3)), max_size=5
    ),
    st.lists(st.tuples(CODES, st.sampled_from(["low", "medium", "high", "?"])), max_size=6),
)
def test_every_alert_goes_to_a_follower_of_a_party_at_or_above_its_floor(stories, follows):
    from bot import regions

    made = [AlertStory(i, s, frozenset({"border"}), r) for i, (s, r) in enumerate(stories)]
    subs = [follow(10 + i, region, minimum) for i, (region, minimum) in enumerate(follows)]
    intents = alert_intents(made, subs, NOW)
    assert len({(i.chat_id, i.key) for i in intents}) == len(intents)  # once each
    for intent in intents:
        story = made[int(intent.key)]
        sub = next(f for f in subs if f.chat_id == intent.chat_id)
        codes = set(regions.get(sub.region).codes)
        assert story.regions & codes and story.severity is not Severity.LOW
        floor = Severity(sub.min_severity) if sub.min_severity != "?" else Severity.HIGH  # unknown: high
        assert story.severity.rank >= floor.rank
