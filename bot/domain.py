"""The vocabulary shared by every layer: frozen dataclasses and enums. Pure.

Records that flow between stages end in ``Result``/``Intent``/``Outcome`` (after reader's
``FeedForUpdate`` / ``FeedUpdateIntent``). ORM objects never leave ``db/``; its query functions
return these instead. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FetchStatus(StrEnum):
    """How one fetch of one feed ended."""

    OK = "ok"  #: 200 with a body that parsed (possibly with no new items)
    NOT_MODIFIED = "not_modified"  #: 304 to our conditional GET
    ERROR = "error"  #: anything that failed; retried later with backoff
    GONE = "gone"  #: 410: the feed is disabled and no longer polled


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One entry of feeds.yaml, validated."""

    name: str
    url: str
    language: str
    regions: tuple[str, ...] = ()
    interval: int | None = None  #: seconds; None means BRIEFBOT_POLL_INTERVAL
    line: int | None = None  #: 1-based line in feeds.yaml, for messages


@dataclass(frozen=True, slots=True)
class FeedForUpdate:
    """What the poller needs to know about a stored feed to fetch it."""

    id: int
    name: str
    url: str
    language: str
    interval: int | None
    etag: str | None
    last_modified: str | None
    consecutive_errors: int
    #: listed in feeds.yaml by the operator (fetched wherever it points), not added from a chat
    listed: bool = True


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one HTTP retrieval, errors included (errors are values here)."""

    url: str  #: the URL asked for
    status: FetchStatus
    http_status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_url: str | None = None  #: set when every redirect hop was permanent (301/308)
    retry_after: float | None = None  #: seconds the server asked us to wait
    max_age: float | None = None  #: Cache-Control max-age, seconds
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry after parsing: plain text, UTC time, a stable id."""

    guid: str
    url: str | None
    title: str
    summary: str
    published_at: datetime
    author: str | None
    content_hash: str  #: changes when title, summary or link change


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    entries: tuple[Entry, ...]
    warning: str | None = None  #: a survivable malformation feedparser recovered from


@dataclass(frozen=True, slots=True)
class FeedUpdateIntent:
    """Everything to record on a feed after a fetch attempt (decided by ``bot.timing``)."""

    feed_id: int
    fetched_at: datetime
    status: FetchStatus
    http_status: int | None
    next_fetch_at: datetime
    consecutive_errors: int
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None
    error: str | None = None
    disable_reason: str | None = None


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one poll of one feed did, for the CLI summary and later stages."""

    feed_id: int
    name: str
    url: str
    status: FetchStatus
    new_item_ids: tuple[int, ...] = ()
    updated_items: int = 0
    error: str | None = None
    warning: str | None = None
    new_url: str | None = None


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One row of ``briefbot feeds``."""

    name: str
    url: str
    language: str
    enabled: bool
    disabled_reason: str | None
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_error: str | None
    consecutive_errors: int
    next_fetch_at: datetime | None
    items: int
    newest_item_at: datetime | None
    regions: tuple[str, ...] = ()  #: what the feed covers, as listed in feeds.yaml


class Severity(StrEnum):
    """How urgently a subscriber wants to know (README "Severity")."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)


class RegionRole(StrEnum):
    ABOUT = "about"  #: the item is about this country
    MENTIONED = "mentioned"  #: named, but not what the item is about


@dataclass(frozen=True, slots=True)
class RegionTag:
    code: str  #: ISO 3166-1 alpha-2
    role: RegionRole
    score: float  #: 0…1
    evidence: tuple[str, ...]  #: the words that fired, as they appear in the text


@dataclass(frozen=True, slots=True)
class TopicTag:
    topic: str  #: border | military | migration | hybrid | diplomacy
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """A security event an item reports (bot/classify/data/events.yaml: the catalogue)."""

    type: str  #: catalogue type: "border_closure", "airspace_violation", …
    severity: Severity  #: the type's base severity, moved by what the same clause says
    parties: tuple[str, ...]  #: ISO codes of the states that are parties: where, who, the counterpart
    evidence: tuple[str, ...]  #: the words of the frame, as written ("closes its border with Belarus")


@dataclass(frozen=True, slots=True)
class Classification:
    language: str
    regions: tuple[RegionTag, ...]
    topics: tuple[TopicTag, ...]
    severity: Severity
    severity_evidence: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()  #: what happened and to whom; empty for non-security items

    def about(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions if r.role is RegionRole.ABOUT)


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One stored subscription of a chat (what /subscribe saved), as every layer reads it."""

    region: str  #: ISO code or group key ("LT", "baltics")
    topics: tuple[str, ...]  #: empty: every topic
    message_thread_id: int | None  #: the forum topic it was made in (replies go there)


def alert_key(story_id: int, development: int = 0) -> str:
    """The ledger key of a story's alert: its id, then ".N" for its Nth severe development
    ("12", "12.1"), so a chat is alerted once per story and once per development."""
    return str(story_id) if development <= 0 else f"{story_id}.{development}"


def parse_alert_key(key: str) -> tuple[int, int] | None:
    """(story id, development) of an alert key; None for a key that is not one."""
    story, dot, development = key.partition(".")
    if not (story.isascii() and story.isdigit()):
        return None
    if dot and not (development.isascii() and development.isdigit()):
        return None
    return int(story), int(development or 0)
