"""The ``briefbot`` command as a user runs it: a real subprocess, a loopback feed farm, real databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, select

from db.models import Feed
from tests.integration.helpers import base_env, briefbot, count_items
from tests.integration.processes import briefbot_run


def test_help_documents_every_command(tmp_path):
    result = briefbot("--help", cwd=tmp_path, env=base_env())
    assert result.returncode == 0
    for command in ("run", "poll", "feeds", "classify", "cluster", "db"):
        assert f"    {command} " in result.stdout
    assert "TELEGRAM_BOT_TOKEN" in result.stdout and "DATABASE_URL" in result.stdout
    poll_help = briefbot("poll", "--help", cwd=tmp_path, env=base_env())
    assert "--once" in poll_help.stdout


def test_poll_once_stores_every_item_exactly_once(farm, tmp_path, db_url):
    env = base_env(DATABASE_URL=db_url)
    first = briefbot("poll", "--once", cwd=tmp_path, env=env)
    second = briefbot("poll", "--once", cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    assert "    2 new       seeds" in first.stdout
    assert "   20 new       drones" in first.stdout
    assert "error     broken: HTTP 500 Internal Server Error" in first.stdout
    assert (
        "3 feeds in" in first.stdout and "22 new items from 2 fetched, 0 unchanged, 1 errors" in first.stdout
    )
    assert second.returncode == 0, second.stderr
    assert "unchanged seeds (304)" in second.stdout
    assert "unchanged drones (304)" in second.stdout
    assert "0 new items from 0 fetched, 2 unchanged, 1 errors" in second.stdout
    assert count_items(db_url) == 22
    assert "Traceback" not in first.stderr + second.stderr


def test_poll_once_exits_1_and_names_the_cause_when_every_feed_fails(tmp_path):
    # Nothing listens on port 1 of this machine: every fetch is refused.
    lines = ["feeds:"]
    for name in ("a", "b", "c"):
        lines += [f"  - name: {name}", f"    url: http://127.0.0.1:1/{name}.xml", "    language: en"]
    (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n")
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'down.db'}")
    result = briefbot("poll", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last == "3 of 3 feeds failed: connection refused — is a proxy or firewall in the way?"
    assert "INFO" not in result.stdout  # log lines go to stderr, the answer to stdout


def test_feeds_shows_health(farm, tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}")
    assert briefbot("poll", "--once", cwd=tmp_path, env=env).returncode == 0
    result = briefbot("feeds", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert "ok" in lines["seeds"] and " 2 " in lines["seeds"]
    assert "failing×1" in lines["broken"] and "HTTP 500" in lines["broken"]
    assert result.stdout.splitlines()[-1] == "3 feeds: 2 healthy, 1 failing, 0 disabled"
    as_json = briefbot("feeds", "--json", cwd=tmp_path, env=env)
    assert '"items": 20' in as_json.stdout


def test_malformed_feed_list_is_reported_with_its_line(tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds:\n  - name: A\n    url: ftp://nope\n    language: en\n")
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}")
    result = briefbot("poll", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "feeds.yaml:3: entry 1: url must be http(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_lists_every_problem_without_the_token(tmp_path):
    token = "123456:not-a-real-token"
    env = base_env(BRIEFBOT_POLL_INTERVAL="often", BRIEFBOT_TIMEZONE="Nowhere/City", TELEGRAM_BOT_TOKEN=token)
    result = briefbot("feeds", cwd=tmp_path, env=env)
    assert result.returncode == 2
    for name in ("BRIEFBOT_POLL_INTERVAL", "BRIEFBOT_TIMEZONE", "TELEGRAM_BOT_TOKEN"):
        assert name in result.stderr
    assert token not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_dotenv_is_read_from_the_working_directory(farm, tmp_path):
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'dotenv.db'}\n")
    assert briefbot("poll", "--once", cwd=tmp_path, env=base_env()).returncode == 0
    assert count_items(f"sqlite:///{tmp_path / 'dotenv.db'}") == 22


def test_db_upgrade(tmp_path, db_url):
    result = briefbot("db", "upgrade", cwd=tmp_path, env=base_env(DATABASE_URL=db_url))
    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout


def test_unreachable_database_is_one_clear_line(tmp_path, farm):
    env = base_env(DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")
    result = briefbot("poll", "--once", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "database" in result.stderr.lower()


def test_run_without_token_polls_and_says_how_to_add_one(farm, tmp_path):
    url = f"sqlite:///{tmp_path / 'run.db'}"
    env = base_env(DATABASE_URL=url, BRIEFBOT_POLL_INTERVAL="60")
    proc = briefbot_run(tmp_path, env)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                stored = count_items(url)
            except Exception:  # the schema may not exist yet
                stored = 0
            if stored == 22:
                break
            time.sleep(0.2)
        assert stored == 22
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    hint = [line for line in out.splitlines() if "TELEGRAM_BOT_TOKEN" in line]
    assert len(hint) == 1 and "@BotFather" in hint[0]
    engine = create_engine(url)
    with engine.connect() as conn:
        broken = conn.execute(
            select(Feed.consecutive_errors, Feed.last_error).where(Feed.name == "broken")
        ).one()
    engine.dispose()
    assert broken == (1, "HTTP 500 Internal Server Error")


def test_feeds_export_then_import_into_an_empty_database_gives_the_same_feeds(farm, tmp_path):
    listed = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'listed.db'}")
    exported = briefbot("feeds", "export", cwd=tmp_path, env=listed)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    (tmp_path / "list.opml").write_text(exported.stdout, encoding="utf-8")
    # Another installation with no feeds.yaml entries imports it…
    other = tmp_path / "other"
    other.mkdir()
    (other / "feeds.yaml").write_text("feeds: []\n")
    env = base_env(DATABASE_URL=f"sqlite:///{other / 'empty.db'}")
    imported = briefbot("feeds", "import", str(tmp_path / "list.opml"), cwd=other, env=env)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1] == "3 added, 0 skipped, 0 rejected"
    again = briefbot("feeds", "import", str(tmp_path / "list.opml"), cwd=other, env=env)
    assert again.stdout.strip().splitlines()[-1] == "0 added, 3 skipped, 0 rejected"
    # …and exports the same feeds (kept in its database across restarts).
    round_trip = briefbot("feeds", "export", cwd=other, env=env)
    body = [line for line in exported.stdout.splitlines() if "<outline" in line]
    assert [line for line in round_trip.stdout.splitlines() if "<outline" in line] == body


def test_feeds_import_refuses_what_is_not_opml(tmp_path):
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    (tmp_path / "bad.opml").write_text("<html>not a feed list</html>")
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'd.db'}")
    result = briefbot("feeds", "import", str(tmp_path / "bad.opml"), cwd=tmp_path, env=env)
    assert result.returncode == 2 and "not OPML" in result.stderr and "Traceback" not in result.stderr


def test_poll_once_draws_a_progress_bar_on_a_terminal_for_a_slow_pass(feed_server, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    from tests.fakes.feeds import rss, seed_items

    feed_server.route("/slow.xml", body=rss(seed_items()), delay=3.0)
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - name: slow\n    url: {feed_server.url('/slow.xml')}\n    language: en\n"
    )
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    parent, child = pty.openpty()
    # A terminal 100 columns wide (a new pty has none, and tqdm would draw nothing).
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "poll", "--once"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=child, timeout=120, check=False,
        )  # fmt: skip
        os.close(child)
        drawn = b""
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(parent)
    assert done.returncode == 0
    assert b"| 1/1 [" in drawn and b"/feed]" in drawn  # the bar ("5.29s/feed"), on the terminal only
    assert b"| 1/1 [" not in done.stdout
