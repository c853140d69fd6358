"""Send what is due: daily digests and alerts, from the ledger (db/queries/deliveries.py), at
Telegram's pace, each exactly once. Edge.

    every tick:  plan digests due now (each chat's local time)      ─▶ ledger (due)
                 plan alerts for stories changed since the last tick ─▶ ledger (due)
                 claim due rows (leased) ─▶ compose ─▶ send ─▶ mark sent | retry later | failed

Errors (their meaning decided by type in bot/send.py, the one send path): 403 or "chat not
found" → the chat is marked inactive and the delivery failed (with the reason); 429 → the rate
limiter waits ``retry_after`` and sends again (three times, then the delivery is retried later);
5xx and network errors → retried with backoff (30 s, 2, 10, 30 min), then failed with the reason;
another 400 → failed with the reason. Nothing is dropped silently: every delivery ends sent or failed.
Operator notices (db/queries/notices.py) go to BRIEFBOT_ADMIN_IDS through the same ledger, once
per occurrence. An alert whose story grows later (more sources) is edited in place.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import metrics, regions
from bot.briefing import StoryLine, compose_alert, compose_digest, following
from bot.clock import Clock
from bot.domain import parse_alert_key
from bot.render import escape
from bot.schedule import retry_at
from bot.send import ChatGone, Failed, RetryLater, Sent, outcome_of, send_html
from db.engine import Database
from db.queries import briefing as briefing_queries
from db.queries import broadcasts, notices
from db.queries import chats as chat_queries
from db.queries import deliveries as ledger
from db.queries.deliveries import Claimed

log = logging.getLogger(__name__)

ALERT_OVERLAP = timedelta(minutes=15)


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class Deliverer:
    bot: Bot
    db: Database
    clock: Clock
    batch: int = 20
    admin_ids: tuple[int, ...] = ()
    #: how long a claimed delivery is ours before another sender may take it (BRIEFBOT_DELIVERY_LEASE)
    lease: timedelta = ledger.LEASE
    notices_every: timedelta = timedelta(minutes=10)
    _alerts_since: datetime | None = field(default=None, init=False)
    _notices_at: datetime | None = field(default=None, init=False)
    _tick_at: datetime | None = field(default=None, init=False)
    #: chat id → (settings, follows, since), prefetched for the digests of the current claim
    _inputs: dict[int, tuple[Any, list[Any], datetime]] = field(default_factory=dict, init=False)
    #: region codes → (since, until, stories), for the current tick only
    _digest_cache: dict[tuple[str, ...], tuple[datetime, datetime, list[StoryLine]]] = field(
        default_factory=dict, init=False
    )

    async def tick(self) -> Outcome:
        """Plan what is due and send it (the scheduler's job, every few seconds)."""
        now = self.clock.now()
        # Stories are stamped when their feed was fetched, and committed after parsing: look back
        # far enough that one committed after the last tick is not missed (the ledger makes the
        # overlap harmless: an alert exists once).
        since = (self._alerts_since or now) - ALERT_OVERLAP
        await self.db.run(ledger.plan_digests, now)
        await self.db.run(ledger.plan_alerts, since, now)
        # Edits look only past the last tick (an edit missed in the race above is harmless; one
        # repeated every tick for the overlap would not be).
        await self._update_alerts(self._alerts_since or now, now)
        self._alerts_since = now
        if self.admin_ids and (self._notices_at is None or now - self._notices_at >= self.notices_every):
            await self.db.run(notices.plan, self.admin_ids, now)
            self._notices_at = now
        outcome = Outcome()
        self._digest_cache.clear()
        self._tick_at = now  # digests cover stories stored up to the start of the tick
        while True:
            claimed = await self.db.run(ledger.claim_due, self.clock.now(), self.batch, self.lease)
            if not claimed:
                break
            # What the claimed digests are made of, in one transaction for the whole claim.
            wanted = [(d.chat_id, d.due_at) for d in claimed if d.kind == "digest"]
            if wanted:
                self._inputs.update(await self.db.run(briefing_queries.digest_inputs_many, wanted))
            # Chats in parallel (the rate limiter paces the whole), each chat's messages in order.
            per_chat: dict[int, list[Claimed]] = {}
            for delivery in claimed:
                per_chat.setdefault(delivery.chat_id, []).append(delivery)
            await asyncio.gather(*(self._deliver_all(items, outcome) for items in per_chat.values()))
        if outcome.sent or outcome.failed or outcome.retried:
            log.info(
                "delivery.tick sent=%d retried=%d failed=%d", outcome.sent, outcome.retried, outcome.failed
            )
        return outcome

    async def _update_alerts(self, since: datetime, now: datetime) -> None:
        """A story that grew after its alert went out: the alert is edited (more sources, a new
        severity), never sent again; and only when what it shows changed (Telegram rejects an
        edit to the same text)."""
        for alert in await self.db.run(ledger.alerts_to_update, since, now):
            chat = await self.db.run(chat_queries.get_chat, alert.chat_id)
            stories = await self.db.run(briefing_queries.story_lines, [alert.story_id])
            if chat is None or not chat.active or not stories:
                continue
            html = compose_alert(stories[0], now, chat.language, development=alert.development)
            shown = text_hash(html)
            if shown == alert.text_hash:
                continue
            try:
                await self.bot.edit_message_text(
                    html,
                    chat_id=alert.chat_id,
                    message_id=alert.message_id,
                    parse_mode=ParseMode.HTML,
                    link_preview_options={"is_disabled": True},
                )
            except TelegramError as exc:  # deleted by the user, too old to edit; or the chat is gone
                if isinstance(outcome_of(exc), ChatGone):
                    await self.db.run(chat_queries.mark_inactive, alert.chat_id, str(exc))
                    continue
                log.info(
                    "delivery.alert_not_edited chat=%s story=%s error=%s", alert.chat_id, alert.story_id, exc
                )
                if "not modified" not in str(exc).lower():
                    continue
            await self.db.run(ledger.mark_edited, alert.delivery_id, shown)

    async def _deliver_all(self, deliveries: list[Claimed], outcome: Outcome) -> None:
        for delivery in deliveries:
            await self._deliver(delivery, outcome)

    async def _deliver(self, delivery: Claimed, outcome: Outcome) -> None:
        now = self.clock.now()
        try:
            sent = await self._send(delivery, now)
        except _NotSent as exc:
            await self._failed(delivery, exc.outcome, now, outcome)
            return
        message_id, shown = sent if isinstance(sent, tuple) else (sent, None)
        await self.db.run(ledger.mark_sent, delivery.id, message_id, self.clock.now(), shown)
        metrics.DELIVERIES.labels(kind=delivery.kind, outcome="sent").inc()
        outcome.sent += 1

    async def _failed(
        self, delivery: Claimed, result: ChatGone | RetryLater | Failed, now: datetime, outcome: Outcome
    ) -> None:
        """What a failed send means for the delivery (bot/send.py decided it by error type)."""
        if isinstance(result, ChatGone | Failed):
            if isinstance(result, ChatGone):
                await self.db.run(chat_queries.mark_inactive, delivery.chat_id, result.reason)
            await self.db.run(ledger.mark_failed, delivery.id, result.reason)
            metrics.DELIVERIES.labels(kind=delivery.kind, outcome="failed").inc()
            log.warning(
                "delivery.failed chat=%s kind=%s key=%s error=%s",
                delivery.chat_id,
                delivery.kind,
                delivery.key,
                result.reason,
            )
            outcome.failed += 1
            return
        again = (
            now + timedelta(seconds=result.seconds) if result.seconds else retry_at(delivery.attempts, now)
        )
        if again is None:
            await self.db.run(
                ledger.mark_failed, delivery.id, f"gave up after {delivery.attempts} tries: {result.reason}"
            )
            metrics.DELIVERIES.labels(kind=delivery.kind, outcome="failed").inc()
            outcome.failed += 1
        else:
            await self.db.run(ledger.mark_retry, delivery.id, result.reason, again)
            metrics.DELIVERIES.labels(kind=delivery.kind, outcome="retried").inc()
            outcome.retried += 1
        log.warning("delivery.retry chat=%s kind=%s error=%s", delivery.chat_id, delivery.kind, result.reason)

    async def _send(self, delivery: Claimed, now: datetime) -> int | tuple[int, str] | None:
        """Compose and send one delivery; returns the (last) message id (with an alert, the hash
        of its text too), or None when there was nothing to send any more (an alert for a story
        merged away, a chat gone inactive)."""
        if delivery.kind == broadcasts.KIND:
            text = await self.db.run(broadcasts.text_of, delivery.key)
            return await self._post(delivery.chat_id, escape(text), None) if text else None
        if delivery.kind == "notice":
            text = await self.db.run(notices.text_of, delivery.key, now)
            return await self._post(delivery.chat_id, "⚙️ " + escape(text), None) if text else None
        if delivery.kind == "alert":
            parsed = parse_alert_key(delivery.key)
            chat = await self.db.run(chat_queries.get_chat, delivery.chat_id)
            if parsed is None or chat is None or not chat.active:
                return None
            story_id, development = parsed
            stories = await self.db.run(briefing_queries.story_lines, [story_id])
            if not stories:
                return None
            if development and not await self.db.run(
                ledger.alerted_before, delivery.chat_id, story_id, development
            ):
                development = 0  # the chat's first alert of this story: the story as it is now
            story = stories[0]
            follows = await self.db.run(chat_queries.follows, delivery.chat_id)
            threads = [f.message_thread_id for f in follows if _follows_story(f.region, story.regions)] or [
                None
            ]
            html = compose_alert(story, now, chat.language, development=development)
            message_id = await self._post(delivery.chat_id, html, threads[0])
            metrics.ALERT_LATENCY.observe(max(0.0, (self.clock.now() - story.last_seen).total_seconds()))
            return message_id, text_hash(html)
        digest = await self.digest(delivery.chat_id, delivery.due_at, now)
        if digest is None:
            return None
        messages, until = digest
        last = None
        for thread, html in messages:
            last = await self._post(delivery.chat_id, html, thread)
        await self.db.run(chat_queries.mark_digest_sent, delivery.chat_id, until)
        return last

    async def digest(
        self, chat_id: int, due_at: datetime, now: datetime
    ) -> tuple[list[tuple[int | None, str]], datetime] | None:
        """A chat's digest: one Telegram HTML message per forum topic its subscriptions were made
        in (None: no topic), and the time it covers up to; None when the chat is gone."""
        inputs = self._inputs.pop(chat_id, None)
        if inputs is None:
            inputs = await self.db.run(briefing_queries.digest_inputs, chat_id, due_at)
        chat, follows, since = inputs
        if chat is None or not chat.active:
            return None
        subscribed = following(follows)
        until = self._tick_at or now
        stories = await self._stories(subscribed.codes, since, until)
        zone = ZoneInfo(chat.timezone)
        messages = [
            (thread, compose_digest(group, stories, since, now, zone, chat.language, why=True))
            for thread, group in subscribed.by_thread.items()
        ]
        return messages, until

    async def _stories(self, codes: tuple[str, ...], since: datetime, now: datetime) -> list[StoryLine]:
        """Digest stories, shared within a tick by chats following the same regions: fetched once
        for the earliest ``since`` asked, then narrowed per chat (10,000 digests, not 10,000
        queries of the same stories; benchmarks/fanout.py)."""
        cached = self._digest_cache.get(codes)
        if cached is None or since < cached[0] or now != cached[1]:
            fetched = (
                await self.db.run(briefing_queries.digest_stories, list(codes), since, now) if codes else []
            )
            cached = (since, now, fetched)
            self._digest_cache[codes] = cached
        return briefing_queries.new_since(cached[2], since)

    async def _post(self, chat_id: int, html: str, thread: int | None) -> int:
        """Send through the one send path (bot/send.py); a failure ends the delivery's attempt."""
        result = await send_html(self.bot, chat_id, html, thread=thread)
        if not isinstance(result, Sent):
            raise _NotSent(result)
        return result.message_id


class _NotSent(Exception):
    def __init__(self, outcome: ChatGone | RetryLater | Failed) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def text_hash(html: str) -> str:
    """What a message shows, in 32 hex digits (to edit it only when that changes)."""
    return hashlib.blake2b(html.encode(), digest_size=16).hexdigest()


def _follows_story(region_key: str, story_regions: tuple[str, ...]) -> bool:
    region = regions.get(region_key)
    return bool(region and set(region.codes) & set(story_regions))
