"""The bot in real conversations: the unmodified python-telegram-bot application (as `briefbot run`
builds it) against the loopback Bot API fake, with a real database and real stories."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from telegram import Bot

from bot.config import load_settings
from bot.delivery import Deliverer
from bot.fetch import Fetcher
from bot.ingest import Poller
from bot.telegram_app import build_application, start_bot, stop_bot
from db.engine import Database
from db.models import Chat, Feed, Subscription
from handlers.common import Deps
from tests.fakes.clock import ManualClock
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import NOW, serve

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ANN, BOB, ADMIN = 1001, 1002, 900
GROUP, FORUM, CHANNEL = -100111, -100222, -100333


class Conversation:
    """Tests speak as users; ``say`` waits until the bot has answered and gone quiet."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def say(
        self, chat_id: int, user_id: int, text: str, *, thread: int | None = None, quiet: float = 0.4
    ):
        mark = len(self.fake.calls)
        self.fake.user_sends(chat_id, user_id, text, message_thread_id=thread)
        return await self._answers(chat_id, mark, quiet)

    async def press(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str,
        *,
        quiet: float = 0.4,
        forged: bool = False,
    ):
        mark = len(self.fake.calls)
        self.fake.user_presses(chat_id, user_id, message_id, data, forged=forged)
        await self.fake.wait_for_async(lambda c: c.method == "answerCallbackQuery", after=mark)
        return await self._answers(chat_id, mark, quiet, required=False)

    async def _answers(self, chat_id: int, mark: int, quiet: float, required: bool = True) -> list[dict]:
        def to_chat(call) -> bool:
            return call.method in ("sendMessage", "sendPhoto", "editMessageText") and str(
                call.params.get("chat_id")
            ) == str(chat_id)

        if required:
            await self.fake.wait_for_async(to_chat, after=mark)
        # Then until nothing more comes for ``quiet`` seconds.
        seen = len(self.fake.calls)
        deadline = time.monotonic() + quiet
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if len(self.fake.calls) != seen:
                seen, deadline = len(self.fake.calls), time.monotonic() + quiet
        return [c for c in self.fake.calls[mark:] if to_chat(c) and c.ok]

    def last(self, chat_id: int) -> dict:
        return self.fake.sent(chat_id)[-1]


@pytest.fixture
async def bot(
    database: Database, feed_server: FeedServer
) -> AsyncIterator[tuple[Conversation, FakeTelegram, Database]]:
    clock = ManualClock(NOW)
    # Stories to talk about: group c01 (Lithuania closing crossings, three languages) and c04.
    serve(database, feed_server, clock, {"en": ["c01-a", "c04-a"], "lt": ["c01-b"], "ru": ["c01-c"]})
    fetcher = Fetcher(now=clock.now)
    await Poller(
        db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(1)
    ).poll_all()
    await fetcher.aclose()

    fake = FakeTelegram(token=TOKEN).start()
    fake.private_chat(ANN, "Ann", "en")
    fake.private_chat(BOB, "Bob", "lt")
    fake.private_chat(ADMIN, "Op", "en")
    fake.group(GROUP, "Border watchers", admins=[ANN])
    fake.user(BOB)
    fake.group(FORUM, "Newsroom", forum=True, admins=[ANN])
    fake.channel(CHANNEL, "Baltic briefing", admins=[ANN])
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "BRIEFBOT_ADMIN_IDS": str(ADMIN),
            "BRIEFBOT_TIMEZONE": "Europe/Vilnius",
        },
        env_file=None,
    )
    application = build_application(settings, Deps(database, settings, clock))
    await start_bot(application, settings)
    try:
        yield Conversation(fake), fake, database
    finally:
        await stop_bot(application)
        fake.stop()


def subscriptions(database: Database, chat_id: int) -> list[tuple[str, list[str], int | None]]:
    return database.call(
        lambda s: [
            (x.region, list(x.topics), x.message_thread_id)
            for x in s.scalars(
                select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.id)
            )
        ]
    )


async def test_start_welcomes_and_offers_regions_and_the_menu_is_set(bot):
    talk, fake, database = bot
    (answer,) = await talk.say(ANN, ANN, "/start")
    message = talk.last(ANN)
    assert "Briefbot" in message["text"] and "/subscribe lithuania" in message["text"]
    assert "I read 3 news sources" in message["text"]  # the feeds polled, counted
    await talk.say(BOB, BOB, "/start")
    assert "Skaitau 3 naujienų šaltinius" in talk.last(BOB)["text"]
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert "🇱🇹 Lithuania" in labels and "Baltic states" in labels
    names = [c["command"] for c in fake.commands()]
    assert names[:4] == ["start", "help", "subscribe", "unsubscribe"] and "feeds" not in names
    assert database.call(lambda s: s.get(Chat, ANN).timezone) == "Europe/Vilnius"


@pytest.mark.parametrize("name", ["lithuania", "LT", "Lietuva", "Литва", "LITHUANIA"])
async def test_subscribe_by_every_name_form(bot, name):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, f"/subscribe {name}")
    assert "Following 🇱🇹 Lithuania." in talk.last(ANN)["text"]
    assert subscriptions(database, ANN) == [("LT", [], None)]


async def test_subscribe_several_with_topics_and_groups(bot):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/subscribe lt lv baltics")
    await talk.say(ANN, ANN, "/subscribe poland border military")
    assert "only border, military" in talk.last(ANN)["text"]
    assert subscriptions(database, ANN) == [
        ("LT", [], None),
        ("LV", [], None),
        ("baltics", [], None),
        ("PL", ["border", "military"], None),
    ]


async def test_an_unknown_name_gets_did_you_mean_buttons_that_work(bot):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/subscribe lithuaina")
    message = talk.last(ANN)
    assert "Did you mean" in message["text"]
    button = message["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "🇱🇹 Lithuania", "callback_data": "sub:LT"}
    await talk.press(ANN, ANN, message["message_id"], "sub:LT")
    assert subscriptions(database, ANN) == [("LT", [], None)]


async def test_odd_input_never_crashes(bot):
    talk, fake, _database = bot
    for text in (
        "/subscribe",
        "/subscribe " + "x" * 5000,
        "/subscribe 🇱🇹🔥",
        "/status ‮evil",
        "/why",
        "/why abc",
        "/nonsense",
        "hello",
        "/settings frobnicate 12",
    ):
        answers = await talk.say(ANN, ANN, text)
        assert answers, text
        assert "went wrong" not in talk.last(ANN)["text"], text
    assert "I don't know /nonsense" in [m["text"] for m in fake.sent(ANN) if m["text"]][-3]


async def test_status_with_its_chart_and_why(bot):
    talk, _fake, _database = bot
    answers = await talk.say(ANN, ANN, "/status lithuania", quiet=1.0)
    # A status that fits a caption (1,024 characters) comes as one message: the chart with it.
    assert [a.method for a in answers] == ["sendPhoto"]
    photo = talk.last(ANN)
    text = photo["caption"]
    assert "Lithuania" in text and "3 sources" in text
    assert photo["photo_bytes"] and photo["photo_bytes"] > 1000
    why = text.split("/why_")[1].split()[0].strip()
    await talk.say(ANN, ANN, f"/why_{why}")
    evidence = talk.last(ANN)["text"]
    assert "Regions" in evidence and "Lithuania (about)" in evidence and "Reports" in evidence
    # The events and the words that show them (balloons from Belarus closing Vilnius airport).
    assert "Events" in evidence and "airport disruption: ‘" in evidence
    assert "Belarus (about)" in evidence  # where the balloons come from is a party


async def test_unsubscribe_and_list_with_remove_buttons(bot):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/subscribe lt pl")
    await talk.say(ANN, ANN, "/list")
    listing = talk.last(ANN)
    assert (
        "🇱🇹 Lithuania — all topics" in listing["text"]
        and "Digest daily at 08:00 (Europe/Vilnius)" in listing["text"]
    )
    await talk.press(ANN, ANN, listing["message_id"], "unsub:PL")
    assert subscriptions(database, ANN) == [("LT", [], None)]
    await talk.say(ANN, ANN, "/unsubscribe all")
    assert subscriptions(database, ANN) == []


async def test_settings_by_buttons_and_typed(bot):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/settings")
    menu = talk.last(ANN)
    await talk.press(ANN, ANN, menu["message_id"], "set:tz")
    await talk.press(ANN, ANN, menu["message_id"], "set:tz:Europe/Warsaw")
    await talk.press(ANN, ANN, menu["message_id"], "set:al")
    await talk.say(ANN, ANN, "/settings digest 07:30")
    await talk.say(ANN, ANN, "/settings timezone america/new_york")
    await talk.say(ANN, ANN, "/settings quiet 23:00-07:00")
    chat = database.call(lambda s: s.get(Chat, ANN))
    assert (chat.alerts_enabled, f"{chat.digest_time:%H:%M}", chat.timezone) == (
        False,
        "07:30",
        "America/New_York",
    )
    assert f"{chat.quiet_start:%H:%M}-{chat.quiet_end:%H:%M}" == "23:00-07:00"


async def test_groups_only_admins_change_and_forum_topics_get_replies(bot):
    talk, fake, database = bot
    await talk.say(GROUP, ANN, "/list")  # the group is first seen from Ann: English
    await talk.say(GROUP, BOB, "/subscribe@briefbot_test_bot lithuania")
    assert "Only the group's admins" in talk.last(GROUP)["text"] and subscriptions(database, GROUP) == []
    await talk.say(GROUP, ANN, "/subscribe@briefbot_test_bot lithuania")
    assert subscriptions(database, GROUP) == [("LT", [], None)]
    # A command for another bot is not ours, and plain talk in a group is not for the bot.
    mark = len(fake.calls)
    fake.user_sends(GROUP, ANN, "/start@otherbot")
    fake.user_sends(GROUP, BOB, "hello everyone")
    await asyncio.sleep(0.6)
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    # Forum topics: the reply goes to the topic it was asked from, and the subscription remembers it.
    await talk.say(FORUM, ANN, "/subscribe latvia", thread=77)
    assert talk.last(FORUM)["message_thread_id"] == 77
    assert subscriptions(database, FORUM) == [("LV", [], 77)]


async def test_a_channel_admin_links_the_channel(bot):
    talk, _fake, database = bot
    await talk.say(CHANNEL, ANN, "/subscribe baltics")
    assert subscriptions(database, CHANNEL) == [("baltics", [], None)]


async def test_a_chat_that_blocks_the_bot_is_marked_inactive_and_start_reactivates(bot):
    talk, fake, database = bot
    await talk.say(ANN, ANN, "/start")
    fake.block(ANN)
    fake.user_sends(ANN, ANN, "/list")
    await fake.wait_for_async(lambda c: c.method == "sendMessage" and c.error_code == 403)
    await asyncio.sleep(0.3)
    assert database.call(lambda s: s.get(Chat, ANN).active) is False
    fake.unblock(ANN)
    await talk.say(ANN, ANN, "/start")
    assert database.call(lambda s: s.get(Chat, ANN).active) is True


async def test_admin_commands_are_for_admins_only(bot):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/feeds")
    assert "admins only" in talk.last(ANN)["text"]
    await talk.say(ADMIN, ADMIN, "/feeds")
    assert "news en" in talk.last(ADMIN)["text"]
    await talk.say(ADMIN, ADMIN, "/stats")
    assert "stories:" in talk.last(ADMIN)["text"]
    # /addfeed fetches the feed once first: a name that does not resolve is not added.
    await talk.say(ADMIN, ADMIN, "/addfeed https://example.test/rss.xml Example lang=lt regions=LT")
    assert talk.last(ADMIN)["text"].startswith("Not added: name resolution failed")
    await talk.say(ADMIN, ADMIN, "/addfeed https://example.test/rss.xml lang=xx")
    assert "is not a language code" in talk.last(ADMIN)["text"]
    await talk.say(ADMIN, ADMIN, "/addfeed https://example.test/rss.xml regions=LT,ZZ")
    assert "Unknown regions: ZZ" in talk.last(ADMIN)["text"]


async def test_digest_now_then_nothing_new(bot):
    talk, _fake, _database = bot
    await talk.say(ANN, ANN, "/subscribe lithuania")
    await talk.say(ANN, ANN, "/digest")
    first = talk.last(ANN)["text"]
    assert "Daily briefing" in first and "source" in first
    await talk.say(ANN, ANN, "/digest")
    assert "a quiet day" in talk.last(ANN)["text"]


async def test_a_429_is_waited_out_and_the_reply_arrives(bot):
    talk, fake, _database = bot
    fake.fail_next("sendMessage", error_code=429, retry_after=1)
    answers = await talk.say(ANN, ANN, "/help", quiet=2.0)
    assert len(answers) == 1 and "/subscribe lithuania" in answers[0].params["text"]
    assert [c.error_code for c in fake.calls_of("sendMessage")] == [429, None]


async def test_edited_commands_are_not_answered_again(bot):
    talk, fake, database = bot
    await talk.say(ANN, ANN, "/subscribe lithuania")
    mark = len(fake.calls)
    fake.user_sends(ANN, ANN, "/subscribe poland", edited=True)
    await asyncio.sleep(0.8)
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    assert subscriptions(database, ANN) == [("LT", [], None)]


async def test_a_failure_inside_a_handler_is_logged_and_told_in_one_sentence(bot, caplog):
    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/start")

    def break_table(session):
        session.execute(sql("DROP TABLE subscriptions"))

    database.call(break_table)
    try:
        with caplog.at_level("ERROR"):
            await talk.say(ANN, ANN, "/list")
    finally:  # the PostgreSQL test database is shared by the run's tests: put the table back
        Subscription.__table__.create(database.engine)
    assert talk.last(ANN)["text"] == "Sorry, something went wrong on my side; please try again in a minute."
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "handler.failed" in logged and f"chat={ANN}" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in caplog.text


async def test_replies_come_in_the_users_language_and_settings_change_it(bot):
    talk, _fake, _database = bot
    await talk.say(BOB, BOB, "/subscribe lithuania")  # Bob's Telegram is in Lithuanian
    assert talk.last(BOB)["text"].startswith("Sekate: 🇱🇹 Lietuva.")
    await talk.say(BOB, BOB, "/settings language ru")
    await talk.say(BOB, BOB, "/status lithuania", quiet=1.0)
    status = [m["caption"] or m["text"] for m in _fake.sent(BOB) if m["caption"] or m["text"]][-1]
    assert status.startswith("🇱🇹 Литва — ") and "Последние сюжеты" in status
    await talk.say(BOB, BOB, "/settings language en")
    await talk.say(BOB, BOB, "/list")
    assert "🇱🇹 Lithuania — all topics" in talk.last(BOB)["text"]


async def test_sources_lists_the_feeds_of_a_region_with_their_health(bot):
    talk, _fake, database = bot
    database.call(lambda s: s.execute(sql("UPDATE feeds SET regions = '[\"LT\"]' WHERE name = 'news lt'")))
    await talk.say(ANN, ANN, "/sources lithuania")
    text = talk.last(ANN)["text"]
    assert text.startswith("Sources for 🇱🇹 Lithuania") and "news lt (lt) — ✅ ok, checked 0 min ago" in text
    await talk.say(ANN, ANN, "/sources moldova")
    assert "No feed is listed for Moldova" in talk.last(ANN)["text"]
    # A feed hinted with a group ("baltics") is a source for each of its countries.
    database.call(
        lambda s: s.execute(sql("UPDATE feeds SET regions = '[\"baltics\"]' WHERE name = 'news ru'"))
    )
    await talk.say(ANN, ANN, "/sources latvia")
    assert "news ru (ru)" in talk.last(ANN)["text"]


async def test_admin_disables_a_feed_and_broadcasts(bot):
    talk, fake, database = bot
    await talk.say(ANN, ANN, "/start")
    await talk.say(BOB, BOB, "/start")
    await talk.say(ADMIN, ADMIN, "/start")
    await talk.say(ADMIN, ADMIN, "/disablefeed news lt")
    assert "Stopped polling news lt" in talk.last(ADMIN)["text"]
    assert database.call(lambda s: s.scalar(sql("SELECT enabled FROM feeds WHERE name = 'news lt'"))) in (
        0,
        False,
    )
    fake.block(BOB)
    await talk.say(ADMIN, ADMIN, "/broadcast Maintenance at 22:00 <UTC>\n\nSecond  paragraph.")
    # Answered at once: queued in the delivery ledger for Ann, Bob and the admin.
    assert "Queued for 3 chats" in talk.last(ADMIN)["text"]
    async with Bot(TOKEN, base_url=fake.base_url) as sender:
        deliverer = Deliverer(sender, database, ManualClock(NOW))
        await deliverer.tick()
        await deliverer.tick()  # exactly once: a second tick sends nothing more
    text = "Maintenance at 22:00 <UTC>\n\nSecond  paragraph."  # as written, line breaks kept
    assert [m["text"] for m in fake.sent(ANN)].count(text) == 1
    assert [m["text"] for m in fake.sent(ADMIN)].count(text) == 1
    assert database.call(lambda s: s.get(Chat, BOB).active) is False  # Bob blocked the bot
    await talk.say(ANN, ANN, "/broadcast hi")
    assert "admins only" in talk.last(ANN)["text"]


def answered(fake, after: int) -> list[str]:
    """The texts of callback answers since call number ``after``."""
    return [c.params.get("text") or "" for c in fake.calls[after:] if c.method == "answerCallbackQuery"]


async def test_hostile_settings_why_and_buttons_are_answered_and_never_crash(bot):
    talk, fake, database = bot
    for text in ("/settings timezone Europe", "/settings timezone Etc", "/settings timezone " + "x" * 300):
        await talk.say(ANN, ANN, text)
        assert "is not a timezone name" in talk.last(ANN)["text"], text
    for text in ("/why ²", "/why ①", "/why 12.5"):
        await talk.say(ANN, ANN, text)
        assert "Which story?" in talk.last(ANN)["text"], text
    await talk.say(ANN, ANN, "/settings")
    menu = talk.last(ANN)
    mark = len(fake.calls)
    await talk.press(ANN, ANN, menu["message_id"], "set:tz:Europe", forged=True)
    await talk.press(ANN, ANN, menu["message_id"], "set:q:07:00-07:00", forged=True)
    await talk.press(ANN, ANN, menu["message_id"], "set:lang:xx", forged=True)
    await talk.press(ANN, ANN, menu["message_id"], "no-such-button:1", forged=True)
    answers = answered(fake, mark)
    assert "is not a timezone name" in answers[0] and "Give quiet hours" in answers[1]
    assert answers[2].startswith("Languages:") and answers[3] == "This button has expired."
    assert "Saved." not in answers
    chat = database.call(lambda s: s.get(Chat, ANN))
    assert (chat.timezone, chat.quiet_start, chat.language) == ("Europe/Vilnius", None, "en")
    # ✖ pressed twice on one /list message: the second press changes nothing and is answered.
    await talk.say(ANN, ANN, "/subscribe lt pl")
    await talk.say(ANN, ANN, "/list")
    listing = talk.last(ANN)
    await talk.press(ANN, ANN, listing["message_id"], "unsub:PL")
    mark = len(fake.calls)  # the second tap, from the keyboard as it was before the edit
    await talk.press(ANN, ANN, listing["message_id"], "unsub:PL", forged=True)
    assert answered(fake, mark) == ["Already stopped."]
    assert all("went wrong" not in (m["text"] or "") for m in fake.sent(ANN))


async def test_nul_bytes_and_long_names_from_users_are_cleaned_before_storage(bot):
    talk, fake, database = bot
    odd = 1003
    fake.private_chat(odd, "Ev\x00e " + "x" * 400, "en")
    await talk.say(odd, odd, "/start")
    chat = database.call(lambda s: s.get(Chat, odd))
    assert chat.title.startswith("Eve x") and "\x00" not in chat.title and len(chat.title) <= 256
    await talk.say(ADMIN, ADMIN, "/addfeed https://news.test/rss\x00.xml Nul\x00 feed")
    assert talk.last(ADMIN)["text"].startswith("Not added: name resolution failed")  # read, no NUL
    await talk.say(ADMIN, ADMIN, "/disablefeed Nul\x00 feed")
    assert "went wrong" not in talk.last(ADMIN)["text"]


async def test_addfeed_refuses_loopback_and_private_addresses_in_every_spelling(bot):
    talk, _fake, database = bot
    for url in (
        "http://127.0.0.1:8080/rss",
        "http://0:80/rss",
        "http://2130706433:1/rss",
        "http://0x7f000001/rss",
        "http://127.1/rss",
        "http://localhost/rss",
        "http://[::1]/rss",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/feed",
    ):
        await talk.say(ADMIN, ADMIN, f"/addfeed {url}")
        answer = talk.last(ADMIN)["text"]
        assert answer.startswith("Refused:") and "BRIEFBOT_ALLOW_PRIVATE_FEEDS" in answer, url
    assert database.call(lambda s: s.scalar(select(func.count(Feed.id)).where(Feed.source == "admin"))) == 0


async def test_only_those_who_may_change_a_chat_can_press_its_buttons_or_move_its_digest(bot):
    talk, fake, database = bot
    # A channel: Ann (an administrator) posts /settings; Bob, a subscriber, presses its buttons.
    await talk.say(CHANNEL, ANN, "/settings")
    menu = talk.last(CHANNEL)
    mark = len(fake.calls)
    await talk.press(CHANNEL, BOB, menu["message_id"], "set:p")
    assert answered(fake, mark) == ["Only the group's admins can change its settings."]
    assert database.call(lambda s: s.get(Chat, CHANNEL)).paused is False
    await talk.press(CHANNEL, ANN, menu["message_id"], "set:p")
    assert database.call(lambda s: s.get(Chat, CHANNEL)).paused is True
    # A private chat's buttons are Ann's alone.
    await talk.say(ANN, ANN, "/settings")
    menu = talk.last(ANN)
    mark = len(fake.calls)
    await talk.press(ANN, BOB, menu["message_id"], "set:p")
    assert answered(fake, mark) == ["Only the group's admins can change its settings."]
    assert database.call(lambda s: s.get(Chat, ANN)).paused is False
    # In a group, /digest (which moves the group's last-digest time) is for its admins.
    await talk.say(GROUP, ANN, "/subscribe@briefbot_test_bot lithuania")
    await talk.say(GROUP, BOB, "/digest")
    assert "Only the group's admins" in talk.last(GROUP)["text"]
    assert database.call(lambda s: s.get(Chat, GROUP)).last_digest_at is None
    await talk.say(GROUP, ANN, "/digest")
    assert database.call(lambda s: s.get(Chat, GROUP)).last_digest_at is not None


async def test_a_status_too_long_for_a_caption_comes_as_text_then_the_chart(bot):
    from datetime import timedelta

    from db.models import Story, StoryTag

    talk, fake, database = bot

    def crowd(session) -> None:  # ten more Latvian stories with long titles
        for i in range(10):
            when = NOW - timedelta(hours=i + 1)
            story = Story(
                key=f"long-{i}",
                title=f"Story {i}: " + "the border guard reported another attempt to cross " * 4,
                url=f"https://news.test/{i}",
                first_seen_at=when,
                last_seen_at=when,
                regions=["LV"],
                topics=["border"],
                item_count=1,
                source_count=1,
                severity="medium",
                state={},
                created_at=when,
                updated_at=when,
            )
            session.add(story)
            session.flush()
            for kind, value in (("region", "LV"), ("topic", "border")):
                session.add(
                    StoryTag(story_id=story.id, kind=kind, value=value, first_seen_at=when, last_seen_at=when)
                )

    database.call(crowd)
    answers = await talk.say(ANN, ANN, "/status latvia", quiet=1.5)
    assert [a.method for a in answers] == ["sendMessage", "sendPhoto"]
    assert "Story 0" in answers[0].params["text"] and "new stories per day" in answers[1].params["caption"]


#: Every kind at once: NUL, other scripts, right-to-left marks, markup, SQL, digits isdigit()
#: accepts, a zone directory. (Lone surrogates cannot travel in a Bot API update, which is UTF-8:
#: the pure grammars are tested with them, tests/unit/test_chat_settings.py.)
HOSTILE = "\x00 Europe ² ① Вільнюс ქართული 中文 \u200f‮ <b>'; DROP TABLE chats;--" + "x" * 300
COMMANDS = [
    "start", "help", "subscribe", "unsubscribe", "list", "status", "digest", "settings", "why",
    "sources", "feeds", "addfeed", "disablefeed", "stats", "broadcast",
]  # fmt: skip


async def test_every_command_and_button_answers_hostile_input_and_never_fails(bot):
    talk, fake, _database = bot
    for command in COMMANDS:  # as the operator: the admin commands too
        answers = await talk.say(ADMIN, ADMIN, f"/{command} {HOSTILE}", quiet=0.1)
        assert answers and all("went wrong" not in (a.params.get("text") or "") for a in answers), command
    for command in ("subscribe", "status", "why"):  # longer than a command should ever be
        await talk.say(ANN, ANN, f"/{command} {'x' * 4000}", quiet=0.1)
    for prefix in ("sub:", "unsub:", "status:", "set:", "set:tz:", "set:q:", "set:lang:", "nope:"):
        await talk.say(ANN, ANN, "/settings", quiet=0.05)
        message = talk.last(ANN)["message_id"]
        mark = len(fake.calls)
        await talk.press(ANN, ANN, message, prefix + HOSTILE[:40], quiet=0.05, forged=True)
        assert len([c for c in fake.calls[mark:] if c.method == "answerCallbackQuery"]) == 1, prefix
    assert all("went wrong" not in (m["text"] or "") for m in fake.sent(ANN) + fake.sent(ADMIN))


async def test_status_is_answered_while_a_long_write_holds_the_database(bot):
    import threading

    from db.models import Feed as FeedRow

    talk, _fake, database = bot
    await talk.say(ANN, ANN, "/start")  # Ann is known: her commands only read
    holding, release = threading.Event(), threading.Event()

    def long_write(session) -> None:  # a poll storing a thousand items, say
        session.get(FeedRow, 1).title = "being written"
        session.flush()  # the write lock is taken now (SQLite: RESERVED; PostgreSQL: the row)
        holding.set()
        assert release.wait(20)

    # On the bot's own database writer thread, as a poll's store would run.
    writer = asyncio.create_task(database.run(long_write))
    try:
        assert await asyncio.to_thread(holding.wait, 10)
        answers = await talk.say(ANN, ANN, "/status lithuania")
        assert answers and "Lithuania" in (answers[0].params.get("caption") or answers[0].params.get("text"))
        assert not writer.done()  # answered while the write was still open
    finally:
        release.set()
        await writer
