"""Digest fan-out: 10,000 chats' digests composed and queued, then sent at Telegram's pace.

    python benchmarks/fanout.py [--chats 10000] [--send-chats 1500] [--stories 150]
                                [--database-url URL] [--json]

Issue text: "digests for 10,000 chats composed and queued (goal <= 30 s), and the sending rate
against a loopback Bot API that accepts 30 messages/s (goal >= 95 % of that, no drops)".

The database (a temporary SQLite file, or ``--database-url``: a ``briefbot_bench_<random>``
PostgreSQL database created and dropped, see benchenv.py) is built by the migrations, then filled
directly (Core inserts, like benchmarks/status.py) with:

- ``--stories`` stories (default 150) created uniformly over the 3 days before now (the newest
  15 minutes before now, so no alert is planned), about 1-2 countries each, mostly the core
  regions (LT, LV, EE, PL, BY, UA, FI, MD; some RU, DE, US), 1-2 topics, severity ~70/25/5 %,
  1-8 items from 1-5 sources, titles taken from tests/data/labelled.jsonl, with their story_tags;
- ``--chats`` private chats (default 10,000), created 2 days before now, digest_time 08:00 in one
  of 10 time zones (Vilnius, Riga, Tallinn, Warsaw, Helsinki, Kyiv, Chisinau, Minsk, London,
  New York), language en, each following 1-3 of LT, LV, EE, PL, BY, UA, FI, MD, baltics. With a
  real clock and chats two days old, every chat's latest digest (today's or yesterday's 08:00)
  is due now.

Phase A, "compose and queue": ``plan_digests(now)`` (one ledger row per chat), then for every
chat what ``Deliverer._send`` does for a digest without sending: ``digest_inputs``, the per-tick
story cache (``Deliverer._stories``: one ``digest_stories`` per set of followed regions, narrowed
per chat), ``compose_digest`` per thread, ``split_message``; each
query through ``await db.run(...)`` as the deliverer does. Goal: <= 30 s for 10,000 chats.

Phase B, "sending rate": the ledger is emptied and every chat but the first ``--send-chats``
(default 1,500: ~50 s at 30/s) is paused; the loopback Bot API fake (tests/fakes/telegram_api.py),
in a process of its own with its garbage collector off during the run, knows those chats and
answers 429 (retry_after 1) above 30 calls in any second. The bot is the production one:
``build_application(settings, Deps(...))`` (bot.pace.TelegramPace: 29/s, 3 retries),
``initialize()``, the heap settled as ``briefbot run`` settles it (bot/heap.py), then one
``Deliverer(application.bot, db, clock).tick()`` with the system clock.
Measured: successful sendMessage calls per second between the first and the last (and over the
whole tick), the 429s the fake answered, and no drops: every chat got exactly one "Daily
briefing" header and as many messages as its digest has parts, and the ledger says sent for all.
Goal: >= 95 % of 30/s and no drops. Exit status 3 when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchenv import machine_busy, prepare_database  # noqa: E402
from sqlalchemy import delete, insert, select, update  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.render import split_message  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import Database  # noqa: E402
from db.models import Chat, Delivery, Story, StoryTag, Subscription  # noqa: E402
from db.queries import briefing as briefing_queries  # noqa: E402
from db.queries import deliveries as ledger  # noqa: E402

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
RATE = 30  # messages/s the fake Bot API accepts
GOAL_COMPOSE_S = 30.0  # for 10,000 chats
GOAL_SHARE = 0.95
CHAT_BASE = 10_000_000  # chat ids: CHAT_BASE + i
ZONES = (
    "Europe/Vilnius", "Europe/Riga", "Europe/Tallinn", "Europe/Warsaw", "Europe/Helsinki",
    "Europe/Kyiv", "Europe/Chisinau", "Europe/Minsk", "Europe/London", "America/New_York",
)  # fmt: skip
FOLLOWABLE = ("LT", "LV", "EE", "PL", "BY", "UA", "FI", "MD", "baltics")
FOLLOW_WEIGHTS = (20, 8, 8, 12, 6, 14, 5, 4, 23)
COUNTRY_WEIGHTS = {"LT": 14, "LV": 9, "EE": 7, "PL": 14, "BY": 10, "UA": 20, "FI": 5, "MD": 4, "RU": 10, "DE": 4, "US": 3}  # fmt: skip
TOPICS = ("border", "military", "migration", "hybrid", "diplomacy")
TOPIC_WEIGHTS = (25, 35, 15, 15, 10)
SEVERITIES = ("low", "medium", "high")
SEVERITY_WEIGHTS = (70, 25, 5)


# -- the data ----------------------------------------------------------------------------------


def titles() -> list[str]:
    path = ROOT / "tests" / "data" / "labelled.jsonl"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["title"])
    return out or ["Border guards report an incident"]


def story_rows(
    n: int, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pool = titles()
    codes, weights = list(COUNTRY_WEIGHTS), list(COUNTRY_WEIGHTS.values())
    stories, tags = [], []
    for sid in range(1, n + 1):
        created = now - timedelta(minutes=15) - timedelta(seconds=rng.random() * 3 * 86400)
        first = created - timedelta(minutes=rng.randrange(5, 240))
        last = min(created + timedelta(minutes=rng.randrange(0, 600)), now - timedelta(minutes=15))
        about: list[str] = []
        for _ in range(rng.choices((1, 2), (70, 30))[0]):
            code = rng.choices(codes, weights)[0]
            if code not in about:
                about.append(code)
        topics: list[str] = []
        for _ in range(rng.choices((1, 2), (65, 35))[0]):
            topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
            if topic not in topics:
                topics.append(topic)
        items = rng.randrange(1, 9)
        stories.append(
            {
                "id": sid,
                "key": f"bench-{sid:08d}",
                "title": f"{rng.choice(pool)} ({sid})",
                "url": f"https://news.example.org/story/{sid}",
                "first_seen_at": first,
                "last_seen_at": last,
                "regions": about,
                "topics": topics,
                "item_count": items,
                "source_count": rng.randrange(1, min(items, 5) + 1),
                "severity": rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0],
                "state": {},
                "created_at": created,
                "updated_at": created,
            }
        )
        for kind, values in (("region", about), ("topic", topics)):
            for value in values:
                tags.append(
                    {
                        "story_id": sid,
                        "kind": kind,
                        "value": value,
                        "first_seen_at": first,
                        "last_seen_at": last,
                    }
                )
    return stories, tags


def chat_rows(n: int, now: datetime, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    created = now - timedelta(days=2)
    chats, subs = [], []
    for i in range(n):
        chat_id = CHAT_BASE + i
        chats.append(
            {
                "id": chat_id,
                "type": "private",
                "title": None,
                "language": "en",
                "timezone": ZONES[i % len(ZONES)],
                "digest_time": dtime(8, 0),
                "alerts_enabled": True,
                "min_severity": "high",
                "paused": False,
                "active": True,
                "created_at": created,
            }
        )
        follows: list[str] = []
        for _ in range(rng.choice((1, 2, 3))):
            region = rng.choices(FOLLOWABLE, FOLLOW_WEIGHTS)[0]
            if region not in follows:
                follows.append(region)
        for region in follows:
            subs.append(
                {
                    "chat_id": chat_id,
                    "region": region,
                    "topics": [],
                    "message_thread_id": None,
                    "created_at": created,
                }
            )
    return chats, subs


def load(db: Database, args: argparse.Namespace, now: datetime) -> dict[str, int]:
    rng = random.Random(args.seed)
    stories, tags = story_rows(args.stories, now, rng)
    chats, subs = chat_rows(args.chats, now, rng)

    def fill(session: Any) -> None:
        for model, rows in ((Story, stories), (StoryTag, tags), (Chat, chats), (Subscription, subs)):
            for start in range(0, len(rows), 2000):
                session.execute(insert(model), rows[start : start + 2000])

    db.call(fill)
    return {"stories": len(stories), "story_tags": len(tags), "chats": len(chats), "subscriptions": len(subs)}


# -- phase A: compose and queue ------------------------------------------------------------------


async def compose_one(deliverer: Any, chat_id: int, due_at: datetime, now: datetime) -> list[str]:
    """``Deliverer._send`` for a digest, without sending (and without marking it sent)."""
    digest = await deliverer.digest(chat_id, due_at, now)
    assert digest is not None
    return [part for _thread, html in digest[0] for part in split_message(html, check=False)]


async def phase_a(db: Database, now: datetime) -> dict[str, Any]:
    start = time.perf_counter()
    planned = await db.run(ledger.plan_digests, now)
    plan_s = time.perf_counter() - start
    due = await db.run(
        lambda s: s.execute(
            select(Delivery.chat_id, Delivery.due_at)
            .where(Delivery.kind == "digest")
            .order_by(Delivery.chat_id)
        ).all()
    )
    from bot.delivery import Deliverer

    deliverer = Deliverer(None, db, SystemClock())  # type: ignore[arg-type] - composes only, never sends
    parts: dict[int, int] = {}
    lengths = []
    for first in range(0, len(due), deliverer.batch):  # as the deliverer works through its claims
        batch = due[first : first + deliverer.batch]
        deliverer._inputs.update(await db.run(briefing_queries.digest_inputs_many, [tuple(r) for r in batch]))
        for chat_id, due_at in batch:
            texts = await compose_one(deliverer, chat_id, due_at, now)
            parts[chat_id] = len(texts)
            lengths.append(sum(len(t) for t in texts))
    total_s = time.perf_counter() - start
    return {
        "planned": planned,
        "plan_s": round(plan_s, 2),
        "compose_s": round(total_s - plan_s, 2),
        "seconds": round(total_s, 2),
        "chats_per_s": round(len(due) / total_s, 1),
        "messages": sum(parts.values()),
        "parts_histogram": dict(sorted(Counter(parts.values()).items())),
        "median_chars": int(statistics.median(lengths)) if lengths else 0,
        "_parts": parts,
    }


# -- phase B: sending --------------------------------------------------------------------------


def serve_fake(conn: Connection, chat_ids: list[int], rate: int) -> None:
    """The Bot API fake, in its own process: knows ``chat_ids``, refuses beyond ``rate`` calls in
    any second; sends its URL, and at "stop" what it saw: sendMessage calls (time, ok, error code,
    description) and the messages (chat id, first characters)."""
    from tests.fakes.telegram_api import FakeTelegram

    fake = FakeTelegram(token=TOKEN).start()
    try:
        for chat_id in chat_ids:
            fake.private_chat(chat_id)
        fake.rate_limit(rate)
        # Telegram's clock does not stop: without this the fake's own full collections (~60 ms
        # with its import-time heap) would hold calls back and then stamp them bunched.
        gc.collect()
        gc.freeze()
        gc.disable()
        conn.send(fake.base_url)
        conn.recv()
        calls = [(c.time, c.ok, c.error_code, c.description) for c in fake.calls_of("sendMessage")]
        conn.send((calls, [(m["chat_id"], (m["text"] or "")[:40]) for m in fake.sent()]))
    finally:
        fake.stop()


async def phase_b(db: Database, url: str, send_chats: int, expected_parts: dict[int, int]) -> dict[str, Any]:
    from bot import heap
    from bot.delivery import Deliverer
    from bot.telegram_app import build_application
    from handlers.common import Deps

    chosen = [CHAT_BASE + i for i in range(send_chats)]

    def reset(session: Any) -> None:
        session.execute(delete(Delivery))
        session.execute(update(Chat).where(Chat.id >= CHAT_BASE + send_chats).values(paused=True))

    db.call(reset)
    # The fake runs in a process of its own, as Telegram would: in this one its threads would
    # compete with the bot for the GIL and stamp calls late and then bunched.
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    fake = context.Process(target=serve_fake, args=(theirs, chosen, RATE), daemon=True)
    fake.start()
    try:
        base_url = ours.recv()
        settings = load_settings(
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url, "DATABASE_URL": url},
            env_file=None,
        )
        clock = SystemClock()
        application = build_application(settings, Deps(db, settings, clock))
        await application.initialize()
        heap.settle()  # as `briefbot run` does once started (bot/heap.py)
        try:
            deliverer = Deliverer(application.bot, db, clock)
            start = time.perf_counter()
            outcome = await deliverer.tick()
            tick_s = time.perf_counter() - start
        finally:
            await application.shutdown()
        ours.send("stop")
        sends, sent = ours.recv()
    finally:
        fake.join(timeout=10)
        if fake.is_alive():
            fake.kill()
    ok = [t for t, good, _, _ in sends if good]
    too_many = [t for t, _, code, _ in sends if code == 429]
    other_errors = Counter(f"{code} {text}" for _, good, code, text in sends if not good and code != 429)
    times = sorted(ok)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    # the densest 1-second windows the fake saw (what its limiter counted)
    per_second = Counter(int(t - times[0]) for t in times) if times else Counter()
    headers: Counter[int] = Counter()
    messages: Counter[int] = Counter()
    for chat_id, text in sent:
        messages[chat_id] += 1
        if text.startswith("Daily briefing"):
            headers[chat_id] += 1
    states = db.call(ledger.counts)
    missing = [c for c in chosen if headers[c] != 1]
    wrong_parts = [c for c in chosen if messages[c] != expected_parts.get(c, -1)]
    # the fake answers 429 to the 31st call within a second: how close the bot came to that
    closest = min((b - a for a, b in zip(times, times[RATE:], strict=False)), default=0.0)
    gaps = sorted((b - a for a, b in zip(times, times[1:], strict=False)), reverse=True)[:5]
    return {
        "chats": send_chats,
        "sent_messages": len(ok),
        "expected_messages": sum(expected_parts[c] for c in chosen),
        "tick_s": round(tick_s, 2),
        "first_to_last_s": round(span, 2),
        "rate_per_s": round(rate, 2),
        "rate_overall_per_s": round(len(ok) / tick_s, 2) if tick_s else 0.0,
        "share_of_30": round(rate / RATE, 4),
        "http_429": len(too_many),
        "other_errors": dict(other_errors),
        "outcome": {"sent": outcome.sent, "retried": outcome.retried, "failed": outcome.failed},
        "ledger": {f"{k}/{s}": n for (k, s), n in sorted(states.items())},
        "chats_without_exactly_one_digest": len(missing),
        "chats_with_wrong_part_count": len(wrong_parts),
        "max_per_second": max(per_second.values()) if per_second else 0,
        "longest_gaps_s": [round(g, 2) for g in gaps],
        "closest_31_calls_s": round(closest, 3),
    }


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=10_000, help="chats for phase A (default 10,000)")
    parser.add_argument(
        "--send-chats", type=int, default=1_500, help="chats whose digests phase B sends (default 1,500)"
    )
    parser.add_argument("--stories", type=int, default=150, help="stories over the last 3 days (default 150)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--database-url", metavar="URL", help="a SQLite file that does not exist yet, or a PostgreSQL server"
    )
    parser.add_argument("--skip-send", action="store_true", help="phase A only")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not 0 < args.send_chats <= args.chats:
        parser.error("--send-chats must be between 1 and --chats")
    return args


async def bench(args: argparse.Namespace, url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        migrate.upgrade(db.engine)
        now = datetime.now(UTC)
        start = time.perf_counter()
        counts = load(db, args, now)
        result: dict[str, Any] = {
            "database": db.dialect,
            "rows": counts,
            "load_s": round(time.perf_counter() - start, 1),
        }
        if not args.json:
            print(
                f"[{db.dialect}] loaded in {result['load_s']} s: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            )
        a = await phase_a(db, datetime.now(UTC))
        parts = a.pop("_parts")
        a["goal_ok"] = a["seconds"] <= GOAL_COMPOSE_S * args.chats / 10_000
        result["compose"] = a
        if not args.json:
            print(
                f"phase A: {args.chats:,} chats: plan_digests {a['plan_s']:.2f} s ({a['planned']:,} due), compose "
                f"{a['compose_s']:.2f} s; total {a['seconds']:.2f} s = {a['chats_per_s']:,.0f} chats/s; "
                f"{a['messages']:,} messages (parts per chat {a['parts_histogram']}, median {a['median_chars']} chars)"
            )
        if not args.skip_send:
            b = await phase_b(db, url, args.send_chats, parts)
            b["goal_ok"] = (
                b["share_of_30"] >= GOAL_SHARE
                and b["chats_without_exactly_one_digest"] == 0
                and b["chats_with_wrong_part_count"] == 0
                and b["sent_messages"] == b["expected_messages"]
                and b["ledger"] == {"digest/sent": args.send_chats}
            )
            result["send"] = b
            if not args.json:
                print(
                    f"phase B: {b['chats']:,} chats, {b['sent_messages']:,}/{b['expected_messages']:,} messages in "
                    f"{b['first_to_last_s']:.1f} s first→last = {b['rate_per_s']:.2f} msg/s "
                    f"({b['share_of_30']:.1%} of {RATE}/s); whole tick {b['tick_s']:.1f} s = "
                    f"{b['rate_overall_per_s']:.2f} msg/s; 429s answered {b['http_429']}; other errors "
                    f"{b['other_errors'] or 'none'}; outcome {b['outcome']}; ledger {b['ledger']}; chats without "
                    f"exactly one digest {b['chats_without_exactly_one_digest']}; busiest second "
                    f"{b['max_per_second']}; closest {RATE + 1} calls {b['closest_31_calls_s']:.3f} s apart (the fake "
                    f"refuses under 1 s); longest gaps {b['longest_gaps_s']} s"
                )
        return result
    finally:
        db.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    busy = machine_busy()
    with tempfile.TemporaryDirectory(prefix="briefbot-fanout-") as tmp:
        url, cleanup = prepare_database(args.database_url, Path(tmp))
        try:
            if busy is not None and busy > 0.15 and not args.json:
                print(f"WARNING: the CPUs were {busy:.0%} busy before the run: figures may be void")
            result = asyncio.run(bench(args, url))
        finally:
            cleanup()
    result["machine_busy"] = None if busy is None else round(busy, 2)
    a_ok = result["compose"]["goal_ok"]
    b_ok = result.get("send", {}).get("goal_ok", True)
    if args.json:
        print(json.dumps(result))
    else:
        a = result["compose"]
        line = f"goal compose+queue {args.chats:,} chats <= {GOAL_COMPOSE_S * args.chats / 10_000:.0f} s ({a['seconds']:.1f} s): {'ok' if a_ok else 'MISSED'}"
        if "send" in result:
            b = result["send"]
            line += f"; goal send >= {GOAL_SHARE:.0%} of {RATE}/s, no drops ({b['share_of_30']:.1%}): {'ok' if b_ok else 'MISSED'}"
        print(line)
    return 0 if a_ok and b_ok else 3


if __name__ == "__main__":
    sys.exit(main())
