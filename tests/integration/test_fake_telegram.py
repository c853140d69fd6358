"""The loopback Telegram Bot API fake enforces what Telegram enforces, as seen by real PTB."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegram

# A valid 1x1 greyscale PNG (its signature holds \r\n and \n: multipart must keep them intact).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"
)
USER = 1001
GROUP = -100123
FORUM = -100777


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    fake.private_chat(USER, first_name="Ann")
    yield fake
    fake.stop()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=fake_telegram.base_url) as tg_bot:
        yield tg_bot


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in datas])


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (123456, True, "briefbot_test_bot", "Briefbot")
    assert me.can_join_groups is True and me.supports_inline_queries is False


async def test_send_message_returns_a_real_message(bot: Bot, fake_telegram: FakeTelegram) -> None:
    msg = await bot.send_message(USER, "<b>Hi</b> &amp; bye", parse_mode="HTML", reply_markup=keyboard("a"))
    assert isinstance(msg, Message)
    assert msg.chat.id == USER and msg.chat.type == "private"
    assert msg.text == "Hi & bye"
    assert msg.from_user is not None and msg.from_user.id == 123456
    assert msg.reply_markup == keyboard("a")
    second = await bot.send_message(USER, "again")
    assert second.message_id == msg.message_id + 1
    assert abs(msg.date.timestamp() - time.time()) < 5
    [first, _] = fake_telegram.sent(chat_id=USER)
    assert first["html"] == "<b>Hi</b> &amp; bye" and first["text"] == "Hi & bye"
    assert first["reply_markup"] == {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    method, params, _ = fake_telegram.calls_of("sendMessage")[0]
    assert method == "sendMessage" and params["chat_id"] == USER and params["parse_mode"] == "HTML"


async def test_length_limit_counts_visible_utf16(bot: Bot) -> None:
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "&amp;" * 4096, parse_mode="HTML")  # 4096 visible characters
    await bot.send_message(USER, "😀" * 2048)  # 2 UTF-16 code units each
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2048 + "x")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "<b>" + "&amp;" * 4097 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "   ")


@pytest.mark.parametrize("html", ["<b>x", "<script>x</script>", "a < b", "<b><i>x</b></i>", "&nbsp;"])
async def test_invalid_html_is_rejected(bot: Bot, html: str) -> None:
    with pytest.raises(BadRequest, match="^Can't parse entities: .+"):
        await bot.send_message(USER, html, parse_mode="HTML")


async def test_the_same_text_without_parse_mode_is_fine(bot: Bot) -> None:
    msg = await bot.send_message(USER, "<b>x")
    assert msg.text == "<b>x"


async def test_callback_data_limit_is_64_bytes(bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard("x" * 64))
    await bot.send_message(USER, "ok", reply_markup=keyboard("ж" * 32))  # 64 bytes
    for data in ("x" * 65, "ж" * 33):
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(USER, "no", reply_markup=keyboard(data))


async def test_inline_keyboard_rules(fake_telegram: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await bot.send_message(
            USER, "no", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", url="javascript:1")]])
        )
    with pytest.raises(BadRequest, match="Reply_markup_too_long"):
        await bot.send_message(USER, "no", reply_markup=keyboard(*[str(i) for i in range(101)]))
    await bot.send_message(USER, "ok", reply_markup=keyboard(*[str(i) for i in range(100)]))
    await bot.send_message(
        USER,
        "ok",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", url="https://example.org/")]]),
    )
    async with httpx.AsyncClient() as client:
        url = f"{fake_telegram.base_url}{DEFAULT_TOKEN}/sendMessage"
        bare = '{"inline_keyboard": [[{"text": "plain"}]]}'
        reply = await client.post(url, data={"chat_id": USER, "text": "t", "reply_markup": bare})
        assert reply.status_code == 400
        assert "Text buttons are unallowed" in reply.json()["description"]


async def test_unknown_chat_blocked_chat_and_groups(fake_telegram: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(42, "hi")
    assert info.value.message == "Chat not found"  # PTB strips "Bad Request: " and capitalizes
    fake_telegram.block(USER)
    with pytest.raises(Forbidden) as blocked:
        await bot.send_message(USER, "hi")
    assert blocked.value.message == "Forbidden: bot was blocked by the user"  # kept as is
    fake_telegram.group(GROUP, "Watch", supergroup=True, admins=(7, 123456))
    await bot.send_message(GROUP, "hello group")
    fake_telegram.block(GROUP)
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(GROUP, "hi")


async def test_retry_after_and_server_errors(
    fake_telegram: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, PTB 22.2+ warns (PTBDeprecationWarning) while *building* RetryAfter,
    # which filterwarnings=error turns into the exception the bot sees instead of RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake_telegram.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "hi")
    assert info.value.retry_after == dt.timedelta(seconds=7)
    fake_telegram.fail_next("sendMessage", error_code=500, description="Internal Server Error", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as net:
            await bot.send_message(USER, "hi")
        assert not isinstance(net.value, BadRequest)
    await bot.send_message(USER, "now it works")
    failed = [c for c in fake_telegram.calls_of("sendMessage") if not c.ok]
    assert [c.error_code for c in failed] == [429, 500, 500]
    assert fake_telegram.calls_of("sendMessage")[0].description == "Too Many Requests: retry after 7"


async def test_rate_limit(fake_telegram: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake_telegram.rate_limit(per_second=2)
    await bot.send_message(USER, "1")
    await bot.send_message(USER, "2")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "3")
    fake_telegram.rate_limit(None)
    await bot.send_message(USER, "4")


async def test_send_photo_multipart_and_file_id(fake_telegram: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_photo(USER, PNG, caption="<i>Map</i>", parse_mode="HTML", reply_markup=keyboard("m"))
    assert msg.caption == "Map" and msg.photo[-1].width == 1 and msg.photo[-1].file_size == len(PNG)
    [call] = fake_telegram.calls_of("sendPhoto")
    assert call.files["photo"] == PNG  # multipart parsed byte for byte
    assert call.params["caption"] == "<i>Map</i>" and call.params["reply_markup"]["inline_keyboard"]
    again = await bot.send_photo(USER, msg.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == msg.photo[-1].file_unique_id
    sent = fake_telegram.sent(chat_id=USER)
    assert [s["photo_bytes"] for s in sent] == [len(PNG), None]
    assert sent[0]["caption"] == "Map" and sent[0]["html"] == "<i>Map</i>"
    await bot.send_photo(USER, PNG, caption="&amp;" * 1024, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, PNG, caption="c" * 1025)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, b"not an image")


async def test_edit_message_text_and_not_modified(fake_telegram: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(USER, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text(
        "<b>v2</b>", USER, msg.message_id, parse_mode="HTML", reply_markup=keyboard("a")
    )
    assert isinstance(edited, Message) and edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="^Message is not modified: specified new message content"):
        await bot.edit_message_text(
            "<b>v2</b>", USER, msg.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    # Without reply_markup, Telegram removes the keyboard: that is a modification.
    await bot.edit_message_text("<b>v2</b>", USER, msg.message_id, parse_mode="HTML")
    assert fake_telegram.sent(USER)[0]["reply_markup"] is None
    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    assert await bot.delete_message(USER, msg.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, msg.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", USER, msg.message_id)


async def test_long_polling_wakes_on_user_message(fake_telegram: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5, allowed_updates=["message", "edited_message"]))
    await asyncio.sleep(0.2)
    assert not poll.done()
    enqueued = fake_telegram.user_sends(USER, USER, "/start@briefbot_test_bot now")
    [update] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert update.update_id == enqueued["update_id"]
    assert update.message is not None and update.message.text == "/start@briefbot_test_bot now"
    assert update.message.from_user is not None and update.message.from_user.first_name == "Ann"
    assert update.message.chat.id == USER
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start@briefbot_test_bot"))
    assert fake_telegram.allowed_updates == ["message", "edited_message"]
    # Not confirmed yet: served again; the offset confirms it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    fake_telegram.user_sends(USER, USER, "one")
    fake_telegram.user_sends(USER, USER, "two", edited=True)
    batch = await bot.get_updates(offset=update.update_id + 1, limit=1, timeout=0)
    assert [u.message.text for u in batch if u.message] == ["one"]
    batch = await bot.get_updates(offset=batch[0].update_id + 1, timeout=0)
    assert batch[0].edited_message is not None and batch[0].edited_message.text == "two"
    # allowed_updates is remembered: a callback query is not delivered now.
    msg = await bot.send_message(USER, "pick", reply_markup=keyboard("a"))
    fake_telegram.user_presses(USER, USER, msg.message_id, "a")
    assert await bot.get_updates(offset=batch[0].update_id + 1, timeout=0) == ()


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


async def test_a_second_long_poll_terminates_the_first(fake_telegram: FakeTelegram, bot: Bot) -> None:
    # A second bot instance: one Bot cannot overlap get_updates (its get_updates pool holds 1).
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(DEFAULT_TOKEN, base_url=fake_telegram.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


async def test_buttons_and_callback_queries(fake_telegram: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(USER, "pick", reply_markup=keyboard("region:pl", "region:lt"))
    fake_telegram.user_presses(USER, USER, msg.message_id, "region:lt")
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "region:lt" and query.from_user.id == USER
    assert query.message is not None and query.message.message_id == msg.message_id
    assert await bot.answer_callback_query(query.id, text="Lithuania") is True
    assert fake_telegram.answer(query.id)["text"] == "Lithuania"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(AssertionError, match="no button"):
        fake_telegram.user_presses(USER, USER, msg.message_id, "region:ee")
    await bot.edit_message_reply_markup(USER, msg.message_id, reply_markup=None)
    with pytest.raises(AssertionError, match="no button"):
        fake_telegram.user_presses(USER, USER, msg.message_id, "region:lt")


async def test_forum_threads(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.group(FORUM, "Desk", forum=True, admins=(USER,))
    fake_telegram.group(GROUP, "Plain")
    msg = await bot.send_message(FORUM, "in topic", message_thread_id=5)
    assert msg.message_thread_id == 5 and msg.is_topic_message
    await bot.send_message(FORUM, "general")
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(GROUP, "x", message_thread_id=5)
    assert [s["text"] for s in fake_telegram.sent(FORUM, thread_id=5)] == ["in topic"]
    fake_telegram.user_sends(FORUM, USER, "/brief", message_thread_id=5)
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.message_thread_id == 5 and update.message.is_topic_message
    with pytest.raises(AssertionError):
        fake_telegram.user_sends(GROUP, USER, "x", message_thread_id=5)


async def test_chats_members_and_commands(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.group(GROUP, "Watch", supergroup=True, admins=(7, 8))
    fake_telegram.channel(-100555, "News")
    chat = await bot.get_chat(GROUP)
    assert chat.title == "Watch" and chat.type == "supergroup"
    assert (await bot.get_chat_member(GROUP, 7)).status == "creator"
    assert (await bot.get_chat_member(GROUP, 8)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, USER)).status == "member"
    assert [m.user.id for m in await bot.get_chat_administrators(GROUP)] == [7, 8]
    await bot.send_chat_action(GROUP, "typing")
    post = await bot.send_message(-100555, "channel post")
    assert post.sender_chat is not None and post.sender_chat.id == -100555 and post.from_user is None
    fake_telegram.user_sends(-100555, 0, "from the channel")
    [update] = await bot.get_updates(timeout=1)
    assert update.channel_post is not None and update.channel_post.text == "from the channel"

    await bot.set_my_commands([("brief", "Today's briefing"), ("help", "Help")])
    await bot.set_my_commands([("brief", "Сводка")], language_code="ru")
    assert [c.command for c in await bot.get_my_commands()] == ["brief", "help"]
    assert fake_telegram.commands(language_code="ru") == [{"command": "brief", "description": "Сводка"}]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Brief-Now", "x")])
    with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
        await bot.set_my_commands([("brief", "x" * 257)])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.set_chat_menu_button() is True
    assert (await bot.get_chat_menu_button()).type == "default"


async def test_wrong_token_and_unknown_method(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken, match="was rejected by the server"):
        async with Bot("999:WRONG", base_url=fake_telegram.base_url):
            pass
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{fake_telegram.base_url}{DEFAULT_TOKEN}/sendTelepathy")
        assert reply.status_code == 404
        assert reply.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        reply = await client.post(f"{fake_telegram.base_url}999:WRONG/getMe")
        assert reply.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_wait_for_reports_the_last_calls(fake_telegram: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "hello")
    call = fake_telegram.wait_for(lambda c: c.method == "sendMessage", timeout=1)
    assert call.result["text"] == "hello"
    with pytest.raises(AssertionError, match="sendMessage"):
        fake_telegram.wait_for(lambda c: c.method == "sendPhoto", timeout=0.2)


async def test_stop_releases_a_waiting_long_poll() -> None:
    fake = FakeTelegram().start()
    async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as tg_bot:
        poll = asyncio.create_task(tg_bot.get_updates(timeout=10))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await asyncio.to_thread(fake.stop)
        assert await asyncio.wait_for(poll, 2) == ()
        assert time.monotonic() - started < 2


async def test_unmodified_ptb_application_against_the_fake(fake_telegram: FakeTelegram) -> None:
    async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    app = ApplicationBuilder().token(DEFAULT_TOKEN).base_url(fake_telegram.base_url).build()
    app.add_handler(CommandHandler("ping", ping))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake_telegram.user_sends(USER, USER, "/ping")
        call = await fake_telegram.wait_for_async(
            lambda c: c.method == "sendMessage" and c.ok and c.params.get("text") == "pong", timeout=5
        )
        assert call.params["chat_id"] == USER
        assert "reply_parameters" not in call.params  # PTB 22: reply_text does not quote by default
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    methods = [c.method for c in fake_telegram.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    # After stop, PTB confirms the fetched updates with one more getUpdates(timeout=0).
    assert fake_telegram.pending_updates() == []
