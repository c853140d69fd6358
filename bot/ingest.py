"""Poll feeds and store what is new. Orchestration: the data flow, in pseudocode::

    feeds due (db) ─▶ fetch (httpx, bounded) ─▶ parse + classify (process pool, pure)
                 ─▶ decide (timing, pure)
                 ─▶ store entries and their tags + record the outcome (db thread, group commit:
                    each feed's writes land together; waiting feeds share a transaction)

One broken feed never stops the others: every failure ends as a ``FeedOutcome`` with its error,
recorded on the feed (last error, consecutive errors, next fetch time). New item ids are
returned, for the stage that follows (alerts); items arrive tagged and in their story.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.cluster import Features
from bot.domain import Classification, FeedForUpdate, FeedOutcome, FeedUpdateIntent, FetchStatus, ParsedFeed
from bot.encoder import encoder_wanted
from bot.errors import ParseError, StorageError
from bot.fetch import Fetcher
from bot.pipeline import analyse_feed, embed_entries
from bot.reports import common_failure
from bot.stories import StoryKeeper
from bot.timing import decide_update
from db.engine import Database
from db.queries import feeds as feed_queries
from db.queries import items as item_queries

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollSummary:
    outcomes: tuple[FeedOutcome, ...]
    started_at: datetime
    finished_at: datetime

    def count(self, status: FetchStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def new_items(self) -> int:
        return sum(len(o.new_item_ids) for o in self.outcomes)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


class Progress(Protocol):
    """Hears how a poll advances (``briefbot poll --once`` draws a bar on a terminal)."""

    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...


@dataclass
class Poller:
    """Fetches, parses and stores feeds. ``parse_executor`` None parses on a thread."""

    db: Database
    fetcher: Fetcher
    clock: Clock
    default_interval: int
    parse_executor: Executor | None = None
    rng: random.Random = field(default_factory=random.Random)
    stories: StoryKeeper = field(default_factory=StoryKeeper)

    async def poll_due(self) -> PollSummary:
        """Poll the feeds whose next fetch time has come (the scheduler's job)."""
        feeds = await self.db.run(feed_queries.claim_feeds, self.clock.now())
        done: set[int] = set()
        try:
            return await self.poll(feeds, done)
        except asyncio.CancelledError:
            # Stopping (SIGTERM) mid-poll: the feeds not polled yet are due again now, not after
            # their five-minute lease.
            left = [f.id for f in feeds if f.id not in done]
            try:
                await asyncio.shield(self.db.run(feed_queries.release_claims, left, self.clock.now()))
            except Exception:  # noqa: BLE001 - the lease ends anyway
                log.warning("poll.release_failed feeds=%d", len(left))
            raise

    async def poll_all(self, progress: Progress | None = None) -> PollSummary:
        """Poll every enabled feed now, due or not (``briefbot poll --once``); ``progress`` hears
        how many feeds there are and each one finished (a progress bar on a terminal)."""
        feeds = await self.db.run(feed_queries.feeds_to_poll)
        return await self.poll(feeds, progress=progress)

    async def poll(
        self, feeds: Sequence[FeedForUpdate], done: set[int] | None = None, progress: Progress | None = None
    ) -> PollSummary:
        """Poll ``feeds``; ``done`` collects the ids of those finished (stored or recorded)."""
        started = self.clock.now()
        done = set() if done is None else done
        if progress is not None:
            progress.start(len(feeds))
        gate = asyncio.Semaphore(max(1, self.fetcher.limits.concurrency))
        writer = _GroupCommit(self.db, self.stories)

        async def one(feed: FeedForUpdate) -> FeedOutcome:
            async with gate:
                outcome = await self.poll_feed(feed, writer)
                done.add(feed.id)
                if progress is not None:
                    progress.advance()
                return outcome

        try:
            outcomes = await asyncio.gather(*(one(f) for f in feeds))
        finally:
            await writer.close()
        summary = PollSummary(tuple(outcomes), started, self.clock.now())
        log.info(
            "poll.done feeds=%d ok=%d not_modified=%d errors=%d gone=%d new_items=%d seconds=%.2f",
            len(outcomes),
            summary.count(FetchStatus.OK),
            summary.count(FetchStatus.NOT_MODIFIED),
            summary.count(FetchStatus.ERROR),
            summary.count(FetchStatus.GONE),
            summary.new_items,
            summary.seconds,
        )
        metrics.POLLS.inc()
        metrics.POLL_SECONDS.observe(summary.seconds)
        metrics.ITEMS_STORED.inc(summary.new_items)
        failed = [o for o in outcomes if o.status is FetchStatus.ERROR]
        for o in failed:
            metrics.FEED_ERRORS.labels(kind=metrics.error_kind(o.error)).inc()
        if failed:
            log.warning(
                "poll.feeds_failed failed=%d of=%d summary=%r",
                len(failed),
                len(outcomes),
                common_failure(outcomes) or "; ".join(f"{o.name}: {o.error}" for o in failed[:3]),
            )
        return summary

    async def poll_feed(self, feed: FeedForUpdate, writer: _GroupCommit | None = None) -> FeedOutcome:
        result = await self.fetcher.fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified, listed=feed.listed
        )
        now = self.clock.now()
        parsed: ParsedFeed | None = None
        tags: dict[str, Classification] = {}
        features: dict[str, Features] = {}
        parse_error = None
        if result.status is FetchStatus.OK and result.body is not None:
            try:
                parsed, tags, features = await self._analyse(feed, result.body, now, result.content_type)
                features = await self._embed_new(feed, parsed, features)
            except ParseError as exc:
                parse_error = exc.reason
            except Exception as exc:  # a crashed worker (BrokenProcessPool), a parser bug
                log.exception("poll.analyse_failed feed=%s", feed.url)
                parse_error = f"could not be parsed: {type(exc).__name__}: {exc}"
        intent = decide_update(feed, result, now, self.default_interval, error=parse_error, rng=self.rng)
        try:
            job = Job(feed, parsed, tags, features, intent)
            if writer is not None:
                new_ids, updated = await writer.store(job)
            else:
                new_ids, updated = await self.db.run(_store, self.stories, job)
        except StorageError as exc:
            self.stories.invalidate()
            log.error("poll.store_failed feed=%s error=%s", feed.url, exc)
            error = f"not stored: {exc}"
            # Recorded on the feed like a failed fetch, and retried at the next poll interval (not
            # after the claim's lease); when the database itself is down this fails too and the
            # lease brings the feed back.
            retry = now + timedelta(seconds=self.default_interval)
            try:
                await self.db.run(feed_queries.record_store_failure, feed.id, error, now, retry)
            except StorageError as again:
                log.warning("poll.store_failure_not_recorded feed=%s error=%s", feed.url, again)
            return FeedOutcome(feed.id, feed.name, feed.url, FetchStatus.ERROR, error=error)
        outcome = FeedOutcome(
            feed_id=feed.id,
            name=feed.name,
            url=feed.url,
            status=intent.status,
            new_item_ids=tuple(new_ids),
            updated_items=updated,
            error=intent.error,
            warning=parsed.warning if parsed else None,
            new_url=intent.new_url,
        )
        if outcome.error:
            # One line per feed at INFO when it starts failing, DEBUG while it goes on failing: the
            # poll's one WARNING (``poll``) says how many failed and why.
            log.log(
                logging.INFO if intent.consecutive_errors <= 1 else logging.DEBUG,
                "poll.feed_error feed=%s status=%s errors=%d next=%s error=%s",
                feed.url,
                result.http_status,
                intent.consecutive_errors,
                intent.next_fetch_at.isoformat(timespec="seconds"),
                outcome.error,
            )
        else:
            log.debug("poll.feed_ok feed=%s status=%s new=%d", feed.url, result.http_status, len(new_ids))
        return outcome

    async def _embed_new(
        self, feed: FeedForUpdate, parsed: ParsedFeed, features: dict[str, Features]
    ) -> dict[str, Features]:
        """The meaning vectors of the feed's new entries (bot/encoder.py), computed in the
        workers, off the database thread; entries stored before are not embedded again."""
        if not features or not encoder_wanted():
            return features
        known = await self.db.run(item_queries.known_guids, feed.id, list(features))
        new = [e for e in parsed.entries if e.guid in features and e.guid not in known]
        if not new:
            return features
        job = functools.partial(embed_entries, [(e.title, e.summary) for e in new])
        vectors = await asyncio.get_running_loop().run_in_executor(self.parse_executor, job)
        out = dict(features)
        for entry, vector in zip(new, vectors, strict=True):
            if vector is not None:
                out[entry.guid] = replace(out[entry.guid], vector=vector)
        return out

    async def _analyse(
        self, feed: FeedForUpdate, body: bytes, now: datetime, content_type: str | None
    ) -> tuple[ParsedFeed, dict[str, Classification], dict[str, Features]]:
        job = functools.partial(
            analyse_feed,
            body,
            url=feed.url,
            fetched_at=now,
            content_type=content_type,
            language=feed.language,
        )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.parse_executor, job)


@dataclass(frozen=True, slots=True)
class Job:
    """One fetched feed waiting to be stored: what was parsed and decided about it."""

    feed: FeedForUpdate
    parsed: ParsedFeed | None  #: None when nothing was parsed (304, an error)
    tags: dict[str, Classification]  #: GUID → classification
    features: dict[str, Features]  #: GUID → clustering features
    intent: FeedUpdateIntent  #: the fetch outcome to record on the feed

    @property
    def plain(self) -> bool:
        """Nothing to store but the fetch outcome (no items, no URL change, not disabled)."""
        return self.parsed is None and not self.intent.new_url and not self.intent.disable_reason


class _GroupCommit:
    """Stores feeds' results in as few transactions as possible: whatever is waiting when the
    database thread is free is written together (a warm pass of 200 feeds answering 304 is a
    handful of commits, not 200). A batch that fails is retried feed by feed, so one bad feed
    fails alone. Each feed's items and outcome still land together or not at all."""

    MAX_BATCH = 64

    def __init__(self, db: Database, stories: StoryKeeper) -> None:
        self.db = db
        self.stories = stories
        self.queue: asyncio.Queue[tuple[Job, asyncio.Future[tuple[list[int], int]]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def store(self, job: Job) -> tuple[list[int], int]:
        future: asyncio.Future[tuple[list[int], int]] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((job, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while not self.queue.empty():
            batch = [self.queue.get_nowait()]
            while not self.queue.empty() and len(batch) < self.MAX_BATCH:
                batch.append(self.queue.get_nowait())
            try:
                results = await self.db.run(_store_many, self.stories, [job for job, _ in batch])
            except StorageError:
                # The rolled-back stories are still in the clusterer's memory: reload them.
                self.stories.invalidate()
                for job, future in batch:
                    try:
                        _settle(future, result=await self.db.run(_store, self.stories, job))
                    except StorageError as exc:
                        self.stories.invalidate()
                        _settle(future, error=exc)
                continue
            except BaseException as exc:  # never leave a feed waiting for an answer
                for _, future in batch:
                    _settle(future, error=exc)
                raise
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result=result)

    async def close(self) -> None:
        if self.task is not None:
            await self.task


def _settle(
    future: asyncio.Future[tuple[list[int], int]],
    result: tuple[list[int], int] | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():  # its poll was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


def _store_many(session: Session, stories: StoryKeeper, jobs: Sequence[Job]) -> list[tuple[list[int], int]]:
    """Several feeds' results in one transaction; outcomes with nothing to store and no URL or
    state change (304s, most errors) in one statement."""
    plain = [job for job in jobs if job.plain]
    feed_queries.record_plain_fetches(session, [job.intent for job in plain])
    return [([], 0) if job.plain else _store(session, stories, job) for job in jobs]


def _store(session: Session, stories: StoryKeeper, job: Job) -> tuple[list[int], int]:
    """One transaction: the feed's new entries, their tags, their stories and the fetch outcome
    land together."""
    feed, parsed, tags, features, intent = job.feed, job.parsed, job.tags, job.features, job.intent
    new_ids: list[int] = []
    updated = 0
    if parsed is not None:
        new_ids, updated = item_queries.store_entries(
            session,
            feed.id,
            feed.language,
            parsed.entries,
            intent.fetched_at,
            tags,
            assign=lambda fresh: stories.assign(session, feed.id, fresh, features, intent.fetched_at),
        )
    feed_queries.record_fetch(session, intent, title=parsed.title if parsed else None)
    return new_ids, updated
