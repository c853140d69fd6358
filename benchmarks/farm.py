"""A loopback feed farm for benchmarks: N RSS 2.0 feeds x M realistic news items, served fast.

The farm runs in its own process (``FeedFarm``), so serving never takes CPU time or the GIL from
the process being measured. Every document is generated once, before the first request, and
served as pre-built bytes by a minimal asyncio HTTP/1.1 server (keep-alive, no per-request
work beyond reading the headers). Each feed has a strong ETag and a Last-Modified date; a
matching ``If-None-Match`` (or, without it, an ``If-Modified-Since`` not older than the
document) gets ``304 Not Modified``.

URLs are ``http://127.0.0.1:<port>/feeds/<n>.xml``; with ``hosts`` > 1 the feeds are spread
over 127.0.0.1 ... 127.0.0.<hosts> (one listening socket each), so a per-host connection limit
sees several publishers, as in production. ``GET /_stats`` returns the response counters as JSON.

Stand-alone, to poke at it or to run ``briefbot poll --once`` against it::

    python benchmarks/farm.py --feeds 20 --items 10 --write-feeds /tmp/farm-feeds.yaml
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import gzip
import hashlib
import json
import multiprocessing
import random
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from multiprocessing.connection import Connection
from pathlib import Path

# --- content ------------------------------------------------------------------------------------

COUNTRIES = ("Lithuania", "Latvia", "Estonia", "Poland", "Finland", "Ukraine", "Moldova", "Belarus")
CROSSINGS = (
    "Medininkai",
    "Šalčininkai",
    "Terehova",
    "Narva",
    "Vaalimaa",
    "Kuźnica–Bruzgi",
    "Terespil",
    "Palanca",
    "Koidula",
    "Białystok",
)
AGENCIES = (
    "the State Border Guard Service",
    "the Border Guard",
    "the Police and Border Guard Board",
    "Frontex",
    "the interior ministry",
    "the defence ministry",
    "the National Security Council",
    "the customs department",
)
TITLES = (
    "{agency_cap} reports {n} attempted illegal crossings at the {country} border overnight",
    "{country} closes {crossing} checkpoint after drone incursion; traffic diverted",
    "Queue of {n} trucks at {crossing} as {country} tightens customs & cargo checks",
    "{country} to extend border fence by {km} km, says {agency}",
    "Balloons carrying contraband cross into {country} again; {n} found near {crossing}",
    "GPS jamming disrupts flights over {country} for the {nth} day in a row",
    "{country} expels {small} diplomats over \u201chybrid attack\u201d on the border",
    "Joint patrols with Frontex start at {crossing}: {n} officers deployed to {country}",
)
SENTENCES = (
    "Officers of {agency} detained {n} people near the {crossing} crossing point on Tuesday night.",
    "The {country} interior minister said the situation on the border with Belarus remained &ldquo;tense but under control&rdquo;.",
    "According to {agency}, {n} attempts to cross the border illegally were prevented in the past 24 hours.",
    "Traffic at {crossing} was suspended for {small} hours while sappers examined a suspicious object.",
    "Drivers reported queues of up to {km}&nbsp;km; cargo vehicles waited more than {small} days.",
    "The government will ask parliament to extend the state of emergency in border districts by {small} months.",
    "Air-defence radars tracked {small} unidentified drones that entered {country}&#8217;s airspace from the east.",
    "Investigators found {n}&nbsp;kg of smuggled cigarettes &amp; fuel hidden in a lorry&#8217;s double floor.",
    "{agency_cap} said the new surveillance cameras cover {km} km of the frontier, with thermal imaging at night.",
    "Residents of villages near {crossing} were asked to report low-flying aircraft and GPS outages.",
    "NATO allies will send {small} additional patrol aircraft to the Baltic region, officials confirmed.",
    "Ukraine&#8217;s State Border Guard Service said {n} men were stopped trying to leave the country via {crossing}.",
)
AUTHORS = (
    "Rūta Petrauskienė",
    "Jānis Bērziņš",
    "Kadri Tamm",
    "Piotr Wiśniewski",
    "Mikko Virtanen",
    "Newsdesk",
)
ORDINALS = ("second", "third", "fourth", "fifth", "sixth")
BASE_TIME = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _fill(template: str, rnd: random.Random) -> str:
    agency = rnd.choice(AGENCIES)
    return template.format(
        agency=agency,
        agency_cap=agency[0].upper() + agency[1:],
        country=rnd.choice(COUNTRIES),
        crossing=rnd.choice(CROSSINGS),
        n=rnd.randint(3, 480),
        small=rnd.randint(2, 9),
        km=rnd.randint(4, 180),
        nth=rnd.choice(ORDINALS),
    )


def _title(rnd: random.Random, feed: int, item: int) -> str:
    title = _fill(rnd.choice(TITLES), rnd)
    return f"{title} ({feed}/{item})"


def _description(rnd: random.Random, feed: int, item: int) -> str:
    """Article teaser HTML, 600-1000 characters: paragraphs, a link, emphasis, entities."""
    link = f"https://news-{feed:03d}.example.net/region/{item}/background"
    paragraphs = [
        f"<p><strong>{_fill(rnd.choice(SENTENCES), rnd)}</strong> {_fill(rnd.choice(SENTENCES), rnd)}</p>",
        f'<p>{_fill(rnd.choice(SENTENCES), rnd)} <a href="{link}">Read the background</a> &mdash; '
        f"item {item} of feed {feed}.</p>",
    ]
    html_text = "".join(paragraphs)
    target = rnd.randint(600, 960)
    while len(html_text) < target:
        html_text += f"<p>{_fill(rnd.choice(SENTENCES), rnd)}</p>"
    if len(html_text) > 1000:
        html_text = html_text[: html_text.rfind("<p>", 0, 1000)] or html_text[:1000]
    return html_text


def rss_document(feed: int, items: int, *, now: datetime = BASE_TIME) -> tuple[bytes, datetime]:
    """Feed ``feed``'s RSS 2.0 bytes (UTF-8) and its newest publication time.

    Deterministic for given arguments. Even feeds put descriptions in CDATA, odd feeds escape
    them, as real publishers do either; guids are permalinks on some feeds, opaque on others.
    """
    rnd = random.Random(feed)
    site = f"https://news-{feed:03d}.example.net"
    newest = now - timedelta(minutes=feed % 60)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>Bench News {feed} &#8211; Borders &amp; Security</title>\n"
        f"<link>{site}/</link>\n"
        f"<description>Border and security news, feed {feed}</description>\n"
        "<language>en</language>\n"
        f"<lastBuildDate>{email.utils.format_datetime(newest, usegmt=True)}</lastBuildDate>\n"
    ]
    for item in range(items):
        published = newest - timedelta(minutes=17 * item + rnd.randint(0, 9))
        link = f"{site}/news/{published:%Y/%m/%d}/story-{feed}-{item}"
        description = _description(rnd, feed, item)
        cdata = feed % 2 == 0
        description_xml = f"<![CDATA[{description}]]>" if cdata else escape(description, quote=False)
        if feed % 3 == 0:
            guid = f'<guid isPermaLink="false">urn:bench:{feed}:{item}:{rnd.getrandbits(32):08x}</guid>'
        else:
            guid = f'<guid isPermaLink="true">{link}</guid>'
        parts.append(
            "<item>\n"
            f"<title>{escape(_title(rnd, feed, item), quote=False)}</title>\n"
            f"<link>{link}</link>\n"
            f"<description>{description_xml}</description>\n"
            f"<dc:creator>{rnd.choice(AUTHORS)}</dc:creator>\n"
            f"<category>{rnd.choice(COUNTRIES)}</category><category>Security</category>\n"
            f"{guid}\n"
            f"<pubDate>{email.utils.format_datetime(published, usegmt=True)}</pubDate>\n"
            "</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8"), newest


# --- serving ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Doc:
    ok: bytes  # the whole 200 response, headers and body
    not_modified: bytes  # the whole 304 response
    etag: str
    last_modified: datetime


#: Warm-up feeds are numbered from here, so their items never collide with the measured ones.
WARMUP_BASE = 100_000
WARMUP_ITEMS = 3


def _build(feeds: int, items: int, warmup: int, use_gzip: bool) -> dict[str, _Doc]:
    docs = {}
    documents = [(f"/feeds/{n}.xml", n, items) for n in range(feeds)]
    documents += [(f"/warmup/{k}.xml", WARMUP_BASE + k, WARMUP_ITEMS) for k in range(warmup)]
    for path, feed, count in documents:
        body, newest = rss_document(feed, count)
        etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"'
        last_modified = email.utils.format_datetime(newest, usegmt=True)
        common = f"ETag: {etag}\r\nLast-Modified: {last_modified}\r\nCache-Control: max-age=60\r\n"
        extra = ""
        if use_gzip:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            extra = "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
        ok = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n{common}{extra}\r\n"
        ).encode("latin-1") + body
        not_modified = f"HTTP/1.1 304 Not Modified\r\n{common}\r\n".encode("latin-1")
        docs[path] = _Doc(ok, not_modified, etag, newest)
    return docs


def _fresh(doc: _Doc, headers: dict[str, str]) -> bool:
    """True when the client's validators match the document (RFC 9110 13.2.2 order)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or doc.etag in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return doc.last_modified.replace(microsecond=0) <= when
    return False


def _plain(status: str, text: str, content_type: str = "text/plain") -> bytes:
    body = text.encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1") + body


async def _serve_forever(docs: dict[str, _Doc], hosts: int, ready: Connection) -> None:
    stats = {"200": 0, "304": 0, "404": 0, "connections": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stats["connections"] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = headers.get("content-length", "0")
                if length.isdigit() and int(length):
                    await reader.readexactly(int(length))
                doc = docs.get(target.split("?", 1)[0])
                if doc is None:
                    if target == "/_stats":
                        response = _plain("200 OK", json.dumps(stats), "application/json")
                    else:
                        stats["404"] += 1
                        response = _plain("404 Not Found", "no such feed\n")
                elif _fresh(doc, headers):
                    stats["304"] += 1
                    response = doc.not_modified
                else:
                    stats["200"] += 1
                    response = doc.ok
                if method == "HEAD":
                    response = response.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                writer.write(response)
                await writer.drain()
                if version == "HTTP/1.0" or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    servers = []
    for n in range(1, hosts + 1):
        servers.append(await asyncio.start_server(handle, f"127.0.0.{n}", 0, backlog=1024))
    addresses = [s.sockets[0].getsockname()[:2] for s in servers]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_reader(ready.fileno(), stop.set)  # the parent closed its end (or said "stop")
    ready.send(addresses)
    await stop.wait()
    for server in servers:
        server.close()


def _serve(feeds: int, items: int, warmup: int, hosts: int, use_gzip: bool, ready: Connection) -> None:
    """The farm process's main function."""
    docs = _build(feeds, items, warmup, use_gzip)
    asyncio.run(_serve_forever(docs, hosts, ready))


class FeedFarm:
    """Start with ``with FeedFarm(200, 50) as farm:``; ``farm.urls`` lists the feed URLs.

    ``warmup`` extra feeds of a few items each (``farm.warmup_urls``) let a benchmark exercise the
    whole poll path once before it measures anything.
    """

    def __init__(
        self, feeds: int = 200, items: int = 50, *, warmup: int = 0, hosts: int = 1, use_gzip: bool = False
    ):
        if not 1 <= hosts <= 254:
            raise ValueError("hosts must be between 1 and 254")
        self.feeds, self.items, self.warmup, self.hosts, self.use_gzip = feeds, items, warmup, hosts, use_gzip
        self.addresses: list[tuple[str, int]] = []
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def start(self, timeout: float = 120.0) -> FeedFarm:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(self.feeds, self.items, self.warmup, self.hosts, self.use_gzip, child),
            name="feed-farm",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(timeout):
            self.stop()
            raise RuntimeError(f"the feed farm did not start within {timeout:g} s")
        try:
            self.addresses = [tuple(a) for a in parent.recv()]
        except EOFError:
            code = self._process.exitcode
            self.stop()
            raise RuntimeError(f"the feed farm process exited before serving (exit code {code})") from None
        return self

    def url(self, feed: int) -> str:
        host, port = self.addresses[feed % len(self.addresses)]
        return f"http://{host}:{port}/feeds/{feed}.xml"

    @property
    def urls(self) -> list[str]:
        return [self.url(n) for n in range(self.feeds)]

    @property
    def warmup_urls(self) -> list[str]:
        return [
            f"http://{self.addresses[0][0]}:{self.addresses[0][1]}/warmup/{k}.xml" for k in range(self.warmup)
        ]

    def stats(self) -> dict[str, int]:
        """Responses served so far: {"200": n, "304": n, "404": n, "connections": n}."""
        import urllib.request

        host, port = self.addresses[0]
        with urllib.request.urlopen(f"http://{host}:{port}/_stats", timeout=10) as response:
            return json.loads(response.read())

    def feeds_yaml(self) -> str:
        """A feeds.yaml listing every feed, the warm-up ones last."""
        lines = ["feeds:"]
        named = [(f"Bench feed {n:04d}", url) for n, url in enumerate(self.urls)]
        named += [(f"Warm-up feed {k}", url) for k, url in enumerate(self.warmup_urls)]
        for name, url in named:
            lines += [f"  - name: {name}", f"    url: {url}", "    language: en"]
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send("stop")
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
            self._process = None

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve N loopback RSS feeds of M items until Ctrl-C.")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=1, help="spread feeds over 127.0.0.1..127.0.0.N")
    parser.add_argument("--gzip", action="store_true", help="serve gzip-compressed bodies")
    parser.add_argument("--write-feeds", metavar="PATH", help="write a feeds.yaml listing the farm")
    args = parser.parse_args(argv)
    with FeedFarm(args.feeds, args.items, hosts=args.hosts, use_gzip=args.gzip) as farm:
        if args.write_feeds:
            Path(args.write_feeds).write_text(farm.feeds_yaml(), encoding="utf-8")
            print(f"wrote {args.write_feeds}")
        print(f"serving {args.feeds} feeds x {args.items} items, e.g. {farm.url(0)}  (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
