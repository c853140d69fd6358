"""bot.render: escaping, safe links, validation and splitting of Telegram HTML (examples and properties)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import (
    bold,
    code,
    escape,
    html_text,
    italic,
    link,
    split_message,
    utf16_len,
    validate,
)

ROOT = Path(__file__).parents[2]


def assert_parts_keep_text(original_html: str, parts: list[str]) -> None:
    """The visible-text contract of ``split_message``, stated precisely.

    Let V be the visible text of the input and P1..Pn the visible texts of the parts. Then
    V == S0 + P1 + S1 + P2 + ... + Pn + Sn where every separator Si is whitespace only: the newline a
    part was cut at plus any whitespace-only lines at a part's edge (a hard or space cut has Si == "").
    So nothing but whitespace at the cut points is lost, and the order is kept.
    """
    visible = html_text(original_html)
    texts = [html_text(part) for part in parts]
    pattern = r"\s*" + r"\s*".join(re.escape(text) for text in texts) + r"\s*"
    assert re.fullmatch(pattern, visible, flags=re.DOTALL), (visible, texts)
    assert "".join(visible.split()) == "".join("".join(texts).split())


def check_split(html: str, limit: int) -> list[str]:
    parts = split_message(html, limit)
    for part in parts:
        assert utf16_len(part) <= limit
        validate(part)
        assert html_text(part).strip(), "no blank parts"
        assert part == part.strip("\n")
    assert_parts_keep_text(html, parts)
    return parts


# --- purity -------------------------------------------------------------------------------------------


def test_module_imports_only_the_stdlib():
    tree = ast.parse((ROOT / "bot" / "render.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}

    probe = "import json, sys, bot.render; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'sqlalchemy', 'httpx'))))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


# --- escape and helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a < b > c & d", "a &lt; b &gt; c &amp; d"),
        ("&amp;", "&amp;amp;"),
        ('say "hi"', 'say "hi"'),
        ("😀 שלום عربى", "😀 שלום عربى"),
    ],
)
def test_escape(text, expected):
    assert escape(text) == expected
    validate(escape(text))


def test_escape_quotes_for_attributes():
    assert escape('a"b<&', quote=True) == "a&quot;b&lt;&amp;"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a", '<a href="https://example.org/a">t &lt;1&gt;</a>'),
        ("HTTP://example.org", '<a href="HTTP://example.org">t &lt;1&gt;</a>'),
        (
            'https://x.y/?q="a"&b=<c>',
            '<a href="https://x.y/?q=&quot;a&quot;&amp;b=&lt;c&gt;">t &lt;1&gt;</a>',
        ),
        ("javascript:alert(1)", "t &lt;1&gt;"),
        ("JaVaScRiPt:alert(1)", "t &lt;1&gt;"),
        ("data:text/html,<script>", "t &lt;1&gt;"),
        ("/relative/path", "t &lt;1&gt;"),
        ("//example.org/no-scheme", "t &lt;1&gt;"),
        ("", "t &lt;1&gt;"),
        ("https://", "t &lt;1&gt;"),
        ("https://exa mple.org", "t &lt;1&gt;"),
        ("https://example.org/\n", "t &lt;1&gt;"),
        ("https://example.org/\x00", "t &lt;1&gt;"),
        ("https://[broken", "t &lt;1&gt;"),
        ("ftp://example.org", "t &lt;1&gt;"),
    ],
)
def test_link(url, expected):
    assert link(url, "t <1>") == expected
    validate(link(url, "t <1>"))


def test_link_with_empty_text_shows_the_url():
    assert link("https://x.y/a&b", "") == '<a href="https://x.y/a&amp;b">https://x.y/a&amp;b</a>'


def test_formatting_helpers_escape():
    assert bold("a<b") == "<b>a&lt;b</b>"
    assert italic("x & y") == "<i>x &amp; y</i>"
    assert code("<pre>") == "<code>&lt;pre&gt;</code>"
    assert bold("") == italic("") == code("") == ""


@pytest.mark.parametrize(
    ("text", "units"), [("", 0), ("abc", 3), ("😀", 2), ("a😀b", 4), ("שלום", 4), ("e\u0301", 2), ("👍🏽", 4)]
)
def test_utf16_len(text, units):
    assert utf16_len(text) == units


def test_html_text_strips_tags_and_decodes_entities():
    html = '<b>a &lt;b&gt;</b> <a href="https://x.y/?a=1&amp;b=2">&quot;q&quot; &amp; &#128512;&#x41;</a>'
    assert html_text(html) == 'a <b> "q" & 😀A'


# --- validate -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "plain text with \"quotes\" and 'apostrophes'",
        '<b>bold <i>italic bold <s>strike <span class="tg-spoiler">spoiler</span></s> <u>u</u></i></b>',
        "<strong>1</strong><em>2</em><ins>3</ins><strike>4</strike><del>5</del><tg-spoiler>6</tg-spoiler>",
        '<a href="http://www.example.com/">inline URL</a>',
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "<code>inline &lt;code&gt;</code>",
        '<pre><code class="language-python">print("x")</code></pre>',
        "<blockquote>quote\nmore</blockquote><blockquote expandable>hidden</blockquote>",
        "&lt;&gt;&amp;&quot;&#60;&#x3C;",
        "<B>upper case tags</B>",
    ],
)
def test_validate_accepts(html):
    validate(html)


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<div>x</div>", "unknown tag"),
        ("<script>alert(1)</script>", "unknown tag"),
        ("<b>x", "unclosed"),
        ("x</b>", "unbalanced"),
        ("<b><i>x</b></i>", "misnested"),
        ("a & b", "'&'"),
        ("&nbsp;", "'&'"),
        ("&copy;", "'&'"),
        ("&#xD800;", "not a valid character"),
        ("&#0;", "not a valid character"),
        ("1 < 2", "raw '<'"),
        ("2 > 1", "raw '>'"),
        ("<b", "raw '<'"),
        ('<b class="x">y</b>', "not allowed"),
        ("<a>no href</a>", "href"),
        ('<a href="">empty href</a>', "href"),
        ('<a href="x&y">bad entity in attribute</a>', "'&'"),
        ('<span class="red">x</span>', "tg-spoiler"),
        ("<span>x</span>", "class"),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "digits"),
        ('<code class="language-py">x</code>', "inside <pre>"),
        ("<pre><b>x</b></pre>", "not allowed inside"),
        ("<code><i>x</i></code>", "not allowed inside"),
        ('<a href="https://a.b"><a href="https://c.d">x</a></a>', "nested"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "nested"),
        ("<b>x</b >y</b>", "unbalanced"),
        ('</b class="x">', "attributes"),
        ('<blockquote expandable="yes">x</blockquote>', "no value"),
        ('<a href="https://a.b" href="https://c.d">x</a>', "duplicate"),
    ],
)
def test_validate_rejects(html, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate(html)


# --- split_message: examples --------------------------------------------------------------------------------


def test_short_message_is_one_part():
    html = bold("Title") + " — " + link("https://x.y", "read")
    assert split_message(html) == [html]


def test_empty_or_blank_message_gives_no_parts():
    assert split_message("") == []
    assert split_message(" \n\n  \n") == []
    assert split_message("<b> </b>\n") == []


def test_splits_at_line_boundaries_dropping_the_newline():
    lines = [f"line {i:02d} " + "x" * 10 for i in range(6)]  # 18 units each
    parts = check_split("\n".join(lines), 40)
    assert parts == ["\n".join(lines[0:2]), "\n".join(lines[2:4]), "\n".join(lines[4:6])]


def test_whitespace_only_lines_at_part_edges_are_dropped():
    parts = check_split("first line\n\n   \n\nsecond line\n\n", 14)
    assert parts == ["first line", "second line"]


def test_long_line_splits_after_a_space():
    parts = check_split("alpha beta gamma delta", 12)
    assert parts == ["alpha beta ", "gamma delta"]
    assert "".join(parts) == "alpha beta gamma delta"


def test_line_without_spaces_is_hard_split():
    assert check_split("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_hard_split_never_cuts_an_entity_or_a_surrogate_pair():
    html = escape("&<>" * 5) + "😀" * 5
    parts = check_split(html, 7)
    assert all(re.fullmatch(r"(?:&amp;|&lt;|&gt;|😀)+", part) for part in parts)
    assert "".join(parts) == html


def test_hard_split_keeps_a_combining_mark_with_its_letter():
    parts = check_split("e\u0301" * 3, 3)
    assert parts == ["e\u0301", "e\u0301", "e\u0301"]


def test_tags_open_at_a_cut_are_closed_and_reopened():
    html = "<b>bold <i>both words here</i> tail</b>"
    parts = check_split(html, 24)
    assert parts == ["<b>bold <i>both </i></b>", "<b><i>words </i></b>", "<b><i>here</i> tail</b>"]


def test_link_is_never_split_inside_its_tag():
    url = "https://example.org/story?id=1&x=2"
    html = "see " + link(url, "a long headline with many words in it")
    parts = check_split(html, 60)
    assert len(parts) > 2
    tag = '<a href="https://example.org/story?id=1&amp;x=2">'
    for part in parts[1:]:
        assert part.startswith(tag)
        assert part.endswith("</a>")


def test_pre_block_split_across_parts_is_closed_and_reopened():
    body = "\n".join(f"{i:03d} <value> & more" for i in range(20))
    html = "Report:\n" + '<pre><code class="language-text">' + escape(body) + "</code></pre>\nend"
    parts = check_split(html, 200)
    inside = [part for part in parts if "<pre>" in part]
    assert len(inside) > 1
    for part in inside:
        assert part.count('<pre><code class="language-text">') == 1
        assert part.endswith("</code></pre>") or part.endswith("</code></pre>\nend")


def test_default_limit_is_4096():
    html = "\n".join(bold(f"headline {i}") + " " + "w " * 40 for i in range(200))
    parts = check_split(html, 4096)
    assert len(parts) > 1
    assert max(utf16_len(part) for part in parts) <= 4096
    assert split_message(html) == parts


def test_limit_too_small_for_the_open_tags_raises():
    with pytest.raises(ValueError, match="too small"):
        split_message(bold(italic(bold("text"))), 8)
    with pytest.raises(ValueError, match="positive"):
        split_message("x", 0)


def test_a_link_too_long_for_a_part_is_sent_as_its_text():
    # Found by test_links_survive_splitting_whole: an escaped URL ("&" → "&amp;") can make the
    # opening tag alone longer than a part; the words must still be sent.
    parts = split_message(" — " + link("https://t.co/&&&&", ""), 50)
    assert "".join(parts).replace("&amp;", "&").endswith("https://t.co/&&&&")
    assert all("<a" not in part for part in parts)


def test_invalid_html_is_refused():
    with pytest.raises(ValueError):
        split_message("a < b")


# --- split_message: properties ------------------------------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "<",
        ">",
        "&",
        '"',
        "'",
        "&amp;",
        "<b>",
        "</a>",
        "😀",
        "👍🏽",
        "שלום عربى",
        "e\u0301",
        "\u200d",
        " ",
        "  ",
        "\n",
        "\n \n",
        "&#128512;",
    ]
)
TITLES = st.lists(
    st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=30), HOSTILE),
    max_size=12,
).map("".join)
# Short enough that '<a href="…">' + '</a>' + one character fits even a 50-unit limit.
URLS = st.one_of(
    st.sampled_from(
        [
            "",
            "javascript:alert(1)",
            "data:text/html,<b>",
            "/relative",
            "ftp://x.y/",
            "https://a b.c/",
            "http://x.y/\n",
            'https://t.co/"q"',
        ]
    ),
    st.text(alphabet="ab1/?=&", max_size=4).map(lambda tail: "https://t.co/" + tail),
)
LINES = st.lists(st.tuples(TITLES, URLS), min_size=1, max_size=8)


def build(lines: list[tuple[str, str]]) -> str:
    return "\n".join(bold(title) + " — " + link(url, title) for title, url in lines)


@settings(max_examples=200, deadline=None)
@given(lines=LINES, limit=st.sampled_from([50, 200, 4096]))
def test_split_parts_fit_validate_and_keep_the_text(lines, limit):
    html = build(lines)
    validate(html)
    parts = check_split(html, limit)
    if utf16_len(html) <= limit and html_text(html).strip("\n").strip():
        assert len(parts) == 1


@settings(max_examples=200, deadline=None)
@given(lines=LINES)
def test_links_survive_splitting_whole(lines):
    parts = check_split(build(lines), 50)
    for part in parts:
        for tag in re.findall(r"<a\b[^>]*>", part):
            assert re.fullmatch(r'<a href="https?://[^"\s]+">', tag)


@settings(max_examples=10, deadline=None)
@given(title=TITLES, url=URLS, copies=st.integers(1, 3), limit=st.sampled_from([50, 200, 4096]))
def test_split_handles_10_kb_titles(title, url, copies, limit):
    big = (title or "x") * (10_000 // max(1, len(title or "x")))  # about 10 kB of hostile text
    html = build([(big, url)] * copies)
    parts = check_split(html, limit)
    assert len(parts) >= 1


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.just("\n"), max_size=300)
)
def test_pre_blocks_split_into_valid_pre_parts(body):
    html = "<pre>" + escape(body) + "</pre>"
    parts = check_split(html, 50)
    for part in parts:
        assert part.startswith("<pre>") and part.endswith("</pre>")
