"""ORM models for the DESIGN.md data model. Classes only; queries live in ``db/queries``.

Every datetime column is ``UTCDateTime``; enum-like columns are short strings validated by the
``StrEnum``s in ``bot.domain`` / here (no magic integers); constraints are named by convention so
Alembic can alter them on SQLite too.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class FeedSource(StrEnum):
    FILE = "file"  #: listed in feeds.yaml; kept in step with it at start-up
    ADMIN = "admin"  #: added by an admin in Telegram (/addfeed)
    IMPORT = "import"  #: imported by the operator from an OPML file (briefbot feeds import)


class DeliveryState(StrEnum):
    DUE = "due"
    SENT = "sent"
    FAILED = "failed"


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)  #: where it is fetched now
    origin_url: Mapped[str] = mapped_column(String(2048), unique=True)  #: as listed in feeds.yaml
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    regions: Mapped[list[Any]] = mapped_column(default=list)
    interval: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default=FeedSource.FILE)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(1024))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_fetch_at: Mapped[datetime | None] = mapped_column(index=True)
    title: Mapped[str | None] = mapped_column(String(500))  #: the feed's own title, as served
    created_at: Mapped[datetime]


class Story(Base):
    """One event, reported by one or more items (bot/cluster.py groups them)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)  #: representative: English when there is one
    url: Mapped[str | None] = mapped_column(String(2048))  #: link of the representative item
    first_seen_at: Mapped[datetime] = mapped_column(index=True)  #: earliest item published
    last_seen_at: Mapped[datetime] = mapped_column(index=True)  #: latest item published
    regions: Mapped[list[Any]] = mapped_column(default=list)  #: about, most reported first
    topics: Mapped[list[Any]] = mapped_column(default=list)  #: most reported first
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    severity: Mapped[str | None] = mapped_column(String(16))  #: the highest of its items
    #: the clusterer's memory of the story (names, numbers, words, titles by language): JSON
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime | None] = mapped_column(index=True)  #: when we first stored it
    updated_at: Mapped[datetime | None]
    #: severe developments after it began (bot/cluster.py); alert keys carry it: "12", "12.1"
    development: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class StoryTag(Base):
    """A story's regions (about) and topics, with its times: what /status and digests select on.
    Denormalised from ``stories`` so "latest stories about LT" is one index range."""

    __tablename__ = "story_tags"
    __table_args__ = (
        UniqueConstraint("story_id", "kind", "value"),
        Index("ix_story_tags_kind_value_last_seen_at", "kind", "value", "last_seen_at"),
        Index("ix_story_tags_kind_value_first_seen_at", "kind", "value", "first_seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  #: "region" | "topic"
    value: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("feed_id", "guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(1024))
    url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    published_at: Mapped[datetime] = mapped_column(index=True)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    severity: Mapped[str | None] = mapped_column(String(16))
    classified_at: Mapped[datetime | None]  #: None until the classifier has tagged it


class ItemTag(Base):
    __tablename__ = "item_tags"
    __table_args__ = (
        UniqueConstraint("item_id", "kind", "value"),
        Index("ix_item_tags_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  #: "region" | "topic" | "event"
    value: Mapped[str] = mapped_column(String(32))  #: "LT", "border", "border_closure", …
    #: regions: "about" | "mentioned"; events: their severity ("high" | "medium" | "low")
    role: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]] = mapped_column(default=list)


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))  #: private | group | supergroup | channel
    title: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    digest_time: Mapped[time] = mapped_column(Time)
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    min_severity: Mapped[str] = mapped_column(String(16), default="high")
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_digest_at: Mapped[datetime | None]


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(String(32))  #: ISO code ("LT") or group ("baltics")
    topics: Mapped[list[Any]] = mapped_column(default=list)  #: empty: every topic
    message_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("chat_id", "kind", "key"),
        Index("ix_deliveries_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  #: "digest" | "alert"
    #: local date for digests; for alerts the story id, and ".N" for its Nth severe development
    key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.DUE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: a hash of the text the message shows: an alert is edited only when its text changes
    text_hash: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Broadcast(Base):
    """A message an operator sent to every chat (/broadcast): its text, kept for the delivery
    ledger, which sends it to each chat once (kind "broadcast", key = this id)."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)  #: as the operator wrote it, line breaks included
    admin_id: Mapped[int] = mapped_column(BigInteger)  #: who sent it
    created_at: Mapped[datetime]
