"""bot.charts: the story chart is a small, well-formed PNG, drawn headless, and bad input is refused."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.charts import TOPIC_ORDER, _day_label, _tick_positions, story_chart

ROOT = Path(__file__).parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DAYS = [date(2026, 10, 27) + timedelta(days=i) for i in range(30)]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has right after the signature."""
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def busy_counts() -> dict[str, list[int]]:
    """30 days x 5 topics of big, irregular counts: the worst case for PNG size."""
    return {
        topic: [(day * 37 + k * 101) % 400 + 50 for day in range(len(DAYS))]
        for k, topic in enumerate(TOPIC_ORDER)
    }


def test_busy_chart_is_an_800_by_400_png_under_100_kb():
    png = story_chart("Lithuania", DAYS, busy_counts())

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (800, 400)
    assert len(png) < 100_000


def test_all_zero_chart_still_renders():
    png = story_chart("Estonia", DAYS, {topic: [0] * len(DAYS) for topic in TOPIC_ORDER})

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (800, 400)


def test_no_topics_at_all_still_renders():
    assert story_chart("Estonia", DAYS, {}).startswith(PNG_SIGNATURE)


def test_all_zero_chart_differs_from_a_chart_with_stories():
    zero = story_chart("Estonia", DAYS, {"border": [0] * len(DAYS)})
    one = story_chart("Estonia", DAYS, {"border": [0] * (len(DAYS) - 1) + [1]})

    assert zero != one


def test_unknown_topic_renders_and_changes_the_picture():
    known = {"border": [3] * len(DAYS)}
    with_unknown = {**known, "cyber": [2] * len(DAYS)}

    png = story_chart("Latvia", DAYS, with_unknown)

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (800, 400)
    assert png != story_chart("Latvia", DAYS, known)


def test_title_is_drawn():
    counts = {"military": [1] * len(DAYS)}

    assert story_chart("Poland", DAYS, counts) != story_chart("Poland", DAYS, counts, title="Something else")


def test_math_characters_in_names_do_not_break_rendering():
    png = story_chart("Region $x_1", DAYS, {"odd_$topic": [1] * len(DAYS)})

    assert png.startswith(PNG_SIGNATURE)


def test_same_input_gives_the_same_png():
    first = story_chart("Lithuania", DAYS, busy_counts())
    second = story_chart("Lithuania", DAYS, busy_counts())

    assert len(first) == len(second)
    assert first == second


def test_mismatched_counts_length_is_refused():
    counts = busy_counts()
    counts["hybrid"] = counts["hybrid"][:-1]

    with pytest.raises(ValueError, match="hybrid"):
        story_chart("Lithuania", DAYS, counts)


def test_empty_days_are_refused():
    with pytest.raises(ValueError, match="empty"):
        story_chart("Lithuania", [], {})


def test_single_day_renders():
    assert png_size(story_chart("Finland", DAYS[:1], {"border": [4]})) == (800, 400)


def test_day_labels_are_short_and_locale_free():
    assert _day_label(date(2026, 11, 25)) == "25 Nov"
    assert _day_label(date(2026, 1, 5)) == "5 Jan"


def test_weekly_ticks_end_on_the_newest_day():
    assert _tick_positions(30) == [1, 8, 15, 22, 29]
    assert _tick_positions(5) == [0, 1, 2, 3, 4]


def test_module_stays_pure_and_headless():
    """No pyplot (global state, GUI backends) and no edge library is pulled in by importing the module."""
    probe = (
        "import json, sys, bot.charts; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m == 'matplotlib.pyplot' or m.split('.')[0] in ('telegram', 'sqlalchemy'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_rendering_does_not_load_pyplot_either():
    probe = (
        "import sys, datetime, bot.charts; "
        "bot.charts.story_chart('X', [datetime.date(2026, 1, 1)], {'border': [1]}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
