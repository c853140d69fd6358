"""Who gets which digest and alert, when: pure deciders over plain data and ``now``.

``db/queries/deliveries.py`` reads the inputs (chats, their follows, changed stories) and writes
what these return into the delivery ledger; nothing here touches the database or Telegram.

    digest_intents(chats, now)           -> [DeliveryIntent]   one per chat per local day
    alert_intents(stories, follows, now) -> [DeliveryIntent]   one per chat, story and development
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot import regions as region_names
from bot.domain import Severity, alert_key
from bot.schedule import in_quiet_hours, latest_digest


class DeliveryKind(StrEnum):
    """What a row of the delivery ledger sends."""

    DIGEST = "digest"  #: key: the chat's local date
    ALERT = "alert"  #: key: the story id, ".N" for its Nth development
    NOTICE = "notice"  #: key: the occurrence (an operator notice)
    BROADCAST = "broadcast"  #: key: the broadcast id


@dataclass(frozen=True, slots=True)
class DeliveryIntent:
    """A message that is due: recorded once in the ledger (unique chat, kind, key)."""

    chat_id: int
    kind: DeliveryKind
    key: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DigestChat:
    """A chat that follows something and is neither paused nor gone."""

    chat_id: int
    timezone: str
    digest_time: time
    created_at: datetime  #: no digest is due before the chat existed


@dataclass(frozen=True, slots=True)
class AlertStory:
    """A story changed since the last plan, with what the alert policy needs of it."""

    id: int
    severity: Severity
    topics: frozenset[str]
    regions: frozenset[str]  #: the countries it is about
    development: int = 0  #: severe developments so far (each is alerted once)


@dataclass(frozen=True, slots=True)
class AlertFollow:
    """One subscription of a chat with alerts on, with the chat's alert settings."""

    chat_id: int
    region: str  #: ISO code or group key ("baltics")
    topics: frozenset[str]  #: empty: every topic
    min_severity: str
    timezone: str
    quiet_start: time | None = None
    quiet_end: time | None = None


def digest_intents(chats: Iterable[DigestChat], now: datetime) -> list[DeliveryIntent]:
    """The latest digest due at ``now`` for each chat (at its local time, DST-correct)."""
    out = []
    for chat in chats:
        due = latest_digest(now, chat.digest_time, ZoneInfo(chat.timezone), not_before=chat.created_at)
        if due is not None:
            out.append(DeliveryIntent(chat.chat_id, DeliveryKind.DIGEST, due[0], due[1]))
    return out


def _floor(minimum: str) -> int:
    return Severity(minimum).rank if minimum in ("low", "medium", "high") else Severity.HIGH.rank


def alert_intents(
    stories: Iterable[AlertStory], follows: Iterable[AlertFollow], now: datetime
) -> list[DeliveryIntent]:
    """One alert per (chat, story, development) for stories whose severity has reached the chat's
    minimum, about a region it follows, its topic filter matching. Quiet hours hold alerts below
    high for the digest. A chat not yet alerted to a story gets the key of its current
    development, so the ledger's uniqueness leaves one alert per development."""
    stories = [s for s in stories if s.severity is not Severity.LOW]
    out: dict[tuple[int, str], DeliveryIntent] = {}
    for follow in follows:
        region = region_names.get(follow.region)
        codes = set(region.codes) if region else {follow.region}
        floor = _floor(follow.min_severity)
        quiet = in_quiet_hours(now, ZoneInfo(follow.timezone), follow.quiet_start, follow.quiet_end)
        for story in stories:
            if story.severity.rank < floor or not (story.regions & codes):
                continue
            if follow.topics and not (follow.topics & story.topics):
                continue
            if quiet and story.severity is not Severity.HIGH:
                continue  # held: the digest will carry it
            key = alert_key(story.id, story.development)
            out[(follow.chat_id, key)] = DeliveryIntent(follow.chat_id, DeliveryKind.ALERT, key, now)
    return list(out.values())
