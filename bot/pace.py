"""Telegram's pace: the bot's rate limiter (a python-telegram-bot ``BaseRateLimiter``). Edge.

Telegram allows a bot about 30 messages a second overall and 20 a minute in one group, and
answers 429 with ``retry_after`` beyond that. PTB's ``AIORateLimiter`` spaces messages with a
leaky bucket that either allows bursts (a burst of 30 after a pause, plus the next second's 30,
crosses 30 in a sliding second: 429) or, with a bucket of one, sleeps ``1/rate`` after each
message and never makes up for the time it woke up late (on a busy event loop: 26-27 msg/s
instead of 29; benchmarks/fanout.py). :class:`Pacer` keeps a schedule instead (the generic cell
rate algorithm): message *n* is due ``n/rate`` after the first; one that is late by up to
``slack`` does not move the schedule, so the average is the rate while the closest 31 messages
are still ``30/rate - slack`` apart (29/s, 10 ms: 1.024 s, more than Telegram's second).

:class:`TelegramPace` puts it in front of every request that names a chat, one message a second
within each chat after a burst of three (a leaky bucket per chat, so a reply, its chart and a
button's edit are not slowed), a 20-per-minute leaky bucket (aiolimiter, as PTB does) in
front of group and channel messages, and on a 429 holds what it applies to — the chat that got it
(a request that names no chat: every request) — for ``retry_after`` before trying again (up to
``MAX_RETRIES`` times, and only when ``retry_after`` is at most ``MAX_WAIT``: otherwise the caller
gets the ``RetryAfter`` at once and the delivery is rescheduled in the ledger). Other chats go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 29.0  #: just under Telegram's ~30 messages/s per bot
SLACK = 0.010  #: how late a message may be without the schedule slipping (seconds)
GROUP_PER_MINUTE = 20  #: Telegram's limit for one group or channel
CHAT_PER_SECOND = 1.0  #: Telegram's limit within one chat ("about one message per second")…
CHAT_BURST = 3  #: …which tolerates short bursts: a reply, its chart and an edit go at once
MAX_RETRIES = 3  #: 429s for one request before it is given up (its delivery is retried later)
#: A longer retry_after is not waited out in the call: it raises at once (everyone is still held),
#: so a delivery is rescheduled in the ledger instead of outliving its 60 s claim.
MAX_WAIT = 15.0

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class Pacer:
    """One pass per ``1/per_second``, first come first served, on the running loop's clock
    (``time`` and ``sleep`` replace it in tests)."""

    def __init__(
        self,
        per_second: float = OVERALL_PER_SECOND,
        slack: float = SLACK,
        *,
        time: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0 or slack < 0:
            raise ValueError("per_second must be positive and slack not negative")
        self.interval = 1.0 / per_second
        self.slack = slack
        self._time = time or (lambda: asyncio.get_running_loop().time())
        self._sleep = sleep
        self._next = float("-inf")  # when the next pass is due
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the caller may send (callers are let through in the order they came)."""
        async with self._lock:
            # again after sleeping: hold() may have moved the schedule meanwhile
            while (delay := self._next - self.slack - self._time()) > 0:  # noqa: ASYNC110 - a time, not an event
                await self._sleep(delay)
            self._next = max(self._next, self._time()) + self.interval

    def hold(self, seconds: float) -> None:
        """Nobody passes for ``seconds`` from now (Telegram said "retry after")."""
        self._next = max(self._next, self._time() + seconds + self.slack)


class TelegramPace(BaseRateLimiter[int]):
    """The bot's rate limiter: :class:`Pacer` overall, 20/min per group, 429s waited out.

    ``rate_limit_args`` (PTB's per-call ``rate_limit_args=``) overrides ``max_retries``."""

    def __init__(
        self,
        per_second: float = OVERALL_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        max_retries: int = MAX_RETRIES,
        slack: float = SLACK,
        max_wait: float = MAX_WAIT,
        chat_per_second: float = CHAT_PER_SECOND,
    ) -> None:
        self.overall = Pacer(per_second, slack)
        self.chat_per_second = chat_per_second
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._held: dict[int | str, float] = {}  #: chat → loop time until which a 429 holds it
        #: the last chat refused with 429, and until when (a second chat refused meanwhile means
        #: the bot's own limit was hit: then everyone waits)
        self._refused: tuple[int | str, float] | None = None
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    def _group(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._groups) > 512:  # forget groups whose bucket has run empty
            for key, limiter in list(self._groups.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        limiter = self._groups.get(chat_id)
        if limiter is None:
            limiter = self._groups[chat_id] = AsyncLimiter(self.group_per_minute, 60)
        return limiter

    def _chat(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._chats) > 4096:  # forget chats whose bucket has run empty
            for key, limiter in list(self._chats.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._chats[chat_id] = AsyncLimiter(CHAT_BURST, CHAT_BURST / self.chat_per_second)
        return limiter

    async def _wait_for_chat(self, chat_id: int | str) -> None:
        until = self._held.get(chat_id)
        if until is not None:
            delay = until - asyncio.get_running_loop().time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self._held.pop(chat_id, None)
        await self._chat(chat_id).acquire()

    def _hold(self, chat_id: int | str, seconds: float) -> None:
        """A 429 for ``chat_id``: that chat waits ``seconds``; when another chat was refused
        within its own wait, the limit hit is the bot's, and every chat waits."""
        if not self.chat_per_second:
            self.overall.hold(seconds)
            return
        now = asyncio.get_running_loop().time()
        self._held[chat_id] = max(self._held.get(chat_id, now), now + seconds)
        if self._refused is not None and self._refused[0] != chat_id and self._refused[1] > now:
            self.overall.hold(seconds)
        self._refused = (chat_id, now + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # negative ids and @usernames are groups and channels (private chats are positive)
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else None
        for attempt in range(retries + 1):
            try:
                if group is not None and self.group_per_minute:
                    await self._group(group).acquire()
                if chat_id is not None:
                    if self.chat_per_second:
                        await self._wait_for_chat(chat_id)
                    await self.overall.wait()
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.info(
                    "telegram.retry_after method=%s seconds=%.1f attempt=%d", endpoint, seconds, attempt + 1
                )
                if chat_id is not None:
                    self._hold(chat_id, seconds)
                if attempt == retries or seconds > self.max_wait:
                    raise
                if chat_id is None:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


__all__ = ["CHAT_BURST", "CHAT_PER_SECOND", "OVERALL_PER_SECOND", "Pacer", "TelegramPace"]
