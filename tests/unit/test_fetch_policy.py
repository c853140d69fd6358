"""Redirects into a private network are refused, whatever the feed (httpx's MockTransport: no
socket is opened; the addresses are literals)."""

from __future__ import annotations

import httpx

from bot.domain import FetchStatus
from bot.fetch import Fetcher

PUBLIC = "http://93.184.216.34/feed.xml"


def farm(location: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "93.184.216.34":
            return httpx.Response(301, headers={"Location": location})
        return httpx.Response(200, text="<rss/>")  # the private side: must never be asked

    return httpx.MockTransport(answer)


async def test_a_public_feed_that_redirects_to_localhost_is_an_error_and_keeps_its_url():
    for target in (
        "http://localhost:8080/admin",
        "http://127.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/",
    ):
        async with Fetcher(transport=farm(target)) as fetcher:
            result = await fetcher.fetch(PUBLIC, listed=True)
        assert result.status is FetchStatus.ERROR, target
        assert result.error.startswith("refused: ") and "private or local network address" in result.error
        assert result.permanent_url is None  # the stored URL is never rewritten to the internal one


async def test_a_feed_added_from_a_chat_is_not_fetched_from_a_private_address():
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, text="<rss/>")

    async with Fetcher(transport=httpx.MockTransport(answer)) as fetcher:
        for url in (
            "http://127.0.0.1:9/",
            "http://0:80/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://localhost/",
        ):
            result = await fetcher.fetch(url, listed=False)
            assert result.status is FetchStatus.ERROR and result.error.startswith("refused: "), url
        # …unless the operator allows it, and a listed feed may point anywhere.
        assert (await fetcher.fetch("http://127.0.0.1:9/", listed=True)).status is FetchStatus.OK
    async with Fetcher(transport=httpx.MockTransport(answer), allow_private=True) as fetcher:
        assert (await fetcher.fetch("http://127.0.0.1:9/", listed=False)).status is FetchStatus.OK
    assert asked == ["http://127.0.0.1:9/", "http://127.0.0.1:9/"]
