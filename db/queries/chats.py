"""Chats, their settings and subscriptions: the bot's state lives here, not in memory, so a
restart loses nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.domain import SubscriptionRecord
from db.models import Chat, Story, StoryTag, Subscription

#: Settings a chat may change (``/settings``), with the column each one is.
SETTINGS = (
    "timezone",
    "digest_time",
    "alerts_enabled",
    "min_severity",
    "quiet_start",
    "quiet_end",
    "paused",
    "language",
)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    id: int
    type: str
    title: str | None
    language: str | None
    timezone: str
    digest_time: time
    alerts_enabled: bool
    min_severity: str
    quiet_start: time | None
    quiet_end: time | None
    paused: bool
    active: bool
    last_digest_at: datetime | None


def settings_of(chat: Chat) -> ChatSettings:
    return ChatSettings(
        id=chat.id,
        type=chat.type,
        title=chat.title,
        language=chat.language,
        timezone=chat.timezone,
        digest_time=chat.digest_time,
        alerts_enabled=chat.alerts_enabled,
        min_severity=chat.min_severity,
        quiet_start=chat.quiet_start,
        quiet_end=chat.quiet_end,
        paused=chat.paused,
        active=chat.active,
        last_digest_at=chat.last_digest_at,
    )


def ensure_chat(
    session: Session,
    chat_id: int,
    *,
    type: str,
    title: str | None,
    language: str | None,
    timezone: str,
    digest_time: time,
    now: datetime,
    reactivate: bool = False,
) -> ChatSettings:
    """The chat's settings, creating the chat with defaults on first contact. ``reactivate``
    (``/start``) makes a chat that had blocked the bot active again."""
    chat = session.get(Chat, chat_id)
    if chat is None:
        chat = Chat(
            id=chat_id,
            type=type,
            title=title,
            language=language,
            timezone=timezone,
            digest_time=digest_time,
            alerts_enabled=True,
            min_severity="high",
            paused=False,
            active=True,
            created_at=now,
        )
        session.add(chat)
        session.flush()
    else:
        if title and chat.title != title:
            chat.title = title
        if reactivate and not chat.active:
            chat.active, chat.inactive_reason = True, None
    return settings_of(chat)


def get_chat(session: Session, chat_id: int) -> ChatSettings | None:
    chat = session.get(Chat, chat_id)
    return settings_of(chat) if chat is not None else None


def update_settings(session: Session, chat_id: int, **values: Any) -> ChatSettings:
    """Change some of a chat's ``SETTINGS``; returns the new settings."""
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not a chat setting: {sorted(unknown)}")
    session.execute(update(Chat).where(Chat.id == chat_id).values(**values))
    chat = session.get(Chat, chat_id)
    assert chat is not None
    session.refresh(chat)
    return settings_of(chat)


def mark_inactive(session: Session, chat_id: int, reason: str) -> None:
    """The chat blocked the bot or is gone: it receives nothing until ``/start``."""
    session.execute(update(Chat).where(Chat.id == chat_id).values(active=False, inactive_reason=reason))


def subscribe(
    session: Session,
    chat_id: int,
    region: str,
    topics: Sequence[str],
    message_thread_id: int | None,
    now: datetime,
) -> bool:
    """Follow ``region`` (replacing its topic filter when already followed). True when new."""
    sub = session.scalar(
        select(Subscription).where(Subscription.chat_id == chat_id, Subscription.region == region)
    )
    if sub is None:
        session.add(
            Subscription(
                chat_id=chat_id,
                region=region,
                topics=sorted(set(topics)),
                message_thread_id=message_thread_id,
                created_at=now,
            )
        )
        return True
    sub.topics = sorted(set(topics))
    sub.message_thread_id = message_thread_id
    return False


def unsubscribe(session: Session, chat_id: int, region: str | None) -> int:
    """Stop following ``region`` (None: everything). Returns how many were removed."""
    query = delete(Subscription).where(Subscription.chat_id == chat_id)
    if region is not None:
        query = query.where(Subscription.region == region)
    return session.execute(query).rowcount or 0


def follows(session: Session, chat_id: int) -> list[SubscriptionRecord]:
    return [
        SubscriptionRecord(s.region, tuple(s.topics or ()), s.message_thread_id)
        for s in session.scalars(
            select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.id)
        )
    ]


def most_followed(session: Session, limit: int) -> list[str]:
    """Regions followed by the most chats, most first."""
    rows = session.execute(
        select(Subscription.region, func.count(Subscription.id).label("n"))
        .group_by(Subscription.region)
        .order_by(func.count(Subscription.id).desc(), Subscription.region)
        .limit(limit)
    ).all()
    return [region for region, _ in rows]


def mark_digest_sent(session: Session, chat_id: int, when: datetime) -> None:
    session.execute(update(Chat).where(Chat.id == chat_id).values(last_digest_at=when))


def stats(session: Session) -> dict[str, int]:
    """Counts for ``/stats``."""
    return {
        "chats": session.scalar(select(func.count(Chat.id))) or 0,
        "active chats": session.scalar(select(func.count(Chat.id)).where(Chat.active.is_(True))) or 0,
        "subscriptions": session.scalar(select(func.count(Subscription.id))) or 0,
        "stories": session.scalar(select(func.count(Story.id))) or 0,
        "story tags": session.scalar(select(func.count(StoryTag.id))) or 0,
    }


def active_chat_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Chat.id).where(Chat.active.is_(True), Chat.paused.is_(False))))
