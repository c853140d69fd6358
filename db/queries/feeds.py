"""Feeds: keep the table in step with feeds.yaml, pick feeds to poll, record fetch outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.domain import FeedForUpdate, FeedHealth, FeedSpec, FeedUpdateIntent, FetchStatus
from db import locks
from db.models import Feed, FeedSource, Item

REMOVED_FROM_LIST = "removed from the feed list"
DISABLED_BY_ADMIN = "disabled by an admin in Telegram"
#: How long a claimed feed is left to the process that took it (a poll takes seconds).
FEED_LEASE = timedelta(minutes=5)


def sync_feed_list(session: Session, specs: Sequence[FeedSpec], now: datetime) -> dict[str, int]:
    """Make the file-sourced feeds match ``specs``; returns counts of added/updated/disabled.

    Feeds are matched by the URL as listed (``origin_url``), so a feed whose URL moved with a
    301 is still recognised. A feed dropped from the list is disabled, not deleted: its items
    stay. A feed the publisher removed (410) stays disabled even though it is still listed.
    """
    # Two processes starting together (README "Several processes"): the second waits and then
    # sees the feeds the first added, instead of adding them again (a unique violation).
    locks.hold(session, locks.FEED_LIST)
    existing = {f.origin_url: f for f in session.scalars(select(Feed))}
    counts = {"added": 0, "updated": 0, "disabled": 0, "enabled": 0}
    listed = set()
    for spec in specs:
        listed.add(spec.url)
        feed = existing.get(spec.url)
        if feed is None:
            session.add(
                Feed(
                    url=spec.url,
                    origin_url=spec.url,
                    name=spec.name,
                    language=spec.language,
                    regions=list(spec.regions),
                    interval=spec.interval,
                    source=FeedSource.FILE,
                    enabled=True,
                    consecutive_errors=0,
                    next_fetch_at=now,
                    created_at=now,
                )
            )
            counts["added"] += 1
            continue
        changed = (
            feed.name,
            feed.language,
            list(feed.regions or []),
            feed.interval,
            feed.source,
        ) != (
            spec.name,
            spec.language,
            list(spec.regions),
            spec.interval,
            FeedSource.FILE,
        )
        if changed:
            feed.name, feed.language, feed.regions, feed.interval = (
                spec.name,
                spec.language,
                list(spec.regions),
                spec.interval,
            )
            feed.source = FeedSource.FILE
            counts["updated"] += 1
        if not feed.enabled and feed.disabled_reason == REMOVED_FROM_LIST:
            feed.enabled, feed.disabled_reason, feed.next_fetch_at = True, None, now
            counts["enabled"] += 1
    for origin, feed in existing.items():
        if feed.source == FeedSource.FILE and origin not in listed and feed.enabled:
            feed.enabled, feed.disabled_reason = False, REMOVED_FROM_LIST
            counts["disabled"] += 1
    return counts


def _for_update(feed: Feed) -> FeedForUpdate:
    return FeedForUpdate(
        id=feed.id,
        name=feed.name,
        url=feed.url,
        language=feed.language,
        interval=feed.interval,
        etag=feed.etag,
        last_modified=feed.last_modified,
        consecutive_errors=feed.consecutive_errors,
        listed=feed.source != FeedSource.ADMIN,
    )


def feeds_to_poll(
    session: Session, now: datetime | None = None, limit: int | None = None
) -> list[FeedForUpdate]:
    """Enabled feeds, soonest due first; only those due at ``now`` when it is given."""
    query = select(Feed).where(Feed.enabled.is_(True))
    if now is not None:
        query = query.where((Feed.next_fetch_at.is_(None)) | (Feed.next_fetch_at <= now))
    query = query.order_by(Feed.next_fetch_at, Feed.id)
    if limit is not None:
        query = query.limit(limit)
    return [_for_update(f) for f in session.scalars(query)]


def claim_feeds(session: Session, now: datetime, lease: timedelta = FEED_LEASE) -> list[FeedForUpdate]:
    """The feeds due at ``now``, taken for this process: their next fetch moves ``lease`` ahead
    (the fetch outcome then sets the real one), and on PostgreSQL rows another process is
    claiming are skipped (``FOR UPDATE SKIP LOCKED``). Two processes never fetch one feed at
    once; a process that dies leaves its feeds to be fetched again after the lease."""
    query = (
        select(Feed)
        .where(Feed.enabled.is_(True), (Feed.next_fetch_at.is_(None)) | (Feed.next_fetch_at <= now))
        .order_by(Feed.next_fetch_at, Feed.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    feeds = list(session.scalars(query))
    if feeds:
        session.execute(
            update(Feed).where(Feed.id.in_([f.id for f in feeds])).values(next_fetch_at=now + lease)
        )
    return [_for_update(f) for f in feeds]


def record_store_failure(
    session: Session, feed_id: int, error: str, now: datetime, retry_at: datetime
) -> None:
    """The feed was fetched but its items could not be stored (database down, disk full): an
    error on the feed like a failed fetch, and a retry at ``retry_at``. Its validators (ETag,
    Last-Modified) are left as they were, so the retry fetches the items again."""
    session.execute(
        update(Feed)
        .where(Feed.id == feed_id)
        .values(
            last_error=error[:1000],
            last_error_at=now,
            consecutive_errors=Feed.consecutive_errors + 1,
            next_fetch_at=retry_at,
        )
    )


def release_claims(session: Session, feed_ids: Sequence[int], now: datetime) -> None:
    """Feeds claimed but not polled (the process is stopping): due again at ``now``, for the
    next process or the next start, instead of after the claim's lease."""
    if feed_ids:
        session.execute(
            update(Feed)
            .where(Feed.id.in_(list(feed_ids)), Feed.next_fetch_at > now)
            .values(next_fetch_at=now)
        )


def record_fetch(session: Session, intent: FeedUpdateIntent, title: str | None = None) -> None:
    """Write one fetch outcome onto its feed (errors, validators, schedule, URL moves)."""
    feed = session.get(Feed, intent.feed_id)
    if feed is None:  # deleted while we were fetching; nothing to record
        return
    feed.last_fetched_at = intent.fetched_at
    feed.last_status = intent.http_status
    feed.consecutive_errors = intent.consecutive_errors
    feed.next_fetch_at = intent.next_fetch_at
    if intent.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
        feed.last_success_at = intent.fetched_at
    if intent.error:
        feed.last_error = intent.error
        feed.last_error_at = intent.fetched_at
    if intent.etag is not None:
        feed.etag = intent.etag
    if intent.last_modified is not None:
        feed.last_modified = intent.last_modified
    if title:
        feed.title = title[:500]
    if intent.new_url and intent.new_url != feed.url:
        clash = session.scalar(select(Feed.id).where(Feed.url == intent.new_url, Feed.id != feed.id))
        if clash is None:
            feed.url = intent.new_url
            feed.etag = feed.last_modified = None  # validators belonged to the old URL
            if intent.etag is not None:
                feed.etag = intent.etag
            if intent.last_modified is not None:
                feed.last_modified = intent.last_modified
        else:
            feed.enabled = False
            feed.disabled_reason = f"moved permanently to {intent.new_url}, which is already feed #{clash}"
    if intent.disable_reason:
        feed.enabled = False
        feed.disabled_reason = intent.disable_reason


def record_plain_fetches(session: Session, intents: Sequence[FeedUpdateIntent]) -> None:
    """``record_fetch`` for many outcomes that change no URL and disable nothing (304s, most
    errors), in one executemany UPDATE: a warm pass of 200 feeds is one statement, not 200
    SELECT + UPDATE pairs. ``None`` keeps the stored value, as in ``record_fetch``."""
    if not intents:
        return
    table = Feed.__table__
    col = table.c

    def keep(name: str, column: Any) -> Any:
        return func.coalesce(bindparam(name, type_=column.type), column)

    statement = (
        update(table)
        .where(col.id == bindparam("b_id"))
        .values(
            last_fetched_at=bindparam("b_fetched", type_=col.last_fetched_at.type),
            last_status=bindparam("b_status"),
            consecutive_errors=bindparam("b_errors"),
            next_fetch_at=bindparam("b_next", type_=col.next_fetch_at.type),
            last_success_at=keep("b_success", col.last_success_at),
            last_error=keep("b_error", col.last_error),
            last_error_at=keep("b_error_at", col.last_error_at),
            etag=keep("b_etag", col.etag),
            last_modified=keep("b_last_modified", col.last_modified),
        )
    )
    ok = (FetchStatus.OK, FetchStatus.NOT_MODIFIED)
    session.execute(
        statement,
        [
            {
                "b_id": i.feed_id,
                "b_fetched": i.fetched_at,
                "b_status": i.http_status,
                "b_errors": i.consecutive_errors,
                "b_next": i.next_fetch_at,
                "b_success": i.fetched_at if i.status in ok else None,
                "b_error": i.error,
                "b_error_at": i.fetched_at if i.error else None,
                "b_etag": i.etag,
                "b_last_modified": i.last_modified,
            }
            for i in intents
        ],
    )


def count_enabled(session: Session) -> int:
    """How many feeds are polled (what /start tells a newcomer)."""
    return session.scalar(select(func.count(Feed.id)).where(Feed.enabled.is_(True))) or 0


def feed_health(session: Session) -> list[FeedHealth]:
    """One row per feed for ``briefbot feeds``, with its stored item count."""
    per_feed = select(Item.feed_id, func.count(Item.id), func.max(Item.published_at)).group_by(Item.feed_id)
    counts = {fid: (n, newest) for fid, n, newest in session.execute(per_feed)}
    rows = []
    for feed in session.scalars(select(Feed).order_by(Feed.name)):
        n, newest = counts.get(feed.id, (0, None))
        rows.append(
            FeedHealth(
                name=feed.name,
                url=feed.url,
                language=feed.language,
                enabled=feed.enabled,
                disabled_reason=feed.disabled_reason,
                last_fetched_at=feed.last_fetched_at,
                last_success_at=feed.last_success_at,
                last_status=feed.last_status,
                last_error=feed.last_error,
                consecutive_errors=feed.consecutive_errors,
                next_fetch_at=feed.next_fetch_at,
                items=n,
                newest_item_at=newest,
                regions=tuple(feed.regions or ()),
            )
        )
    return rows


def add_feed(
    session: Session, url: str, name: str, language: str, now: datetime, regions: Sequence[str] = ()
) -> bool:
    """An admin adds a feed in Telegram (``/addfeed``); polled from now on. False when the URL
    is already known (it is enabled again if it was disabled by an admin)."""
    feed = session.scalar(select(Feed).where((Feed.url == url) | (Feed.origin_url == url)))
    if feed is not None:
        if not feed.enabled and feed.disabled_reason == DISABLED_BY_ADMIN:
            feed.enabled, feed.disabled_reason, feed.next_fetch_at = True, None, now
            return True
        return False
    session.add(
        Feed(
            url=url,
            origin_url=url,
            name=name[:200],
            language=language,
            regions=list(regions),
            source=FeedSource.ADMIN,
            enabled=True,
            consecutive_errors=0,
            next_fetch_at=now,
            created_at=now,
        )
    )
    return True


def import_feeds(
    session: Session, feeds: Sequence[FeedSpec], now: datetime
) -> tuple[list[FeedSpec], list[FeedSpec]]:
    """Add the feeds of an OPML file (the operator's: source "import", kept across restarts);
    returns (added, skipped because the URL is already polled)."""
    added, skipped = [], []
    for spec in feeds:
        known = session.scalar(select(Feed.id).where((Feed.url == spec.url) | (Feed.origin_url == spec.url)))
        if known is not None:
            skipped.append(spec)
            continue
        session.add(
            Feed(
                url=spec.url,
                origin_url=spec.url,
                name=spec.name[:200],
                language=spec.language,
                regions=list(spec.regions),
                interval=spec.interval,
                source=FeedSource.IMPORT,
                enabled=True,
                consecutive_errors=0,
                next_fetch_at=now,
                created_at=now,
            )
        )
        session.flush()
        added.append(spec)
    return added, skipped


def feed_list(session: Session) -> list[tuple[str, str, str, list[str], int | None, str | None]]:
    """Every enabled feed for export: (url, name, language, regions, interval, own title)."""
    return [
        (f.origin_url, f.name, f.language, list(f.regions or ()), f.interval, f.title)
        for f in session.scalars(select(Feed).where(Feed.enabled.is_(True)).order_by(Feed.id))
    ]


def disable_feed(session: Session, url_or_name: str) -> str | None:
    """Stop polling a feed (``/disablefeed``), found by URL or exact name; its items stay.
    Returns the feed's name, or None when there is no such enabled feed."""
    feed = session.scalar(
        select(Feed).where(
            Feed.enabled.is_(True),
            (Feed.url == url_or_name) | (Feed.origin_url == url_or_name) | (Feed.name == url_or_name),
        )
    )
    if feed is None:
        return None
    feed.enabled, feed.disabled_reason = False, DISABLED_BY_ADMIN
    return feed.name


def health_facts(session: Session) -> tuple[int, int, int, datetime | None]:
    """(feeds ok, failing, disabled, the newest fetch time) for /healthz and /metrics."""
    ok = failing = disabled = 0
    for enabled, errors in session.execute(select(Feed.enabled, Feed.consecutive_errors)):
        if not enabled:
            disabled += 1
        elif errors:
            failing += 1
        else:
            ok += 1
    return ok, failing, disabled, session.scalar(select(func.max(Feed.last_fetched_at)))
