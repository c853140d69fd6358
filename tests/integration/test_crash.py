"""Crash safety of sending: `briefbot run` sending digests to 200 chats is killed with SIGKILL at
random moments, ten times, then runs to the end. Every chat gets its digest for the day; a crash
can repeat at most the one message it interrupted (sent, not yet marked), never a whole run."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter

from sqlalchemy import create_engine, func, select

from db import migrate
from db.models import Delivery
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import base_env
from tests.integration.processes import TOKEN, add_due_chats, briefbot_run, wait_line

CHATS = 200
KILLS = 10


def sent_state(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        sent = conn.scalar(select(func.count(Delivery.id)).where(Delivery.state == "sent"))
        total = conn.scalar(select(func.count(Delivery.id)))
    engine.dispose()
    return sent or 0, total or 0


def max_attempts(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        attempts = conn.scalar(select(func.max(Delivery.attempts)))
    engine.dispose()
    return attempts or 0


def test_killed_ten_times_every_chat_still_gets_its_digest_once(tmp_path):
    fake = FakeTelegram(token=TOKEN).start()
    try:
        url = f"sqlite:///{tmp_path / 'crash.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        add_due_chats(url, fake, 5000, CHATS)
        (tmp_path / "feeds.yaml").write_text("feeds: []\n")
        env = base_env(
            DATABASE_URL=url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            LOG_LEVEL="WARNING",
            BRIEFBOT_DELIVERY_LEASE="10",  # a killed sender's claims are taken over after 10 s
        )
        rng = random.Random(11)
        kills = 0
        for _ in range(KILLS):
            proc = briefbot_run(tmp_path, env)
            try:
                wait_line(proc, "Telegram bot")
                time.sleep(rng.uniform(0.2, 2.5))  # somewhere in planning, claiming, sending, marking
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
            kills += 1
        # The kills did interrupt the sending: messages were still due, or some were claimed again
        # after a killed sender's lease ended.
        assert sent_state(url)[0] > 0 and (sent_state(url)[0] < CHATS or max_attempts(url) > 1)
        proc = briefbot_run(tmp_path, env)
        try:
            wait_line(proc, "Telegram bot")
            deadline = time.monotonic() + 120  # leases of killed claims end within 10 s
            while time.monotonic() < deadline and sent_state(url) != (CHATS, CHATS):
                time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
        assert sent_state(url) == (CHATS, CHATS)
        per_chat = Counter(
            m["chat_id"] for m in fake.sent() if m["text"] and m["text"].startswith("Daily briefing")
        )
        assert set(per_chat) == {5000 + i for i in range(CHATS)}  # nobody missed
        repeated = [chat for chat, n in per_chat.items() if n > 1]
        assert all(per_chat[c] == 2 for c in repeated) and len(repeated) <= kills  # at most one per crash
    finally:
        fake.stop()
