"""OPML 2.0 feed lists: any reader's export in, Briefbot's own out and back. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.opml import OpmlFeed, export_opml, parse_opml

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My subscriptions</title></head><body>
  <outline text="Baltics" title="Baltics">
    <outline text="Security">
      <outline type="rss" text="LRT" xmlUrl="https://www.lrt.lt/en/rss" htmlUrl="https://www.lrt.lt/"/>
      <outline type="rss" title="Only a title" xmlUrl="https://news.test/feed.xml"/>
    </outline>
  </outline>
  <outline type="rss" xmlUrl="https://bare.test/rss"/>
  <outline type="rss" text="LRT again" xmlUrl="https://www.lrt.lt/en/rss"/>
  <outline type="rss" text="Gopher" xmlUrl="gopher://old.test/feed"/>
  <outline type="rss" text="Odd language" xmlUrl="https://x.test/rss" language="english!"/>
  <outline type="rss" text="Nowhere" xmlUrl="https://y.test/rss" regions="LT,ZZ"/>
  <outline type="rss" text="Too often" xmlUrl="https://z.test/rss" interval="5"/>
</body></opml>"""


def test_any_readers_export_nested_folders_and_missing_attributes():
    found = parse_opml(READER_EXPORT)
    assert [(f.name, f.url, f.language) for f in found.feeds] == [
        ("LRT", "https://www.lrt.lt/en/rss", "en"),
        ("Only a title", "https://news.test/feed.xml", "en"),
        ("bare.test", "https://bare.test/rss", "en"),
    ]
    reasons = dict(found.rejected)
    assert "http(s) URL" in reasons["Gopher"] and "ISO 639" in reasons["Odd language"]
    assert "ZZ" in reasons["Nowhere"] and "interval" in reasons["Too often"]


def test_export_then_import_gives_the_same_feeds():
    feeds = [
        OpmlFeed("https://www.lrt.lt/en/rss", "LRT English", "en", ("LT",), None, "LRT"),
        OpmlFeed("https://delfi.lt/ru/rss", "Delfi <ru> & co", "ru", ("LT", "baltics"), 900),
    ]
    assert parse_opml(export_opml(feeds, NOW)).feeds == tuple(feeds)


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<rss/>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<opml><body><outline text='&lol2;' xmlUrl='https://a.test/'/></body></opml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<opml><body><outline text='&e;' xmlUrl='https://a.test/'/></body></opml>",
    ],
)
def test_what_is_not_a_safe_opml_file_is_refused_in_one_sentence(data):
    with pytest.raises(ValueError):
        parse_opml(data)
