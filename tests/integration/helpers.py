"""Helpers shared by the integration tests (test modules import from here, never from each other).

- the ``briefbot`` command as a subprocess, with an environment cleaned of our variables;
- the labelled items of tests/data/clusters.jsonl served as feeds, their times moved next to NOW.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import create_engine, func, select

from bot.domain import FeedSpec
from db.engine import Database
from db.models import Item
from db.queries import feeds as feed_queries
from tests.fakes.clock import ManualClock
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CLUSTERS = Path(__file__).parents[1] / "data" / "clusters.jsonl"


def briefbot(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def base_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "TELEGRAM_", "DATABASE_URL"))
    }
    env.update(extra)
    return env


def count_items(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count(Item.id)))
    engine.dispose()
    return n


def labelled() -> dict[str, dict]:
    items = {}
    for line in CLUSTERS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            it = json.loads(line)
            items[it["id"]] = it
    return items


ITEMS = labelled()
#: the newest item of the groups used here, moved to one hour before NOW
_LATEST = max(
    datetime.fromisoformat(ITEMS[i]["published"].replace("Z", "+00:00")) for i in ("c01-e", "c04-a")
)


def fake(item_id: str) -> FakeItem:
    it = ITEMS[item_id]
    published = datetime.fromisoformat(it["published"].replace("Z", "+00:00"))
    return FakeItem(
        title=it["title"],
        body_html=f"<p>{escape(it['summary'])}</p>",
        guid=item_id,
        link=it["url"],
        published=NOW - timedelta(hours=1) - (_LATEST - published),
    )


def serve(database: Database, server: FeedServer, clock: ManualClock, feeds: dict[str, list[str]]) -> None:
    """One feed per language, each serving the given labelled items."""
    specs = []
    for language, ids in feeds.items():
        server.route(f"/{language}.xml", body=rss([fake(i) for i in ids]))
        specs.append(FeedSpec(name=f"news {language}", url=server.url(f"/{language}.xml"), language=language))
    database.call(feed_queries.sync_feed_list, specs, clock.now())
