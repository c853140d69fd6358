"""Activity level: the last 24 hours against the region's own 30-day baseline."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.briefing import Level, activity


def test_a_usual_day_is_calm():
    a = activity(4, [3, 4, 5, 4, 3, 4, 6, 4, 3, 5] * 3)
    assert (a.level, a.baseline, a.last_24h) == (Level.CALM, 4.0, 4)
    assert a.reason == "4 stories in 24 h (usually 4 a day)"


def test_the_same_count_means_different_things_in_different_regions():
    quiet = [0, 1, 0, 0, 1, 0] * 5  # Estonia-like
    busy = [20, 24, 18, 22, 25, 21] * 5  # Ukraine-like
    assert activity(6, quiet).level is Level.HIGH
    assert activity(6, busy).level is Level.CALM


def test_elevated_and_high_thresholds():
    days = [10, 12, 8, 11, 9, 10, 13, 7, 10, 11] * 3  # median 10, MAD 1 -> spread 1.48
    assert activity(12, days).level is Level.CALM  # z = 1.35
    assert activity(14, days).level is Level.ELEVATED  # z = 2.7
    assert activity(17, days).level is Level.HIGH  # z = 4.7
    assert activity(17, days).score == pytest.approx(4.72, abs=0.01)


def test_a_few_stories_are_never_elevated_on_their_own():
    assert activity(2, [0] * 30).level is Level.CALM


def test_high_severity_stories_raise_the_level_even_on_a_quiet_day():
    assert activity(1, [5] * 30, high_severity_24h=1).level is Level.ELEVATED
    a = activity(2, [5] * 30, high_severity_24h=2)
    assert a.level is Level.HIGH
    assert a.reason == "2 stories in 24 h (usually 5 a day), 2 of high severity"


def test_no_history_is_a_baseline_of_zero():
    a = activity(3, [])
    assert (a.baseline, a.spread, a.level) == (0.0, 1.0, Level.ELEVATED)


def test_only_the_last_30_days_count():
    old_busy, recent_quiet = [50] * 60, [1] * 30
    assert activity(6, old_busy + recent_quiet).baseline == 1.0


# --- status and digest composition ---------------------------------------------------------------

from datetime import UTC, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot import regions  # noqa: E402
from bot.briefing import (  # noqa: E402
    DevelopmentLine,
    Follow,
    Phase,
    StatusFacts,
    StoryLine,
    compose_alert,
    compose_digest,
    compose_status,
    phase,
    render_status,
    story_line,
)
from bot.domain import Severity, alert_key, parse_alert_key  # noqa: E402
from bot.render import TELEGRAM_LIMIT, html_text, split_message, utf16_len, validate  # noqa: E402

NOW = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)  # 08:30 in Vilnius
VILNIUS = ZoneInfo("Europe/Vilnius")


def line(
    id_: int,
    title: str = "",
    *,
    hours: float = 1,
    regions_=("LT",),
    topics=("border",),
    sev=Severity.MEDIUM,
    sources: int = 1,
    created: datetime | None = None,
) -> StoryLine:
    when = NOW - timedelta(hours=hours)
    return StoryLine(
        id_,
        title or f"Story {id_}",
        f"https://news.test/{id_}",
        sources,
        sources,
        sev,
        tuple(regions_),
        tuple(topics),
        when,
        when,
        created or when,
    )


def test_status_of_a_group_orders_topics_and_renders_times_in_the_readers_zone():
    facts = StatusFacts(
        now=NOW,
        last_24h=5,
        previous_days=[0] * 30,
        high_severity_24h=1,
        latest=[line(1), line(2, sev=Severity.HIGH)],
        topics_24h={"border": 2, "military": 1},
        topics_7d={"military": 2, "border": 2, "hybrid": 1},
        newest_item_at=NOW - timedelta(hours=1),
    )
    status = compose_status(regions.resolve("baltics"), facts)
    assert status.activity.level is Level.HIGH  # 5 vs usually 0
    assert list(status.topics_7d) == ["border", "military", "hybrid"]  # most first, then by name
    assert status.topics_24h == {"border": 2, "military": 1, "hybrid": 0}
    text = html_text(render_status(status, VILNIUS))
    assert text.splitlines()[0] == "Baltic states — 🔴 high"
    assert text.splitlines()[1] == "5 stories in 24 h (usually 0 a day), 1 of high severity."
    assert "border 2/2 · military 1/2 · hybrid threats 0/1" in text
    assert "Newest report 07:30 (1 h ago), times in Europe/Vilnius." in text
    assert text.splitlines()[-1].startswith("🔴 Story 2 — 1 source · 1 h ago")


_PIECES = [
    "<",
    ">",
    "&",
    '"',
    "'",
    "a",
    " ",
    "😀",
    "\u202e",
    "שלום",
    "Литва",
    "&amp;",
    "</b>",
    "\n",
    "<a href=x>",
]
hostile = (
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)
    | st.just("<" * 10_000)
    | st.just("😀" * 5_000)
)


@settings(max_examples=60, deadline=None)
@given(titles=st.lists(hostile, min_size=1, max_size=12))
def test_status_and_digest_are_valid_telegram_html_in_parts_under_the_limit(titles):
    stories = [line(i, t or "x", hours=i + 1, sources=i + 1) for i, t in enumerate(titles)]
    facts = StatusFacts(NOW, len(stories), [1] * 30, 0, stories, {}, {}, stories[0].last_seen)
    for html in (
        render_status(compose_status(regions.resolve("LT"), facts), VILNIUS),
        compose_digest([Follow(regions.resolve("LT"))], stories, NOW - timedelta(days=1), NOW, VILNIUS),
    ):
        validate(html)
        for part in split_message(html):
            validate(part)
            assert utf16_len(part) <= TELEGRAM_LIMIT


def test_digest_across_midnight_in_vilnius():
    since = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # yesterday's digest, 08:00 in Vilnius
    before = line(1, "Before the last digest", created=since - timedelta(minutes=1))
    late = line(2, "Late evening in Vilnius", created=datetime(2026, 11, 25, 21, 30, tzinfo=UTC))  # 23:30
    after = line(3, "After midnight in Vilnius", created=datetime(2026, 11, 25, 22, 30, tzinfo=UTC))  # 00:30
    text = html_text(
        compose_digest([Follow(regions.resolve("LT"))], [before, late, after], since, NOW, VILNIUS)
    )
    # In UTC both are on the 25th; in Vilnius the digest is of Thursday the 26th and spans midnight.
    assert text.splitlines()[0] == "Daily briefing · Thu 26 Nov 2026"
    assert "2 new stories (Wed 08:00 – 08:30, Europe/Vilnius)" in text
    assert "Late evening in Vilnius" in text and "After midnight in Vilnius" in text
    assert "Before the last digest" not in text
    # The same stories for a reader in Auckland (UTC+13): their digest day is already Thursday too,
    # but their "since" is shown in their own time.
    auckland = html_text(
        compose_digest([Follow(regions.resolve("LT"))], [late], since, NOW, ZoneInfo("Pacific/Auckland"))
    )
    assert "(Wed 19:00 – 19:30, Pacific/Auckland)" in auckland


def test_digest_groups_region_then_topic_high_severity_first_each_story_once():
    follows = [Follow(regions.resolve("LT")), Follow(regions.resolve("PL"), frozenset({"military"}))]
    stories = [
        line(1, "Drone over Vilnius", topics=("hybrid",)),
        line(2, "Crossings closed", topics=("border", "hybrid"), sev=Severity.HIGH, sources=4),
        line(3, "Joint exercise", regions_=("LT", "PL"), topics=("military",)),
        line(4, "Polish border fence", regions_=("PL",), topics=("border",)),  # PL: military only
        line(5, "Polish brigade moves", regions_=("PL",), topics=("military",)),
    ]
    text = html_text(compose_digest(follows, stories, NOW - timedelta(days=1), NOW, VILNIUS))
    lines = text.splitlines()
    lt, pl = lines.index("🇱🇹 Lithuania"), lines.index("🇵🇱 Poland")
    assert lines[lt + 1] == "Border" and lines[lt + 2].startswith("🔴 Crossings closed — 4 sources")
    assert lines.index("Hybrid threats") > lt and "• Drone over Vilnius — 1 source" in lines
    assert text.count("Joint exercise") == 1 and lines.index("• Joint exercise — 1 source") < pl
    assert "Polish border fence" not in text and "• Polish brigade moves — 1 source" in lines[pl:]
    assert "4 new stories" in text


def test_an_empty_day_says_so_in_one_line():
    text = html_text(
        compose_digest([Follow(regions.resolve("EE"))], [], NOW - timedelta(days=1), NOW, VILNIUS)
    )
    assert text.splitlines()[1] == "Nothing new about Estonia since Wed 08:30: a quiet day."


def test_a_long_digest_lists_the_most_severe_stories_and_counts_the_rest():
    stories = [
        line(i, f"Story {i}", sev=Severity.HIGH if i == 30 else Severity.MEDIUM, sources=i % 4 + 1)
        for i in range(31)
    ]
    text = html_text(
        compose_digest([Follow(regions.resolve("LT"))], stories, NOW - timedelta(days=1), NOW, VILNIUS)
    )
    assert "31 new stories" in text
    assert text.count(" — ") == 12 and "🔴 Story 30" in text  # the high one is among those listed
    assert text.splitlines()[-1] == "… and 19 more stories: /status lt"


def test_composer_html_that_fits_is_sent_as_it_is():
    html = compose_digest([Follow(regions.resolve("LT"))], [line(1)], NOW - timedelta(days=1), NOW, VILNIUS)
    assert split_message(html, check=False) == [html] == split_message(html)
    long = "\n".join(f"<b>{i}</b> " + "x" * 90 for i in range(100))
    assert split_message(long, check=False) == split_message(long) and len(split_message(long)) == 3


def test_a_reader_gets_the_nearest_title_the_story_has():
    from dataclasses import replace

    be = ("Латвія зноў адкрывае «Сілене»", "https://belsat.test/1")
    lv = ("Silenes robežpunkts atkal būs atvērts", "https://delfi.test/1")
    uk = ("Латвія знову відкриває пункт пропуску «Сілене»", "https://suspilne.test/1")
    story = replace(line(1, be[0]), url=be[1], titles={"be": be, "lv": lv})
    assert story.title_for("en") == lv  # Latin script before Cyrillic
    assert story.title_for("ru") == be  # Belarusian before Latvian
    assert story.title_for("lt") == be  # nothing nearer: the story's own title
    assert replace(story, titles={"be": be, "lv": lv, "uk": uk}).title_for("ru") == uk
    english = ("Latvia reopens Silene crossing", "https://lsm.test/1")
    assert replace(story, titles={"be": be, "en": english}).title_for("lt") == english


def test_a_story_reported_in_several_languages_names_them():
    story = replace(
        line(7, "Lithuania closes border", sources=3),
        titles={
            "ru": ("Литва закрывает границу", None),
            "en": ("Lithuania closes border", None),
            "pl": ("x", None),
        },
    )
    assert "— 3 sources (en, pl, ru)" in story_line(story, NOW, language="en")
    assert "(" not in story_line(line(8, "One language"), NOW, language="en")


def test_alert_keys_carry_the_development():
    assert alert_key(12) == "12" and alert_key(12, 0) == "12" and alert_key(12, 2) == "12.2"
    assert parse_alert_key("12") == (12, 0) and parse_alert_key("12.2") == (12, 2)
    for bad in ("", "x", "12.x", "²", "12.²", ".1", "1.2.3", "12."):
        assert parse_alert_key(bad) is None


@given(st.integers(0, 2**62), st.integers(0, 10_000))
def test_an_alert_key_reads_back_as_its_story_and_development(story_id: int, development: int):
    assert parse_alert_key(alert_key(story_id, development)) == (story_id, development)


def test_the_alert_of_a_development_says_what_is_new():
    step = DevelopmentLine("Lithuania closes border with Belarus", "https://news.test/c", ("border_closure",))
    story = replace(line(7, "Balloons disrupt Vilnius airport", sev=Severity.HIGH), developments=(step,))
    first = compose_alert(story, NOW, "en")
    assert first.startswith("🔴 <b>Alert</b>") and "closes border" not in first
    news = compose_alert(story, NOW, "en", development=1)
    assert news.startswith("🔴 <b>New development</b>")
    assert "Balloons disrupt Vilnius airport" in news and "border closure: " in news
    assert "Lithuania closes border with Belarus" in news and validate(news) is None
    assert "New development" not in compose_alert(story, NOW, "lt", development=1)  # translated
    # A development the story does not have (a forged or stale key) reads as the story's alert.
    assert compose_alert(story, NOW, "en", development=5) == first


def test_a_story_is_new_then_developing_then_fading():
    fresh = replace(line(1), first_seen=NOW - timedelta(hours=3), last_seen=NOW - timedelta(hours=1))
    assert phase(fresh, NOW) is Phase.NEW
    assert "developing" not in story_line(fresh, NOW)
    # Reported for over a day, and still: developing.
    going = replace(fresh, first_seen=NOW - timedelta(days=3))
    assert phase(going, NOW) is Phase.DEVELOPING
    assert story_line(going, NOW).endswith(" · developing")
    assert "развивается" in story_line(going, NOW, language="ru")
    # A severe development in the last day makes a day-old story developing too.
    step = DevelopmentLine("Border closed", None, ("border_closure",), NOW - timedelta(hours=2))
    assert phase(replace(fresh, developments=(step,)), NOW) is Phase.DEVELOPING
    # Nothing new for a day: fading.
    assert phase(going, NOW + timedelta(days=2)) is Phase.FADING
