"""bot.pace.TelegramPace in a real ExtBot against the loopback Bot API fake: under the fake's
strict 30-in-a-second limit, 429s waited out (everyone held), retries bounded, groups paced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.pace import TelegramPace
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram

USERS = list(range(2001, 2041))
GROUP = -100500


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    for user in USERS:
        fake.private_chat(user)
    fake.group(GROUP, "Border watch")
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as bot/telegram_app.py sets it


async def test_a_crowd_of_messages_stays_under_the_limit(fake: FakeTelegram) -> None:
    fake.rate_limit(30)
    pace = TelegramPace(per_second=20)  # well under the fake's 30: no 429 even on a busy machine
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=pace) as bot:
        await asyncio.gather(*(bot.send_message(user, f"alert {user}") for user in USERS))
    calls = fake.calls_of("sendMessage")
    assert [c.error_code for c in calls if not c.ok] == []
    assert sorted(m["chat_id"] for m in fake.sent()) == USERS
    times = sorted(c.time for c in calls)
    assert times[-1] - times[0] >= 39 / 20 - 0.1  # paced, not sent at once


async def test_a_429_holds_its_chat_while_the_others_go_on(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=1, times=1)
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=TelegramPace()) as bot:
        await asyncio.gather(*(bot.send_message(user, "digest") for user in USERS[:3]))
    calls = fake.calls_of("sendMessage")
    [refused] = [c for c in calls if not c.ok]
    again = [c for c in calls if c.ok and c.params["chat_id"] == refused.params["chat_id"]]
    others = [c for c in calls if c.ok and c.params["chat_id"] != refused.params["chat_id"]]
    assert len(again) == 1 and again[0].time - refused.time >= 1.0  # its chat waited retry_after
    assert len(others) == 2 and all(c.time - refused.time < 0.9 for c in others)  # the others did not
    assert sorted(m["chat_id"] for m in fake.sent()) == USERS[:3]


async def test_429s_for_two_chats_hold_everyone(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=1, times=2)
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=TelegramPace()) as bot:
        await asyncio.gather(*(bot.send_message(user, "digest") for user in USERS[:4]))
    calls = fake.calls_of("sendMessage")
    refused = [c for c in calls if not c.ok]
    assert len({c.params["chat_id"] for c in refused}) == 2  # two chats: the bot's own limit
    later = [c for c in calls if c.ok]
    assert len(later) == 4 and all(c.time - refused[-1].time >= 1.0 for c in later)
    assert sorted(m["chat_id"] for m in fake.sent()) == USERS[:4]


async def test_one_chat_gets_one_message_a_second_after_a_short_burst(fake: FakeTelegram) -> None:
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=TelegramPace()) as bot:
        await asyncio.gather(*(bot.send_message(USERS[0], f"part {i}") for i in range(5)))
        await bot.send_message(USERS[1], "another chat is not held by that")
    times = [c.time for c in fake.calls_of("sendMessage")]
    assert times[2] - times[0] < 0.5  # a reply, its chart and an edit go at once…
    assert times[3] - times[2] >= 0.9 and times[4] - times[3] >= 0.9  # …then one a second
    assert times[5] - times[4] < 0.5


async def test_retries_are_bounded(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=1, times=5)
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=TelegramPace(max_retries=0)) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(USERS[0], "x")
        assert len(fake.calls_of("sendMessage")) == 1
        start = time.monotonic()
        with pytest.raises(RetryAfter):  # rate_limit_args: this call's own number of retries
            await bot.send_message(USERS[0], "x", rate_limit_args=2)
        assert len(fake.calls_of("sendMessage")) == 4
        assert time.monotonic() - start >= 2.0  # retry_after waited out before each retry
    assert fake.sent() == []


async def test_groups_get_their_own_per_minute_bucket(fake: FakeTelegram) -> None:
    pace = TelegramPace(group_per_minute=2)
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=pace) as bot:
        await bot.send_message(GROUP, "one")
        await bot.send_message(GROUP, "two")
        await bot.send_message(USERS[0], "private chats have no per-minute limit")
        third = asyncio.create_task(bot.send_message(GROUP, "three"))
        await asyncio.sleep(0.5)
        assert not third.done()  # the group's bucket of 2 a minute is full
        assert list(pace._groups) == [GROUP]
        third.cancel()
    assert [m["text"] for m in fake.sent()] == ["one", "two", "private chats have no per-minute limit"]


async def test_a_long_retry_after_is_handed_back_but_still_holds_its_chat(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=60, times=1)
    async with ExtBot(DEFAULT_TOKEN, base_url=fake.base_url, rate_limiter=TelegramPace(max_wait=15)) as bot:
        with pytest.raises(RetryAfter):  # not waited out in the call: the ledger reschedules it
            await bot.send_message(USERS[0], "digest")
        with pytest.raises(asyncio.TimeoutError):  # and nothing else goes to that chat meanwhile
            await asyncio.wait_for(bot.send_message(USERS[0], "alert"), timeout=0.5)
        await bot.send_message(USERS[1], "another chat")
    assert [m["chat_id"] for m in fake.sent()] == [USERS[1]]
