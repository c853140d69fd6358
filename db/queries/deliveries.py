"""The delivery ledger: what is due to whom, claimed, sent or failed — unique per (chat, kind,
key), so a digest or an alert exists once however often it is planned.

A message is recorded as due before it is sent and marked sent after. Claiming one pushes its
``due_at`` forward by a lease (with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so a second process
does not take it; a process that dies between sending and marking leaves it to be sent again once
the lease ends — at most that one message twice, never a whole run, never none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.deliveries import (
    AlertFollow,
    AlertStory,
    DeliveryIntent,
    DeliveryKind,
    DigestChat,
    alert_intents,
    digest_intents,
)
from bot.domain import Severity, alert_key, parse_alert_key
from db.models import Chat, Delivery, DeliveryState, Story, StoryTag, Subscription

BATCH = 500
#: How long a claimed delivery is left to its sender before another process (or this one after a
#: crash) may take it again. Claims are small (20) so a crash strands few, for at most this long.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    chat_id: int
    kind: str  #: "digest" | "alert"
    key: str  #: local date (digest) or story id (alert)
    attempts: int
    due_at: datetime  #: when it fell due (before the claim's lease)


def insert_missing(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ledger rows, skipping those that exist (unique chat, kind, key)."""
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    done = 0
    for start in range(0, len(rows), BATCH):
        statement = (
            dialect.insert(Delivery)
            .on_conflict_do_nothing(index_elements=["chat_id", "kind", "key"])
            .returning(Delivery.id)
        )
        done += len(session.scalars(statement, rows[start : start + BATCH]).all())
    return done


def intent_rows(intents: list[DeliveryIntent], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "chat_id": i.chat_id,
            "kind": i.kind.value,
            "key": i.key,
            "state": DeliveryState.DUE,
            "attempts": 0,
            "due_at": i.due_at,
            "created_at": now,
        }
        for i in intents
    ]


def plan_digests(session: Session, now: datetime) -> int:
    """Record the latest digest due at ``now`` for every active, unpaused chat that follows
    something (``bot.deliveries.digest_intents`` decides). Returns how many were new."""
    chats = [
        DigestChat(chat_id, zone, at, created)
        for chat_id, zone, at, created in session.execute(
            select(Chat.id, Chat.timezone, Chat.digest_time, Chat.created_at)
            .where(Chat.active.is_(True), Chat.paused.is_(False))
            .where(select(Subscription.id).where(Subscription.chat_id == Chat.id).exists())
        )
    ]
    intents = digest_intents(chats, now)
    if not intents:
        return 0
    keys = sorted({i.key for i in intents})
    existing = set(
        session.execute(
            select(Delivery.chat_id, Delivery.key).where(
                Delivery.kind == DeliveryKind.DIGEST, Delivery.key.in_(keys)
            )
        ).all()
    )
    return insert_missing(
        session, intent_rows([i for i in intents if (i.chat_id, i.key) not in existing], now)
    )


def plan_alerts(
    session: Session, since: datetime, now: datetime, fresh: timedelta = timedelta(hours=12)
) -> int:
    """Record the alerts due for stories changed since ``since`` (``bot.deliveries.alert_intents``
    decides who gets what). Old news (last reported more than ``fresh`` ago) alerts nobody."""
    rows = session.execute(
        select(Story.id, Story.severity, Story.topics, Story.development).where(
            Story.updated_at > since,
            Story.last_seen_at >= now - fresh,
            Story.severity.in_(["medium", "high"]),
        )
    ).all()
    if not rows:
        return 0
    regions: dict[int, set[str]] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), BATCH):
        for sid, value in session.execute(
            select(StoryTag.story_id, StoryTag.value).where(
                StoryTag.story_id.in_(ids[start : start + BATCH]), StoryTag.kind == "region"
            )
        ):
            regions.setdefault(sid, set()).add(value)
    stories = [
        AlertStory(
            r.id,
            Severity(r.severity),
            frozenset(r.topics or ()),
            frozenset(regions.get(r.id, ())),
            r.development or 0,
        )
        for r in rows
    ]
    follows = [
        AlertFollow(chat_id, region, frozenset(topics or ()), minimum, zone, quiet_start, quiet_end)
        for chat_id, minimum, zone, quiet_start, quiet_end, region, topics in session.execute(
            select(
                Chat.id,
                Chat.min_severity,
                Chat.timezone,
                Chat.quiet_start,
                Chat.quiet_end,
                Subscription.region,
                Subscription.topics,
            )
            .join(Subscription, Subscription.chat_id == Chat.id)
            .where(Chat.active.is_(True), Chat.paused.is_(False), Chat.alerts_enabled.is_(True))
        )
    ]
    return insert_missing(session, intent_rows(alert_intents(stories, follows, now), now))


def claim_due(session: Session, now: datetime, limit: int = 20, lease: timedelta = LEASE) -> list[Claimed]:
    """Take up to ``limit`` deliveries that are due: alerts first, then by due time. Each is
    leased: its ``due_at`` moves ``lease`` ahead, so no other process takes it meanwhile."""
    query = (
        select(Delivery.id, Delivery.chat_id, Delivery.kind, Delivery.key, Delivery.attempts, Delivery.due_at)
        .where(Delivery.state == DeliveryState.DUE, Delivery.due_at <= now)
        .order_by((Delivery.kind == "digest"), Delivery.due_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if rows:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_([r.id for r in rows]))
            .values(due_at=now + lease, attempts=Delivery.attempts + 1)
        )
    return [Claimed(r.id, r.chat_id, r.kind, r.key, r.attempts + 1, r.due_at) for r in rows]


def mark_sent(
    session: Session, delivery_id: int, message_id: int | None, now: datetime, text_hash: str | None = None
) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            state=DeliveryState.SENT, message_id=message_id, sent_at=now, last_error=None, text_hash=text_hash
        )
    )


def mark_edited(session: Session, delivery_id: int, text_hash: str) -> None:
    """The alert's message now shows the text of ``text_hash``."""
    session.execute(update(Delivery).where(Delivery.id == delivery_id).values(text_hash=text_hash))


def alerted_before(session: Session, chat_id: int, story_id: int, development: int) -> bool:
    """Whether the chat was sent an alert of the story before its development ``development``
    (so the new one tells the development, not the story from the start)."""
    keys = [alert_key(story_id, n) for n in range(development)]
    return bool(
        session.scalar(
            select(func.count(Delivery.id)).where(
                Delivery.chat_id == chat_id,
                Delivery.kind == "alert",
                Delivery.state == DeliveryState.SENT,
                Delivery.key.in_(keys[-200:]),
            )
        )
    )


def mark_retry(session: Session, delivery_id: int, error: str, at: datetime) -> None:
    session.execute(
        update(Delivery).where(Delivery.id == delivery_id).values(due_at=at, last_error=error[:500])
    )


def mark_failed(session: Session, delivery_id: int, error: str) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(state=DeliveryState.FAILED, last_error=error[:500])
    )


def counts(session: Session) -> dict[tuple[str, str], int]:
    """(kind, state) → number of deliveries."""
    return {
        (kind, state): n
        for kind, state, n in session.execute(
            select(Delivery.kind, Delivery.state, func.count(Delivery.id)).group_by(
                Delivery.kind, Delivery.state
            )
        )
    }


@dataclass(frozen=True, slots=True)
class SentAlert:
    """An alert already sent whose story changed since: edit it in place (more sources)."""

    delivery_id: int
    chat_id: int
    message_id: int
    story_id: int
    development: int
    text_hash: str | None


def alerts_to_update(
    session: Session, since: datetime, now: datetime, within: timedelta = timedelta(hours=24)
) -> list[SentAlert]:
    """Alerts already sent (in the last ``within``) whose story has changed since they were sent
    and since ``since``: to edit in place with the new count of sources rather than send a second
    one. Only the chat's latest alert of a story, and not while a newer one (a development) is on
    its way: an earlier alert told an earlier state of the story."""
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.chat_id,
            Delivery.message_id,
            Delivery.key,
            Delivery.text_hash,
            Delivery.state,
            Delivery.sent_at,
            Story.id,
            Story.updated_at,
        )
        .join(
            Story,
            (Delivery.key == cast(Story.id, String)) | Delivery.key.startswith(cast(Story.id, String) + "."),
        )
        .where(
            Delivery.kind == "alert",
            Delivery.state != DeliveryState.FAILED,
            Delivery.created_at >= now - within,
            Story.updated_at > since,
        )
    ).all()
    latest: dict[tuple[int, int], tuple[int, Any]] = {}
    for row in rows:
        parsed = parse_alert_key(row.key)
        if parsed is None or parsed[0] != row[7]:
            continue
        known = latest.get((row.chat_id, row[7]))
        if known is None or parsed[1] > known[0]:
            latest[(row.chat_id, row[7])] = (parsed[1], row)
    out = []
    for development, row in latest.values():
        if (
            row.state == DeliveryState.SENT
            and row.message_id is not None
            and row.sent_at is not None
            and row.sent_at >= now - within
            and row.updated_at > row.sent_at
        ):
            out.append(SentAlert(row.id, row.chat_id, row.message_id, row[7], development, row.text_hash))
    return out


def backlog_and_stories(session: Session) -> tuple[int, int]:
    """(deliveries due and not sent, stories stored) for /metrics."""
    due = session.scalar(select(func.count(Delivery.id)).where(Delivery.state == DeliveryState.DUE)) or 0
    return due, session.scalar(select(func.count(Story.id))) or 0
