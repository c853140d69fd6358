"""Two `briefbot` processes on one PostgreSQL database: pollers never fetch the same feed at the
same time, and bots never send the same message twice (row claims with FOR UPDATE SKIP LOCKED,
story grouping serialised by an advisory lock)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.domain import FeedSpec
from db import locks, migrate
from db.engine import Database
from db.models import Delivery, Feed, Item
from db.queries import feeds as feed_queries
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import base_env
from tests.integration.processes import TOKEN, add_due_chats, briefbot_run

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


# -- starting together: migrations and feeds.yaml, one process at a time ----------------------------


def someone_waits_for_a_lock(url: str, timeout: float = 20.0) -> bool:
    """Whether another connection to this database is (or, within ``timeout``, comes to be)
    waiting for a lock."""
    engine = create_engine(url)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.scalar(query):
                    return True
            time.sleep(0.05)
        return False
    finally:
        engine.dispose()


def in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = fn()
        except Exception as exc:  # reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_two_processes_starting_together_write_the_feed_list_once(db_url: str) -> None:
    specs = [FeedSpec(name=f"feed {i}", url=f"http://127.0.0.1:9/f{i}.xml", language="en") for i in range(3)]
    now = datetime.now(UTC)
    first, second = Database(db_url), Database(db_url)
    try:
        with first.session() as session:  # the first process, its transaction not yet committed
            assert feed_queries.sync_feed_list(session, specs, now)["added"] == 3
            thread, outcome = in_thread(lambda: second.call(feed_queries.sync_feed_list, specs, now))
            assert someone_waits_for_a_lock(db_url)  # the second one waits for the first
        thread.join(timeout=30)
        # without the lock it had read no feeds, added them too and failed on the unique URL
        assert "error" not in outcome, outcome
        assert outcome["result"] == {"added": 0, "updated": 0, "disabled": 0, "enabled": 0}
        assert first.call(lambda s: s.scalar(select(func.count()).select_from(Feed))) == 3
    finally:
        first.close()
        second.close()


def upgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def test_migrations_run_in_one_process_at_a_time(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            assert locks.hold(conn, locks.MIGRATIONS)  # as a process that is migrating holds it
            thread, outcome = in_thread(lambda: upgrade(db_url))
            assert someone_waits_for_a_lock(db_url)
            assert thread.is_alive()  # waits until the other one has committed
        thread.join(timeout=30)
        assert not thread.is_alive() and "error" not in outcome, outcome
    finally:
        engine.dispose()
