"""/broadcast: an operator's message queued for every active chat in the delivery ledger, so it
is paced, sent exactly once per chat, retried, and resumed after a restart like a digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deliveries import DeliveryKind
from db.models import Broadcast, Chat, DeliveryState
from db.queries.deliveries import insert_missing

KIND = DeliveryKind.BROADCAST


def queue(session: Session, text: str, admin_id: int, now: datetime) -> int:
    """Store the message and one delivery per active, unpaused chat; returns how many chats."""
    broadcast = Broadcast(text=text, admin_id=admin_id, created_at=now)
    session.add(broadcast)
    session.flush()
    chats = session.scalars(select(Chat.id).where(Chat.active.is_(True), Chat.paused.is_(False))).all()
    rows = [
        {
            "chat_id": chat_id,
            "kind": KIND,
            "key": str(broadcast.id),
            "state": DeliveryState.DUE,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
        }
        for chat_id in chats
    ]
    return insert_missing(session, rows)


def text_of(session: Session, key: str) -> str | None:
    """The text of broadcast ``key`` (None when there is none)."""
    if not (key.isascii() and key.isdigit()):
        return None
    return session.scalar(select(Broadcast.text).where(Broadcast.id == int(key)))
