"""The ``briefbot`` command line. Edge: reads the environment and .env once, prints for people.

Exit codes: 0 done; 1 a runtime failure (database unreachable, …); 2 bad configuration,
a bad feed list or bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bot import __version__
from bot.config import Settings, load_settings
from bot.errors import BriefbotError, ConfigError, FeedListError
from bot.log import setup_logging

# The database, HTTP and scheduler stacks are imported inside the commands that use them: the
# parse workers are spawned processes that re-import this module, and each would otherwise carry
# them (~40 MB per worker, measured by benchmarks/ingest.py); `briefbot --help` starts faster too.

log = logging.getLogger("briefbot")

DESCRIPTION = """\
Briefbot polls the news feeds of feeds.yaml, stores new items and (with a Telegram token)
briefs its subscribers on borders and security in the regions they follow.

Configuration comes from the environment and an optional .env file: TELEGRAM_BOT_TOKEN,
TELEGRAM_API_BASE_URL, DATABASE_URL (default sqlite:///briefbot.db), BRIEFBOT_FEEDS
(default feeds.yaml), BRIEFBOT_ADMIN_IDS, BRIEFBOT_POLL_INTERVAL (default 300 s),
BRIEFBOT_TIMEZONE, BRIEFBOT_WEBHOOK_URL, BRIEFBOT_WEBHOOK_SECRET, PORT, LOG_LEVEL. See README.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    parser.add_argument(
        "--env-file", default=".env", metavar="PATH", help="dotenv file to read (default: .env)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="poll feeds on schedule, store and group new items, and answer in Telegram (the main job)",
        description="Apply migrations, load feeds.yaml, then poll every feed at its interval "
        "(BRIEFBOT_POLL_INTERVAL unless feeds.yaml says otherwise) until stopped with Ctrl-C/SIGTERM. "
        "With TELEGRAM_BOT_TOKEN the bot answers in Telegram too: long polling, or a webhook when "
        "BRIEFBOT_WEBHOOK_URL is set.",
    )
    run.add_argument(
        "--role",
        choices=("all", "poller", "bot"),
        default="all",
        help="all (default): poll, answer and send; poller: only poll feeds; bot: only answer in "
        "Telegram and send digests and alerts (several processes share one PostgreSQL database)",
    )
    poll = commands.add_parser(
        "poll",
        help="fetch every feed once and print what happened (--once)",
        description="Fetch feeds, store new items and print one line per feed: new / unchanged (304) / error.",
    )
    poll.add_argument("--once", action="store_true", help="fetch every enabled feed once, then exit")
    feeds = commands.add_parser(
        "feeds",
        help="feed health table: last success, last error, items, next fetch",
        description="Show every stored feed's health. Reads feeds.yaml first so new entries appear.",
    )
    feeds.add_argument("--json", action="store_true", help="print JSON instead of a table")
    feed_actions = feeds.add_subparsers(dest="feeds_command", metavar="ACTION")
    export = feed_actions.add_parser(
        "export",
        help="write the enabled feeds as OPML 2.0 (to FILE, or stdout)",
        description="Write every enabled feed as OPML 2.0: xmlUrl, text, language, regions, label, interval.",
    )
    export.add_argument("file", nargs="?", metavar="FILE", help="where to write (default: stdout)")
    imports = feed_actions.add_parser(
        "import",
        help="add the feeds of an OPML file (any reader's export) to the database",
        description="Add the feeds of an OPML file: nested folders and missing attributes are fine. "
        "Prints what was added, skipped (already polled) and rejected (with the reason). Imported "
        "feeds are kept in the database across restarts, like /addfeed's.",
    )
    imports.add_argument("file", metavar="FILE", help="the OPML file")
    classify = commands.add_parser(
        "classify",
        help="tag JSON Lines items with security events, regions, topics and severity",
        description='Read JSON Lines ({"id", "title", "summary", "language"}; language optional) '
        "from FILE or stdin and write one JSON line per item, in order: id, language, regions "
        "(code, role about|mentioned, score, evidence), topics (topic, score, evidence), severity, "
        "events (type, severity, parties, evidence). "
        'A bad line gets {"id", "error"} and the run goes on. Needs no configuration or database.',
    )
    classify.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="JSON Lines file, or - for stdin"
    )
    cluster = commands.add_parser(
        "cluster",
        help="group JSON Lines items into stories (same event, many sources)",
        description='Read JSON Lines ({"id", "title", "summary", "published", "source", "url", "language"}) '
        'from FILE or stdin, in arrival order, and write one line per item: {"id", "story": <story key>}. '
        "Items about the same event share a story key. "
        'A bad line gets {"id", "error"} and the run goes on. Needs no configuration or database.',
    )
    cluster.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="JSON Lines file, or - for stdin"
    )
    status = commands.add_parser(
        "status",
        help="a region's status, as the bot would send it (level, latest stories, topics)",
        description="Print the status of a region from the database: activity level against its "
        "30-day baseline, the latest stories with their sources and links, stories by topic. REGION "
        "is a country name in any language, an ISO code or a group: lithuania, LT, Lietuva, baltics. "
        "Times are shown in BRIEFBOT_TIMEZONE.",
    )
    status.add_argument("region", nargs="+", metavar="REGION", help="e.g. lithuania, LT, baltics")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    status.add_argument(
        "--chart",
        metavar="PNG",
        help="also write the chart the bot sends (stories per day by topic, 30 days)",
    )
    digest = commands.add_parser(
        "digest",
        help="print a chat's digest: what is new since its last one (--dry-run)",
        description="Compose the digest of a chat (stories new since its last digest, by region and "
        "topic, high severity first) and print it without sending or marking it sent.",
    )
    digest.add_argument("--chat", type=int, required=True, metavar="ID", help="Telegram chat id")
    digest.add_argument("--dry-run", action="store_true", help="print instead of sending (required)")
    dbp = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply all migrations (also done at every start)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(env_file=args.env_file)
    # The encoder is looked up where it runs (parse workers, the clusterer): a value from .env
    # reaches them through the environment, which worker processes inherit.
    os.environ["BRIEFBOT_ENCODER"] = "on" if settings.encoder else "off"
    return settings


#: Commands that print an answer: they log warnings and errors only, unless LOG_LEVEL is set.
QUIET_COMMANDS = ("status", "digest", "feeds")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "poll" and not args.once:
        parser.error("poll needs --once (to poll on schedule, use `briefbot run`)")
    if args.command == "digest" and not args.dry_run:
        parser.error("digest needs --dry-run (digests are sent by `briefbot run` at each chat's time)")
    if args.command in ("classify", "cluster"):
        return _jsonl(args.command, args.file)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    level = settings.log_level
    if args.command in QUIET_COMMANDS and "log_level" not in settings.model_fields_set:
        level = "WARNING"  # an answer in the terminal, not the migration and database lines above it
    setup_logging(level, settings.token, secrets=settings.secrets())
    try:
        return _dispatch(args, settings)
    except FeedListError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    except BriefbotError as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_database, run

    if args.command == "db":
        db = open_database(settings)
        db.close()
        print(f"database is at the newest schema ({settings.database_url.split('://')[0]})")
        return 0
    if args.command == "run":
        asyncio.run(run(settings, role=args.role))
        return 0
    if args.command == "poll":
        return asyncio.run(_poll_once(settings))
    if args.command == "feeds" and getattr(args, "feeds_command", None) == "export":
        return _feeds_export(settings, args.file)
    if args.command == "feeds" and getattr(args, "feeds_command", None) == "import":
        return _feeds_import(settings, args.file)
    if args.command == "feeds":
        return _feeds(settings, as_json=args.json)
    if args.command in ("status", "digest"):
        return _briefing(args, settings)
    raise AssertionError(args.command)


def _briefing(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from bot.app import open_database
    from bot.briefing_cli import UnknownRegion, digest_text, status_chart, status_text
    from bot.clock import SystemClock

    now = SystemClock().now()
    db = open_database(settings)
    try:
        if args.command == "status":
            region = " ".join(args.region)
            text = db.call(status_text, region, now, ZoneInfo(settings.timezone), as_json=args.json)
            if args.chart:
                png = db.call(status_chart, region, now)
                try:
                    with open(args.chart, "wb") as out:
                        out.write(png)
                except OSError as exc:
                    raise BriefbotError(f"cannot write the chart to {args.chart}: {exc.strerror}") from None
        else:
            text = db.call(digest_text, args.chat, now)
    except UnknownRegion as exc:
        print(f"briefbot: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(text)
    return 0


async def _poll_once(settings: Settings) -> int:
    from bot.app import services, sync_feeds
    from bot.domain import FetchStatus
    from bot.reports import format_poll

    async with services(settings) as svc:
        sync_feeds(settings, svc.db, svc.clock)
        bar = _Bar()
        try:
            summary = await svc.poller.poll_all(progress=bar)
        finally:
            bar.close()
    print(format_poll(summary.outcomes, summary.seconds))
    # Exit 1 when every feed failed: a script or a container's start check sees it.
    failed = sum(1 for o in summary.outcomes if o.status is FetchStatus.ERROR)
    return 1 if summary.outcomes and failed == len(summary.outcomes) else 0


class _Bar:
    """A progress bar on stderr, only on a terminal and only for a pass longer than 2 s (tqdm)."""

    def __init__(self) -> None:
        self._bar = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="feed", delay=2, file=sys.stderr, leave=False)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _jsonl(command: str, path: str) -> int:
    if command == "classify":
        from bot.classify_cli import classify_lines as process
    else:
        from bot.cluster_cli import cluster_lines as process

    try:
        source = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"briefbot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    with source:
        for line in process(source):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    return 0


def _with_feeds(settings: Settings, fn: Callable[..., Any], *args: Any) -> tuple[Any, datetime]:
    """Open the database, bring feeds.yaml in, run ``fn(session, *args)``, close: what every
    ``briefbot feeds`` action does first. Returns (its result, now)."""
    from bot.app import open_database, sync_feeds
    from bot.clock import SystemClock

    clock = SystemClock()
    db = open_database(settings)
    try:
        sync_feeds(settings, db, clock)
        return db.call(fn, *args), clock.now()
    finally:
        db.close()


def _feeds_export(settings: Settings, path: str | None) -> int:
    from bot.opml import OpmlFeed, export_opml
    from db.queries import feeds as feed_queries

    rows, now = _with_feeds(settings, feed_queries.feed_list)
    text = export_opml(
        [
            OpmlFeed(url, name, language, tuple(regions), interval, label)
            for url, name, language, regions, interval, label in rows
        ],
        now,
    )
    if path is None or path == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            print(f"briefbot: cannot write {path}: {exc.strerror}", file=sys.stderr)
            return 2
        print(f"{len(rows)} feeds written to {path}")
    return 0


def _feeds_import(settings: Settings, path: str) -> int:
    from bot.opml import as_spec, parse_opml
    from db.queries import feeds as feed_queries

    try:
        with open(path, "rb") as source:
            data = source.read()
        found = parse_opml(data)
    except OSError as exc:
        print(f"briefbot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"briefbot: {path}: {exc}", file=sys.stderr)
        return 2
    (added, skipped), _ = _with_feeds(
        settings, feed_queries.import_feeds, [as_spec(f) for f in found.feeds], datetime.now(UTC)
    )
    for spec in added:
        print(f"added     {spec.name} <{spec.url}>")
    for spec in skipped:
        print(f"skipped   {spec.name} <{spec.url}>: already polled")
    for what, why in found.rejected:
        print(f"rejected  {what}: {why}")
    print(f"{len(added)} added, {len(skipped)} skipped, {len(found.rejected)} rejected")
    return 0


def _feeds(settings: Settings, *, as_json: bool) -> int:
    from bot.reports import format_feed_health
    from db.queries import feeds as feed_queries

    rows, now = _with_feeds(settings, feed_queries.feed_health)
    if as_json:
        print(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False, indent=2))
    else:
        print(format_feed_health(rows, now))
    return 0
