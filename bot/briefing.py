"""Compose what users read: a region's status (activity level, latest stories, topics) and a
chat's digest, as Telegram HTML. Pure: no I/O; the facts come from db/queries/briefing.py.

Activity level (README "Activity level"): the number of stories about a region in the last 24 h
against that region's own baseline, the previous 30 days. Regions differ a lot (Ukraine has
dozens of security stories a day, Estonia a few), so a fixed threshold would make one always
"high" and the other always "calm"; the baseline makes each region's level mean "unusual for
this region".
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from gettext import NullTranslations
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime

from bot.domain import Severity
from bot.i18n import LANGUAGES, translator
from bot.regions import Region
from bot.render import bold, escape, italic, link

# Tuned numbers and where they come from (judgement, then checked on the examples in
# tests/unit/test_briefing.py; to be revisited with real stored data):
MIN_SPREAD = 1.0  # a region with a perfectly steady baseline still needs one story more to move
ELEVATED_Z = 2.0  # about the top 2-3 % of days for a normal-ish daily count
HIGH_Z = 4.0
ELEVATED_MIN_STORIES = 3  # two stories are never "elevated", however quiet the region usually is
HIGH_MIN_STORIES = 5
BASELINE_DAYS = 30


class Level(StrEnum):
    CALM = "calm"
    ELEVATED = "elevated"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Activity:
    level: Level
    last_24h: int  #: stories about the region in the last 24 hours
    baseline: float  #: median stories per day over the previous BASELINE_DAYS days
    spread: float  #: robust standard deviation of those days (1.4826 × MAD, at least MIN_SPREAD)
    score: float  #: (last_24h − baseline) / spread
    reason: str  #: one line a user can read (English; ``reason()`` gives it in other languages)
    high_severity_24h: int = 0


def activity(last_24h: int, previous_days: Sequence[int], high_severity_24h: int = 0) -> Activity:
    """The level of a region from its story counts.

    ``previous_days``: stories per day for the days before the last 24 h (oldest first; at most
    the last BASELINE_DAYS are used; missing days count as 0 when the caller fills them).
    ``high_severity_24h``: stories of severity high among the last 24 h: one of them makes the
    level at least elevated, two make it high — a closed border matters even on a quiet day.
    """
    days = list(previous_days)[-BASELINE_DAYS:] or [0]
    baseline = float(statistics.median(days))
    mad = statistics.median(abs(d - baseline) for d in days)
    spread = max(MIN_SPREAD, 1.4826 * mad)
    score = (last_24h - baseline) / spread
    if (score >= HIGH_Z and last_24h >= HIGH_MIN_STORIES) or high_severity_24h >= 2:
        level = Level.HIGH
    elif (score >= ELEVATED_Z and last_24h >= ELEVATED_MIN_STORIES) or high_severity_24h >= 1:
        level = Level.ELEVATED
    else:
        level = Level.CALM
    usual = f"usually {baseline:g} a day"
    stories = "story" if last_24h == 1 else "stories"
    reason = f"{last_24h} {stories} in 24 h ({usual})"
    if high_severity_24h:
        reason += f", {high_severity_24h} of high severity"
    return Activity(level, last_24h, baseline, round(spread, 2), round(score, 2), reason, high_severity_24h)


# --- status and digest composition -----------------------------------------------------------------

LATEST_STORIES = 8  #: issue 5: "the latest 5–8 stories"
DIGEST_PER_REGION = 12  #: a digest lists this many stories per region, the rest are counted
TITLE_MAX = 200  #: characters of a title shown (a 10 kB title must not fill the message)
TOPIC_NAMES = {
    "border": "border",
    "military": "military",
    "migration": "migration",
    "hybrid": "hybrid threats",
    "diplomacy": "diplomacy",
}
_LEVEL_MARK = {Level.CALM: "🟢", Level.ELEVATED: "🟠", Level.HIGH: "🔴"}


#: A chat's first digest (or one after a long pause) covers this much: the last day.
DIGEST_WINDOW = timedelta(days=1)


def digest_since(last_digest_at: datetime | None, until: datetime) -> datetime:
    """Where a chat's digest starts: its last digest, else ``DIGEST_WINDOW`` before ``until``."""
    return last_digest_at or until - DIGEST_WINDOW


@dataclass(frozen=True, slots=True)
class DevelopmentLine:
    """A severe development of a story as readers see it: the report that brought it."""

    title: str
    url: str | None
    events: tuple[str, ...]  #: event types (bot/classify/data/events.yaml)
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoryLine:
    """What a reader sees of one story (from the ``stories`` table)."""

    id: int
    title: str
    url: str | None
    sources: int
    items: int
    severity: Severity
    regions: tuple[str, ...]  #: about, most reported first
    topics: tuple[str, ...]  #: most reported first (the first is its main topic)
    first_seen: datetime
    last_seen: datetime
    created_at: datetime | None = None
    #: language → (title, url) of its first report in that language ("prefer the reader's language")
    titles: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    #: its severe developments, oldest first (the Nth is what alert ".N" tells)
    developments: tuple[DevelopmentLine, ...] = ()

    def title_for(self, language: str | None) -> tuple[str, str | None]:
        """The title and link to show a reader of ``language``: theirs, else the nearest one the
        story has (``TITLE_FALLBACK``), else the story's own title."""
        for lang in TITLE_FALLBACK.get(language or "en", (language,)):
            if lang in self.titles:
                return self.titles[lang]
        return self.title, self.url


#: Which report's title a reader gets when none is in their language, nearest first. An English
#: reader gets a Latin-script title before a Cyrillic one (names stay recognisable and
#: searchable); a Russian reader a Ukrainian or Belarusian one before English; a Lithuanian
#: reader English, then Russian.
TITLE_FALLBACK: dict[str, tuple[str, ...]] = {
    "en": ("en", "pl", "lt", "lv", "et", "fi"),
    "lt": ("lt", "en", "ru"),
    "ru": ("ru", "uk", "be", "en"),
}


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What the database knows about a region, counted by db/queries/briefing.py (a story about
    several countries of a group counts once)."""

    now: datetime
    last_24h: int  #: stories first reported in the last 24 hours
    previous_days: Sequence[int]  #: stories first reported per 24-hour day before that, oldest first
    high_severity_24h: int  #: of the last 24 hours' stories, those of severity high
    latest: Sequence[StoryLine]  #: newest last seen first
    topics_24h: Mapping[str, int]  #: topic → stories reported in the last 24 hours
    topics_7d: Mapping[str, int]  #: topic → stories reported in the last 7 days
    newest_item_at: datetime | None
    feeds_checked_at: datetime | None = None  #: the last successful poll of any feed


@dataclass(frozen=True, slots=True)
class Status:
    region: Region
    activity: Activity
    latest: tuple[StoryLine, ...]
    topics_24h: dict[str, int]
    topics_7d: dict[str, int]
    newest_item_at: datetime | None
    feeds_checked_at: datetime | None
    now: datetime


def compose_status(region: Region, facts: StatusFacts) -> Status:
    """The status of a region (a country or a group) from what the database knows."""
    level = activity(facts.last_24h, facts.previous_days, facts.high_severity_24h)
    order = sorted(facts.topics_7d, key=lambda t: (-facts.topics_7d[t], t))
    return Status(
        region=region,
        activity=level,
        latest=tuple(facts.latest[:LATEST_STORIES]),
        topics_24h={t: facts.topics_24h.get(t, 0) for t in order},
        topics_7d={t: facts.topics_7d[t] for t in order},
        newest_item_at=facts.newest_item_at,
        feeds_checked_at=facts.feeds_checked_at,
        now=facts.now,
    )


def _t(language: str | None) -> NullTranslations:
    return translator(language)


def age(then: datetime, now: datetime, language: str | None = None) -> str:
    """ "just now", "25 min ago", "3 h ago", "2 days ago" (in the reader's language)."""
    t = _t(language)
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return t.gettext("just now")
    if seconds < 3600:
        return t.gettext("{n} min ago").format(n=int(seconds // 60))
    if seconds < 86400 * 2:
        return t.gettext("{n} h ago").format(n=int(seconds // 3600))
    days = int(seconds // 86400)
    return t.ngettext("{n} day ago", "{n} days ago", days).format(n=days)


def _locale(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def local_time(when: datetime, tz: ZoneInfo, now: datetime, language: str | None = None) -> str:
    """``14:32`` today, ``Mon 14:32`` this week, ``3 Nov 14:32`` before, in the reader's zone
    and language (day and month names from CLDR)."""
    local, today = when.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if timedelta(0) <= today - local < timedelta(days=6):
        return format_datetime(local, "EEE HH:mm", locale=_locale(language))
    return format_datetime(local, "d MMM HH:mm", locale=_locale(language))


def region_name(region: Region, language: str | None = None) -> str:
    """The region's name in the reader's language: CLDR for countries, the catalogue for groups."""
    if region.is_group:
        return _t(language).gettext(region.name)
    names = Locale.parse(_locale(language)).territories
    return names.get(region.key, region.name)


def region_label(region: Region, language: str | None = None) -> str:
    return f"{region.flag} {region_name(region, language)}".strip()


def topic_name(topic: str, language: str | None = None) -> str:
    return _t(language).gettext(TOPIC_NAMES.get(topic, topic))


def _clip(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def _sources(n: int, language: str | None) -> str:
    return _t(language).ngettext("{n} source", "{n} sources", n).format(n=n)


class Phase(StrEnum):
    """Where a story is in its life, at ``now``."""

    NEW = "new"  #: first reported in the last 24 h, nothing new since
    DEVELOPING = "developing"  #: reported for over a day and still, or a severe development in 24 h
    FADING = "fading"  #: no report for 24 h


def phase(story: StoryLine, now: datetime) -> Phase:
    """The story's phase at ``now`` (pure: a function of its times and developments)."""
    day = timedelta(hours=24)
    if now - story.last_seen > day:
        return Phase.FADING
    if story.last_seen - story.first_seen > day or any(
        d.at is not None and now - d.at <= day for d in story.developments
    ):
        return Phase.DEVELOPING
    return Phase.NEW


def story_line(
    story: StoryLine, now: datetime, *, with_age: bool = True, language: str | None = None, why: bool = False
) -> str:
    """One story as one line of Telegram HTML: mark, linked title (in the reader's language when
    a source wrote in it), sources and the languages of its reports, age."""
    mark = "🔴" if story.severity is Severity.HIGH else "•"
    title, url = story.title_for(language)
    text = f"{mark} {link(url or '', _clip(title))} — {escape(_sources(story.sources, language))}"
    if len(story.titles) > 1:  # reported in several languages: which ("en, ru, pl")
        text += f" ({escape(', '.join(sorted(story.titles)))})"
    text += f" · {escape(age(story.last_seen, now, language))}" if with_age else ""
    if phase(story, now) is Phase.DEVELOPING:  # still growing: worth a second look
        developing = _t(language).gettext("developing")
        text += f" · {escape(developing)}"
    # In Telegram "/why_123" is a command the reader can tap: the evidence behind the story.
    return text + (f" · /why_{story.id}" if why else "")


def reason(a: Activity, language: str | None = None) -> str:
    """Why the level is what it is, in one sentence, in the reader's language."""
    t = _t(language)
    text = t.ngettext(
        "{n} story in 24 h (usually {usual} a day)", "{n} stories in 24 h (usually {usual} a day)", a.last_24h
    ).format(n=a.last_24h, usual=f"{a.baseline:g}")
    if a.high_severity_24h:
        text += t.gettext(", {n} of high severity").format(n=a.high_severity_24h)
    return text + "."


def render_status(status: Status, tz: ZoneInfo, language: str | None = None, *, why: bool = False) -> str:
    """The status as Telegram HTML (split it with render.split_message before sending)."""
    t = _t(language)
    a, now = status.activity, status.now
    level = t.gettext(a.level.value)
    lines = [f"{bold(region_label(status.region, language))} — {_LEVEL_MARK[a.level]} {escape(level)}"]
    lines.append(escape(reason(a, language)))
    if status.newest_item_at is not None:
        lines.append(
            escape(
                t.gettext("Newest report {time} ({age}), times in {zone}.").format(
                    time=local_time(status.newest_item_at, tz, now, language),
                    age=age(status.newest_item_at, now, language),
                    zone=tz.key,
                )
            )
        )
    if status.feeds_checked_at is not None:
        lines.append(
            escape(
                t.gettext("Feeds last checked {age}.").format(age=age(status.feeds_checked_at, now, language))
            )
        )
    if status.topics_7d:
        topics_title, topics_note = t.gettext("Topics"), t.gettext("(stories in 24 h / 7 days)")
        counts = " · ".join(
            f"{escape(topic_name(topic, language))} {status.topics_24h.get(topic, 0)}/{n}"
            for topic, n in status.topics_7d.items()
        )
        lines += [
            "",
            f"{bold(topics_title)} {escape(topics_note)}: {counts}",
        ]
    lines.append("")
    if status.latest:
        lines.append(bold(t.gettext("Latest stories")))
        lines += [story_line(s, now, language=language, why=why) for s in status.latest]
    else:
        lines.append(
            escape(
                t.gettext("No security stories about {region} in the last 30 days.").format(
                    region=region_name(status.region, language)
                )
            )
        )
    return "\n".join(lines)


def status_json(status: Status) -> dict[str, Any]:
    """The status as JSON (``briefbot status --json``)."""
    a = status.activity

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "region": status.region.key,
        "name": status.region.name,
        "countries": list(status.region.codes),
        "generated_at": when(status.now),
        "level": a.level.value,
        "reason": a.reason,
        "stories_24h": a.last_24h,
        "baseline_per_day": a.baseline,
        "spread": a.spread,
        "score": a.score,
        "newest_item_at": when(status.newest_item_at),
        "feeds_checked_at": when(status.feeds_checked_at),
        "topics": {t: {"24h": status.topics_24h.get(t, 0), "7d": n} for t, n in status.topics_7d.items()},
        "stories": [
            {
                "id": s.id,
                "title": s.title,
                "url": s.url,
                "sources": s.sources,
                "items": s.items,
                "severity": s.severity.value,
                "regions": list(s.regions),
                "topics": list(s.topics),
                "first_seen": when(s.first_seen),
                "last_seen": when(s.last_seen),
            }
            for s in status.latest
        ],
    }


# --- digest ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Follow:
    """One subscription of a chat: a region and an optional topic filter (empty: all topics)."""

    region: Region
    topics: frozenset[str] = frozenset()


class Subscribed(Protocol):
    region: str  #: region key ("LT", "baltics")
    topics: Sequence[str]
    message_thread_id: int | None


@dataclass(frozen=True, slots=True)
class Following:
    """A chat's subscriptions as the digest uses them."""

    all: tuple[Follow, ...]  #: in subscription order
    by_thread: dict[int | None, list[Follow]]  #: per forum topic they were made in (None: none)
    codes: tuple[str, ...]  #: every country they cover, for one story query


def following(subscriptions: Iterable[Subscribed]) -> Following:
    from bot import regions as known  # pure; imported here to keep the module's import light

    flat: list[Follow] = []
    by_thread: dict[int | None, list[Follow]] = {}
    codes: set[str] = set()
    for sub in subscriptions:
        region = known.get(sub.region)
        if region is None:
            continue
        follow = Follow(region, frozenset(sub.topics or ()))
        flat.append(follow)
        by_thread.setdefault(sub.message_thread_id, []).append(follow)
        codes.update(region.codes)
    return Following(tuple(flat), by_thread, tuple(sorted(codes)))


def compose_digest(
    follows: Sequence[Follow],
    stories: Iterable[StoryLine],
    since: datetime,
    now: datetime,
    tz: ZoneInfo,
    language: str | None = None,
    *,
    why: bool = False,
) -> str:
    """A chat's digest as Telegram HTML: stories new since ``since`` (its last digest), grouped
    region → topic, high severity first, one line per story with its sources and link. A story
    is listed once, under the first followed region and its main topic. An empty day says so."""
    t = _t(language)
    period = f"{local_time(since, tz, now, language)} – {local_time(now, tz, now, language)}"
    today = format_datetime(now.astimezone(tz), "EEE d MMM y", locale=_locale(language))
    title = t.gettext("Daily briefing")
    header = f"{bold(title)} · {escape(today)}"
    if not follows:
        none_yet = t.gettext("You follow no regions yet: /subscribe lithuania")
        return f"{header}\n{escape(none_yet)}"
    seen: set[int] = set()
    sections: list[str] = []
    pool = sorted(
        (s for s in stories if s.created_at is None or s.created_at > since),
        key=lambda s: (-s.severity.rank, -s.sources, s.first_seen),
    )
    for follow in follows:
        groups: dict[str, list[StoryLine]] = {}
        more = 0
        for s in pool:
            if s.id in seen or not set(s.regions) & set(follow.region.codes):
                continue
            wanted = [t for t in s.topics if not follow.topics or t in follow.topics]
            if not wanted:
                continue
            seen.add(s.id)
            if sum(len(g) for g in groups.values()) >= DIGEST_PER_REGION:
                more += 1  # the most severe and most reported are listed; the rest counted
                continue
            groups.setdefault(wanted[0], []).append(s)
        if not groups:
            continue
        lines = [bold(region_label(follow.region, language))]
        for topic in sorted(
            groups, key=lambda t: (-max(s.severity.rank for s in groups[t]), -len(groups[t]), t)
        ):
            name = topic_name(topic, language)
            lines.append(italic(name[:1].upper() + name[1:]))
            lines += [story_line(s, now, with_age=False, language=language, why=why) for s in groups[topic]]
        if more:
            rest = t.ngettext("… and {n} more story: {command}", "… and {n} more stories: {command}", more)
            lines.append(escape(rest.format(n=more, command=f"/status {follow.region.key.lower()}")))
        sections.append("\n".join(lines))
    names = ", ".join(region_name(f.region, language) for f in follows)
    if not sections:
        quiet = t.gettext("Nothing new about {regions} since {time}: a quiet day.").format(
            regions=names, time=local_time(since, tz, now, language)
        )
        return f"{header}\n{escape(quiet)}"
    count = len(seen)
    summary = t.ngettext(
        "{n} new story ({period}, {zone})", "{n} new stories ({period}, {zone})", count
    ).format(n=count, period=period, zone=tz.key)
    return "\n\n".join([f"{header}\n{escape(summary)}", *sections])


# --- alert ----------------------------------------------------------------------------------------------


def compose_alert(
    story: StoryLine,
    now: datetime,
    language: str | None = None,
    *,
    why: bool = True,
    development: int = 0,
) -> str:
    """One severe story as an alert: what, where, how many sources, how fresh; Telegram HTML.
    ``development`` N ≥ 1: the alert of its Nth severe development ("New development", the report
    that brought it and what happened), for a chat that was alerted to the story before."""
    from bot import regions as known  # pure; imported here to keep the module's import light
    from bot.i18n import EVENT_NAMES

    t = _t(language)
    mark = "🔴" if story.severity is Severity.HIGH else "🟠"
    places = ", ".join(
        region_name(r, language) if (r := known.get(code)) else code for code in story.regions[:3]
    )
    topic = topic_name(story.topics[0], language) if story.topics else ""
    title, url = story.title_for(language)
    step = story.developments[development - 1] if 0 < development <= len(story.developments) else None
    if step is None:
        title_word = t.gettext("Alert")
        what = ""
    else:
        title_word = t.gettext("New development")
        names = [t.gettext(EVENT_NAMES.get(e, e.replace("_", " "))) for e in step.events[:3]]
        what = f"\n{escape(', '.join(names))}: {link(step.url or '', _clip(step.title))}" if names else ""
        what = what or f"\n{link(step.url or '', _clip(step.title))}"
    head = " · ".join(part for part in (escape(places), escape(topic)) if part)
    meta = f"{escape(_sources(story.sources, language))} · {escape(age(story.last_seen, now, language))}"
    if why:
        meta += f" · /why_{story.id}"
    return f"{mark} {bold(title_word)} · {head}\n{link(url or '', _clip(title))}{what}\n{meta}"
