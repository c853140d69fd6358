"""Webhook mode end to end: updates POSTed to the running listener (as Telegram does) are
answered through the Bot API fake; a call without the secret is refused with 403 and no reply."""

from __future__ import annotations

import socket
import time

import httpx

from bot.config import load_settings
from bot.telegram_app import build_application, start_bot, stop_bot
from handlers.common import Deps
from tests.fakes.clock import ManualClock
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import NOW

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ANN = 1001
SECRET = "s3cret-webhook-token_42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def update(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": ANN, "type": "private", "first_name": "Ann"},
            "from": {"id": ANN, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_updates_through_the_webhook_are_answered_and_a_wrong_secret_is_refused(database):
    fake = FakeTelegram(token=TOKEN).start()
    fake.private_chat(ANN, "Ann", "en")
    port = free_port()
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "BRIEFBOT_WEBHOOK_URL": "https://briefbot.example.test/telegram",
            "BRIEFBOT_WEBHOOK_SECRET": SECRET,
            "PORT": str(port),
        },
        env_file=None,
    )
    application = build_application(settings, Deps(database, settings, ManualClock(NOW)))
    try:
        line = await start_bot(application, settings)
        assert "webhook https://briefbot.example.test/telegram" in line
        assert fake.webhook == {"url": "https://briefbot.example.test/telegram", "secret_token": SECRET}
        listener = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient(trust_env=False) as client:
            refused = await client.post(listener, json=update(1, "/help"))
            assert refused.status_code == 403
            wrong = await client.post(
                listener, json=update(2, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
            assert wrong.status_code == 403
            mark = len(fake.calls)
            accepted = await client.post(
                listener, json=update(3, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert accepted.status_code == 200
        await fake.wait_for_async(lambda c: c.method == "sendMessage", after=mark)
        replies = [m for m in fake.sent(ANN) if m["text"]]
        assert len(replies) == 1 and "/subscribe" in replies[0]["text"]  # /help answered, once
    finally:
        await stop_bot(application)
        fake.stop()
