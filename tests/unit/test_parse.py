"""bot.parse: feed bytes → ParsedFeed / Entry, and html_to_text."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.domain import Entry, ParsedFeed
from bot.errors import ParseError
from bot.parse import MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, html_to_text, parse_feed

FETCHED_AT = datetime(2023, 11, 6, 12, 0, tzinfo=UTC)
LATER = datetime(2023, 11, 20, 12, 0, tzinfo=UTC)


def parse(body: bytes, *, fetched_at: datetime = FETCHED_AT, content_type: str | None = None) -> ParsedFeed:
    return parse_feed(body, url="https://example.org/feed", fetched_at=fetched_at, content_type=content_type)


def rss(items: str, *, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0"><channel><title>Test</title><link>https://example.org/</link>'
        f"<description>d</description>{items}</channel></rss>"
    ).encode(encoding)


def by_guid(feed: ParsedFeed) -> dict[str, Entry]:
    return {e.guid: e for e in feed.entries}


# --- RSS 2.0 ------------------------------------------------------------------------------------


def test_rss2_feed_title_and_entry_order(feed_bytes):
    feed = parse(feed_bytes("rss2_basic.xml"))

    assert feed.title == "Border Watch & News"
    assert feed.warning is None
    # 7 items: one repeats a GUID and one has neither title nor summary.
    assert [e.guid for e in feed.entries] == [
        "urn:example:1",
        "https://example.org/news/2",
        "urn:example:3",
        "urn:example:4",
        "urn:example:5",
    ]


def test_rss2_entry_fields(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["urn:example:1"]

    assert entry.url == "https://example.org/news/1"
    assert entry.title == "Lithuania closes two border crossings"
    assert entry.author == "desk@example.org (Vilnius Desk)"
    # "Sun, 05 Nov 2023 14:30:00 +0200" is 12:30 UTC.
    assert entry.published_at == datetime(2023, 11, 5, 12, 30, tzinfo=UTC)
    assert entry.published_at.utcoffset().total_seconds() == 0


def test_summary_html_stripped_scripts_and_styles_removed_entities_decoded(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["urn:example:1"]

    assert entry.summary == "The government closed two crossings. Officials said it’s temporary & preventive."
    assert "alert" not in entry.summary
    assert "color" not in entry.summary


def test_double_escaped_entity_and_whitespace_normalised(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["https://example.org/news/2"]

    # <description>Tom &amp;amp; Jerry   went\n  to    the   border.</description>
    assert entry.summary == "Tom & Jerry went to the border."


def test_plain_text_title_keeps_literal_less_than(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["https://example.org/news/2"]

    assert entry.title == "1 < 2"


def test_missing_guid_uses_link(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["https://example.org/news/2"]

    assert entry.guid == entry.url == "https://example.org/news/2"


def test_missing_date_falls_back_to_fetched_at(feed_bytes):
    entry = by_guid(parse(feed_bytes("rss2_basic.xml")))["urn:example:3"]

    assert entry.published_at == FETCHED_AT


def test_date_more_than_two_hours_ahead_falls_back_to_fetched_at(feed_bytes):
    entries = by_guid(parse(feed_bytes("rss2_basic.xml")))

    # 2023-11-07 12:00 is a day after the fetch: distrusted.
    assert entries["urn:example:4"].published_at == FETCHED_AT
    # 2023-11-06 13:30 is 1.5 h ahead: within tolerance, kept.
    assert entries["urn:example:5"].published_at == datetime(2023, 11, 6, 13, 30, tzinfo=UTC)


def test_duplicate_guid_within_document_kept_once_first_wins(feed_bytes):
    feed = parse(feed_bytes("rss2_basic.xml"))

    dupes = [e for e in feed.entries if e.guid == "urn:example:1"]
    assert len(dupes) == 1
    assert dupes[0].title == "Lithuania closes two border crossings"


def test_entry_without_title_or_summary_dropped(feed_bytes):
    feed = parse(feed_bytes("rss2_basic.xml"))

    assert "urn:example:empty" not in by_guid(feed)
    assert all(e.url != "https://example.org/news/empty" for e in feed.entries)


def test_missing_guid_and_link_gives_stable_sha1_id(feed_bytes):
    body = feed_bytes("no_guid_no_link.xml")

    first = parse(body)
    second = parse(body, fetched_at=LATER)

    ids = [e.guid for e in first.entries]
    assert len(ids) == 2
    assert all(re.fullmatch(r"sha1:[0-9a-f]{40}", i) for i in ids)
    assert ids[0] != ids[1]
    assert [e.guid for e in second.entries] == ids
    assert all(e.url is None for e in first.entries)


def test_summary_only_entry_gets_title_from_summary():
    feed = parse(
        rss('<item><guid isPermaLink="false">g</guid><description>Only a summary here.</description></item>')
    )

    assert [(e.title, e.summary) for e in feed.entries] == [("Only a summary here.", "Only a summary here.")]


# --- clipping and hashing -----------------------------------------------------------------------


def test_long_summary_clipped_on_word_boundary_with_ellipsis():
    words = ["abcd"] * 1000  # 4999 characters
    feed = parse(
        rss(
            f'<item><title>Long</title><guid isPermaLink="false">g</guid><description>{" ".join(words)}</description></item>'
        )
    )

    summary = feed.entries[0].summary
    assert len(summary) <= MAX_SUMMARY_CHARS
    assert summary == " ".join(["abcd"] * 799) + "…"


def test_long_unbroken_title_clipped_to_limit():
    feed = parse(rss(f'<item><title>{"x" * 800}</title><guid isPermaLink="false">g</guid></item>'))

    title = feed.entries[0].title
    assert title == "x" * (MAX_TITLE_CHARS - 1) + "…"
    assert len(title) == MAX_TITLE_CHARS


def _one(title: str) -> Entry:
    item = f"<item><title>{title}</title><link>https://example.org/a</link><description>Same text.</description></item>"
    return parse(rss(item)).entries[0]


def test_content_hash_stable_and_changes_with_title():
    first = _one("Border closed")
    again = _one("Border closed")
    edited = _one("Border closed again")

    assert first.content_hash == again.content_hash
    assert re.fullmatch(r"[0-9a-f]{40}", first.content_hash)
    assert edited.content_hash != first.content_hash
    assert edited.guid == first.guid == "https://example.org/a"


# --- Atom ---------------------------------------------------------------------------------------


def test_atom_feed(feed_bytes):
    feed = parse(feed_bytes("atom_basic.xml"), fetched_at=LATER)

    assert feed.title == "Atom Border Feed"
    assert feed.warning is None
    first, second = feed.entries
    assert first.guid == "tag:example.lv,2023:1"
    assert first.url == "https://example.lv/a/1"
    assert first.title == "Latvia deploys army to the border"
    assert first.summary == "Soldiers will assist the border guard."
    assert first.author == "Riga Desk"
    # <published>2023-11-13T09:15:00+02:00</published> wins over <updated>.
    assert first.published_at == datetime(2023, 11, 13, 7, 15, tzinfo=UTC)
    # No summary: the xhtml <content> is used; only <updated> is given.
    assert second.summary == "Estonia reinforces patrols."
    assert second.published_at == datetime(2023, 11, 12, 8, 0, tzinfo=UTC)


# --- encodings ----------------------------------------------------------------------------------


def test_windows_1251_declared_in_prolog(feed_bytes):
    feed = parse(feed_bytes("cp1251.xml"), fetched_at=LATER)

    assert feed.title == "Новости Балтии"
    (entry,) = feed.entries
    assert entry.title == "Литва закрывает два пункта пропуска на границе с Беларусью"
    assert entry.summary == "Правительство Литвы решило закрыть два из шести пунктов пропуска."
    assert entry.published_at == datetime(2023, 11, 5, 7, 0, tzinfo=UTC)


def test_charset_only_in_content_type_header(feed_bytes):
    body = feed_bytes("iso8859_2_no_prolog_encoding.xml")
    assert "Białoruś".encode("iso-8859-2") in body  # the bytes really are ISO-8859-2

    feed = parse(body, fetched_at=LATER, content_type="text/xml; charset=iso-8859-2")

    assert feed.title == "Wiadomości z granicy"
    (entry,) = feed.entries
    assert entry.title == "Polska zamyka przejście graniczne z Białorusią; Białoruś protestuje"
    assert entry.summary == "Straż Graniczna wzmacnia patrole."


# --- malformed input ----------------------------------------------------------------------------


def test_recoverable_malformation_keeps_entries_with_warning(feed_bytes):
    feed = parse(feed_bytes("recoverable_entity.xml"))

    assert feed.warning is not None
    assert feed.warning.startswith("malformed, kept what could be read")
    assert "undefined entity" in feed.warning
    assert [(e.guid, e.title) for e in feed.entries] == [
        ("urn:ee:1", "Estonia tightens border controls"),
        ("urn:ee:2", "Second item survives"),
    ]
    assert feed.entries[0].summary == "Narva crossing — queues expected."


def test_html_page_is_a_parse_error(feed_bytes):
    with pytest.raises(ParseError) as caught:
        parse(feed_bytes("not_a_feed.html"))

    assert caught.value.url == "https://example.org/feed"
    assert re.match(r"not (a readable|an) RSS/Atom feed", caught.value.reason)
    assert str(caught.value) == f"{caught.value.reason}: https://example.org/feed"


def test_html_page_served_as_text_html_is_a_parse_error(feed_bytes):
    with pytest.raises(ParseError) as caught:
        parse(feed_bytes("not_a_feed.html"), content_type="text/html; charset=utf-8")

    assert re.match(r"not (a readable|an) RSS/Atom feed", caught.value.reason)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_random_garbage_is_a_parse_error(seed):
    garbage = random.Random(seed).randbytes(512)

    with pytest.raises(ParseError) as caught:
        parse(garbage)

    assert re.match(r"not (a readable|an) RSS/Atom feed", caught.value.reason)


@pytest.mark.parametrize("body", [b"", b"hello world", b'{"json": true}'])
def test_empty_and_non_xml_bodies_are_parse_errors(body):
    with pytest.raises(ParseError) as caught:
        parse(body)

    assert re.match(r"not (a readable|an) RSS/Atom feed", caught.value.reason)


def test_valid_feed_without_items_is_empty_not_an_error():
    feed = parse(rss(""))

    assert feed == ParsedFeed(title="Test", entries=(), warning=None)


# --- html_to_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("a < b", "a < b"),
        ("<p>x</p><p>y</p>", "x y"),
        ("line<br>break<br/>again", "line break again"),
        ("&amp;amp;", "&"),
        ("AT&amp;T&nbsp;&nbsp;news", "AT&T news"),
        ("it&#8217;s", "it’s"),
        ("<div>a <script>var x = '<b>';</script>b</div>", "a b"),
        ("<style>.x{color:red}</style>text", "text"),
        ("<!-- hidden -->shown", "shown"),
        ("&lt;b&gt;bold&lt;/b&gt; text", "bold text"),
        ("  spaced \t out \n\n lines  ", "spaced out lines"),
    ],
)
def test_html_to_text(value, expected):
    assert html_to_text(value) == expected


def test_html_to_text_double_escaped_script_contents_removed():
    assert html_to_text("&lt;p&gt;Hi&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;") == "Hi"


# --- the seed articles --------------------------------------------------------------------------


def _article(path: Path) -> tuple[date, str, list[str]]:
    """(date, first sentence, paragraphs) of a seed article: ' date YYYY-MM-DD <text>'."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\s*date (\d{4}-\d{2}-\d{2})\s+", text)
    assert match, path
    paragraphs = [p.strip() for p in text[match.end() :].split("\n\n") if p.strip()]
    first_sentence = re.split(r"(?<=\.)\s+", paragraphs[0], maxsplit=1)[0]
    return date.fromisoformat(match.group(1)), first_sentence, paragraphs


def test_seed_articles_as_rss(data_dir):
    paths = [
        data_dir / "articles" / "2023-11-05-lithuania-closes-two-crossings.txt",
        data_dir / "articles" / "2023-11-13-lithuania-belarus-wagner.txt",
    ]
    items = []
    expected = []
    for path in paths:
        day, title, paragraphs = _article(path)
        published = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        description = "".join(f"<p>{p}</p>" for p in paragraphs)
        items.append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>https://example.org/articles/{path.stem}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{html.escape(description)}</description></item>"
        )
        expected.append((title, " ".join(paragraphs), published))

    feed = parse(rss("".join(items)), fetched_at=LATER)

    assert [(e.title, e.summary, e.published_at) for e in feed.entries] == expected
    assert [e.published_at.date() for e in feed.entries] == [date(2023, 11, 5), date(2023, 11, 13)]
    assert all("border crossing" in e.summary for e in feed.entries)
    assert feed.entries[0].title == (
        "The Lithuanian government announced today that it will be taking measures to enhance "
        "border security in response to recent geopolitical tensions."
    )


def test_control_characters_and_lone_surrogates_are_never_kept():
    from bot.sanitize import clean_text

    assert clean_text("a\x00b\x07c\ud800d\x7fe\tf\ng") == "abcde\tf\ng"
    assert clean_text("Вільнюс ² ①") == "Вільнюс ² ①" and clean_text("x" * 10, 4) == "xxxx"
