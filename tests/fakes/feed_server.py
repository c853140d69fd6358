"""A real loopback HTTP feed server for tests (after httpx's ``serve_in_thread``).

Each path is a ``Route`` saying how to answer: a feed body with ETag/Last-Modified (answering
304 to a matching conditional GET), any status with extra headers (301/410/429/500 …), a delay
before answering (slow server), a body sent without Content-Length. Requests are recorded.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  #: seconds to wait before answering
    send_length: bool = True  #: False: no Content-Length, the body ends when the connection closes
    hits: int = 0
    #: set when a request for the route arrives (a barrier for tests: "the fetch has started")
    arrived: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        srv = self.server
        with srv.lock:
            srv.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = srv.routes.get(self.path)
            if route is not None:
                route.hits += 1
                route.arrived.set()
        if route is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.delay:
            time.sleep(route.delay)
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if route.status == 200 and (
            (route.etag and inm == route.etag)
            or (route.last_modified and not route.etag and ims == route.last_modified)
        ):
            self._send(304, b"", headers)
            return
        headers.setdefault("Content-Type", route.content_type)
        self._send(route.status, route.body, headers, send_length=route.send_length)

    def _send(self, status: int, body: bytes, headers: dict[str, str], *, send_length: bool = True) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if send_length or status == 304:
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if status != 304 and body:
            # The client may give up (timeouts, size limits): that is the point of those tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-response (timeouts, size limits) are what some tests are
        # about; socketserver would print their tracebacks to stderr.
        pass

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()


class FeedServer:
    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, name="feed-server", daemon=True)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, **kwargs: object) -> Route:
        route = Route(**kwargs)  # type: ignore[arg-type]
        with self._server.lock:
            self._server.routes[path] = route
        return route

    def requests(self, path: str | None = None) -> list[Request]:
        with self._server.lock:
            return [r for r in self._server.requests if path is None or r.path == path]
