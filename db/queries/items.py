"""Items: idempotent storage of parsed entries (unique per feed + GUID)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.domain import Entry
from db.models import Item

#: Rows per INSERT statement: well under SQLite's 32,766 bound-parameter limit (13 columns).
INSERT_BATCH = 500


def store_entries(
    session: Session, feed_id: int, language: str, entries: Sequence[Entry], now: datetime
) -> tuple[list[int], int]:
    """Store ``entries`` of one feed; returns (ids of new items, number of updated items).

    The same GUID twice (a re-poll, or a re-publication) is stored once. When a known entry's
    content changed (a corrected title, an updated summary), the row is updated in place and is
    not new: later stages (classification, stories, alerts) pick up only new rows.
    """
    if not entries:
        return [], 0
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
    new_ids: list[int] = []
    for start in range(0, len(fresh), INSERT_BATCH):
        rows = [
            {
                "feed_id": feed_id,
                "guid": e.guid,
                "url": e.url,
                "title": e.title,
                "summary": e.summary,
                "author": e.author,
                "language": language,
                "published_at": e.published_at,
                "fetched_at": now,
                "content_hash": e.content_hash,
            }
            for e in fresh[start : start + INSERT_BATCH]
        ]
        new_ids.extend(session.scalars(Item.__table__.insert().returning(Item.id), rows))

    updated = 0
    for guid, (item_id, digest) in known.items():
        entry = by_guid[guid]
        if entry.content_hash != digest:
            session.execute(
                update(Item)
                .where(Item.id == item_id)
                .values(
                    url=entry.url,
                    title=entry.title,
                    summary=entry.summary,
                    author=entry.author,
                    content_hash=entry.content_hash,
                    updated_at=now,
                )
            )
            updated += 1
    return sorted(new_ids), updated


def count_items(session: Session, feed_id: int | None = None) -> int:
    query = select(func.count(Item.id))
    if feed_id is not None:
        query = query.where(Item.feed_id == feed_id)
    return session.scalar(query) or 0
