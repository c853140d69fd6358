"""Feed lists as OPML 2.0, the format every feed reader imports and exports. Pure.

    export_opml(feeds, now) -> str        one <outline type="rss"> per feed
    parse_opml(text) -> OpmlFeeds         the feeds of any reader's export, and what was rejected

Briefbot writes ``xmlUrl``, ``text`` (the feed's name), and ``language``, ``regions`` (comma-
separated codes or groups), ``label`` (the feed's own title) and ``interval`` (seconds) as extra
attributes, which other readers ignore and Briefbot reads back. On import, outlines may be nested
in folders at any depth and any attribute but ``xmlUrl`` may be missing: the name falls back to
``title``, then the host; the language to English. The XML is parsed with defusedxml: an OPML
file is untrusted input (no entity expansion, no external entities).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from bot import regions as region_names
from bot.domain import FeedSpec
from bot.feeds import MAX_INTERVAL, MIN_INTERVAL
from bot.sanitize import clean_text

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
MAX_BYTES = 5 * 1024 * 1024  #: an OPML file larger than this is not a feed list


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """A feed as an OPML outline carries it."""

    url: str
    name: str
    language: str = "en"
    regions: tuple[str, ...] = ()
    interval: int | None = None
    label: str | None = None  #: the feed's own title, when known


@dataclass(frozen=True, slots=True)
class OpmlFeeds:
    feeds: tuple[OpmlFeed, ...]
    rejected: tuple[tuple[str, str], ...] = field(default_factory=tuple)  #: (what, why)


def export_opml(feeds: Iterable[OpmlFeed], now: datetime, title: str = "Briefbot feeds") -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        attributes["language"] = feed.language
        if feed.regions:
            attributes["regions"] = ",".join(feed.regions)
        if feed.label:
            attributes["label"] = feed.label
        if feed.interval is not None:
            attributes["interval"] = str(feed.interval)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def parse_opml(data: bytes | str) -> OpmlFeeds:
    """The feeds of an OPML document. Raises ``ValueError`` (with a sentence) when it is not one."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES // 1024 // 1024} MB: not a feed list")
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ValueError(f"refused: {type(exc).__name__} (entities are not allowed in OPML)") from None
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root.tag != "opml" or root.find("body") is None:
        raise ValueError("not OPML: no <opml> with a <body>")
    feeds: dict[str, OpmlFeed] = {}
    rejected: list[tuple[str, str]] = []
    for outline in root.iter("outline"):
        url = clean_text(outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        text = clean_text(outline.get("text") or outline.get("title") or "").strip()
        if not url:
            continue  # a folder
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
            rejected.append((text or url[:200], "the feed address must be an http(s) URL"))
            continue
        language = (outline.get("language") or "en").strip().lower()[:8]
        if not _LANGUAGE.match(language):
            rejected.append((text or url, f"language {language!r} is not an ISO 639 code"))
            continue
        interval = _interval(outline.get("interval"))
        if interval is False:
            rejected.append((text or url, f"interval must be {MIN_INTERVAL}–{MAX_INTERVAL} seconds"))
            continue
        regions = tuple(r.strip() for r in (outline.get("regions") or "").split(",") if r.strip())
        unknown = [r for r in regions if region_names.get(r) is None]
        if unknown:
            rejected.append((text or url, f"unknown regions {', '.join(unknown)}"))
            continue
        label = clean_text(outline.get("label") or "").strip() or None
        if url not in feeds:
            feeds[url] = OpmlFeed(url, (text or parts.hostname)[:200], language, regions, interval, label)
    return OpmlFeeds(tuple(feeds.values()), tuple(rejected))


def _interval(raw: str | None) -> int | None | bool:
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or not MIN_INTERVAL <= int(raw) <= MAX_INTERVAL:
        return False
    return int(raw)


def as_spec(feed: OpmlFeed) -> FeedSpec:
    return FeedSpec(
        name=feed.name, url=feed.url, language=feed.language, regions=feed.regions, interval=feed.interval
    )
