"""Alert latency: from an item appearing in a loopback feed to the alert reaching the Bot API.

    python benchmarks/latency.py [--events 5] [--poll-interval 30] [--gap-min 20] [--gap-max 50]
                                 [--timeout 150] [--json]

The real ``briefbot run`` (``python -m bot run``) runs as a subprocess, as deployed: a temporary
SQLite DATABASE_URL, BRIEFBOT_POLL_INTERVAL=30, BRIEFBOT_FEEDS listing one loopback feed
(tests/fakes/feed_server.py, answering with an ETag that changes with the body), and
TELEGRAM_API_BASE_URL pointing at the loopback Bot API fake (tests/fakes/telegram_api.py).

One chat (user 1001) follows Lithuania with min_severity "medium": it is inserted with
``db.queries.chats`` (ensure_chat, subscribe, update_settings) into the migrated database before
the bot starts. The bot starts on a feed with one old item; once the first poll has stored it,
``--events`` times (default 5), after a random pause of ``--gap-min``..``--gap-max`` seconds,
a NEW severe item (a new GUID, published now, one of 10 distinct Lithuanian border events that
the classifier tags LT + high and the clusterer keeps apart) is added to the feed; its appearance
time is recorded, and the fake is watched for a sendMessage with "Alert" and the item's
story. Latency = the fake's receipt time − appearance time.

Expected: at most a poll interval (30 s) plus the poll job's tick (15 s) before the feed is
fetched, plus the delivery job's tick (10 s): ≤ ~55 s worst case, ~25 s on average.
Goal: p95 ≤ 60 s (exit status 3 when missed, or when an alert never came within ``--timeout``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import migrate  # noqa: E402
from db.engine import Database  # noqa: E402
from db.queries import chats as chat_queries  # noqa: E402
from tests.fakes.feed_server import FeedServer  # noqa: E402
from tests.fakes.feeds import FakeItem, rss  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
USER = 1001
GOAL_P95_S = 60.0
FEED_PATH = "/lt.xml"

#: Distinct severe events in Lithuania (each its own story: different places, words and causes;
#: checked with bot.cluster.Clusterer: every one is a new story, tagged LT + high).
EVENTS = [
    ("Lithuania closes the Medininkai checkpoint over smuggling balloons",
     "Vilnius shut the Medininkai crossing with Belarus after contraband cigarette balloons drifted over the frontier again."),
    ("Lithuania detains armed men who crossed the border near Šalčininkai",
     "Lithuanian border guards detained two armed intruders from Belarus in the Šalčininkai district overnight; the Lithuanian interior ministry closed the nearby checkpoint."),
    ("Lithuania closes road after drone from Belarus crashes near Raigardas post",
     "A military drone came down close to the Raigardas post; Lithuania's army sealed off the area and closed the road to Druskininkai."),
    ("Lithuania closes Adutiškis area as hundreds of migrants storm the border fence",
     "Lithuanian officers pushed back a crowd of about 300 people who tried to break through the barrier near Adutiškis in Švenčionys district; Lithuania closed the area."),
    ("Lithuania reports shots fired across its border near Tverečius",
     "Lithuania summoned the Belarusian chargé d'affaires after gunfire from the Belarusian side hit a Lithuanian watchtower near Tverečius in Ignalina district."),
    ("Sabotage suspected on Kybartai railway line at Lithuania's Kaliningrad border",
     "Investigators in Vilkaviškis found the track near Kybartai cut; Lithuania halted freight transit to Kaliningrad and raised its alert level."),
    ("Lithuania shuts Lavoriškės crossing after a truck rams barrier",
     "A lorry driver from Belarus crashed through the gate at Lavoriškės; the Lithuanian State Border Guard Service closed the post until further notice."),
    ("Helicopter violates Lithuanian airspace over Pabradė training area",
     "A Belarusian Mi-8 flew two kilometres into Lithuania above the Pabradė range, the defence ministry in Vilnius said, calling it a provocation."),
    ("Lithuania declares emergency on Varėna frontier after Latežeris border post attack",
     "Unknown assailants set fire to a Lithuanian border guard post at Latežeris; the government in Vilnius declared a state of emergency and closed the Varėna section of the border."),
    ("Lithuania closes Kapčiamiestis border post after cyberattack",
     "Passport checks stopped at the Lithuanian border post of Kapčiamiestis for hours after hackers disabled the systems; Lithuania blamed groups linked to Minsk and closed the crossing."),
]  # fmt: skip


class Feed:
    """The loopback feed: its items, served with an ETag derived from the body."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.items: list[FakeItem] = [
            FakeItem(
                title="Vilnius city council approves the new budget",
                body_html="<p>The council approved next year's budget after a long debate.</p>",
                guid="background-1",
                link="https://news.example.test/background-1",
                published=datetime.now(UTC) - timedelta(days=2),
            )
        ]
        self.publish()

    def publish(self) -> None:
        body = rss(list(reversed(self.items)), title="Loopback Lithuania")
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.server.route(FEED_PATH, body=body, etag=etag)

    def add(self, n: int) -> str:
        title, summary = EVENTS[n % len(EVENTS)]
        guid = f"latency-event-{n}-{random.getrandbits(32):08x}"
        self.items.append(
            FakeItem(
                title=title,
                body_html=f"<p>{escape(summary)}</p>",
                guid=guid,
                link=f"https://news.example.test/{guid}",
                published=datetime.now(UTC),
            )
        )
        self.publish()
        return title


def prepare(url: str) -> None:
    """Migrate and add the chat: Lithuania, alerts from medium on."""
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        now = datetime.now(UTC)

        def add(session: Any) -> None:
            chat_queries.ensure_chat(
                session,
                USER,
                type="private",
                title=None,
                language="en",
                timezone="Europe/Vilnius",
                digest_time=dtime(8, 0),
                now=now,
            )
            chat_queries.subscribe(session, USER, "LT", (), None, now)
            chat_queries.update_settings(session, USER, min_severity="medium")

        db.call(add)
    finally:
        db.close()


def drain(stream: Any, sink: list[str]) -> None:
    for line in iter(stream.readline, ""):
        sink.append(line)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def is_alert_for(title: str) -> Any:
    words = title.split()[:4]

    def match(call: Any) -> bool:
        text = str(call.params.get("text") or "")
        return call.method == "sendMessage" and call.ok and "Alert" in text and all(w in text for w in words)

    return match


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp / 'latency.db'}"
    prepare(url)
    server = FeedServer().start()
    fake = FakeTelegram(token=TOKEN).start()
    fake.private_chat(USER, "Ann", "en")
    feed = Feed(server)
    feeds_yaml = tmp / "feeds.yaml"
    feeds_yaml.write_text(
        f"feeds:\n  - name: Loopback LT\n    url: {server.url(FEED_PATH)}\n    language: en\n    regions: [LT]\n",
        encoding="utf-8",
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "TELEGRAM_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        BRIEFBOT_POLL_INTERVAL=str(args.poll_interval),
        BRIEFBOT_FEEDS=str(feeds_yaml),
        LOG_LEVEL="INFO",
    )
    out: list[str] = []
    err: list[str] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    threads = [
        threading.Thread(target=drain, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err), daemon=True),
    ]
    for t in threads:
        t.start()
    rng = random.Random(args.seed)
    events: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 60
        while not any("is up" in line for line in out):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("briefbot run did not start:\n" + "".join(err[-30:]))
            time.sleep(0.1)
        # the first poll (the old item) is done when the feed has been fetched once
        while not server.requests(FEED_PATH) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not args.json:
            print(f"briefbot run is up; first poll of the feed done; {args.events} events follow")
        for n in range(args.events):
            time.sleep(rng.uniform(args.gap_min, args.gap_max))
            mark = len(fake.calls)
            appeared = time.time()
            title = feed.add(n)
            try:
                call = fake.wait_for(is_alert_for(title), timeout=args.timeout, after=mark)
                latency = call.time - appeared
            except AssertionError:
                latency = None
            fetches = [r for r in server.requests(FEED_PATH)]
            events.append(
                {"n": n + 1, "title": title, "latency_s": None if latency is None else round(latency, 2)}
            )
            if not args.json:
                shown = "NO ALERT within timeout" if latency is None else f"{latency:6.2f} s"
                print(f"  event {n + 1}: {shown}   ({title[:60]}; feed fetched {len(fetches)} times so far)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        for t in threads:
            t.join(timeout=5)
        fake.stop()
        server.stop()
    alerts = [
        c for c in fake.calls if c.method == "sendMessage" and c.ok and "Alert" in str(c.params.get("text"))
    ]
    values = [e["latency_s"] for e in events if e["latency_s"] is not None]
    result: dict[str, Any] = {
        "events": events,
        "alerts_sent": len(alerts),
        "missing": sum(1 for e in events if e["latency_s"] is None),
        "poll_interval_s": args.poll_interval,
        "exit_code": proc.returncode,
    }
    if values:
        result.update(
            p50_s=round(statistics.median(values), 2),
            p95_s=round(percentile(values, 95), 2),
            max_s=round(max(values), 2),
        )
    result["goal_ok"] = bool(values) and result["missing"] == 0 and result["p95_s"] <= GOAL_P95_S
    if result["missing"] or proc.returncode not in (0, -15):
        result["stderr_tail"] = "".join(err[-20:])
    return result


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=int, default=5, help=f"new items, one at a time (default 5, at most {len(EVENTS)})"
    )
    parser.add_argument(
        "--poll-interval", type=int, default=30, help="BRIEFBOT_POLL_INTERVAL (default 30, the minimum)"
    )
    parser.add_argument(
        "--gap-min", type=float, default=5.0, help="least seconds between an alert and the next item"
    )
    parser.add_argument(
        "--gap-max", type=float, default=30.0, help="most seconds between an alert and the next item"
    )
    parser.add_argument(
        "--timeout", type=float, default=150.0, help="seconds to wait for an alert (default 150)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the random pauses (default: random)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.events <= len(EVENTS):
        parser.error(
            f"--events must be between 1 and {len(EVENTS)} (distinct events the clusterer keeps apart)"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefbot-latency-") as tmp:
        result = bench(args, Path(tmp))
    if args.json:
        print(json.dumps(result))
    else:
        if "stderr_tail" in result:
            print("briefbot run stderr (tail):\n" + result["stderr_tail"])
        if "p50_s" in result:
            print(
                f"latency over {len(result['events']) - result['missing']} events: p50 {result['p50_s']:.2f} s, "
                f"p95 {result['p95_s']:.2f} s, max {result['max_s']:.2f} s; alerts sent {result['alerts_sent']}, "
                f"missing {result['missing']}"
            )
        p95 = f"{result['p95_s']:.1f} s" if "p95_s" in result else "n/a"
        print(
            f"goal p95 <= {GOAL_P95_S:.0f} s ({p95}, poll interval {args.poll_interval} s): {'ok' if result['goal_ok'] else 'MISSED'}"
        )
    return 0 if result["goal_ok"] else 3


if __name__ == "__main__":
    sys.exit(main())
