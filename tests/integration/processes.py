"""Helpers for tests that run `briefbot run` as a real process: start it, wait for a line of its
output, and give a database chats whose digest is due now."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.models import Chat, Subscription
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"  #: looks like a @BotFather token, for the fake


def briefbot_run(
    cwd: Path, env: dict[str, str], *args: str, stdout: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *args],
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_line(proc: subprocess.Popen[str], needle: str, timeout: float = 60) -> str:
    """The first line of the process's output containing ``needle``."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if needle in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line with {needle!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")


def add_due_chats(url: str, fake: FakeTelegram, first_id: int, count: int, region: str = "LT") -> list[int]:
    """``count`` private chats (known to the fake) following ``region``, created yesterday, whose
    digest time passed five minutes ago (UTC): each has a digest due now."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=5)).time().replace(second=0, microsecond=0)
    ids = list(range(first_id, first_id + count))
    with Session(engine) as session, session.begin():
        for chat_id in ids:
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
            session.add(Subscription(chat_id=chat_id, region=region, topics=[], created_at=now))
    engine.dispose()
    return ids
