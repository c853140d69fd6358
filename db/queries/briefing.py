"""What /status and digests read: stories about a set of countries, from ``story_tags``.

Every query is one index range on ``story_tags (kind, value, last_seen_at|first_seen_at)`` per
country, bounded in time, so its cost depends on the region's recent stories, not on the size
of the database (benchmarks/status.py: 1,000,000 items, 200,000 stories).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from bot.briefing import (
    BASELINE_DAYS,
    LATEST_STORIES,
    DevelopmentLine,
    StatusFacts,
    StoryLine,
    digest_since,
)
from bot.domain import Severity, SubscriptionRecord
from db.models import Chat, Feed, Item, ItemTag, Story, StoryTag, Subscription
from db.queries import chats as chat_queries
from db.queries.chats import ChatSettings

#: ids per IN (...) list
CHUNK = 500


def _lines(session: Session, ids: Sequence[int]) -> list[StoryLine]:
    """The stories as readers see them. Plain columns and only the ``titles`` of the clusterer's
    state (the rest of it, names and phrases, can be kilobytes per story)."""
    columns = (
        Story.id,
        Story.title,
        Story.url,
        Story.source_count,
        Story.item_count,
        Story.severity,
        Story.regions,
        Story.topics,
        Story.first_seen_at,
        Story.last_seen_at,
        Story.created_at,
        Story.state["titles"],
        Story.state["developments"],
    )
    out = []
    for start in range(0, len(ids), CHUNK):
        for row in session.execute(select(*columns).where(Story.id.in_(ids[start : start + CHUNK]))):
            titles = row[11] if isinstance(row[11], dict) else {}
            out.append(
                StoryLine(
                    id=row.id,
                    title=row.title,
                    url=row.url,
                    sources=row.source_count,
                    items=row.item_count,
                    severity=Severity(row.severity) if row.severity else Severity.LOW,
                    regions=tuple(row.regions or ()),
                    topics=tuple(row.topics or ()),
                    first_seen=row.first_seen_at,
                    last_seen=row.last_seen_at,
                    created_at=row.created_at,
                    titles={
                        str(lang): (str(t[0]), t[1])
                        for lang, t in titles.items()
                        if isinstance(t, list | tuple) and t
                    },
                    developments=_developments(row[12]),
                )
            )
    return out


def _developments(data: Any) -> tuple[DevelopmentLine, ...]:
    """The developments kept in a story's state (bot/cluster.py ``Development.state``)."""
    out = []
    for d in data if isinstance(data, list) else ():
        if isinstance(d, dict) and d.get("title"):
            try:
                at = datetime.fromisoformat(d["at"]) if d.get("at") else None
            except (TypeError, ValueError):
                at = None
            events = tuple(str(e) for e in d.get("events") or ())
            out.append(DevelopmentLine(str(d["title"]), d.get("url"), events, at))
    return tuple(out)


def _topics_of(topic: type[StoryTag]) -> ColumnElement[bool]:
    """Join condition: the topic rows of the story. ``kind`` is wrapped so that no index can
    serve it: otherwise SQLite (no statistics) starts from every topic row of the database
    instead of the region's few stories (benchmarks/status.py: 350 ms → see README)."""
    return (topic.story_id == StoryTag.story_id) & (func.coalesce(topic.kind, "") == "topic")


def _region(codes: Sequence[str]) -> ColumnElement[bool]:
    return (StoryTag.kind == "region") & StoryTag.value.in_(codes)


def story_lines(session: Session, ids: Sequence[int]) -> list[StoryLine]:
    """The stories with these ids (missing ones are left out)."""
    return _lines(session, list(ids))


def status_facts(session: Session, codes: Sequence[str], now: datetime) -> StatusFacts:
    """Everything ``briefing.compose_status`` needs about the countries ``codes``. The counting
    is done by the database (a busy country has thousands of stories a month: rows for each
    would cost more in Python than the queries themselves; benchmarks/status.py)."""
    region = _region(codes)
    day = timedelta(days=1)
    # Day 0: first reported in the last 24 h; day d: 24 h × d before that. Later times (a feed
    # clock in the future) are not counted.
    bucket = case(*((StoryTag.first_seen_at > now - day * (d + 1), d) for d in range(BASELINE_DAYS + 1)))
    counts = dict(
        session.execute(
            select(bucket, func.count(distinct(StoryTag.story_id)))
            .where(
                region,
                StoryTag.first_seen_at > now - day * (BASELINE_DAYS + 1),
                StoryTag.first_seen_at <= now,
            )
            .group_by(bucket)
        ).all()
    )
    high = session.scalar(
        select(func.count(distinct(StoryTag.story_id)))
        .join(Story, Story.id == StoryTag.story_id)
        .where(
            region,
            StoryTag.first_seen_at > now - day,
            StoryTag.first_seen_at <= now,
            Story.severity == Severity.HIGH,
        )
    )
    # The latest stories: the newest few of each country, merged.
    latest: dict[int, datetime] = {}
    for code in codes:
        for sid, when in session.execute(
            select(StoryTag.story_id, StoryTag.last_seen_at)
            .where(StoryTag.kind == "region", StoryTag.value == code, StoryTag.last_seen_at <= now)
            .order_by(StoryTag.last_seen_at.desc())
            .limit(LATEST_STORIES)
        ):
            latest[sid] = max(when, latest.get(sid, when))
    newest = sorted(latest, key=lambda sid: latest[sid], reverse=True)[:LATEST_STORIES]
    lines = sorted(_lines(session, newest), key=lambda s: s.last_seen, reverse=True)
    topic = aliased(StoryTag)
    recent = case((StoryTag.last_seen_at >= now - day, StoryTag.story_id))
    topics = session.execute(
        select(topic.value, func.count(distinct(StoryTag.story_id)), func.count(distinct(recent)))
        .join(topic, _topics_of(topic))
        .where(region, StoryTag.last_seen_at >= now - day * 7, StoryTag.last_seen_at <= now)
        .group_by(topic.value)
    ).all()
    return StatusFacts(
        now=now,
        last_24h=counts.get(0, 0),
        previous_days=[counts.get(d, 0) for d in range(BASELINE_DAYS, 0, -1)],
        high_severity_24h=high or 0,
        latest=lines,
        topics_24h={value: n24 for value, _, n24 in topics if n24},
        topics_7d={value: n7 for value, n7, _ in topics},
        newest_item_at=lines[0].last_seen if lines else None,
        feeds_checked_at=session.scalar(select(func.max(Feed.last_success_at))),
    )


def chart_counts(
    session: Session, codes: Sequence[str], now: datetime, days: int = 30
) -> dict[str, list[int]]:
    """Stories first seen per day (UTC days, oldest first, ``days`` of them, today last) and topic,
    about the countries ``codes``: the data of the /status chart."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    topic = aliased(StoryTag)
    rows = session.execute(
        select(StoryTag.story_id, topic.value, StoryTag.first_seen_at)
        .join(topic, _topics_of(topic))
        .where(
            _region(codes),
            StoryTag.first_seen_at >= start,
            StoryTag.first_seen_at <= now,
        )
    ).all()
    seen: set[tuple[int, str]] = set()
    counts: dict[str, list[int]] = {}
    for sid, value, when in rows:
        if (sid, value) in seen:
            continue
        seen.add((sid, value))
        counts.setdefault(value, [0] * days)[(when - start).days] += 1
    return counts


def digest_stories(session: Session, codes: Sequence[str], since: datetime, now: datetime) -> list[StoryLine]:
    """Stories about ``codes`` stored after ``since`` (a chat's last digest), published at most
    three days before it: a feed added today does not bring last month's news into the digest."""
    ids = session.scalars(
        select(StoryTag.story_id)
        .join(Story, Story.id == StoryTag.story_id)
        .where(
            _region(codes),
            StoryTag.last_seen_at >= since - timedelta(days=3),
            Story.created_at > since,
            Story.created_at <= now,
        )
        .distinct()
    ).all()
    return _lines(session, list(ids))


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a story is tagged as it is (``/why``): its reports and the words behind each tag."""

    story: StoryLine
    reports: list[tuple[str, str, str | None, datetime]]  #: (feed name, title, url, published)
    tags: dict[tuple[str, str], list[str]]  #: (kind, value) → evidence words, most frequent first
    roles: dict[str, str]  #: region → "about" | "mentioned" (about wins)


def story_evidence(session: Session, story_id: int, max_reports: int = 10) -> Evidence | None:
    lines = _lines(session, [story_id])
    if not lines:
        return None
    reports = session.execute(
        select(Feed.name, Item.title, Item.url, Item.published_at)
        .join(Feed, Feed.id == Item.feed_id)
        .where(Item.story_id == story_id)
        .order_by(Item.published_at)
        .limit(max_reports)
    ).all()
    words: dict[tuple[str, str], Counter[str]] = {}
    roles: dict[str, str] = {}
    for kind, value, role, evidence in session.execute(
        select(ItemTag.kind, ItemTag.value, ItemTag.role, ItemTag.evidence)
        .join(Item, Item.id == ItemTag.item_id)
        .where(Item.story_id == story_id)
    ):
        words.setdefault((kind, value), Counter()).update(str(e) for e in (evidence or ()))
        if kind == "region" and roles.get(value) != "about":
            roles[value] = role or "mentioned"
    return Evidence(
        story=lines[0],
        reports=[(name, title, url, published) for name, title, url, published in reports],
        tags={key: [w for w, _ in counter.most_common(6)] for key, counter in words.items()},
        roles=roles,
    )


def digest_inputs(
    session: Session, chat_id: int, due_at: datetime
) -> tuple[ChatSettings | None, list[SubscriptionRecord], datetime]:
    """What a chat's digest is made of, in one transaction: its settings, what it follows, and
    the time of its last digest (a day before ``due_at`` for a first one)."""
    chat = chat_queries.get_chat(session, chat_id)
    if chat is None:
        return None, [], due_at
    return chat, chat_queries.follows(session, chat_id), digest_since(chat.last_digest_at, due_at)


def new_since(stories: Sequence[StoryLine], since: datetime) -> list[StoryLine]:
    """``digest_stories``' rule applied to stories fetched for an earlier ``since``."""
    return [
        s
        for s in stories
        if (s.created_at is None or s.created_at > since) and s.last_seen >= since - timedelta(days=3)
    ]


def digest_inputs_many(
    session: Session, wanted: Sequence[tuple[int, datetime]]
) -> dict[int, tuple[ChatSettings, list[SubscriptionRecord], datetime]]:
    """``digest_inputs`` for many chats in one transaction and two queries: (chat id, due at)
    → settings, follows, since. Chats that no longer exist are left out."""
    due = dict(wanted)
    ids = list(due)
    chats: dict[int, ChatSettings] = {}
    follows: dict[int, list[SubscriptionRecord]] = {chat_id: [] for chat_id in ids}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for chat in session.scalars(select(Chat).where(Chat.id.in_(chunk))):
            chats[chat.id] = chat_queries.settings_of(chat)
        for sub in session.scalars(
            select(Subscription).where(Subscription.chat_id.in_(chunk)).order_by(Subscription.id)
        ):
            follows[sub.chat_id].append(
                SubscriptionRecord(sub.region, tuple(sub.topics or ()), sub.message_thread_id)
            )
    return {
        chat_id: (chat, follows[chat_id], digest_since(chat.last_digest_at, due[chat_id]))
        for chat_id, chat in chats.items()
    }
