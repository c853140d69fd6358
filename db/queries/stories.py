"""Stories: save what the clusterer made of new items, load the open ones back at start.

A story row carries the clusterer's memory of it (``state``, JSON), so a restart picks up the
open stories where it left off; ``story_tags`` repeats its regions and topics with its times,
which is what /status and digests select on (one index range per region).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from db.models import Item, Story, StoryTag

if TYPE_CHECKING:
    from bot.cluster import Story as ClusterStory

#: Rows per statement (SQLite's bound-parameter limit is 32,766).
BATCH = 500


def open_stories(session: Session, since: datetime) -> Sequence[Row[Any]]:
    """Stories last seen at or after ``since``: (id, key, first_seen_at, last_seen_at,
    item_count, severity, state), oldest first."""
    return session.execute(
        select(
            Story.id,
            Story.key,
            Story.first_seen_at,
            Story.last_seen_at,
            Story.item_count,
            Story.severity,
            Story.state,
        )
        .where(Story.last_seen_at >= since)
        .order_by(Story.last_seen_at)
    ).all()


def _values(story: ClusterStory, now: datetime) -> dict[str, Any]:
    title, url = story.title_for("en")
    return {
        "title": title,
        "url": url,
        "first_seen_at": story.first_seen,
        "last_seen_at": story.last_seen,
        "regions": story.ranked_about(),
        "topics": story.ranked_topics(),
        "item_count": story.item_count,
        "source_count": len(story.sources),
        "severity": story.severity.value,
        "development": story.development,
        "state": story.state(),
        "updated_at": now,
    }


def save_stories(session: Session, stories: Iterable[ClusterStory], now: datetime) -> None:
    """Insert new stories (and set their ``id``), update the others, and rewrite their tags.
    The tags are the story's "about" countries (only when it has a topic) and its topics."""
    stories = list(stories)
    fresh = [s for s in stories if s.id is None]
    known = [s for s in stories if s.id is not None]
    for start in range(0, len(fresh), BATCH):
        chunk = fresh[start : start + BATCH]
        rows = [{"key": s.key, "created_at": now, **_values(s, now)} for s in chunk]
        ids = session.scalars(
            Story.__table__.insert().returning(Story.id, sort_by_parameter_order=True), rows
        )
        for story, story_id in zip(chunk, ids, strict=True):
            story.id = story_id
    if known:
        statement = update(Story.__table__).where(Story.__table__.c.id == bindparam("story_id"))
        for start in range(0, len(known), BATCH):
            chunk = known[start : start + BATCH]
            session.execute(statement, [{"story_id": s.id, **_values(s, now)} for s in chunk])
        ids = [s.id for s in known]
        for start in range(0, len(ids), BATCH):
            session.execute(delete(StoryTag).where(StoryTag.story_id.in_(ids[start : start + BATCH])))
    tags = [
        {
            "story_id": s.id,
            "kind": kind,
            "value": value,
            "first_seen_at": s.first_seen,
            "last_seen_at": s.last_seen,
        }
        for s in stories
        # A story with no security topic (an economy report about Lithuania) is stored, but not
        # listed under its countries: /status and digests are about security.
        for kind, values in (("region", sorted(s.about) if s.topics else ()), ("topic", sorted(s.topics)))
        for value in values
    ]
    for start in range(0, len(tags), BATCH):
        session.execute(StoryTag.__table__.insert(), tags[start : start + BATCH])


def merge_story(session: Session, gone_id: int, into_id: int) -> None:
    """Story ``gone_id`` turned out to be ``into_id``: its items move there and its row goes
    (``into_id`` already holds the merged counts and tags)."""
    session.execute(update(Item).where(Item.story_id == gone_id).values(story_id=into_id))
    session.execute(delete(StoryTag).where(StoryTag.story_id == gone_id))
    session.execute(delete(Story).where(Story.id == gone_id))


def unassigned_items(session: Session, since: datetime, after_id: int, limit: int) -> Sequence[Row[Any]]:
    """Classified items published since ``since`` that belong to no story yet (stored before
    stories existed), by id after ``after_id``: (id, feed_id, title, summary, language, url,
    published_at)."""
    return session.execute(
        select(Item.id, Item.feed_id, Item.title, Item.summary, Item.language, Item.url, Item.published_at)
        .where(
            Item.story_id.is_(None),
            Item.classified_at.is_not(None),
            Item.published_at >= since,
            Item.id > after_id,
        )
        .order_by(Item.id)
        .limit(limit)
    ).all()


def set_item_stories(session: Session, pairs: Sequence[tuple[int, int]]) -> None:
    """Set ``items.story_id`` for (item id, story id) pairs."""
    if not pairs:
        return
    statement = update(Item.__table__).where(Item.__table__.c.id == bindparam("item_id"))
    session.execute(statement, [{"item_id": i, "story_id": s} for i, s in pairs])
