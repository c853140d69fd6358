"""``briefbot run`` with a token, as deployed: one process polls the feeds and answers in Telegram
(long polling, or a webhook), against the loopback Bot API fake."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time

import httpx
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import base_env, count_items
from tests.integration.processes import TOKEN, briefbot_run, wait_line

ANN = 1001


@pytest.fixture
def fake() -> FakeTelegram:
    fake = FakeTelegram(token=TOKEN).start()
    fake.private_chat(ANN, "Ann", "en")
    yield fake
    fake.stop()


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_run_with_a_token_polls_and_answers_in_telegram(farm, fake, tmp_path):
    url = f"sqlite:///{tmp_path / 'run.db'}"
    env = base_env(DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url)
    proc = briefbot_run(tmp_path, env)
    try:
        assert "Telegram bot @briefbot_test_bot is up: long polling." in wait_line(proc, "Telegram bot")
        fake.user_sends(ANN, ANN, "/subscribe lithuania")
        call = fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30)
        assert "Following 🇱🇹 Lithuania." in call.params["text"]
        deadline = time.monotonic() + 60
        while count_items(url) < 22 and time.monotonic() < deadline:  # the poller ran too
            time.sleep(0.2)
        assert count_items(url) == 22
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
    assert [c["command"] for c in fake.commands()][:2] == ["start", "help"]


def test_a_rejected_token_is_one_clear_line(fake, tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        TELEGRAM_BOT_TOKEN="999999:ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        TELEGRAM_API_BASE_URL=fake.base_url,
    )
    proc = briefbot_run(tmp_path, env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in err and "Traceback" not in err
    assert "ZZZZZZZZZZ" not in out + err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_registers_the_hook_and_answers_updates_with_the_secret(fake, tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    port = free_port()
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        BRIEFBOT_WEBHOOK_URL="https://bot.example.test/telegram-hook",
        BRIEFBOT_WEBHOOK_SECRET="s3cret-value",
        PORT=str(port),
    )
    proc = briefbot_run(tmp_path, env)
    try:
        assert "webhook https://bot.example.test/telegram-hook" in wait_line(proc, "Telegram bot")
        assert fake.webhook["url"] == "https://bot.example.test/telegram-hook"
        assert fake.webhook["secret_token"] == "s3cret-value"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": ANN, "type": "private", "first_name": "Ann"},
                "from": {"id": ANN, "is_bot": False, "first_name": "Ann", "language_code": "en"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        hook = f"http://127.0.0.1:{port}/telegram-hook"
        # Without the secret Telegram would send, the update is refused.
        assert (
            httpx.post(
                hook, content=json.dumps(update), headers={"Content-Type": "application/json"}
            ).status_code
            == 403
        )
        answered = httpx.post(
            hook,
            content=json.dumps(update),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s3cret-value"},
        )
        assert answered.status_code == 200
        call = fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30)
        assert "/subscribe lithuania" in call.params["text"]
    finally:
        out, err = stop(proc)
    assert proc.returncode == 0, err
