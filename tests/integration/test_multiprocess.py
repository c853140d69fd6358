"""Two `briefbot` processes on one PostgreSQL database: pollers never fetch the same feed at the
same time, and bots never send the same message twice (row claims with FOR UPDATE SKIP LOCKED,
story grouping serialised by an advisory lock)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from db.models import Delivery, Item
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.processes import TOKEN, add_due_chats, briefbot_run
from tests.integration.test_cli import base_env

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def start(tmp_path: Path, env: dict[str, str], role: str) -> subprocess.Popen[str]:
    return briefbot_run(tmp_path, env, "--role", role, stdout=subprocess.DEVNULL)


def stop(*procs: subprocess.Popen[str]) -> list[str]:
    errors = []
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        errors.append(err)
    return errors


def scalar(url: str, query) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(query)
    engine.dispose()
    return value or 0


def test_two_pollers_fetch_each_feed_once(db_url, database, feed_server: FeedServer, tmp_path):
    now = datetime.now(UTC)
    lines = ["feeds:"]
    for f in range(20):
        items = [
            FakeItem(
                f"Border guards report event {f}-{i} near Medininkai",
                f"<p>Report {f}-{i}</p>",
                f"g{f}-{i}",
                None,
                now - timedelta(minutes=i),
            )
            for i in range(5)
        ]
        feed_server.route(f"/f{f}.xml", body=rss(items))
        lines += [f"  - name: feed {f}", f"    url: {feed_server.url(f'/f{f}.xml')}", "    language: en"]
    (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n")
    env = base_env(DATABASE_URL=db_url, BRIEFBOT_POLL_INTERVAL="600")
    first, second = start(tmp_path, env, "poller"), start(tmp_path, env, "poller")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and scalar(db_url, select(func.count(Item.id))) < 100:
            time.sleep(0.3)
        time.sleep(3)  # both processes have ticked at least once more by now
    finally:
        stop(first, second)
    fetched = Counter(r.path for r in feed_server.requests())
    assert {f"/f{f}.xml" for f in range(20)} <= set(fetched)
    assert all(n == 1 for path, n in fetched.items() if path.startswith("/f")), fetched
    assert scalar(db_url, select(func.count(Item.id))) == 100
    assert scalar(db_url, select(func.count(Item.id)).where(Item.story_id.is_(None))) == 0


def test_two_bots_send_each_digest_once(db_url, database, tmp_path):
    fake = FakeTelegram(token=TOKEN).start()
    try:
        add_due_chats(db_url, fake, 7000, 40)
        (tmp_path / "feeds.yaml").write_text("feeds: []\n")
        env = base_env(DATABASE_URL=db_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url)
        first, second = start(tmp_path, env, "bot"), start(tmp_path, env, "bot")
        try:
            deadline = time.monotonic() + 90
            while (
                time.monotonic() < deadline
                and scalar(db_url, select(func.count(Delivery.id)).where(Delivery.state == "sent")) < 40
            ):
                time.sleep(0.3)
            time.sleep(2)
        finally:
            stop(first, second)
        per_chat = Counter(
            m["chat_id"] for m in fake.sent() if m["text"] and m["text"].startswith("Daily briefing")
        )
        assert set(per_chat) == {7000 + i for i in range(40)} and set(per_chat.values()) == {1}
    finally:
        fake.stop()
