"""Items and their tags: idempotent storage of parsed entries (unique per feed + GUID)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.domain import Classification, Entry
from db.models import Item, ItemTag
from db.queries import bulk

#: Rows per INSERT statement: well under SQLite's 32,766 bound-parameter limit.
INSERT_BATCH = 500


def _tag_rows(item_id: int, c: Classification) -> list[dict[str, Any]]:
    rows = [
        {
            "item_id": item_id,
            "kind": "region",
            "value": r.code,
            "role": r.role.value,
            "score": r.score,
            "evidence": list(r.evidence),
        }
        for r in c.regions
    ]
    rows += [
        {
            "item_id": item_id,
            "kind": "topic",
            "value": tp.topic,
            "role": None,
            "score": tp.score,
            "evidence": list(tp.evidence),
        }
        for tp in c.topics
    ]
    # Events: value = catalogue type, role = its severity, score = severity rank (0 low … 2
    # high), evidence = the frame as written. Their parties are the item's "about" regions.
    rows += [
        {
            "item_id": item_id,
            "kind": "event",
            "value": e.type,
            "role": e.severity.value,
            "score": float(e.severity.rank),
            "evidence": list(e.evidence),
        }
        for e in c.events
    ]
    return rows


def _insert(session: Session, table: Any, rows: list[dict[str, Any]], returning: Any = None) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(rows), INSERT_BATCH):
        chunk = rows[start : start + INSERT_BATCH]
        if returning is not None:
            out.extend(
                session.scalars(table.insert().returning(returning, sort_by_parameter_order=True), chunk)
            )
        else:
            session.execute(table.insert(), chunk)
    return out


def known_guids(session: Session, feed_id: int, guids: Sequence[str]) -> set[str]:
    """Which of ``guids`` the feed has stored already (to spend work only on new entries)."""
    known: set[str] = set()
    guids = list(guids)
    for start in range(0, len(guids), INSERT_BATCH):
        chunk = guids[start : start + INSERT_BATCH]
        known.update(session.scalars(select(Item.guid).where(Item.feed_id == feed_id, Item.guid.in_(chunk))))
    return known


def store_entries(
    session: Session,
    feed_id: int,
    language: str,
    entries: Sequence[Entry],
    now: datetime,
    tags: Mapping[str, Classification] | None = None,
    assign: Callable[[list[Entry]], Mapping[str, int]] | None = None,
) -> tuple[list[int], int]:
    """Store ``entries`` of one feed with their tags; returns (ids of new items, number updated).

    The same GUID twice (a re-poll, or a re-publication) is stored once. When a known entry's
    content changed (a corrected title, an updated summary), the row and its tags are updated in
    place and it is not new: later stages (stories, alerts) pick up only new rows.
    ``assign`` is given the new entries and returns GUID → story id (bot/stories.py), in the
    same transaction, so an item and its story land together.
    """
    if not entries:
        return [], 0
    tags = tags or {}
    by_guid = {e.guid: e for e in entries}
    known: dict[str, tuple[int, str]] = {}
    guids = list(by_guid)
    for start in range(0, len(guids), INSERT_BATCH):
        chunk = guids[start : start + INSERT_BATCH]
        for item_id, guid, digest in session.execute(
            select(Item.id, Item.guid, Item.content_hash).where(Item.feed_id == feed_id, Item.guid.in_(chunk))
        ):
            known[guid] = (item_id, digest)

    fresh = [e for g, e in by_guid.items() if g not in known]
    story_ids = assign(fresh) if assign is not None and fresh else {}
    rows = []
    for e in fresh:
        c = tags.get(e.guid)
        rows.append(
            {
                "feed_id": feed_id,
                "guid": e.guid,
                "url": e.url,
                "title": e.title,
                "summary": e.summary,
                "author": e.author,
                "language": c.language if c else language,
                "published_at": e.published_at,
                "fetched_at": now,
                "content_hash": e.content_hash,
                "severity": c.severity.value if c else None,
                "story_id": story_ids.get(e.guid),
                "classified_at": now if c else None,
            }
        )
    new_ids = _insert_items(session, rows)
    tag_rows = []
    for item_id, e in zip(new_ids, fresh, strict=True):
        c = tags.get(e.guid)
        if c is not None:
            tag_rows.extend(_tag_rows(item_id, c))

    updated = 0
    for guid, (item_id, digest) in known.items():
        entry = by_guid[guid]
        if entry.content_hash == digest:
            continue
        c = tags.get(guid)
        values: dict[str, Any] = {
            "url": entry.url,
            "title": entry.title,
            "summary": entry.summary,
            "author": entry.author,
            "content_hash": entry.content_hash,
            "updated_at": now,
        }
        if c is not None:
            values |= {"severity": c.severity.value, "classified_at": now}
            session.execute(delete(ItemTag).where(ItemTag.item_id == item_id))
            tag_rows.extend(_tag_rows(item_id, c))
        session.execute(update(Item).where(Item.id == item_id).values(**values))
        updated += 1
    _insert_tags(session, tag_rows)
    return sorted(new_ids), updated


#: Item columns written on insert, with their PostgreSQL types (db/queries/bulk.py).
_ITEM_COLUMNS = (
    ("feed_id", "integer"),
    ("guid", "text"),
    ("url", "text"),
    ("title", "text"),
    ("summary", "text"),
    ("author", "text"),
    ("language", "text"),
    ("published_at", "timestamptz"),
    ("fetched_at", "timestamptz"),
    ("content_hash", "text"),
    ("severity", "text"),
    ("story_id", "integer"),
    ("classified_at", "timestamptz"),
)
_TAG_COLUMNS = (
    ("item_id", "integer"),
    ("kind", "text"),
    ("value", "text"),
    ("role", "text"),
    ("score", "float8"),
    ("evidence", "json"),
)


def _insert_items(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert one feed's new items; their ids, in order (on PostgreSQL through ``unnest``)."""
    if not rows or not bulk.is_postgresql(session):
        return _insert(session, Item.__table__, rows, returning=Item.id)
    ids = bulk.insert_returning(session, "items", _ITEM_COLUMNS, rows, key="guid")
    return [ids[row["guid"]] for row in rows]  # GUIDs are unique within one feed's new items


def _insert_tags(session: Session, rows: list[dict[str, Any]]) -> None:
    """Tags are ~7 rows per item: on PostgreSQL they go in with COPY."""
    if bulk.is_postgresql(session):
        bulk.copy_rows(session, "item_tags", _TAG_COLUMNS, rows)
    elif rows:
        _insert(session, ItemTag.__table__, rows)


def count_items(session: Session, feed_id: int | None = None) -> int:
    query = select(func.count(Item.id))
    if feed_id is not None:
        query = query.where(Item.feed_id == feed_id)
    return session.scalar(query) or 0
