"""Build RSS 2.0 and Atom documents for tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ARTICLES = Path(__file__).parents[1] / "data" / "articles"


@dataclass(frozen=True)
class FakeItem:
    title: str
    body_html: str
    guid: str | None
    link: str | None
    published: datetime | None


def rss(items: list[FakeItem], *, title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.test/</link><description>test</description>",
    ]
    for it in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(it.title)}</title>")
        parts.append(f"<description>{escape(it.body_html)}</description>")
        if it.guid:
            parts.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.link:
            parts.append(f"<link>{escape(it.link)}</link>")
        if it.published:
            parts.append(f"<pubDate>{format_datetime(it.published)}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)


def atom(items: list[FakeItem], *, title: str = "Test atom feed") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:test:feed</id><updated>2023-11-13T00:00:00Z</updated>",
    ]
    for it in items:
        parts.append("<entry>")
        parts.append(f"<title>{escape(it.title)}</title>")
        parts.append(f"<id>{escape(it.guid or it.link or '')}</id>")
        if it.link:
            parts.append(f'<link rel="alternate" href="{escape(it.link)}"/>')
        if it.published:
            parts.append(f"<updated>{it.published.isoformat()}</updated>")
        parts.append(f'<summary type="html">{escape(it.body_html)}</summary>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode()


def seed_items() -> list[FakeItem]:
    """The two real seed articles (Lithuania closing crossings; Wagner in Belarus) as feed items."""
    items = []
    for path in sorted(ARTICLES.glob("2023-*.txt")):
        # The files open with "date YYYY-MM-DD" before the first paragraph.
        body = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s+", "", path.read_text(encoding="utf-8"))
        published = datetime.fromisoformat(path.name[:10] + "T09:00:00+02:00")
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        title = paragraphs[0].split(". ")[0][:140]
        html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        items.append(
            FakeItem(
                title=title,
                body_html=html,
                guid=f"seed-{path.stem}",
                link=f"https://news.example.test/{path.stem}",
                published=published,
            )
        )
    return items
