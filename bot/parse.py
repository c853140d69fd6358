"""Turn fetched feed bytes into ``Entry`` records. Pure: no I/O, no network.

feedparser is always given bytes, never a URL (reader ``_parser/feedparser.py``), with HTML
sanitising and relative-URI resolution off: we render plain text ourselves, so the summary is
stripped to text here, which is both safe and about twice as fast (see README, benchmarks).

Malformed feeds that feedparser can still read are kept, with the problem as a warning
(``ParsedFeed.warning``); bytes it cannot read as a feed at all raise ``ParseError``.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from bot.domain import Entry, ParsedFeed
from bot.errors import ParseError
from bot.sanitize import clean_text

#: How far in the future a published date may be before we distrust it (clock skew, time zones
#: typed wrong by a CMS): beyond this the fetch time is used instead.
FUTURE_TOLERANCE = timedelta(hours=2)
#: Plain-text summaries are cut here (on a word boundary): enough for classification and a digest
#: line; full articles are not what a briefing bot stores.
MAX_SUMMARY_CHARS = 4000
MAX_TITLE_CHARS = 500

# bozo exceptions that still leave a usable feed (reader's list, plus undeclared-entity noise).
_SURVIVABLE = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
    feedparser.CharacterEncodingUnknown,
)

_BLOCKS = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"</?[a-zA-Z][^>]*>|<![^>]*>|<\?[^>]*>")
_INLINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u200b\u2009\u202f]+")
_LINES = re.compile(r"\s*\n\s*")


def _strip_markup(text: str) -> str:
    if "<" not in text:
        return text
    text = _COMMENTS.sub(" ", text)
    text = _BLOCKS.sub(" ", text)
    text = _BREAKS.sub("\n", text)
    return _TAGS.sub(" ", text)


def html_to_text(value: str | None) -> str:
    """HTML (or plain text with entities) to one normalised plain-text string.

    Tags are removed (script/style with their content), entities decoded (twice, for feeds that
    double-escape), whitespace collapsed; paragraph breaks become a single space.
    """
    if not value:
        return ""
    text = _strip_markup(value)
    if "&" in text:
        text = html.unescape(text)
        if "&" in text and ";" in text:
            text = html.unescape(text)
        # Entities that decoded to markup (double-escaped feeds): strip that too, scripts included.
        text = _strip_markup(text)
    text = _INLINE_SPACE.sub(" ", text)
    text = _LINES.sub(" ", text)
    return text.strip()


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def _when(entry: Mapping[str, Any], fetched_at: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if when > fetched_at + FUTURE_TOLERANCE:
                return fetched_at
            return when
    return fetched_at


def _guid(entry: Mapping[str, Any], link: str | None, title: str, summary: str) -> str:
    guid = entry.get("id")
    if isinstance(guid, str) and (guid := clean_text(guid).strip()):
        return guid[:1000]
    if link:
        return link[:1000]
    # No id and no link: a stable hash of what the entry says, so a re-poll maps to the same row.
    digest = hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
    return f"sha1:{digest}"


def parse_feed(
    body: bytes,
    *,
    url: str,
    fetched_at: datetime,
    content_type: str | None = None,
) -> ParsedFeed:
    """Parse ``body`` (the bytes served at ``url``) into entries.

    ``content_type`` is the response header, so feedparser can honour its charset.
    Raises ``ParseError`` when the bytes are not a feed it can read.
    """
    # No content-location: feedparser would resolve GUIDs against it, so a feed that moved (301)
    # would re-store every item under new ids.
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    try:
        result = feedparser.parse(
            body,
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser should not raise, but some inputs have made it
        raise ParseError(url, f"feedparser failed: {type(exc).__name__}: {exc}") from None

    warning = None
    if result.get("bozo"):
        exc = result.get("bozo_exception")
        reason = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
        if not result.entries and not result.get("version"):
            raise ParseError(url, f"not a readable RSS/Atom feed ({reason})")
        if not isinstance(exc, _SURVIVABLE):
            warning = f"malformed, kept what could be read ({reason})"
    elif not result.get("version") and not result.entries:
        raise ParseError(url, "not an RSS/Atom feed (no feed element found)")

    entries: dict[str, Entry] = {}
    for raw in result.entries:
        entry = _entry(raw, fetched_at)
        if entry is not None:
            entries.setdefault(entry.guid, entry)  # a GUID repeated within one document: first wins
    feed_title = clean_text(html_to_text(result.feed.get("title"))).strip() or None
    return ParsedFeed(title=feed_title, entries=tuple(entries.values()), warning=warning)


def _text(value: str | None, detail: Mapping[str, Any] | None) -> str:
    """Plain text of a feedparser field: markup is stripped only when the field is markup; NUL
    (``&#0;``) and other control characters go (bot/sanitize.py)."""
    if not value or not isinstance(value, str):
        return ""
    if detail and detail.get("type") == "text/plain":
        return clean_text(_LINES.sub(" ", _INLINE_SPACE.sub(" ", value))).strip()
    return clean_text(html_to_text(value)).strip()


def _entry(raw: Mapping[str, Any], fetched_at: datetime) -> Entry | None:
    title = _clip(_text(raw.get("title"), raw.get("title_detail")), MAX_TITLE_CHARS)
    summary = _text(raw.get("summary"), raw.get("summary_detail"))
    if not summary and raw.get("content"):
        content = raw["content"][0]
        summary = _text(content.get("value"), content)
    summary = _clip(summary, MAX_SUMMARY_CHARS)
    if not title and not summary:
        return None  # nothing a person could read: not an item
    link = raw.get("link")
    link = clean_text(link).strip() or None if isinstance(link, str) else None
    if not title:
        title = _clip(summary, 120)
    author = clean_text(html_to_text(raw.get("author"))).strip() or None
    digest = hashlib.sha1(f"{title}\x00{summary}\x00{link or ''}".encode()).hexdigest()
    return Entry(
        guid=_guid(raw, link, title, summary),
        url=link,
        title=title,
        summary=summary,
        published_at=_when(raw, fetched_at),
        author=author[:200] if author else None,
        content_hash=digest,
    )
