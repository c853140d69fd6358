"""The whole poll → store path against a real loopback feed server, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain import FeedSpec, FetchStatus
from bot.fetch import Fetcher, FetchLimits
from bot.ingest import Poller
from db.engine import Database
from db.models import Feed, Item, ItemTag
from db.queries import feeds as feed_queries
from tests.fakes.clock import ManualClock
from tests.fakes.feed_server import FeedServer
from tests.fakes.feeds import FakeItem, atom, rss, seed_items

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def items(n: int, prefix: str = "item", when: datetime = T0) -> list[FakeItem]:
    return [
        FakeItem(
            title=f"Border guards report {prefix} {i}",
            body_html=f"<p>Report <b>{i}</b> from the Lithuanian &amp; Belarusian border.</p>",
            guid=f"{prefix}-{i}",
            link=f"https://news.example.test/{prefix}/{i}",
            published=when - timedelta(minutes=i),
        )
        for i in range(n)
    ]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def make_poller(database: Database, clock: ManualClock) -> AsyncIterator[Callable[..., Poller]]:
    fetchers: list[Fetcher] = []

    def make(limits: FetchLimits | None = None) -> Poller:
        fetcher = Fetcher(limits, now=clock.now)
        fetchers.append(fetcher)
        return Poller(db=database, fetcher=fetcher, clock=clock, default_interval=300, rng=random.Random(7))

    yield make
    for f in fetchers:
        await f.aclose()


def add_feeds(database: Database, clock: ManualClock, *urls: str) -> None:
    specs = [FeedSpec(name=f"feed {i}", url=u, language="en") for i, u in enumerate(urls)]
    database.call(feed_queries.sync_feed_list, specs, clock.now())


def feed_row(database: Database, origin_url: str) -> Feed:
    return database.call(lambda s: s.scalars(select(Feed).where(Feed.origin_url == origin_url)).one())


def stored(database: Database) -> list[Item]:
    return database.call(lambda s: list(s.scalars(select(Item).order_by(Item.id))))


async def test_seed_articles_polled_twice_are_stored_once(
    database, feed_server: FeedServer, make_poller, clock
):
    feed_server.route("/seeds.xml", body=rss(seed_items()), etag='"v1"')
    add_feeds(database, clock, feed_server.url("/seeds.xml"))
    poller = make_poller()

    first = await poller.poll_all()
    clock.advance(minutes=5)
    second = await poller.poll_all()

    assert [o.status for o in first.outcomes] == [FetchStatus.OK]
    assert first.new_items == 2
    assert [o.status for o in second.outcomes] == [FetchStatus.NOT_MODIFIED]
    assert second.new_items == 0
    assert feed_server.requests("/seeds.xml")[1].headers["if-none-match"] == '"v1"'
    rows = stored(database)
    assert len(rows) == 2
    wagner = next(r for r in rows if "wagner" in r.guid)
    assert wagner.published_at == datetime(2023, 11, 13, 7, 0, tzinfo=UTC)
    assert "Wagner Group mercenaries" in wagner.summary
    assert "<p>" not in wagner.summary and "\n" not in wagner.summary
    assert wagner.url == "https://news.example.test/2023-11-13-lithuania-belarus-wagner"
    assert wagner.language == "en"
    assert wagner.fetched_at == T0


async def test_stored_items_carry_their_tags_with_evidence(database, feed_server, make_poller, clock):
    feed_server.route("/seeds.xml", body=rss(seed_items()))
    add_feeds(database, clock, feed_server.url("/seeds.xml"))
    await make_poller().poll_all()

    def tags(session):
        rows = session.execute(select(Item.guid, Item.severity, Item.classified_at, ItemTag).join(ItemTag))
        return [
            (guid, severity, classified, tag.kind, tag.value, tag.role, tag.evidence)
            for guid, severity, classified, tag in rows
        ]

    rows = database.call(tags)
    wagner = [r for r in rows if "wagner" in r[0]]
    assert {r[1] for r in wagner} == {"high"}
    assert {r[2] for r in wagner} == {T0}
    regions = {(r[4], r[5]) for r in wagner if r[3] == "region"}
    # The parties of the closure are about (Lithuania closes crossings with Belarus); the
    # neighbours named as background are mentioned.
    assert {("LT", "about"), ("BY", "about")} <= regions
    assert {("PL", "mentioned"), ("LV", "mentioned")} <= regions
    assert {"border", "military"} <= {r[4] for r in wagner if r[3] == "topic"}
    assert ("event", "border_closure") in {(r[3], r[4]) for r in wagner}
    lt = next(r for r in wagner if r[4] == "LT")
    assert "Lithuania" in lt[6]


async def test_republished_guid_is_stored_once_and_updated(database, feed_server, make_poller, clock):
    route = feed_server.route("/a.xml", body=rss(items(3)))
    add_feeds(database, clock, feed_server.url("/a.xml"))
    poller = make_poller()
    await poller.poll_all()

    changed = items(3)
    changed[0] = FakeItem(
        "Corrected: border crossing closed", changed[0].body_html, "item-0", changed[0].link, T0
    )
    route.body = rss(changed + items(1, prefix="late"))
    clock.advance(minutes=5)
    summary = await poller.poll_all()

    (outcome,) = summary.outcomes
    assert len(outcome.new_item_ids) == 1
    assert outcome.updated_items == 1
    rows = stored(database)
    assert len(rows) == 4
    assert next(r for r in rows if r.guid == "item-0").title == "Corrected: border crossing closed"
    assert next(r for r in rows if r.guid == "item-0").updated_at == clock.now()


async def test_last_modified_alone_gives_304(database, feed_server, make_poller, clock):
    stamp = "Wed, 25 Nov 2026 10:00:00 GMT"
    feed_server.route("/lm.xml", body=rss(items(2)), last_modified=stamp)
    add_feeds(database, clock, feed_server.url("/lm.xml"))
    poller = make_poller()
    await poller.poll_all()
    summary = await poller.poll_all()
    assert summary.outcomes[0].status is FetchStatus.NOT_MODIFIED
    assert feed_server.requests("/lm.xml")[1].headers["if-modified-since"] == stamp
    assert feed_row(database, feed_server.url("/lm.xml")).last_modified == stamp


async def test_atom_feed_is_stored(database, feed_server, make_poller, clock):
    feed_server.route("/atom.xml", body=atom(items(4)), content_type="application/atom+xml")
    add_feeds(database, clock, feed_server.url("/atom.xml"))
    summary = await make_poller().poll_all()
    assert summary.new_items == 4
    assert {r.guid for r in stored(database)} == {f"item-{i}" for i in range(4)}
    assert feed_row(database, feed_server.url("/atom.xml")).title == "Test atom feed"


async def test_permanent_redirect_updates_the_stored_url(database, feed_server, make_poller, clock):
    old, new = feed_server.url("/old.xml"), feed_server.url("/new.xml")
    feed_server.route("/old.xml", status=301, headers={"Location": new})
    feed_server.route("/new.xml", body=rss(items(2)), etag='"n1"')
    add_feeds(database, clock, old)
    poller = make_poller()

    first = await poller.poll_all()
    second = await poller.poll_all()

    assert first.outcomes[0].new_url == new
    assert len(first.outcomes[0].new_item_ids) == 2
    feed = feed_row(database, old)
    assert (feed.url, feed.origin_url, feed.enabled) == (new, old, True)
    assert second.outcomes[0].status is FetchStatus.NOT_MODIFIED
    assert len(feed_server.requests("/old.xml")) == 1  # the second poll went straight to the new URL
    assert len(stored(database)) == 2


async def test_temporary_redirect_keeps_the_url(database, feed_server, make_poller, clock):
    feed_server.route("/tmp.xml", status=302, headers={"Location": feed_server.url("/real.xml")})
    feed_server.route("/real.xml", body=rss(items(1)))
    add_feeds(database, clock, feed_server.url("/tmp.xml"))
    summary = await make_poller().poll_all()
    assert summary.new_items == 1
    assert feed_row(database, feed_server.url("/tmp.xml")).url == feed_server.url("/tmp.xml")


async def test_gone_disables_the_feed(database, feed_server, make_poller, clock):
    feed_server.route("/gone.xml", status=410, body=b"gone")
    add_feeds(database, clock, feed_server.url("/gone.xml"))
    poller = make_poller()
    summary = await poller.poll_all()
    assert summary.outcomes[0].status is FetchStatus.GONE
    feed = feed_row(database, feed_server.url("/gone.xml"))
    assert feed.enabled is False
    assert "410" in feed.disabled_reason
    assert (await poller.poll_all()).outcomes == ()
    assert len(feed_server.requests("/gone.xml")) == 1


async def test_429_honours_retry_after(database, feed_server, make_poller, clock):
    feed_server.route("/busy.xml", status=429, headers={"Retry-After": "3600"})
    add_feeds(database, clock, feed_server.url("/busy.xml"))
    summary = await make_poller().poll_all()
    feed = feed_row(database, feed_server.url("/busy.xml"))
    assert summary.outcomes[0].status is FetchStatus.ERROR
    assert feed.last_error == "HTTP 429 Too Many Requests"
    assert feed.consecutive_errors == 1
    assert feed.next_fetch_at >= T0 + timedelta(seconds=3600)
    due = database.call(feed_queries.feeds_to_poll, T0 + timedelta(minutes=30))
    assert due == []


async def test_server_errors_back_off_then_recover(database, feed_server, make_poller, clock):
    route = feed_server.route("/flaky.xml", status=500, body=b"oops")
    add_feeds(database, clock, feed_server.url("/flaky.xml"))
    poller = make_poller()

    await poller.poll_all()
    first = feed_row(database, feed_server.url("/flaky.xml"))
    for _ in range(3):
        clock.advance(hours=1)
        await poller.poll_all()
    fourth = feed_row(database, feed_server.url("/flaky.xml"))
    route.status, route.body = 200, rss(items(2))
    clock.advance(hours=1)
    await poller.poll_all()
    healed = feed_row(database, feed_server.url("/flaky.xml"))

    assert first.consecutive_errors == 1
    assert first.last_error == "HTTP 500 Internal Server Error"
    assert fourth.consecutive_errors == 4
    assert fourth.next_fetch_at - fourth.last_fetched_at > first.next_fetch_at - first.last_fetched_at
    assert healed.consecutive_errors == 0
    assert healed.last_success_at == clock.now()
    assert healed.last_error == "HTTP 500 Internal Server Error"  # kept for the health table
    assert len(stored(database)) == 2


async def test_one_slow_feed_times_out_and_the_others_are_stored(database, feed_server, make_poller, clock):
    feed_server.route("/slow.xml", body=rss(items(1)), delay=3.0)
    feed_server.route("/fast.xml", body=rss(items(3)))
    add_feeds(database, clock, feed_server.url("/slow.xml"), feed_server.url("/fast.xml"))
    limits = FetchLimits(read_timeout=0.5, total_timeout=1.0)

    summary = await make_poller(limits).poll_all()

    by_name = {o.url.rsplit("/", 1)[1]: o for o in summary.outcomes}
    assert by_name["slow.xml"].status is FetchStatus.ERROR
    assert "timed out" in by_name["slow.xml"].error
    assert len(by_name["fast.xml"].new_item_ids) == 3
    assert "timed out" in feed_row(database, feed_server.url("/slow.xml")).last_error


@pytest.mark.parametrize("send_length", [True, False], ids=["declared", "streamed"])
async def test_oversized_body_is_refused(database, feed_server, make_poller, clock, send_length):
    big = rss(items(400))
    assert len(big) > 64 * 1024
    feed_server.route("/big.xml", body=big, send_length=send_length)
    add_feeds(database, clock, feed_server.url("/big.xml"))
    summary = await make_poller(FetchLimits(max_body_bytes=64 * 1024)).poll_all()
    assert summary.outcomes[0].status is FetchStatus.ERROR
    assert "larger than" in summary.outcomes[0].error
    assert stored(database) == []


async def test_malformed_but_readable_feed_is_kept(database, feed_server, make_poller, clock):
    body = rss(items(2)).replace(b"Report", b"Report &nbsp;&bogus;", 1)
    feed_server.route("/bozo.xml", body=body)
    add_feeds(database, clock, feed_server.url("/bozo.xml"))
    summary = await make_poller().poll_all()
    outcome = summary.outcomes[0]
    assert outcome.status is FetchStatus.OK
    assert outcome.warning and "malformed" in outcome.warning
    assert len(stored(database)) >= 1


async def test_garbage_is_an_error_and_its_etag_is_not_kept(database, feed_server, make_poller, clock):
    feed_server.route(
        "/page.html", body=b"<html><body>Not a feed</body></html>", content_type="text/html", etag='"x"'
    )
    add_feeds(database, clock, feed_server.url("/page.html"))
    poller = make_poller()
    await poller.poll_all()
    await poller.poll_all()
    feed = feed_row(database, feed_server.url("/page.html"))
    assert "not a readable RSS/Atom feed" in feed.last_error
    assert feed.etag is None
    assert feed.consecutive_errors == 2
    assert "if-none-match" not in feed_server.requests("/page.html")[1].headers


async def test_non_utf8_feeds_are_decoded(database, feed_server, make_poller, clock):
    ru = [
        FakeItem(
            "Литва закрывает два пункта пропуска на границе с Беларусью", "<p>Вильнюс</p>", "ru-1", None, T0
        )
    ]
    pl = [FakeItem("Straż Graniczna: incydent na granicy z Białorusią", "<p>Kuźnica</p>", "pl-1", None, T0)]
    feed_server.route("/ru.xml", body=rss(ru, encoding="windows-1251"))
    feed_server.route(
        "/pl.xml",
        body=rss(pl, encoding="iso-8859-2").replace(b' encoding="iso-8859-2"', b""),
        content_type="text/xml; charset=iso-8859-2",
    )
    add_feeds(database, clock, feed_server.url("/ru.xml"), feed_server.url("/pl.xml"))
    await make_poller().poll_all()
    titles = {r.guid: r.title for r in stored(database)}
    assert titles == {
        "ru-1": "Литва закрывает два пункта пропуска на границе с Беларусью",
        "pl-1": "Straż Graniczna: incydent na granicy z Białorusią",
    }


async def test_cache_control_max_age_delays_the_next_fetch(database, feed_server, make_poller, clock):
    feed_server.route("/cached.xml", body=rss(items(1)), headers={"Cache-Control": "public, max-age=7200"})
    add_feeds(database, clock, feed_server.url("/cached.xml"))
    await make_poller().poll_all()
    assert feed_row(database, feed_server.url("/cached.xml")).next_fetch_at >= T0 + timedelta(hours=2)


async def test_unreachable_host_is_recorded(database, feed_server, make_poller, clock):
    feed_server.route("/ok.xml", body=rss(items(1)))
    # A port nobody listens on: connection refused, on loopback.
    add_feeds(database, clock, "http://127.0.0.1:9/feed.xml", feed_server.url("/ok.xml"))
    summary = await make_poller(FetchLimits(connect_timeout=2)).poll_all()
    statuses = sorted(o.status for o in summary.outcomes)
    assert statuses == [FetchStatus.ERROR, FetchStatus.OK]
    assert feed_row(database, "http://127.0.0.1:9/feed.xml").consecutive_errors == 1


async def test_poll_due_only_fetches_due_feeds(database, feed_server, make_poller, clock):
    feed_server.route("/a.xml", body=rss(items(1)))
    add_feeds(database, clock, feed_server.url("/a.xml"))
    poller = make_poller()
    assert len((await poller.poll_due()).outcomes) == 1
    clock.advance(seconds=60)
    assert (await poller.poll_due()).outcomes == ()
    clock.advance(seconds=400)  # past the 300 s interval (+10 % jitter at most)
    assert len((await poller.poll_due()).outcomes) == 1


def test_each_new_item_gets_its_own_tags_and_severity(database, clock):
    """store_entries on both databases (PostgreSQL inserts with unnest and maps ids by GUID):
    every item's tags and severity are its own, whatever order the ids come back in."""
    from bot.domain import Classification, Entry, RegionRole, RegionTag, Severity
    from db.queries import items as item_queries

    add_feeds(database, clock, "http://127.0.0.1:9/tags.xml")
    feed_id = database.call(lambda s: s.scalar(select(Feed.id)))
    codes = ["LT", "LV", "EE", "PL", "FI", "UA", "MD"]
    entries = [
        Entry(f"g{i}", f"https://x.test/{i}", f"Title {i}", "", clock.now(), None, f"h{i}")
        for i in range(len(codes))
    ]
    tags = {
        e.guid: Classification(
            "en",
            (RegionTag(code, RegionRole.ABOUT, 0.5, (code,)),),
            (),
            Severity.HIGH if i % 2 else Severity.LOW,
        )
        for i, (e, code) in enumerate(zip(entries, codes, strict=True))
    }
    new_ids, updated = database.call(
        item_queries.store_entries,
        feed_id,
        "en",
        entries,
        clock.now(),
        tags,
        lambda fresh: {e.guid: None for e in fresh},
    )
    assert (len(new_ids), updated) == (len(codes), 0)
    rows = database.call(
        lambda s: s.execute(
            select(Item.guid, Item.severity, ItemTag.value).join(ItemTag).order_by(Item.guid)
        ).all()
    )
    assert [(g, sev, v) for g, sev, v in rows] == [
        (f"g{i}", "high" if i % 2 else "low", code) for i, code in enumerate(codes)
    ]


async def test_a_nul_in_a_feed_item_is_dropped_and_the_feed_stored_on_every_database(
    database, feed_server: FeedServer, make_poller, clock
):
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t&#0;</title>'
        b"<item><title>Border&#0; closed\x01</title><description>Text &#0;here</description>"
        b"<guid>g&#0;1</guid><link>https://news.test/a&#0;</link></item></channel></rss>"
    )
    feed_server.route("/nul.xml", body=body)
    add_feeds(database, clock, feed_server.url("/nul.xml"))
    summary = await make_poller().poll_all()
    assert summary.new_items == 1
    (item,) = stored(database)
    assert (item.title, item.summary, item.guid) == ("Border closed", "Text here", "g1")
    assert feed_row(database, feed_server.url("/nul.xml")).consecutive_errors == 0


async def test_a_failed_store_is_an_error_on_the_feed_and_retried_within_one_interval(
    database, feed_server: FeedServer, make_poller, clock
):
    from sqlalchemy import text

    feed_server.route("/seeds.xml", body=rss(seed_items()), etag='"v1"')
    add_feeds(database, clock, feed_server.url("/seeds.xml"))
    # A real fault inside the database: every insert into items fails (as on a full disk).
    if database.dialect == "postgresql":
        faults = [
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION refuse()",
        ]
        heal = ["DROP TRIGGER refuse ON items", "DROP FUNCTION refuse()"]
    else:
        faults = ["CREATE TRIGGER refuse BEFORE INSERT ON items BEGIN SELECT RAISE(ABORT, 'disk full'); END"]
        heal = ["DROP TRIGGER refuse"]
    database.call(lambda s: [s.execute(text(q)) for q in faults])
    poller = make_poller()
    summary = await poller.poll_due()
    assert summary.new_items == 0 and stored(database) == []
    feed = feed_row(database, feed_server.url("/seeds.xml"))
    assert feed.last_error.startswith("not stored: database error") and feed.consecutive_errors == 1
    assert feed.etag is None  # the ETag of what was not stored is not kept: the retry gets the items
    assert feed.next_fetch_at == clock.now() + timedelta(seconds=300)  # one interval, not the lease
    database.call(lambda s: [s.execute(text(q)) for q in heal])
    clock.advance(seconds=300)
    summary = await poller.poll_due()
    assert summary.new_items == len(seed_items()) and len(stored(database)) == len(seed_items())


async def test_feeds_claimed_but_not_polled_when_stopping_are_due_again_at_once(
    database, feed_server: FeedServer, make_poller, clock
):
    import asyncio

    route = feed_server.route("/slow.xml", body=rss(seed_items()), delay=2.0)
    add_feeds(database, clock, feed_server.url("/slow.xml"))
    task = asyncio.create_task(make_poller().poll_due())
    # Stop (SIGTERM cancels the poll) once the fetch has started: the feed is claimed then.
    assert await asyncio.to_thread(route.arrived.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert feed_row(database, feed_server.url("/slow.xml")).next_fetch_at == clock.now()  # not now + 5 min


async def test_a_feed_added_from_a_chat_is_never_fetched_from_the_private_network(
    database, feed_server: FeedServer, make_poller, clock
):
    route = feed_server.route("/internal.xml", body=rss(seed_items()))
    url = feed_server.url("/internal.xml")  # loopback: what an attacker would point /addfeed at
    database.call(feed_queries.add_feed, url, "internal", "en", clock.now())
    summary = await make_poller().poll_all()
    assert summary.new_items == 0 and route.hits == 0
    feed = feed_row(database, url)
    assert feed.last_error.startswith("refused: 127.0.0.1 is a private or local network address")
    assert feed.url == url and feed.consecutive_errors == 1


async def test_a_poll_with_failing_feeds_logs_one_warning_not_one_per_feed(
    database, feed_server: FeedServer, make_poller, clock, caplog
):
    import logging

    for name in ("a", "b", "c"):
        feed_server.route(f"/{name}.xml", status=500, body=b"down")
    add_feeds(database, clock, *(feed_server.url(f"/{n}.xml") for n in ("a", "b", "c")))
    with caplog.at_level(logging.INFO):
        await make_poller().poll_all()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "poll.feeds_failed failed=3 of=3" in warnings[0].getMessage()
    assert "server errors (5xx)" in warnings[0].getMessage()


async def test_addfeed_takes_a_feed_only_after_fetching_and_parsing_it_once(feed_server: FeedServer, clock):
    from handlers.admin import _try_feed

    feed_server.route("/good.xml", body=rss(seed_items()))
    feed_server.route("/page.html", body=b"<html><body>Welcome</body></html>", content_type="text/html")
    feed_server.route("/gone.xml", status=404, body=b"no")
    assert await _try_feed(feed_server.url("/good.xml"), True, clock.now()) is None
    assert "not a readable RSS/Atom feed" in (
        await _try_feed(feed_server.url("/page.html"), True, clock.now()) or ""
    )
    assert (await _try_feed(feed_server.url("/gone.xml"), True, clock.now()) or "").startswith("HTTP 404")
    # Without the operator's permission, a chat's feed is never fetched from this machine.
    refused = await _try_feed(feed_server.url("/good.xml"), False, clock.now())
    assert refused and refused.startswith("refused: 127.0.0.1")


async def test_healthz_and_metrics_over_http(database, feed_server: FeedServer, make_poller, clock):
    import httpx

    from bot.app import start_metrics
    from bot.config import load_settings

    settings = load_settings({"BRIEFBOT_METRICS_PORT": "0"}, env_file=None)
    server = await start_metrics(settings, database, clock, polling=True)
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            # Nothing polled yet: unhealthy, and why.
            before = await client.get(f"{base}/healthz")
            assert before.status_code == 503 and before.json()["reason"].startswith("no poll has finished")
            feed_server.route("/seeds.xml", body=rss(seed_items()))
            feed_server.route("/broken.xml", status=500, body=b"down")
            add_feeds(database, clock, feed_server.url("/seeds.xml"), feed_server.url("/broken.xml"))
            await make_poller().poll_all()
            after = await client.get(f"{base}/healthz")
            assert after.status_code == 200, after.text
            assert after.json() == {
                "status": "ok",
                "database": "ok",
                "last_poll_age_s": 0.0,
                "feeds": {"ok": 1, "failing": 1, "disabled": 0},
            }
            scraped = await client.get(f"{base}/metrics")
            assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
            assert 'briefbot_feeds{state="failing"} 1.0' in scraped.text
            assert 'briefbot_feed_errors_total{kind="http"}' in scraped.text
            assert (await client.get(f"{base}/nope")).status_code == 404
    finally:
        await server.stop()


async def test_a_poll_tells_its_progress(database, feed_server: FeedServer, make_poller, clock):
    seen: list[object] = []

    class Recorder:
        def start(self, total: int) -> None:
            seen.append(("start", total))

        def advance(self) -> None:
            seen.append("advance")

    feed_server.route("/a.xml", body=rss(seed_items()))
    feed_server.route("/b.xml", status=500, body=b"down")
    add_feeds(database, clock, feed_server.url("/a.xml"), feed_server.url("/b.xml"))
    await make_poller().poll_all(progress=Recorder())
    assert seen == [("start", 2), "advance", "advance"]
