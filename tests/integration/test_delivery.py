"""Digests at local time and alerts, exactly once, against the loopback Bot API fake. Time is a
ManualClock: nothing sleeps until a digest is due."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.delivery import Deliverer
from bot.domain import FeedSpec
from bot.fetch import Fetcher
from bot.ingest import Poller
from db.engine import Database
from db.models import Chat, Delivery, Story
from db.queries import chats as chat_queries
from db.queries import deliveries as ledger
from db.queries import feeds as feed_queries
from tests.fakes.clock import ManualClock
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, rss
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.helpers import NOW, serve
from tests.integration.helpers import fake as fake_item

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ANN, BOB, CAROL = 1001, 1002, 1003


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(token=TOKEN).start()
    for user in (ANN, BOB, CAROL):
        fake.private_chat(user)
    yield fake
    fake.stop()


@pytest.fixture
async def deliverer(
    fake: FakeTelegram, database: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Deliverer]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as bot/telegram_app.py sets it
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        yield Deliverer(bot, database, clock)


async def poll(
    database: Database, feed_server: FeedServer, clock: ManualClock, feeds: dict[str, list[str]]
) -> None:
    serve(database, feed_server, clock, feeds)
    fetcher = Fetcher(now=clock.now)
    await Poller(
        db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(2)
    ).poll_all()
    await fetcher.aclose()


def add_chat(
    database: Database,
    chat_id: int,
    zone: str,
    region: str,
    *,
    at: time = time(8),
    created: datetime = NOW,
    **settings,
) -> None:
    def add(session):
        chat_queries.ensure_chat(
            session,
            chat_id,
            type="private",
            title=None,
            language="en",
            timezone=zone,
            digest_time=at,
            now=created,
        )
        chat_queries.subscribe(session, chat_id, region, (), None, created)
        if settings:
            chat_queries.update_settings(session, chat_id, **settings)

    database.call(add)


def digests(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent(chat_id) if m["text"] and m["text"].startswith("Daily briefing")]


def alerts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent(chat_id) if m["text"] and " Alert · " in m["text"]]


async def test_a_digest_at_08_00_vilnius_fires_once_at_the_right_instant(database, fake, deliverer, clock):
    # NOW is 2026-11-25 12:00 UTC (14:00 in Vilnius, 07:00 in New York); both chats start then.
    add_chat(database, ANN, "Europe/Vilnius", "LT")
    add_chat(database, BOB, "America/New_York", "LT")  # 08:00 in New York is 13:00 UTC
    await deliverer.tick()
    assert digests(fake, ANN) == digests(fake, BOB) == []  # neither chat existed at its last 08:00
    clock.set(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    await deliverer.tick()
    assert digests(fake, ANN) == [] and len(digests(fake, BOB)) == 1
    clock.set(datetime(2026, 11, 26, 5, 59, 59, tzinfo=UTC))
    await deliverer.tick()
    assert digests(fake, ANN) == []
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    await deliverer.tick()
    await deliverer.tick()
    assert len(digests(fake, ANN)) == 1 and len(digests(fake, BOB)) == 1
    clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    await deliverer.tick()
    assert len(digests(fake, ANN)) == 1 and len(digests(fake, BOB)) == 2
    # Down for three days: one digest when back, not three.
    clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    await deliverer.tick()
    assert len(digests(fake, ANN)) == 2
    keys = database.call(lambda s: sorted(s.scalars(select(Delivery.key).where(Delivery.chat_id == ANN))))
    assert keys == ["2026-11-26", "2026-11-29"]


async def test_a_severe_story_alerts_each_following_chat_once_however_many_feeds_report_it(
    database, feed_server, fake, deliverer, clock
):
    add_chat(database, ANN, "Europe/Vilnius", "LT", min_severity="medium")
    add_chat(database, BOB, "Europe/Vilnius", "baltics", min_severity="medium")
    add_chat(database, CAROL, "Europe/Vilnius", "PL")  # follows something else
    await deliverer.tick()  # nothing yet
    # The same event from three feeds, in three languages.
    clock.advance(minutes=1)
    await poll(database, feed_server, clock, {"en": ["c04-a"], "lt": ["c04-b"], "pl": ["c04-c"]})
    await deliverer.tick()
    await deliverer.tick()
    story = database.call(lambda s: s.scalars(select(Story).order_by(Story.item_count.desc())).first())
    assert story.severity == "medium" and story.source_count >= 2  # one story from several feeds
    assert len(alerts(fake, ANN)) == 1 and f"/why_{story.id}" in alerts(fake, ANN)[0]
    assert len(alerts(fake, BOB)) == 1 and alerts(fake, CAROL) == []
    # Another outlet reports it later: the story grows, nobody gets a second alert.
    clock.advance(minutes=5)
    report = replace(
        fake_item("c04-a"), guid="c04-a-copy", link="https://www.delfi.lt/ru/news/balloons-vilnius"
    )
    feed_server.route("/ru.xml", body=rss([report]))
    spec = FeedSpec(name="news ru", url=feed_server.url("/ru.xml"), language="ru")
    database.call(feed_queries.sync_feed_list, [spec], clock.now())
    fetcher = Fetcher(now=clock.now)
    await Poller(
        db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(2)
    ).poll_all()
    await fetcher.aclose()
    assert database.call(lambda s: s.get(Story, story.id).source_count) == story.source_count + 1
    await deliverer.tick()
    assert len(alerts(fake, ANN)) == 1 and len(alerts(fake, BOB)) == 1
    # …and the alert already sent is edited to say so.
    edited = next(m for m in fake.sent(ANN) if m["text"] and " Alert · " in m["text"])
    assert edited["edits"] == 1 and f"{story.source_count + 1} sources" in edited["text"]
    await deliverer.tick()
    edits = [c for c in fake.calls_of("editMessageText") if str(c.params.get("chat_id")) == str(ANN)]
    assert len(edits) == 1  # edited once, not at every tick


async def test_quiet_hours_hold_alerts_below_high_for_the_digest(
    database, feed_server, fake, deliverer, clock
):
    # 12:00 UTC is 14:00 in Vilnius: Ann's quiet hours are 13:00-15:00, Bob has none.
    add_chat(
        database, ANN, "Europe/Vilnius", "LT", min_severity="medium", quiet_start=time(13), quiet_end=time(15)
    )
    add_chat(database, BOB, "Europe/Vilnius", "LT", min_severity="medium")
    await deliverer.tick()
    clock.advance(minutes=1)
    await poll(database, feed_server, clock, {"en": ["c04-a"]})  # the airport closes again: medium
    await deliverer.tick()
    assert alerts(fake, ANN) == [] and len(alerts(fake, BOB)) == 1
    # The story turns high (a later report): quiet hours do not hold that.
    clock.advance(minutes=1)

    def escalate(session):
        story = session.scalars(select(Story)).one()
        story.severity, story.updated_at = "high", clock.now()

    database.call(escalate)
    await deliverer.tick()
    assert len(alerts(fake, ANN)) == 1 and alerts(fake, ANN)[0].startswith("🔴 Alert")


async def test_a_blocked_chat_is_marked_inactive_and_its_delivery_failed(database, fake, deliverer, clock):
    add_chat(database, ANN, "Europe/Vilnius", "LT")
    fake.block(ANN)
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    outcome = await deliverer.tick()
    assert outcome.failed == 1
    assert database.call(lambda s: s.get(Chat, ANN).active) is False
    row = database.call(lambda s: s.scalars(select(Delivery)).one())
    assert (row.state, "blocked" in row.last_error) == ("failed", True)


async def test_a_429_storm_delays_but_loses_nothing(database, fake, deliverer, clock):
    for chat in (ANN, BOB, CAROL):
        add_chat(database, chat, "Europe/Vilnius", "LT")
    fake.fail_next("sendMessage", error_code=429, retry_after=30, times=2)
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    first = await deliverer.tick()
    assert (first.sent, first.retried) == (1, 2)
    clock.advance(seconds=31)
    second = await deliverer.tick()
    assert second.sent == 2
    assert [len(digests(fake, c)) for c in (ANN, BOB, CAROL)] == [1, 1, 1]
    assert database.call(ledger.counts) == {("digest", "sent"): 3}


async def test_5xx_is_retried_with_backoff_then_recorded_as_failed(database, fake, deliverer, clock):
    add_chat(database, ANN, "Europe/Vilnius", "LT")
    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=10)
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    for _ in range(5):
        await deliverer.tick()
        clock.advance(minutes=31)
    row = database.call(lambda s: s.scalars(select(Delivery)).one())
    assert row.state == "failed" and "gave up after 5 tries" in row.last_error


async def test_a_crash_between_send_and_mark_resends_only_that_message_after_the_lease(
    database, fake, deliverer, clock
):
    add_chat(database, ANN, "Europe/Vilnius", "LT")
    add_chat(database, BOB, "Europe/Vilnius", "LT")
    clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
    await database.run(ledger.plan_digests, clock.now())
    claimed = await database.run(ledger.claim_due, clock.now(), 1)  # claimed, "sent", then the process died
    assert len(claimed) == 1
    await deliverer.tick()  # the other one goes; the claimed one waits for its lease
    assert sum(len(digests(fake, c)) for c in (ANN, BOB)) == 1
    clock.advance(minutes=3)
    await deliverer.tick()
    assert [len(digests(fake, c)) for c in (ANN, BOB)] == [1, 1]
    await deliverer.tick()
    assert database.call(ledger.counts) == {("digest", "sent"): 2}


async def test_a_feed_failing_for_a_day_is_reported_to_the_admins_once(database, fake, clock, monkeypatch):
    from bot.domain import FeedSpec
    from db.models import Feed
    from db.queries import feeds as feed_queries

    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    admin = 900
    fake.private_chat(admin)
    database.call(
        feed_queries.sync_feed_list,
        [FeedSpec(name="LRT", url="https://lrt.test/rss", language="lt")],
        NOW - timedelta(days=3),
    )

    def failing(session, since):
        feed = session.scalars(select(Feed)).one()
        feed.consecutive_errors, feed.last_error, feed.last_success_at = (
            7,
            "HTTP 500 Internal Server Error",
            since,
        )

    database.call(failing, NOW - timedelta(hours=23))
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        deliverer = Deliverer(bot, database, clock, admin_ids=(admin,), notices_every=timedelta(0))
        await deliverer.tick()
        assert fake.sent(admin) == []  # 23 h: not yet
        clock.advance(hours=2)
        for _ in range(3):
            await deliverer.tick()
            clock.advance(minutes=11)
        texts = [m["text"] for m in fake.sent(admin)]
        assert len(texts) == 1 and "Feed “LRT” has failed for 25 h (7 tries): HTTP 500" in texts[0]
        # It recovers, then fails again for a day: a new notice.
        database.call(failing, clock.now())
        clock.advance(hours=25)
        await deliverer.tick()
        assert len(fake.sent(admin)) == 2


async def test_a_story_committed_after_a_tick_but_stamped_before_it_still_alerts(
    database, feed_server, fake, deliverer, clock
):
    add_chat(database, ANN, "Europe/Vilnius", "LT", min_severity="medium")
    clock.set(NOW + timedelta(minutes=1))
    await deliverer.tick()  # the story is being parsed meanwhile, not stored yet
    clock.set(NOW + timedelta(seconds=30))  # its fetch time, which stamps it
    await poll(database, feed_server, clock, {"en": ["c04-a"]})
    clock.set(NOW + timedelta(minutes=1, seconds=10))
    await deliverer.tick()
    assert len(alerts(fake, ANN)) == 1


BALLOONS = FakeItem(
    title="Balloons from Belarus disrupt Vilnius airport",
    body_html="<p>Vilnius airport suspended flights for several hours on Sunday night after smuggling "
    "balloons from Belarus entered Lithuanian airspace, the airport said.</p>",
    guid="balloons",
    link="https://lrt.test/balloons",
    published=NOW - timedelta(hours=2),
)
CLOSURE = FakeItem(
    title="Lithuania closes border with Belarus over balloons at Vilnius airport",
    body_html="<p>Lithuania closed its border crossings with Belarus after smuggling balloons again "
    "halted flights at Vilnius airport, the government said.</p>",
    guid="closure",
    link="https://delfi.test/closure",
    published=NOW - timedelta(minutes=30),
)


async def poll_feeds(database: Database, feed_server: FeedServer, clock: ManualClock, feeds: dict) -> None:
    specs = []
    for name, items in feeds.items():
        feed_server.route(f"/{name}.xml", body=rss(items))
        specs.append(FeedSpec(name=name, url=feed_server.url(f"/{name}.xml"), language="en"))
    database.call(feed_queries.sync_feed_list, specs, clock.now())
    fetcher = Fetcher(now=clock.now)
    await Poller(
        db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(2)
    ).poll_all()
    await fetcher.aclose()


@pytest.mark.encoder
async def test_a_new_severe_development_of_an_alerted_story_is_alerted_once(
    database, feed_server, fake, deliverer, clock
):
    add_chat(database, ANN, "Europe/Vilnius", "LT", min_severity="medium")
    add_chat(database, BOB, "Europe/Vilnius", "LT", min_severity="high")
    await poll_feeds(database, feed_server, clock, {"lrt": [BALLOONS]})
    await deliverer.tick()
    assert len(alerts(fake, ANN)) == 1 and alerts(fake, BOB) == []  # medium: Bob waits for high
    # Hours later the government closes the border: the same story, now high.
    clock.advance(minutes=90)
    await poll_feeds(database, feed_server, clock, {"lrt": [BALLOONS], "delfi": [CLOSURE]})
    story = database.call(lambda s: s.scalars(select(Story)).one())
    assert story.development == 1 and story.severity == "high" and story.item_count == 2
    await deliverer.tick()
    await deliverer.tick()
    news = [m["text"] for m in fake.sent(ANN) if m["text"] and "New development" in m["text"]]
    assert len(news) == 1 and "border closure: Lithuania closes border" in news[0]
    # Bob was never alerted to the story: he gets it once, as it is now, not as "new".
    assert len(alerts(fake, BOB)) == 1 and alerts(fake, BOB)[0].startswith("🔴 Alert")
    keys = database.call(
        lambda s: sorted(s.scalars(select(Delivery.key).where(Delivery.kind == "alert")).all())
    )
    assert keys == [str(story.id), f"{story.id}.1", f"{story.id}.1"]
    # The closure again, from a third outlet: one more source edits the latest alert only…
    clock.advance(minutes=5)
    third = replace(CLOSURE, guid="closure-bns", link="https://bns.test/closure")
    await poll_feeds(database, feed_server, clock, {"lrt": [BALLOONS], "delfi": [CLOSURE], "bns": [third]})
    await deliverer.tick()
    edited = [c for c in fake.calls_of("editMessageText") if str(c.params.get("chat_id")) == str(ANN)]
    assert len(edited) == 1 and "New development" in edited[0].params["text"]
    assert "3 sources" in edited[0].params["text"]
    assert len([m for m in fake.sent(ANN) if m["text"] and "New development" in m["text"]]) == 1
    # …and a report that changes nothing shown (the same article in a fourth feed) edits nothing.
    clock.advance(minutes=5)
    copy = replace(CLOSURE, guid="closure-copy")
    await poll_feeds(
        database,
        feed_server,
        clock,
        {"lrt": [BALLOONS], "delfi": [CLOSURE], "bns": [third], "copy": [copy]},
    )
    assert database.call(lambda s: s.scalars(select(Story)).one().item_count) == 4
    await deliverer.tick()
    edited = [c for c in fake.calls_of("editMessageText") if str(c.params.get("chat_id")) == str(ANN)]
    assert len(edited) == 1
