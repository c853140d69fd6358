"""bot.feeds: feeds.yaml validation (parse_feed_list) and load()."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from bot.domain import FeedSpec
from bot.errors import FeedListError
from bot.feeds import MAX_INTERVAL, MIN_INTERVAL, load, parse_feed_list

REPO_FEEDS = Path(__file__).parents[2] / "feeds.yaml"


def problems_of(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(FeedListError) as caught:
        parse_feed_list(dedent(text), "feeds.yaml")
    assert caught.value.path == "feeds.yaml"
    return caught.value.problems


def test_valid_list_with_regions_and_interval():
    specs = parse_feed_list(
        dedent(
            """\
            # comment
            feeds:
              - name: LRT English
                url: https://www.lrt.lt/en/news-in-english?rss
                language: en
                regions: [LT, baltics, LT]
                interval: 900
              - name: TVP
                url: http://tvp.example/rss
                language: pl
                regions: PL
            """
        )
    )

    assert specs == [
        FeedSpec(
            name="LRT English",
            url="https://www.lrt.lt/en/news-in-english?rss",
            language="en",
            regions=("LT", "baltics"),
            interval=900,
            line=3,
        ),
        FeedSpec(
            name="TVP", url="http://tvp.example/rss", language="pl", regions=("PL",), interval=None, line=8
        ),
    ]


def test_interval_bounds_are_inclusive():
    text = f"""\
        feeds:
          - name: Fast
            url: https://a.example/rss
            language: en
            interval: {MIN_INTERVAL}
          - name: Slow
            url: https://b.example/rss
            language: en
            interval: {MAX_INTERVAL}
        """
    assert [s.interval for s in parse_feed_list(dedent(text))] == [MIN_INTERVAL, MAX_INTERVAL]


def test_every_problem_reported_with_its_line_all_at_once():
    problems = problems_of(
        """\
        feeds:
          - name: Alpha
            url: https://a.example/rss
            language: en
            colour: red
          - name: Beta
          - name: Gamma
            url: ftp://c.example/rss
            language: english
            regions: [LT, "not a region!"]
            interval: 10
          - name: Delta
            url: https://d.example/rss
            language: lt
          - name: Epsilon
            url: HTTPS://D.example/rss/
            language: lt
          - name: delta
            url: https://f.example/rss
            language: lv
          - just a string
          - name: Zeta
            url: https://z.example/rss
            language: et
            interval: 700000
        """
    )

    known = "known: name, url, language, regions, interval"
    assert problems == [
        (5, f"entry 1: unknown field 'colour' ({known})"),
        (6, "entry 2: missing required field 'url'"),
        (6, "entry 2: missing required field 'language'"),
        (8, "entry 3: url must be http(s)://host/...; got 'ftp://c.example/rss'"),
        (9, "entry 3: language must be an ISO 639-1 code like 'lt'; got 'english'"),
        (10, "entry 3: regions must be ISO codes like LT or group names like baltics; got ['not a region!']"),
        (11, "entry 3: interval must be whole seconds between 60 and 604800; got '10'"),
        (15, "duplicate url HTTPS://D.example/rss/ (first on line 12)"),
        (18, "duplicate name 'delta' (first on line 12)"),
        (21, "entry 7: expected a mapping with name, url and language"),
        (25, "entry 8: interval must be whole seconds between 60 and 604800; got '700000'"),
    ]


def test_error_message_lists_path_and_lines():
    with pytest.raises(FeedListError) as caught:
        parse_feed_list(
            "feeds:\n  - name: A\n    url: https://a.example/\n    language: EN\n", "conf/feeds.yaml"
        )

    assert str(caught.value) == (
        "invalid feed list conf/feeds.yaml (1 problem(s)):\n"
        "  conf/feeds.yaml:4: entry 1: language must be an ISO 639-1 code like 'lt'; got 'EN'"
    )


def test_url_without_host_and_empty_values():
    problems = problems_of(
        """\
        feeds:
          - name: ""
            url: "https://"
            language: en
        """
    )

    assert problems == [
        (2, "entry 1: 'name' must be a non-empty text"),
        (3, "entry 1: url must be http(s)://host/...; got 'https://'"),
    ]


def test_field_given_twice():
    problems = problems_of(
        """\
        feeds:
          - name: A
            url: https://a.example/
            language: en
            name: B
        """
    )

    assert problems == [(5, "entry 1: field 'name' given twice")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds: {a: 1}\n", [(1, "'feeds' must be a list of feed entries")]),
        ("feeds:\n", [(1, "'feeds' must be a list of feed entries")]),
        ("sources: []\n", [(1, "'feeds' must be a list of feed entries")]),
        ("- name: A\n- name: B\n", [(1, "expected a mapping with a 'feeds:' list")]),
    ],
)
def test_not_a_list(text, expected):
    assert problems_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "feeds:\n  - name: [unclosed\n",
            [(3, "not valid YAML: expected ',' or ']', but got '<stream end>'")],
        ),
        ("feeds: [\n", [(2, "not valid YAML: expected the node content, but found '<stream end>'")]),
    ],
)
def test_invalid_yaml(text, expected):
    assert problems_of(text) == expected


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n", "\n\n"])
def test_empty_file(text):
    # An empty file has no line to point at.
    assert problems_of(text) == [(None, "empty file: expected a 'feeds:' list")]


def test_load_missing_file_mentions_briefbot_feeds(tmp_path):
    missing = tmp_path / "nope.yaml"

    with pytest.raises(FeedListError) as caught:
        load(missing)

    assert caught.value.problems == [(None, "file not found (set BRIEFBOT_FEEDS)")]
    assert "BRIEFBOT_FEEDS" in str(caught.value)
    assert str(missing) in str(caught.value)


def test_load_reads_file(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n  - name: ERR\n    url: https://news.err.ee/rss\n    language: et\n", encoding="utf-8"
    )

    assert load(path) == [FeedSpec(name="ERR", url="https://news.err.ee/rss", language="et", line=2)]


def test_load_non_utf8_file_is_a_feed_list_error(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_bytes("feeds:\n  - name: Łódź\n".encode("iso-8859-2"))

    with pytest.raises(FeedListError) as caught:
        load(path)

    ((line, reason),) = caught.value.problems
    assert line is None
    assert reason.startswith("cannot read: ")


def test_repository_feeds_yaml_is_valid():
    specs = load(REPO_FEEDS)

    assert len(specs) >= 30
    assert {"en", "lt", "lv", "et", "pl", "ru", "uk", "be", "fi"} <= {s.language for s in specs}
    assert len({s.url for s in specs}) == len(specs)
    assert all(s.url.startswith(("https://", "http://")) for s in specs)
    assert all(s.line is not None and s.line > 0 for s in specs)


def test_unknown_languages_and_regions_are_reported_with_their_line():
    found = problems_of(
        dedent(
            """\
            feeds:
              - name: A
                url: https://a.test/rss
                language: xx
              - name: B
                url: https://b.test/rss
                language: lt
                regions: [LT, ZZ, nowhere]
            """
        )
    )
    assert any(
        line == 4 and "language must be an ISO 639-1 code" in text and "'xx'" in text for line, text in found
    )
    assert any(line == 8 and "'ZZ'" in text and "'nowhere'" in text for line, text in found)


def test_the_shipped_feed_list_is_valid():
    assert len(load(Path(__file__).parents[2] / "feeds.yaml")) >= 40
