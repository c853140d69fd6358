"""Retrieve feeds over HTTP: conditional GET, limits, redirects. Edge (httpx).

``Fetcher.fetch()`` never raises for a feed's fault: every outcome, failures included, comes
back as a ``FetchResult`` (errors are values in the pipeline). What is enforced here:

- concurrency bounded overall and per host (publishers see at most ``per_host`` connections);
- a real User-Agent; connect/read timeouts plus a total deadline (a server trickling bytes
  cannot hold a slot forever); a maximum body size, checked on the decoded stream;
- conditional GET (If-None-Match / If-Modified-Since → 304);
- ``Retry-After`` (seconds or HTTP date) and ``Cache-Control: max-age`` reported for scheduling;
- redirects followed; when every hop is permanent (301/308) the new URL is reported so the
  stored URL is updated; 410 reported as GONE.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.domain import FetchResult, FetchStatus
from bot.netpolicy import PrivateAddressError, is_private_host

USER_AGENT = f"Briefbot/{__version__} (+https://github.com/briefbot/briefbot; regional security briefings)"
ACCEPT = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_PERMANENT = (301, 308)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Numbers that bound one fetch and the fetcher as a whole (README "Polling")."""

    concurrency: int = 32  # overall; loopback farm measurements: more adds nothing on 2 cores
    per_host: int = 4  # politeness: several of our feeds often live on one publisher's host
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # the whole exchange, body included
    max_body_bytes: int = 10 * 1024 * 1024  # decoded; the largest real feeds are ~2-3 MB
    max_redirects: int = 5


_PRIVATE_OK = "briefbot_private_ok"  #: request extension: may this request reach a private address


async def _check_address(request: httpx.Request) -> None:
    """httpx request hook, for the first request and every redirect hop (httpx carries the
    extensions along): refuse a private address unless the fetch allows one."""
    if request.extensions.get(_PRIVATE_OK, True):
        return
    host = request.url.host
    if await is_private_host(host, request.url.port or (443 if request.url.scheme == "https" else 80)):
        raise PrivateAddressError(host)


def _connect_reason(exc: BaseException) -> str:
    """What went wrong connecting, in words a person can act on: httpx says "All connection
    attempts failed" for a refused connection; the cause is further down the chain."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return f"name resolution failed: {seen.strerror or seen}"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, OSError) and seen.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "no route to host (network is unreachable)"
        seen = seen.__cause__ or seen.__context__
    return f"ConnectError: {exc or 'connection failed'}"


async def _starts_private(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    return await is_private_host(host, port)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(value: str | None) -> float | None:
    if not value or "no-store" in value.lower():
        return None
    match = _MAX_AGE.search(value)
    return float(match.group(1)) if match else None


class Fetcher:
    """Holds the shared HTTP client and the concurrency limits. Use as an async context manager."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.AsyncBaseTransport | None = None,
        allow_private: bool = False,
    ) -> None:
        """``allow_private``: fetch any address (BRIEFBOT_ALLOW_PRIVATE_FEEDS; bot/netpolicy.py)."""
        self.limits = limits or FetchLimits()
        self.allow_private = allow_private
        self._now = now
        self._overall = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
            timeout=httpx.Timeout(
                connect=self.limits.connect_timeout,
                read=self.limits.read_timeout,
                write=self.limits.read_timeout,
                pool=self.limits.total_timeout,
            ),
            limits=httpx.Limits(
                max_connections=self.limits.concurrency,
                max_keepalive_connections=self.limits.concurrency,
            ),
            follow_redirects=True,
            max_redirects=self.limits.max_redirects,
            transport=transport,
            trust_env=True,
            event_hooks={"request": [_check_address]},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _host_gate(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return gate

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, listed: bool = False
    ) -> FetchResult:
        """``listed``: the feed is in the operator's feeds.yaml — fetched wherever it points, and
        free to redirect within a private network it starts in. Otherwise (a feed added from a
        chat), and for every hop away from a public start, private addresses are refused."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._overall, self._host_gate(url):
            try:
                async with asyncio.timeout(self.limits.total_timeout):
                    private_ok = self.allow_private or (listed and await _starts_private(url))
                    return await self._exchange(url, headers, private_ok)
            except PrivateAddressError as exc:
                return self._error(url, f"refused: {exc} (feeds are fetched from public addresses only)")
            except TimeoutError:
                return self._error(url, f"timed out after {self.limits.total_timeout:g} s")
            except httpx.TooManyRedirects:
                return self._error(url, f"more than {self.limits.max_redirects} redirects")
            except httpx.TimeoutException as exc:
                return self._error(url, f"timed out ({type(exc).__name__})")
            except httpx.InvalidURL as exc:
                return self._error(url, f"invalid URL: {exc}")
            except httpx.ConnectError as exc:
                return self._error(url, _connect_reason(exc))
            except httpx.HTTPError as exc:
                return self._error(url, f"{type(exc).__name__}: {exc or 'connection failed'}")
            except (
                OSError,
                ValueError,
                UnicodeError,
            ) as exc:  # h11/ssl oddities from hostile servers
                return self._error(url, f"{type(exc).__name__}: {exc}")

    def _error(
        self,
        url: str,
        reason: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> FetchResult:
        return FetchResult(
            url=url,
            status=FetchStatus.ERROR,
            http_status=http_status,
            error=reason,
            retry_after=retry_after,
        )

    async def _exchange(self, url: str, headers: dict[str, str], private_ok: bool = True) -> FetchResult:
        extensions = {_PRIVATE_OK: private_ok}
        async with self._client.stream("GET", url, headers=headers, extensions=extensions) as response:
            code = response.status_code
            permanent_url = None
            if response.history and all(r.status_code in _PERMANENT for r in response.history):
                final = str(response.url)
                if final != url:
                    permanent_url = final
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._now())
            max_age = parse_max_age(response.headers.get("Cache-Control"))
            common = {
                "http_status": code,
                "permanent_url": permanent_url,
                "retry_after": retry_after,
            }
            if code == 304:
                # Drain the (empty) body so the connection goes back to the pool: an unread
                # response is closed, and a warm pass of 200 feeds would open 200 connections.
                await response.aread()
                return FetchResult(
                    url=url,
                    status=FetchStatus.NOT_MODIFIED,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    max_age=max_age,
                    **common,
                )
            if code == 410:
                return FetchResult(url=url, status=FetchStatus.GONE, error="410 Gone", **common)
            if code >= 400 or code < 200 or code >= 300:
                reason = response.reason_phrase or "error"
                return FetchResult(
                    url=url,
                    status=FetchStatus.ERROR,
                    error=f"HTTP {code} {reason}".strip(),
                    **common,
                )

            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.limits.max_body_bytes:
                return self._too_large(url, code)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.limits.max_body_bytes:
                    return self._too_large(url, code)
                chunks.append(chunk)
            return FetchResult(
                url=url,
                status=FetchStatus.OK,
                body=b"".join(chunks),
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                max_age=max_age,
                **common,
            )

    def _too_large(self, url: str, code: int) -> FetchResult:
        limit_mb = self.limits.max_body_bytes / 1024 / 1024
        return self._error(url, f"response larger than {limit_mb:g} MB; not read", http_status=code)
