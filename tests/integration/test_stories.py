"""Items are grouped into stories as they are stored: real feeds on loopback, real databases.

The reports are the labelled same-event groups of tests/data/clusters.jsonl (group c01: Lithuania
closing crossings over smuggling balloons, in English, Lithuanian, Russian, Belarusian, Polish;
group c04: another event), moved to the test's "now".
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.classify import classify
from bot.classify import default_classifier as keeper_classifier
from bot.cluster import analyse
from bot.domain import FeedSpec
from bot.fetch import Fetcher
from bot.ingest import Poller
from bot.parse import parse_feed
from bot.stories import StoryKeeper
from db.engine import Database
from db.models import Feed, Item, Story, StoryTag
from db.queries import briefing as briefing_queries
from db.queries import feeds as feed_queries
from db.queries import items as item_queries
from tests.fakes.clock import ManualClock
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import rss, seed_items
from tests.integration.helpers import ITEMS, NOW, fake, serve


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def make_poller(database: Database, clock: ManualClock) -> AsyncIterator[Callable[[], Poller]]:
    fetchers: list[Fetcher] = []

    def make() -> Poller:
        fetcher = Fetcher(now=clock.now)
        fetchers.append(fetcher)
        return Poller(db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(3))

    yield make
    for f in fetchers:
        await f.aclose()


def story_of(database: Database, guid: str) -> Story:
    def load(s):
        story = s.scalars(select(Story).join(Item, Item.story_id == Story.id).where(Item.guid == guid)).one()
        s.expunge(story)
        return story

    return database.call(load)


def tags_of(database: Database, story_id: int) -> set[tuple[str, str]]:
    return set(
        database.call(
            lambda s: s.execute(
                select(StoryTag.kind, StoryTag.value).where(StoryTag.story_id == story_id)
            ).all()
        )
    )


async def test_reports_of_one_event_from_three_sources_are_one_story(
    database, feed_server: FeedServer, make_poller, clock
):
    serve(database, feed_server, clock, {"en": ["c01-a", "c04-a"], "lt": ["c01-b"], "ru": ["c01-c"]})
    await make_poller().poll_all()

    story = story_of(database, "c01-a")
    assert story_of(database, "c01-b").id == story.id
    assert story_of(database, "c01-c").id == story.id
    assert (story.item_count, story.source_count) == (3, 3)
    assert story.title == ITEMS["c01-a"]["title"]  # the English title represents it
    assert story.url == ITEMS["c01-a"]["url"]
    assert story.regions[0] == "LT"
    assert "border" in story.topics
    assert story.first_seen_at == fake("c01-b").published  # the Lithuanian report came first
    assert story.last_seen_at == fake("c01-c").published
    assert story.created_at == NOW
    assert ("region", "LT") in tags_of(database, story.id)
    assert ("topic", "border") in tags_of(database, story.id)
    assert story_of(database, "c04-a").id != story.id


async def test_a_restart_continues_the_open_stories(database, feed_server: FeedServer, make_poller, clock):
    serve(database, feed_server, clock, {"en": ["c01-a"], "lt": ["c01-b"]})
    await make_poller().poll_all()
    first = story_of(database, "c01-a")

    # A new process: its clusterer starts empty and loads the open stories from the database.
    serve(database, feed_server, clock, {"ru": ["c01-c"], "pl": ["c01-e"]})
    clock.advance(minutes=10)
    await make_poller().poll_all()

    story = story_of(database, "c01-c")
    assert story.id == first.id
    assert story_of(database, "c01-e").id == first.id
    assert (story.item_count, story.source_count) == (4, 4)
    assert story.created_at == NOW and story.updated_at == NOW + timedelta(minutes=10)
    assert database.call(lambda s: s.scalar(select(Story.id).where(Story.id != first.id))) is None


async def test_a_repoll_does_not_count_an_item_twice(database, feed_server: FeedServer, make_poller, clock):
    serve(database, feed_server, clock, {"en": ["c01-a"], "lt": ["c01-b"]})
    poller = make_poller()
    await poller.poll_all()
    clock.advance(minutes=10)
    await poller.poll_all()
    assert story_of(database, "c01-a").item_count == 2


def test_items_stored_before_stories_existed_are_grouped_by_backfill(database, clock):
    database.call(
        feed_queries.sync_feed_list,
        [FeedSpec(name=f"f{i}", url=f"https://f{i}.test/rss", language="en") for i in range(3)],
        NOW,
    )
    feed_ids = database.call(lambda s: list(s.scalars(select(Feed.id).order_by(Feed.id))))

    for feed_id, item_id in zip(feed_ids, ["c01-a", "c01-b", "c04-a"], strict=True):
        entry = parse_feed(rss([fake(item_id)]), url="https://x.test/rss", fetched_at=NOW).entries[0]
        tags = {entry.guid: classify(entry.title, entry.summary, ITEMS[item_id]["language"])}
        database.call(item_queries.store_entries, feed_id, ITEMS[item_id]["language"], [entry], NOW, tags)
    assert database.call(lambda s: s.scalar(select(Item.story_id).where(Item.guid == "c01-a"))) is None

    keeper = StoryKeeper()
    assert database.call(keeper.backfill, NOW) == 3
    assert story_of(database, "c01-a").id == story_of(database, "c01-b").id
    assert story_of(database, "c04-a").id != story_of(database, "c01-a").id
    assert database.call(keeper.backfill, NOW) == 0  # nothing left


async def test_a_report_that_bridges_two_stories_merges_them(
    database, feed_server: FeedServer, make_poller, clock, monkeypatch
):
    # Without the encoder, the Russian and the Estonian report of the drone that crashed in
    # Latvia share too few names to meet directly.
    monkeypatch.setenv("BRIEFBOT_ENCODER", "off")
    serve(database, feed_server, clock, {"ru": ["c07-c"], "et": ["c07-d"]})
    poller = make_poller()
    await poller.poll_all()
    assert story_of(database, "c07-c").id != story_of(database, "c07-d").id

    # The English one fits both: the two stories become one, in memory and in the database.
    serve(database, feed_server, clock, {"en": ["c07-b"]})
    clock.advance(minutes=10)
    await poller.poll_all()
    story = story_of(database, "c07-b")
    assert story_of(database, "c07-c").id == story.id == story_of(database, "c07-d").id
    assert (story.item_count, story.source_count) == (3, 3)
    assert database.call(lambda s: s.scalar(select(func.count(Story.id)))) == 1
    orphans = database.call(
        lambda s: s.scalar(select(func.count(StoryTag.id)).where(StoryTag.story_id != story.id))
    )
    assert orphans == 0


@pytest.mark.encoder
async def test_the_seed_articles_a_week_apart_are_one_story(
    database, feed_server: FeedServer, make_poller, clock
):
    feed_server.route("/seeds.xml", body=rss(seed_items()))
    database.call(
        feed_queries.sync_feed_list,
        [FeedSpec(name="seeds", url=feed_server.url("/seeds.xml"), language="en")],
        NOW,
    )
    await make_poller().poll_all()
    closing, wagner = (story_of(database, item.guid) for item in seed_items())
    assert closing.id == wagner.id
    assert closing.item_count == 2 and (closing.last_seen_at - closing.first_seen_at).days == 8


async def test_status_queries_read_the_stories(database, feed_server: FeedServer, make_poller, clock):
    serve(database, feed_server, clock, {"en": ["c01-a", "c04-a"], "lt": ["c01-b"]})
    await make_poller().poll_all()
    closing, airport = story_of(database, "c01-a"), story_of(database, "c04-a")

    facts = database.call(briefing_queries.status_facts, ["LT", "LV", "EE"], NOW)
    assert [s.id for s in facts.latest] == sorted([closing.id, airport.id], key=lambda i: i != airport.id)
    line = next(s for s in facts.latest if s.id == closing.id)
    assert line.title_for("lt") == (ITEMS["c01-b"]["title"], ITEMS["c01-b"]["url"])  # the reader's language
    assert line.title_for("fi") == (ITEMS["c01-a"]["title"], ITEMS["c01-a"]["url"])  # else English
    assert facts.last_24h == 1  # the airport closure; the crossings closed a week ago
    assert sum(facts.previous_days) == 1 and len(facts.previous_days) == 30
    assert facts.previous_days[-((NOW - closing.first_seen_at).days)] == 1
    assert facts.newest_item_at == airport.last_seen_at == NOW - timedelta(hours=1)
    assert facts.topics_7d.get("border", 0) >= 1 and set(facts.topics_24h) <= set(facts.topics_7d)
    assert facts.feeds_checked_at == NOW
    # Nothing about Moldova; and nothing "now" a week ago.
    assert database.call(briefing_queries.status_facts, ["MD"], NOW).latest == []
    assert database.call(briefing_queries.status_facts, ["LT"], NOW - timedelta(days=30)).latest == []

    counts = database.call(briefing_queries.chart_counts, ["LT"], NOW, 30)
    day = (
        closing.first_seen_at - (NOW - timedelta(days=29)).replace(hour=0, minute=0, second=0, microsecond=0)
    ).days
    assert counts["border"][day] >= 1 and all(len(v) == 30 for v in counts.values())
    assert sum(sum(v) for v in counts.values()) == sum(len(s.topics) for s in (closing, airport))

    # Both stories are new to the database, but the closing was reported a week ago: old news,
    # not for today's digest.
    assert NOW - closing.last_seen_at > timedelta(days=6)
    digest = database.call(briefing_queries.digest_stories, ["LT"], NOW - timedelta(days=1), NOW)
    assert {s.id for s in digest} == {airport.id}
    assert database.call(briefing_queries.digest_stories, ["LT"], NOW, NOW + timedelta(hours=1)) == []


def test_after_a_failed_transaction_the_stories_are_reloaded(database):
    database.call(
        feed_queries.sync_feed_list, [FeedSpec(name="f", url="https://f.test/rss", language="en")], NOW
    )
    feed_id = database.call(lambda s: s.scalar(select(Feed.id)))
    keeper = StoryKeeper()
    entries = [
        parse_feed(rss([fake(i)]), url="https://f.test/rss", fetched_at=NOW).entries[0] for i in ("c01-a",)
    ]
    features = {e.guid: analyse(keeper_classifier(), e.title, e.summary, "en")[1] for e in entries}

    def fails(session):
        keeper.assign(session, feed_id, entries, features, NOW)
        raise RuntimeError("the transaction fails after the stories were written")

    with pytest.raises(RuntimeError):
        database.call(fails)
    assert database.call(lambda s: s.scalar(select(func.count(Story.id)))) == 0
    keeper.invalidate()  # what ingest does on a failed store
    ids = database.call(keeper.assign, feed_id, entries, features, NOW)
    stored = database.call(lambda s: s.get(Story, ids["c01-a"]))
    assert stored is not None and stored.item_count == 1


def test_status_counts_by_24_hour_day_and_a_story_once_per_group(database):
    def story(session, key: str, age: timedelta, codes: tuple[str, ...], severity: str = "low") -> None:
        when = NOW - age
        row = Story(
            key=key,
            title=key,
            first_seen_at=when,
            last_seen_at=when,
            regions=list(codes),
            topics=["border"],
            item_count=1,
            source_count=1,
            severity=severity,
            state={},
            created_at=NOW,
        )
        session.add(row)
        session.flush()
        for kind, value in [*(("region", c) for c in codes), ("topic", "border")]:
            session.add(
                StoryTag(story_id=row.id, kind=kind, value=value, first_seen_at=when, last_seen_at=when)
            )

    def fill(session) -> None:
        story(session, "both", timedelta(hours=2), ("LT", "LV"), "high")  # one story, two countries
        story(session, "edge-today", timedelta(hours=23, minutes=59), ("LT",))
        story(session, "yesterday", timedelta(hours=24, minutes=1), ("LV",))
        story(session, "oldest", timedelta(days=30, hours=1), ("EE",))
        story(session, "outside", timedelta(days=31, hours=1), ("LT",))
        story(session, "future", -timedelta(hours=1), ("LT",))  # a feed clock ahead: not counted

    database.call(fill)
    facts = database.call(briefing_queries.status_facts, ["LT", "LV", "EE"], NOW)
    assert (facts.last_24h, facts.high_severity_24h) == (2, 1)
    assert facts.previous_days[-1] == 1 and facts.previous_days[0] == 1 and sum(facts.previous_days) == 2
    assert facts.topics_24h == {"border": 2} and facts.topics_7d == {"border": 3}
    assert [s.title for s in facts.latest] == ["both", "edge-today", "yesterday", "oldest", "outside"]


async def test_housekeeping_prunes_what_is_older_than_the_retention(
    database, feed_server: FeedServer, make_poller, clock
):
    from db.models import ItemTag
    from db.queries import housekeeping

    serve(database, feed_server, clock, {"en": ["c01-a", "c04-a"], "lt": ["c01-b"]})
    await make_poller().poll_all()
    closing, airport = story_of(database, "c01-a"), story_of(database, "c04-a")
    # 180 days of retention, three days short of it later: the week-old closing goes, the airport stays.
    gone = database.call(housekeeping.prune, NOW + timedelta(days=177), 180)
    assert (gone["items"], gone["stories"]) == (2, 1) and gone["item_tags"] > 0
    left = database.call(lambda s: sorted(s.scalars(select(Item.guid))))
    assert left == ["c04-a"]
    assert database.call(lambda s: s.get(Story, closing.id)) is None
    assert database.call(lambda s: s.get(Story, airport.id)) is not None
    assert (
        database.call(
            lambda s: s.scalar(select(func.count(StoryTag.id)).where(StoryTag.story_id == closing.id))
        )
        == 0
    )
    tags_left = database.call(lambda s: set(s.scalars(select(ItemTag.item_id))))
    assert tags_left == set(database.call(lambda s: s.scalars(select(Item.id)).all()))


@pytest.mark.encoder
async def test_only_new_entries_are_embedded_and_their_meaning_is_kept_with_the_story(
    database, feed_server: FeedServer, make_poller, clock, monkeypatch
):
    from bot import encoder as encoder_module
    from bot.encoder import unpack

    texts: list[str] = []
    embed = encoder_module.Encoder.embed

    def counting(self, title, summary=""):
        texts.append(title)
        return embed(self, title, summary)

    monkeypatch.setattr(encoder_module.Encoder, "embed", counting)
    serve(database, feed_server, clock, {"ru": ["c07-c"], "et": ["c07-d"]})
    poller = make_poller()
    await poller.poll_all()
    assert sorted(texts) == sorted([ITEMS["c07-c"]["title"], ITEMS["c07-d"]["title"]])
    # Meaning joins what names could not (the Russian and Estonian report of one crash)…
    story = story_of(database, "c07-c")
    assert story_of(database, "c07-d").id == story.id
    assert unpack(story.state["vector"]) is not None and story.state["vector_count"] == 2
    # …and a second poll of the same feeds (no ETag) embeds nothing again.
    clock.advance(minutes=10)
    texts.clear()
    await poller.poll_all()
    assert texts == []
