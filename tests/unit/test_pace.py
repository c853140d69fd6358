"""bot.pace.Pacer on a virtual clock: the rate, lateness absorbed up to the slack and never
turned into a burst beyond Telegram's 30 messages in a second, FIFO order, holds."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pace import Pacer

RATE = 29.0
T = 1 / RATE
SLACK = 0.010


class VirtualTime:
    """A clock that moves only when someone sleeps; every sleeper wakes ``late`` seconds late
    (a busy event loop, a garbage-collection pause), taken in turn from ``lateness``."""

    def __init__(self, lateness: list[float] | None = None) -> None:
        self.now = 0.0
        self.lateness = list(lateness or [])

    def time(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay + (self.lateness.pop(0) if self.lateness else 0.0)
        await asyncio.sleep(0)


def pacer(clock: VirtualTime, slack: float = SLACK) -> Pacer:
    return Pacer(RATE, slack, time=clock.time, sleep=clock.sleep)


async def passes(p: Pacer, clock: VirtualTime, n: int) -> list[float]:
    times = []
    for _ in range(n):
        await p.wait()
        times.append(clock.now)
    return times


async def test_passes_are_one_interval_apart():
    clock = VirtualTime()
    times = await passes(pacer(clock), clock, 30)
    assert times[0] == 0.0  # the first one at once, the second one the slack early, then the rate
    gaps = [round(b - a, 9) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [round(T - SLACK, 9)] + [round(T, 9)] * 28


async def test_waking_up_late_within_the_slack_does_not_slow_the_rate():
    clock = VirtualTime([0.008] * 1000)  # every wake-up 8 ms late
    times = await passes(pacer(clock), clock, 291)
    assert times[-1] - times[0] == pytest.approx(290 * T, abs=0.01)  # 29/s kept: 10 s for 290
    # (a bucket that sleeps 1/rate after each pass would take 290 * (T + 0.008) = 12.3 s)


async def test_a_long_pause_is_not_made_up_with_a_burst():
    clock = VirtualTime([0.0] * 10 + [0.150] + [0.0] * 100)  # one 150 ms stall
    times = await passes(pacer(clock), clock, 100)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= T - SLACK - 1e-9
    assert max(gaps) == pytest.approx(T + 0.150)  # the stall is lost, not caught up


@settings(max_examples=200, deadline=None)
@given(
    lateness=st.lists(st.floats(min_value=0, max_value=0.2), min_size=40, max_size=120),
    arrivals=st.lists(st.floats(min_value=0, max_value=0.1), min_size=40, max_size=120),
)
def test_no_31_passes_within_a_second_whatever_the_lateness(lateness, arrivals):
    """Telegram's limit, and the fake's: never more than 30 messages in any second."""

    async def run() -> list[float]:
        clock = VirtualTime(lateness)
        p = pacer(clock)
        times = []
        for pause in arrivals:  # callers come at odd times, some right away, some after a while
            if pause > 0.05:
                clock.now += pause
            await p.wait()
            times.append(clock.now)
        return times

    times = asyncio.run(run())
    spans = [b - a for a, b in zip(times, times[30:], strict=False)]
    assert min(spans, default=1.0) >= 30 * T - SLACK - 1e-9  # 1.024 s


async def test_waiting_callers_pass_in_the_order_they_came():
    clock = VirtualTime()
    p = pacer(clock)
    order: list[int] = []

    async def caller(i: int) -> None:
        await p.wait()
        order.append(i)

    await asyncio.gather(*(caller(i) for i in range(20)))
    assert order == list(range(20))
    assert clock.now == pytest.approx(19 * T - SLACK)


async def test_hold_keeps_everyone_back():
    clock = VirtualTime()
    p = pacer(clock)
    await p.wait()
    p.hold(1.0)  # Telegram said "retry after 1"
    await p.wait()
    assert clock.now >= 1.0
    await p.wait()
    assert clock.now == pytest.approx(1.0 + T, abs=SLACK)


def test_nonsense_rates_are_refused():
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(29, slack=-1)
