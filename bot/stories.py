"""Keep stories as items arrive: the clusterer (pure, in memory) backed by the database. Edge.

    new items of a feed ─▶ Clusterer.add (features from the parse workers)
                       ─▶ save touched stories + tags (same transaction as the items)
                       ─▶ items stored with their story_id

Every call runs on the database thread, inside the transaction that stores the items, so the
clusterer is only ever used by one thread. The database is the truth: at start (and after a
failed transaction, whose stories were rolled back) the open stories are loaded from it again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.classify import Classifier
from bot.cluster import CONTINUE_WINDOW, Clusterer, ClusterItem, Features, Story, StoryAssignment, analyse
from bot.domain import Entry
from db import locks
from db.models import Story as StoryRow
from db.queries import stories as story_queries

log = logging.getLogger(__name__)

BACKFILL_BATCH = 1000


class StoryKeeper:
    def __init__(self, classifier: Classifier | None = None) -> None:
        self._classifier = classifier
        self._clusterer: Clusterer | None = None
        self._last_write: datetime | None = None

    def _serialise(self, session: Session) -> None:
        """On PostgreSQL several processes may store items: one groups at a time (a transaction
        advisory lock), and one that finds stories written by another since its own last write
        reloads them first. (SQLite has one writer at a time anyway.)"""
        if not locks.hold(session, locks.STORIES):
            return
        newest = session.scalar(select(func.max(StoryRow.updated_at)))
        if newest != self._last_write:
            self.invalidate()

    def invalidate(self) -> None:
        """Forget the in-memory stories (a transaction failed); the next call reloads them."""
        self._clusterer = None

    def _loaded(self, session: Session, now: datetime) -> Clusterer:
        if self._clusterer is None:
            clusterer = Clusterer(self._classifier)
            rows = story_queries.open_stories(session, now - CONTINUE_WINDOW)
            clusterer.restore(
                Story.from_state(
                    r.key, r.first_seen_at, r.last_seen_at, r.item_count, r.severity, r.state or {}, id=r.id
                )
                for r in rows
            )
            self._classifier = clusterer.classifier
            self._clusterer = clusterer
            log.info("stories.loaded open=%d", len(rows))
        return self._clusterer

    def assign(
        self,
        session: Session,
        feed_id: int,
        entries: Sequence[Entry],
        features: Mapping[str, Features],
        now: datetime,
    ) -> dict[str, int]:
        """Put new ``entries`` of one feed into stories and save those stories; returns
        GUID → story id. Entries without features (the classifier failed on them) get none."""
        self._serialise(session)
        clusterer = self._loaded(session, now)
        batch = _Batch(session, clusterer, now)
        chosen: dict[str, str] = {}  # GUID → story key
        for entry in sorted(entries, key=lambda e: e.published_at):
            f = features.get(entry.guid)
            if f is None:
                continue
            item = ClusterItem(
                entry.guid,
                entry.title,
                entry.summary,
                entry.published_at,
                str(feed_id),
                f.language,
                entry.url,
            )
            chosen[entry.guid] = batch.note(clusterer.add(item, f))
        batch.save()
        if session.get_bind().dialect.name == "postgresql":
            # What this process wrote last: a different newest time later means another wrote.
            self._last_write = session.scalar(select(func.max(StoryRow.updated_at)))
        return {guid: batch.id_of(key) for guid, key in chosen.items()}

    def backfill(self, session: Session, now: datetime, days: int = 30) -> int:
        """Group classified items that have no story yet (stored before stories existed), the
        last ``days`` days, in batches. Returns how many were grouped."""
        clusterer = self._loaded(session, now)
        done, after = 0, 0
        while rows := story_queries.unassigned_items(
            session, now - timedelta(days=days), after, BACKFILL_BATCH
        ):
            after = rows[-1].id
            batch = _Batch(session, clusterer, now)
            pairs: list[tuple[int, str]] = []
            for r in sorted(rows, key=lambda r: r.published_at):
                try:
                    _, f = analyse(clusterer.classifier, r.title, r.summary, r.language)
                except Exception:  # noqa: BLE001 - one odd item must not stop the others
                    log.exception("stories.backfill_failed item=%s", r.id)
                    continue
                item = ClusterItem(
                    str(r.id), r.title, r.summary, r.published_at, str(r.feed_id), f.language, r.url
                )
                pairs.append((r.id, batch.note(clusterer.add(item, f))))
            batch.save()
            story_queries.set_item_stories(session, [(i, batch.id_of(key)) for i, key in pairs])
            done += len(pairs)
        if done:
            log.info("stories.backfilled items=%d", done)
        return done


class _Batch:
    """The stories touched while grouping one batch of items, saved together at the end.
    Stories an item bridged into another are merged in the database too: their items move to
    the story that stays and their rows go (their keys are followed to it)."""

    def __init__(self, session: Session, clusterer: Clusterer, now: datetime) -> None:
        self.session, self.clusterer, self.now = session, clusterer, now
        self.touched: dict[str, Story] = {}
        self.renamed: dict[str, str] = {}

    def note(self, assignment: StoryAssignment) -> str:
        story = self.clusterer.stories[assignment.story_key]
        self.touched[story.key] = story
        for gone in assignment.merged:
            self.touched.pop(gone.key, None)
            self.renamed[gone.key] = story.key
            if gone.id is not None:
                if story.id is None:  # the story that stays needs its row before items move to it
                    story_queries.save_stories(self.session, [story], self.now)
                assert story.id is not None
                story_queries.merge_story(self.session, gone.id, story.id)
                log.info("stories.merged from=%s into=%s", gone.key, story.key)
        return story.key

    def id_of(self, key: str) -> int:
        """The database id of the story ``key`` became (after ``save``)."""
        while key in self.renamed:
            key = self.renamed[key]
        story_id = self.clusterer.stories[key].id
        assert story_id is not None, "save() first"
        return story_id

    def save(self) -> None:
        story_queries.save_stories(self.session, self.touched.values(), self.now)
