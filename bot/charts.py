"""Draw a region's recent story counts as a PNG: one stacked bar per day, split by topic. Pure: no I/O.

Rendering is headless and thread-safe: it builds a ``matplotlib.figure.Figure`` and draws it with the Agg
canvas directly, never through ``pyplot`` (no global figure registry, no GUI backend, no display needed),
and it never touches the global ``rcParams``; every style choice is passed explicitly.

Topics keep a fixed order and a fixed colour from the Okabe-Ito palette (readable with the common forms of
colour blindness), so a chart for one region reads like a chart for another. Topics the palette does not
know are stacked after the known ones, in name order, in a neutral grey.

The picture is small on purpose (800×400 px, a few tens of kB) so that it sends to Telegram in well under a
second.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from babel.dates import format_date
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.briefing import topic_name
from bot.i18n import LANGUAGES, translator

TOPIC_ORDER = ("border", "military", "migration", "hybrid", "diplomacy")

# Okabe-Ito colours (https://jfly.uni-koeln.de/color/), one per topic in TOPIC_ORDER.
TOPIC_COLOURS: dict[str, str] = {
    "border": "#D55E00",  # vermillion
    "military": "#0072B2",  # blue
    "migration": "#E69F00",  # orange
    "hybrid": "#CC79A7",  # reddish purple
    "diplomacy": "#009E73",  # bluish green
}
OTHER_COLOUR = "#999999"  # neutral grey for topics not in TOPIC_ORDER

FIGSIZE = (8.0, 4.0)  # inches; at DPI this is 800×400 px
DPI = 100
BAR_WIDTH = 0.8  # of a day's slot
TICK_EVERY = 7  # days between labelled x ticks (daily labels when the series is this short or shorter)


def _day_label(day: date, language: str = "en") -> str:
    """``25 Nov`` (``25 lapkr.``, ``25 нояб.``): CLDR month abbreviations in the reader's language,
    independent of the process locale (unlike ``%b``)."""
    return format_date(day, "d MMM", locale=language if language in LANGUAGES else "en")


def _topic_order(topics: Sequence[str]) -> list[str]:
    """Known topics in TOPIC_ORDER, then unknown ones by name."""
    known = [topic for topic in TOPIC_ORDER if topic in topics]
    return known + sorted(topic for topic in topics if topic not in TOPIC_COLOURS)


def _bar(x: int, low: int, height: int) -> list[tuple[float, float]]:
    """Corners of the bar segment for day ``x`` from ``low`` to ``low + height``."""
    left, right = x - BAR_WIDTH / 2, x + BAR_WIDTH / 2
    return [(left, low), (left, low + height), (right, low + height), (right, low)]


def _tick_positions(n: int) -> list[int]:
    """Bar indices to label: every day for short series, else every TICK_EVERY days ending on the newest."""
    if n <= TICK_EVERY:
        return list(range(n))
    return list(range((n - 1) % TICK_EVERY, n, TICK_EVERY))


def story_chart(
    region: str,
    days: Sequence[date],
    counts: Mapping[str, Sequence[int]],
    *,
    title: str | None = None,
    language: str | None = None,
) -> bytes:
    """PNG bytes: a stacked bar chart (one bar per day, stacked by topic) of story counts.

    ``region`` is a display name ("Lithuania"); ``days`` are consecutive dates, oldest first (typically
    30); ``counts`` maps a topic to one count per day (same length as ``days``). Unknown topics (not in
    TOPIC_ORDER) are drawn after the known ones in a neutral colour; topics whose counts are all zero are
    left out of the legend. An all-zero chart still renders, with the line "No stories in these N days".

    Raises ValueError if ``days`` is empty or a counts sequence's length differs from ``len(days)``.
    """
    n = len(days)
    if n == 0:
        raise ValueError("days is empty")
    for topic, series in counts.items():
        if len(series) != n:
            raise ValueError(f"counts[{topic!r}] has {len(series)} values for {n} days")

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    bottom = [0] * n
    handles: list[Patch] = []
    labels: list[str] = []
    for topic in _topic_order(list(counts)):
        series = [int(value) for value in counts[topic]]
        colour = TOPIC_COLOURS.get(topic, OTHER_COLOUR)
        if any(series):
            # One collection per topic rather than ax.bar's one patch per bar: several times faster to build.
            bars = [
                _bar(x, low, value)
                for x, (low, value) in enumerate(zip(bottom, series, strict=True))
                if value
            ]
            ax.add_collection(
                PolyCollection(bars, facecolors=colour, edgecolors="white", linewidths=0.5), autolim=False
            )
            bottom = [low + value for low, value in zip(bottom, series, strict=True)]
            handles.append(Patch(facecolor=colour, edgecolor="white", linewidth=0.5))
            labels.append(topic_name(topic, language))

    _ = translator(language).gettext
    default_title = _("{region}: stories per day, by topic").format(region=region)
    ax.set_title(title if title is not None else default_title, parse_math=False)
    ax.set_ylabel(_("stories"))
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if max(bottom) == 0:
        ax.set_ylim(0, 1)
        ax.text(
            0.5,
            0.5,
            _("No stories in these {n} days").format(n=n),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555555",
            parse_math=False,
        )
    else:
        ax.set_ylim(0, max(bottom) * 1.05)

    ticks = _tick_positions(n)
    ax.set_xticks(ticks, [_day_label(days[i], language or "en") for i in ticks])
    ax.tick_params(axis="x", length=3)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    if handles:
        # Outside the axes, to the right: it never covers a bar.
        legend = fig.legend(handles, labels, loc="outside right upper", frameon=False)
        for text in legend.get_texts():
            text.set_parse_math(False)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
