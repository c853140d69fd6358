"""Operator notices: a feed failing for 24 hours, a feed silent for three times its usual gap,
delivery failures piling up. Each goes to every admin once (the delivery ledger's unique key
names the occurrence), not at every poll."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Delivery, DeliveryState, Feed, Item
from db.queries import chats as chat_queries
from db.queries.deliveries import insert_missing

FAILING_FOR = timedelta(hours=24)
SILENT_FACTOR = 3  #: silent when the newest item is older than this many usual gaps…
SILENT_MIN = timedelta(hours=12)  #: …and at least this old (a feed posting hourly may rest a night)
GAP_SAMPLE = 20  #: the usual gap: median of the gaps between a feed's latest items
FAILURES_PER_DAY = 10  #: failed deliveries in 24 h that make a notice


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    text: str


def find(session: Session, now: datetime) -> list[Notice]:
    """What the admins should hear about now (each with its occurrence key)."""
    notices = []
    for feed in session.scalars(select(Feed).where(Feed.enabled.is_(True)).order_by(Feed.id)):
        since = feed.last_success_at or feed.created_at
        if feed.consecutive_errors and now - since >= FAILING_FOR:
            notices.append(
                Notice(
                    f"failing:{feed.id}:{since:%Y%m%d%H%M}",
                    f"Feed “{feed.name}” has failed for {int((now - since).total_seconds() // 3600)} h "
                    f"({feed.consecutive_errors} tries): {feed.last_error or 'unknown error'}. {feed.url}",
                )
            )
            continue
        times = list(
            session.scalars(
                select(Item.published_at)
                .where(Item.feed_id == feed.id)
                .order_by(Item.published_at.desc())
                .limit(GAP_SAMPLE)
            )
        )
        if len(times) >= 5:
            usual = statistics.median(a - b for a, b in zip(times, times[1:], strict=False))
            quiet = now - times[0]
            if quiet > max(SILENT_FACTOR * usual, SILENT_MIN):
                notices.append(
                    Notice(
                        f"silent:{feed.id}:{times[0]:%Y%m%d%H%M}",
                        f"Feed “{feed.name}” has published nothing for {int(quiet.total_seconds() // 3600)} h "
                        f"(usually every {max(1, int(usual.total_seconds() // 60))} min). {feed.url}",
                    )
                )
    failed = session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.state == DeliveryState.FAILED,
            Delivery.kind != "notice",
            Delivery.created_at >= now - timedelta(days=1),
        )
    )
    if failed and failed >= FAILURES_PER_DAY:
        notices.append(
            Notice(f"failures:{now:%Y%m%d}", f"{failed} deliveries failed in the last 24 h: see the logs.")
        )
    return notices


def plan(session: Session, admin_ids: tuple[int, ...], now: datetime) -> int:
    """Record each current notice for each admin (once per occurrence). Returns how many new."""
    if not admin_ids:
        return 0
    notices = find(session, now)
    if not notices:
        return 0
    rows = []
    for admin in admin_ids:
        chat_queries.ensure_chat(
            session,
            admin,
            type="private",
            title=None,
            language="en",
            timezone="UTC",
            digest_time=time(8),
            now=now,
        )
        rows += [
            {
                "chat_id": admin,
                "kind": "notice",
                "key": n.key[:64],
                "state": DeliveryState.DUE,
                "attempts": 0,
                "due_at": now,
                "created_at": now,
            }
            for n in notices
        ]
    return insert_missing(session, rows)


def text_of(session: Session, key: str, now: datetime) -> str | None:
    """The notice's text now (None: it no longer applies, e.g. the feed recovered)."""
    return next((n.text for n in find(session, now) if n.key[:64] == key), None)
