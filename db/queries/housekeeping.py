"""Housekeeping: what is older than the retention goes (items with their tags, stories last
reported before it, finished deliveries), so the database stays the size of what is useful."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Delivery, DeliveryState, Item, ItemTag, Story, StoryTag

#: Sent and failed deliveries are kept this long (what was sent when, for support questions).
DELIVERY_RETENTION = timedelta(days=30)


def prune(session: Session, now: datetime, retention_days: int) -> dict[str, int]:
    """Delete items published and stories last reported more than ``retention_days`` ago, and
    finished deliveries older than DELIVERY_RETENTION. Returns how many of each went."""
    cutoff = now - timedelta(days=retention_days)
    old_items = select(Item.id).where(Item.published_at < cutoff)
    tags = session.execute(delete(ItemTag).where(ItemTag.item_id.in_(old_items))).rowcount or 0
    items = session.execute(delete(Item).where(Item.published_at < cutoff)).rowcount or 0
    old_stories = select(Story.id).where(Story.last_seen_at < cutoff)
    session.execute(delete(StoryTag).where(StoryTag.story_id.in_(old_stories)))
    stories = session.execute(delete(Story).where(Story.last_seen_at < cutoff)).rowcount or 0
    deliveries = (
        session.execute(
            delete(Delivery).where(
                Delivery.state.in_([DeliveryState.SENT, DeliveryState.FAILED]),
                Delivery.created_at < now - DELIVERY_RETENTION,
            )
        ).rowcount
        or 0
    )
    return {"items": items, "item_tags": tags, "stories": stories, "deliveries": deliveries}
