"""/broadcast: an operator's message queued for every active chat in the delivery ledger, so it
is paced, sent exactly once per chat, retried, and resumed after a restart like a digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.deliveries import DeliveryIntent, DeliveryKind
from db.models import Broadcast
from db.queries import chats as chat_queries
from db.queries.deliveries import insert_missing, intent_rows

KIND = DeliveryKind.BROADCAST


def queue(session: Session, text: str, admin_id: int, now: datetime) -> int:
    """Store the message and one delivery per active, unpaused chat; returns how many chats."""
    broadcast = Broadcast(text=text, admin_id=admin_id, created_at=now)
    session.add(broadcast)
    session.flush()
    chats = chat_queries.active_chat_ids(session)
    intents = [DeliveryIntent(chat_id, KIND, str(broadcast.id), now) for chat_id in chats]
    return insert_missing(session, intent_rows(intents, now))


def text_of(session: Session, key: str) -> str | None:
    """The text of broadcast ``key`` (None when there is none)."""
    if not (key.isascii() and key.isdigit()):
        return None
    return session.scalar(select(Broadcast.text).where(Broadcast.id == int(key)))
