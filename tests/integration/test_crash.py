"""Crash safety of sending: `briefbot run` sending digests to 200 chats is killed with SIGKILL at
random moments, ten times, then runs to the end. Every chat gets its digest for the day; a crash
can repeat at most the one message it interrupted (sent, not yet marked), never a whole run."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from db import migrate
from db.models import Chat, Delivery, Subscription
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_cli import base_env

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
CHATS = 200
KILLS = 10


def prepare(url: str, fake: FakeTelegram) -> None:
    engine = create_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    with Session(engine) as session, session.begin():
        for i in range(CHATS):
            chat_id = 5000 + i
            fake.private_chat(chat_id)
            session.add(
                Chat(
                    id=chat_id,
                    type="private",
                    language="en",
                    timezone="UTC",
                    digest_time=due,
                    alerts_enabled=True,
                    min_severity="high",
                    paused=False,
                    active=True,
                    created_at=now - timedelta(days=1),
                )
            )
            session.flush()
            session.add(Subscription(chat_id=chat_id, region="LT", topics=[], created_at=now))
    engine.dispose()


def sent_state(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        sent = conn.scalar(select(func.count(Delivery.id)).where(Delivery.state == "sent"))
        total = conn.scalar(select(func.count(Delivery.id)))
    engine.dispose()
    return sent or 0, total or 0


def start(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_up(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "Telegram bot" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "exited")
    raise AssertionError("the bot did not start")


def test_killed_ten_times_every_chat_still_gets_its_digest_once(tmp_path):
    fake = FakeTelegram(token=TOKEN).start()
    try:
        url = f"sqlite:///{tmp_path / 'crash.db'}"
        prepare(url, fake)
        (tmp_path / "feeds.yaml").write_text("feeds: []\n")
        env = base_env(
            DATABASE_URL=url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=fake.base_url,
            LOG_LEVEL="WARNING",
        )
        rng = random.Random(11)
        kills = 0
        for _ in range(KILLS):
            proc = start(tmp_path, env)
            try:
                wait_up(proc)
                time.sleep(rng.uniform(0.2, 2.5))  # somewhere in planning, claiming, sending, marking
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
            kills += 1
        assert 0 < sent_state(url)[0] < CHATS  # the kills did interrupt the sending
        proc = start(tmp_path, env)
        try:
            wait_up(proc)
            deadline = time.monotonic() + 180  # leases of killed claims end within 60 s
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
