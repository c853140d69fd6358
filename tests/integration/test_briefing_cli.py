"""``briefbot status`` and ``briefbot digest --dry-run`` as a user runs them: real subprocesses,
feeds on loopback, a real database. The reports are group c01 of tests/data/clusters.jsonl
(Lithuania closing crossings over smuggling balloons) in three languages, published hours ago."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.models import Chat, Subscription
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss
from tests.integration.helpers import base_env, briefbot

CLUSTERS = Path(__file__).parents[1] / "data" / "clusters.jsonl"
ROWS = {
    row["id"]: row
    for row in (
        json.loads(line) for line in CLUSTERS.read_text(encoding="utf-8").splitlines() if line.strip()
    )
}


@pytest.fixture(scope="module")
def feeds_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FeedServer, Path]]:
    server = FeedServer().start()
    yield server, tmp_path_factory.mktemp("briefing")
    server.stop()


@pytest.fixture(scope="module")
def polled(feeds_dir: tuple[FeedServer, Path]) -> dict[str, str]:
    """One poll for the module (a subprocess start is seconds); the tests only read."""
    feed_server, tmp_path = feeds_dir
    now = datetime.now(UTC)
    lines = ["feeds:"]
    for hours, (language, item_id) in enumerate([("lt", "c01-b"), ("en", "c01-a"), ("ru", "c01-c")], start=1):
        row = ROWS[item_id]
        item = FakeItem(
            row["title"],
            f"<p>{escape(row['summary'])}</p>",
            item_id,
            row["url"],
            now - timedelta(hours=4 - hours),
        )
        feed_server.route(f"/{language}.xml", body=rss([item]))
        lines += [
            f"  - name: news {language}",
            f"    url: {feed_server.url(f'/{language}.xml')}",
            f"    language: {language}",
        ]
    (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n")
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}", BRIEFBOT_TIMEZONE="Europe/Vilnius")
    result = briefbot("poll", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return env


@pytest.fixture
def tmp_path(feeds_dir: tuple[FeedServer, Path]) -> Path:
    return feeds_dir[1]


def test_status_prints_the_story_once_with_its_sources(polled, tmp_path):
    result = briefbot("status", "lithuania", cwd=tmp_path, env=polled)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("🇱🇹 Lithuania — ")
    assert f"{ROWS['c01-a']['title']} <{ROWS['c01-a']['url']}> — 3 sources" in out
    assert out.count(" — 3 sources") == 1 and " — 1 source" not in out  # three reports, one story
    assert "1 story in 24 h (usually 0 a day), 1 of high severity." in out
    assert "border" in out and "Europe/Vilnius" in out


def test_status_answers_without_log_lines_unless_asked(polled, tmp_path):
    quiet = briefbot("status", "lithuania", cwd=tmp_path, env=polled)
    assert quiet.returncode == 0 and quiet.stderr == ""  # no migration or database lines around the answer
    chatty = briefbot("status", "lithuania", cwd=tmp_path, env={**polled, "LOG_LEVEL": "INFO"})
    assert "db.ready" in chatty.stderr and chatty.stdout == quiet.stdout


def test_status_accepts_every_name_form_and_groups(polled, tmp_path):
    for name in ("LT", "Lietuva", "Литва", "baltics"):
        result = briefbot("status", name, "--json", cwd=tmp_path, env=polled)
        assert result.returncode == 0, result.stderr
        status = json.loads(result.stdout)
        assert [s["sources"] for s in status["stories"]] == [3], name
        assert status["level"] in ("calm", "elevated", "high")
        assert status["stories_24h"] == 1
    assert json.loads(briefbot("status", "baltic", "states", "--json", cwd=tmp_path, env=polled).stdout)[
        "countries"
    ] == ["LT", "LV", "EE"]


def test_status_of_a_quiet_region_and_of_a_typo(polled, tmp_path):
    quiet = briefbot("status", "moldova", cwd=tmp_path, env=polled)
    assert quiet.returncode == 0 and "No security stories about Moldova in the last 30 days." in quiet.stdout
    typo = briefbot("status", "lithuaina", cwd=tmp_path, env=polled)
    assert typo.returncode == 2
    assert "unknown region 'lithuaina'" in typo.stderr and "Did you mean lithuania?" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_digest_dry_run_prints_what_is_new_for_the_chat(polled, tmp_path):
    engine = create_engine(polled["DATABASE_URL"])
    with Session(engine) as s, s.begin():
        now = datetime.now(UTC)
        for chat_id, region in ((1, "LT"), (2, "baltics"), (3, "PL")):
            s.add(
                Chat(
                    id=chat_id, type="private", timezone="Europe/Vilnius", digest_time=time(8), created_at=now
                )
            )
            s.flush()
            s.add(Subscription(chat_id=chat_id, region=region, topics=[], created_at=now))
    engine.dispose()

    result = briefbot("digest", "--chat", "1", "--dry-run", cwd=tmp_path, env=polled)
    assert result.returncode == 0, result.stderr
    assert "1 new story" in result.stdout and "— 3 sources" in result.stdout
    assert "Lithuania" in result.stdout
    assert "— 3 sources" in briefbot("digest", "--chat", "2", "--dry-run", cwd=tmp_path, env=polled).stdout
    quiet = briefbot("digest", "--chat", "3", "--dry-run", cwd=tmp_path, env=polled)
    assert "Nothing new about Poland" in quiet.stdout
    missing = briefbot("digest", "--chat", "99", "--dry-run", cwd=tmp_path, env=polled)
    assert missing.returncode == 1 and "no chat 99" in missing.stderr
    assert briefbot("digest", "--chat", "1", cwd=tmp_path, env=polled).returncode == 2


def test_status_writes_the_chart_the_bot_sends(polled, tmp_path):
    result = briefbot("status", "lithuania", "--chart", str(tmp_path / "lt.png"), cwd=tmp_path, env=polled)
    assert result.returncode == 0, result.stderr
    png = (tmp_path / "lt.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 100_000
    bad = briefbot(
        "status", "lithuania", "--chart", str(tmp_path / "no" / "such" / "dir.png"), cwd=tmp_path, env=polled
    )
    assert bad.returncode == 1 and "cannot write the chart" in bad.stderr and "Traceback" not in bad.stderr
