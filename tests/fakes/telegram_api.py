"""A real loopback HTTP fake of the Telegram Bot API for tests (mirrors ``feed_server.py``).

The unmodified bot talks to it over HTTP: build the PTB ``Application`` (or ``telegram.Bot``) with
``base_url=fake.base_url``; PTB appends the token, so requests arrive as
``POST /bot{token}/{method}`` (form-urlencoded, or multipart/form-data when a file is uploaded).

What real Telegram enforces, the fake enforces, with Telegram's error descriptions: the token
(401), known chats (400 chat not found), blocked chats (403), forum threads, Telegram HTML
(``bot.render.validate``), text/caption limits counted in UTF-16 code units of the visible text,
inline keyboards (callback_data 1-64 bytes, URL schemes, at most 100 buttons), "message is not
modified", callback query ids answered at most once, bot command names/descriptions.

Tests act as users through the driver API (``user_sends``, ``user_presses``): the updates are
served by ``getUpdates`` with real long polling. Faults: ``fail_next`` and ``rate_limit``.
Every call is recorded (``calls``, ``sent``, ``wait_for``/``wait_for_async``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.render import html_text, utf16_len, validate

JSON = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-token"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
MAX_BUTTONS = 100

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Parameters that are plain strings even when they look like JSON ("123", "true").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "ip_address",
        "action",
        "language_code",
        "photo",
        "business_connection_id",
        "message_effect_id",
        "inline_message_id",
        "custom_title",
    }
)
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(frozen=True)
class Call:
    """One recorded API call. Unpacks as ``(method, params, time)``; also has the outcome."""

    method: str
    params: JSON
    time: float  #: when it reached the server (wall clock)
    ok: bool = True
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.params, self.time))

    def __getitem__(self, index: int) -> Any:
        return (self.method, self.params, self.time)[index]

    def __len__(self) -> int:
        return 3


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _Chat:
    obj: JSON  # the Chat object as Telegram returns it
    admins: tuple[int, ...] = ()
    blocked: bool = False
    next_message_id: int = 1

    @property
    def type(self) -> str:
        return self.obj["type"]


def _decode_value(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(content_type: str, body: bytes) -> tuple[JSON, dict[str, bytes]]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = BytesParser(policy=policy.HTTP).parsebytes(raw)
    params: JSON = {}
    files: dict[str, bytes] = {}
    if not message.is_multipart():
        raise _bad("can't parse multipart/form-data request")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = payload
        else:
            params[name] = _decode_value(name, payload.decode("utf-8"))
    return params, files


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, or None when it is neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without this, Nagle + delayed ACK cost ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        # When the request arrived (its first line was read), not when this thread got round to
        # it: Telegram counts calls as they reach it, and the rate limit must too (threads of
        # other connections may hold the GIL for a while first).
        self.arrived = (time.time(), time.monotonic())
        return super().parse_request()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._handle(body)

    def do_GET(self) -> None:
        self._handle(b"")

    def _handle(self, body: bytes) -> None:
        split = urlsplit(self.path)
        try:
            params: JSON = {k: _decode_value(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True)}
            files: dict[str, bytes] = {}
            content_type = self.headers.get("Content-Type", "")
            if body and content_type.startswith("multipart/form-data"):
                more, files = _parse_multipart(content_type, body)
                params.update(more)
            elif body and content_type.startswith("application/json"):
                params.update(json.loads(body))
            elif body:
                params.update(
                    {
                        k: _decode_value(k, v)
                        for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True)
                    }
                )
        except (ValueError, UnicodeDecodeError, ApiError) as exc:
            status, payload = 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        else:
            status, payload = self.server.fake._dispatch(split.path, params, files, self.arrived)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hang up on long polls they no longer want; that is not an error here.
        pass


class FakeTelegram:
    """The Bot API on 127.0.0.1: ``start()``/``stop()`` or ``with FakeTelegram() as fake:``."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.bot_user: JSON = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456,
            "is_bot": True,
            "first_name": "Briefbot",
            "username": "briefbot_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._cond = threading.Condition()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-telegram",
            daemon=True,
        )
        self._stopping = False
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[tuple[int, int], JSON] = {}  # (chat_id, message_id) -> stored record
        self._sent: list[tuple[int, int]] = []  # keys of the messages the bot sent, in order
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._poll_generation = 0
        self._queries: dict[str, JSON] = {}  # callback query id -> {"answered": bool, ...}
        self._files: dict[str, JSON] = {}  # file_id -> PhotoSize
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._menu_buttons: dict[int | None, JSON] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._rate_per_second: float | None = None
        self._rate_times: list[float] = []
        self.calls: list[Call] = []
        self.webhook: JSON = {"url": "", "secret_token": None}
        self.allowed_updates: list[str] | None = None
        self._handlers: dict[str, Callable[[JSON, dict[str, bytes]], Any]] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe",
                "getUpdates",
                "deleteWebhook",
                "setWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "sendMessage",
                "sendPhoto",
                "editMessageText",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "getChat",
                "getChatMember",
                "getChatAdministrators",
                "setChatMenuButton",
                "getChatMenuButton",
                "close",
                "logOut",
            )
        }

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()  # pending long polls answer [] now
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` wants (PTB appends the token)."""
        return f"{self.url}/bot"

    # --- chats -----------------------------------------------------------------------------------

    def private_chat(
        self, user_id: int, first_name: str = "Ann", language_code: str = "en", username: str | None = None
    ) -> JSON:
        user: JSON = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        chat: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            user["username"] = username
            chat["username"] = username
        with self._cond:
            self._users[user_id] = user
            self._chats[user_id] = _Chat(chat)
        return dict(chat)

    def user(self, user_id: int, first_name: str = "Ann", language_code: str = "en") -> JSON:
        """Register a user (without a private chat) who can write in groups."""
        with self._cond:
            return dict(
                self._users.setdefault(
                    user_id,
                    {
                        "id": user_id,
                        "is_bot": False,
                        "first_name": first_name,
                        "language_code": language_code,
                    },
                )
            )

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool = False,
        forum: bool = False,
        admins: Iterable[int] = (),
    ) -> JSON:
        chat: JSON = {"id": chat_id, "type": "supergroup" if supergroup or forum else "group", "title": title}
        if forum:
            chat["is_forum"] = True
        with self._cond:
            self._chats[chat_id] = _Chat(chat, admins=tuple(admins))
        return dict(chat)

    def channel(
        self, chat_id: int, title: str, admins: Iterable[int] = (), username: str | None = None
    ) -> JSON:
        chat: JSON = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        with self._cond:
            self._chats[chat_id] = _Chat(chat, admins=tuple(admins))
        return dict(chat)

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocked the bot (private chat) or the bot was removed (group/channel)."""
        with self._cond:
            self._chat_or_fail(chat_id).blocked = blocked

    def unblock(self, chat_id: int) -> None:
        self.block(chat_id, blocked=False)

    def _chat_or_fail(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise AssertionError(f"the fake does not know chat {chat_id}; register it first")
        return chat

    # --- driver: tests acting as users -------------------------------------------------------------

    def user_sends(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        message_thread_id: int | None = None,
        edited: bool = False,
        message_id: int | None = None,
    ) -> JSON:
        """A user writes ``text`` (``edited=True``: edits message ``message_id``, by default the last)."""
        with self._cond:
            chat = self._chat_or_fail(chat_id)
            is_channel = chat.type == "channel"
            if chat.type == "private" and user_id != chat_id:
                raise AssertionError(f"user {user_id} cannot write in the private chat of {chat_id}")
            if message_thread_id is not None and not chat.obj.get("is_forum"):
                raise AssertionError(f"chat {chat_id} is not a forum: no message_thread_id")
            now = int(time.time())
            if edited and message_id is None:
                own = [mid for (cid, mid), m in self._messages.items() if cid == chat_id and not m["by_bot"]]
                if not own:
                    raise AssertionError("edited=True but the user sent nothing to edit in this chat")
                message_id = max(own)
            if not edited:
                message_id = chat.next_message_id
                chat.next_message_id += 1
            assert message_id is not None
            message: JSON = {"message_id": message_id, "date": now, "chat": dict(chat.obj), "text": text}
            if is_channel:
                message["sender_chat"] = dict(chat.obj)
            else:
                message["from"] = dict(
                    self._users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
                )
            if edited:
                message["edit_date"] = now
            if message_thread_id is not None:
                message["message_thread_id"] = message_thread_id
                message["is_topic_message"] = True
            if text.startswith("/"):
                token = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(token)}]
            self._messages[(chat_id, message_id)] = {
                "message": copy.deepcopy(message),
                "by_bot": False,
                "deleted": False,
            }
            kind = ("edited_channel_post" if edited else "channel_post") if is_channel else None
            kind = kind or ("edited_message" if edited else "message")
            return self._enqueue({kind: message})

    def user_presses(
        self, chat_id: int, user_id: int, message_id: int, data: str, *, forged: bool = False
    ) -> JSON:
        """A user presses the button with ``callback_data == data`` in a message the bot sent.
        ``forged``: a modified client sends data no button of the message has (Telegram passes
        any callback data a client sends for a message with an inline keyboard)."""
        with self._cond:
            chat = self._chat_or_fail(chat_id)
            stored = self._messages.get((chat_id, message_id))
            if stored is None or not stored["by_bot"] or stored["deleted"]:
                raise AssertionError(f"no message {message_id} from the bot in chat {chat_id}")
            markup = stored["message"].get("reply_markup") or {}
            datas = [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]
            if data not in datas and not (forged and datas):
                raise AssertionError(
                    f"message {message_id} has no button with callback_data {data!r}; it has {datas}"
                )
            user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
            query_id = str(uuid.uuid4().int >> 64)
            query: JSON = {
                "id": query_id,
                "from": dict(user),
                "message": copy.deepcopy(stored["message"]),
                "chat_instance": str(abs(hash(("chat", chat.obj["id"])))),
                "data": data,
            }
            self._queries[query_id] = {"answered": False, "answer": None}
            return self._enqueue({"callback_query": query})

    def enqueue_update(self, update: JSON) -> JSON:
        """Any other update (``update_id`` is added)."""
        with self._cond:
            return self._enqueue(dict(update))

    def _enqueue(self, update: JSON) -> JSON:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def answer(self, callback_query_id: str) -> JSON | None:
        """The answerCallbackQuery params for that query, or None if not answered yet."""
        with self._cond:
            return copy.deepcopy(self._queries[callback_query_id]["answer"])

    # --- faults ----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` answer this error instead."""
        if error_code == 429:
            retry_after = retry_after or 1
            description = f"Too Many Requests: retry after {retry_after}"
        with self._cond:
            self._faults.setdefault(method.lower(), []).append(
                _Fault(error_code, description or "Internal Server Error", retry_after, times)
            )

    def rate_limit(self, per_second: float | None = None) -> None:
        """Answer 429 (retry_after 1) beyond ``per_second`` calls in any second (None: off)."""
        with self._cond:
            self._rate_per_second = per_second
            self._rate_times.clear()

    # --- recording ---------------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None, thread_id: int | None = None) -> list[JSON]:
        """Messages and photos the bot sent (their current state), oldest first."""
        out = []
        with self._cond:
            for key in self._sent:
                stored = self._messages[key]
                message = stored["message"]
                if chat_id is not None and key[0] != chat_id:
                    continue
                if thread_id is not None and message.get("message_thread_id") != thread_id:
                    continue
                out.append(
                    {
                        "chat_id": key[0],
                        "message_id": key[1],
                        "message_thread_id": message.get("message_thread_id"),
                        "text": message.get("text"),
                        "caption": message.get("caption"),
                        "html": stored.get("html"),
                        "parse_mode": stored.get("parse_mode"),
                        "photo_bytes": stored.get("photo_bytes"),
                        "reply_markup": copy.deepcopy(message.get("reply_markup")),
                        "edits": stored.get("edits", 0),
                        "deleted": stored["deleted"],
                        "message": copy.deepcopy(message),
                    }
                )
        return out

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        with self._cond:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method.lower() == method.lower()]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0, *, after: int = 0) -> Call:
        """Block until a recorded call (from index ``after`` on) satisfies ``predicate``; return it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            checked = after
            while True:
                for call in self.calls[checked:]:
                    if predicate(call):
                        return call
                checked = max(checked, len(self.calls))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    last = "\n".join(
                        f"  {c.method} {c.params!r} -> {'ok' if c.ok else f'{c.error_code} {c.description}'}"
                        for c in self.calls[-15:]
                    )
                    raise AssertionError(f"no matching call within {timeout}s; last calls:\n{last}")
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - wait_for's own timeout, enforced in the thread
        *,
        after: int = 0,
    ) -> Call:
        """``wait_for`` in a worker thread, so a PTB app in this event loop keeps running."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, after=after)

    # --- dispatch ------------------------------------------------------------------------------------

    def _dispatch(
        self, path: str, params: JSON, files: dict[str, bytes], arrived: tuple[float, float] | None = None
    ) -> tuple[int, JSON]:
        """Answer one call; ``arrived`` is (wall, monotonic) time it reached the server."""
        wall, mono = arrived or (time.time(), time.monotonic())
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", path)
        if match is None:
            return 404, ApiError(404, "Not Found").payload()
        if match.group(1) != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        method = match.group(2)
        handler = self._handlers.get(method.lower())
        try:
            with self._cond:
                self._check_faults(method, mono)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params, files)
        except ApiError as exc:
            self._record(Call(method, params, wall, False, None, exc.error_code, exc.description, files))
            return exc.error_code, exc.payload()
        self._record(Call(method, params, wall, True, copy.deepcopy(result), files=files))
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _check_faults(self, method: str, now: float) -> None:
        faults = self._faults.get(method.lower())
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            params = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            raise ApiError(fault.error_code, fault.description, params)
        if self._rate_per_second is not None and method.lower() != "getupdates":
            self._rate_times[:] = [t for t in self._rate_times if now - t < 2.0]
            if sum(1 for t in self._rate_times if now - 1.0 < t <= now) >= self._rate_per_second:
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self._rate_times.append(now)

    # --- validation helpers ------------------------------------------------------------------------------

    def _chat_for_send(self, params: JSON) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        chat = None
        if isinstance(chat_id, int):
            chat = self._chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            chat = next((c for c in self._chats.values() if c.obj.get("username") == chat_id[1:]), None)
        if chat is None:
            raise _bad("chat not found")
        if chat.blocked:
            raise ApiError(
                403,
                {
                    "private": "Forbidden: bot was blocked by the user",
                    "group": "Forbidden: bot was kicked from the group chat",
                    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
                    "channel": "Forbidden: bot is not a member of the channel chat",
                }[chat.type],
            )
        return chat

    @staticmethod
    def _visible(text: Any, parse_mode: Any, *, caption: bool) -> str:
        """The visible text, after checking the markup and the length limit."""
        text = "" if text is None else str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        if mode == "html":
            try:
                validate(text)
            except ValueError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
            visible = html_text(text)
        elif mode in ("", "markdown", "markdownv2"):
            visible = text  # Markdown is not parsed by the fake: counted raw
        else:
            raise _bad("unsupported parse_mode")
        limit = CAPTION_LIMIT if caption else TEXT_LIMIT
        if utf16_len(visible) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return visible

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        """Validate reply_markup; return what a Message carries (only inline keyboards)."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # ReplyKeyboardMarkup / ReplyKeyboardRemove / ForceReply: not in the Message
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Array'
            )
        buttons = [b for row in rows for b in row]
        if len(buttons) > MAX_BUTTONS:
            raise _bad("REPLY_MARKUP_TOO_LONG")
        for button in buttons:
            if not isinstance(button, dict):
                raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if not isinstance(button.get("text"), str):
                raise _bad("can't parse inline keyboard button: Can't find field \"text\"")
            if not button["text"].strip():
                raise _bad("BUTTON_TEXT_INVALID")
            actions = [a for a in BUTTON_ACTIONS if a in button]
            if not actions:
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if len(actions) > 1:
                raise _bad("BUTTON_TYPE_INVALID")
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                    raise _bad("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                parts = urlsplit(url) if isinstance(url, str) else None
                if (
                    parts is None
                    or parts.scheme.lower() not in ("http", "https", "tg")
                    or (parts.scheme.lower() != "tg" and not parts.netloc)
                ):
                    raise _bad("BUTTON_URL_INVALID")
        return copy.deepcopy(markup)

    def _check_thread(self, chat: _Chat, params: JSON) -> int | None:
        thread_id = params.get("message_thread_id")
        if thread_id in (None, ""):
            return None
        if not chat.obj.get("is_forum") or not isinstance(thread_id, int) or thread_id <= 0:
            raise _bad("message thread not found")
        return thread_id

    def _reply_to(self, chat: _Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if not isinstance(reply, dict):
            return None
        stored = self._messages.get((reply.get("chat_id", chat.obj["id"]), reply.get("message_id")))
        if stored is None or stored["deleted"]:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return copy.deepcopy(stored["message"])

    def _new_message(self, chat: _Chat, params: JSON, markup: JSON | None, thread_id: int | None) -> JSON:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSON = {"message_id": message_id, "date": int(time.time()), "chat": dict(chat.obj)}
        if chat.type == "channel":
            message["sender_chat"] = dict(chat.obj)
        else:
            message["from"] = dict(self.bot_user)
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        reply_to = self._reply_to(chat, params)
        if reply_to is not None:
            reply_to.pop("reply_to_message", None)
            message["reply_to_message"] = reply_to
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def _store_sent(self, chat: _Chat, message: JSON, **extra: Any) -> JSON:
        key = (chat.obj["id"], message["message_id"])
        self._messages[key] = {"message": message, "by_bot": True, "deleted": False, "edits": 0, **extra}
        self._sent.append(key)
        self._cond.notify_all()
        return copy.deepcopy(message)

    def _message_to_edit(self, params: JSON) -> tuple[_Chat, JSON]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not simulated
        chat = self._chat_for_send(params)
        stored = self._messages.get((chat.obj["id"], params.get("message_id")))
        if stored is None or stored["deleted"]:
            raise _bad("message to edit not found")
        if not stored["by_bot"]:
            raise _bad("message can't be edited")
        return chat, stored

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    # --- methods ------------------------------------------------------------------------------------

    def _m_getMe(self, params: JSON, files: dict[str, bytes]) -> JSON:
        return dict(self.bot_user)

    def _m_getUpdates(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        offset = params.get("offset")
        limit = params.get("limit") or 100
        timeout = params.get("timeout") or 0
        if not isinstance(limit, int) or not isinstance(timeout, int | float):
            raise _bad("wrong parameter in request")
        limit = max(1, min(100, limit))
        deadline = time.monotonic() + float(timeout)
        with self._cond:
            if self.webhook["url"]:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in params:
                self.allowed_updates = params["allowed_updates"] or None
            if isinstance(offset, int) and offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # like Telegram, a new getUpdates terminates a waiting one
            while True:
                self._drop_unwanted()
                if self._updates or self._stopping:
                    break
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            if self._stopping:
                return []
            updates = self._updates
            if isinstance(offset, int) and offset < 0:
                updates = updates[offset:]
            return copy.deepcopy(updates[:limit])

    def _drop_unwanted(self) -> None:
        wanted = self.allowed_updates
        default_off = {"chat_member", "message_reaction", "message_reaction_count"}

        def ok(update: JSON) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in wanted if wanted else kind not in default_off

        self._updates = [u for u in self._updates if ok(u)]

    def _m_deleteWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            self.webhook = {"url": "", "secret_token": None}
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _m_setWebhook(self, params: JSON, files: dict[str, bytes]) -> bool:
        url = params.get("url") or ""
        if url and urlsplit(url).scheme != "https":
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        with self._cond:
            self.webhook = {"url": url, "secret_token": params.get("secret_token")}
            if "allowed_updates" in params:
                self.allowed_updates = params["allowed_updates"] or None
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            info: JSON = {
                "url": self.webhook["url"],
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self.allowed_updates:
                info["allowed_updates"] = list(self.allowed_updates)
        return info

    def _m_setMyCommands(self, params: JSON, files: dict[str, bytes]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            key = self._scope_key(params.get("scope"), params.get("language_code"))
            stored = [{"command": c["command"], "description": c["description"]} for c in commands]
            if stored:
                self._commands[key] = stored
            else:
                self._commands.pop(key, None)
        return True

    def _m_getMyCommands(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        with self._cond:
            key = self._scope_key(params.get("scope"), params.get("language_code"))
            return copy.deepcopy(self._commands.get(key, []))

    def _m_deleteMyCommands(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            self._commands.pop(self._scope_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _text(self, params: JSON) -> tuple[str, str]:
        """A message's ``text`` as sent and as shown, refused when empty either way."""
        raw = params.get("text")
        if raw is None or not str(raw).strip():
            raise _bad("message text is empty")
        visible = self._visible(raw, params.get("parse_mode"), caption=False)
        if not visible.strip():
            raise _bad("message text is empty")
        return raw, visible

    def _m_sendMessage(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat = self._chat_for_send(params)
            thread_id = self._check_thread(chat, params)
            raw, visible = self._text(params)
            markup = self._check_markup(params.get("reply_markup"))
            message = self._new_message(chat, params, markup, thread_id)
            message["text"] = visible
            return self._store_sent(chat, message, html=raw, parse_mode=params.get("parse_mode"))

    def _m_sendPhoto(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat = self._chat_for_send(params)
            thread_id = self._check_thread(chat, params)
            caption = params.get("caption")
            visible = self._visible(caption, params.get("parse_mode"), caption=True) if caption else None
            markup = self._check_markup(params.get("reply_markup"))
            data = files.get("photo")
            if data is None:
                photo = params.get("photo")
                if isinstance(photo, str) and photo.startswith("attach://"):
                    data = files.get(photo.removeprefix("attach://"))
            if data is not None:
                if not data:
                    raise _bad("file must be non-empty")
                size = _image_size(data)
                if size is None:
                    raise _bad("IMAGE_PROCESS_FAILED")
                unique = uuid.uuid4().hex
                photo_size = {
                    "file_id": f"AgACAgIAAxkBAAI{unique}",
                    "file_unique_id": f"AQAD{unique[:12]}",
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(data),
                }
                self._files[photo_size["file_id"]] = photo_size
                photo_bytes: int | None = len(data)
            else:
                file_id = params.get("photo")
                if not file_id:
                    raise _bad("there is no photo in the request")
                if file_id not in self._files:
                    raise _bad("wrong file identifier/HTTP URL specified")
                photo_size = dict(self._files[file_id])
                photo_bytes = None
            message = self._new_message(chat, params, markup, thread_id)
            message["photo"] = [photo_size]
            if visible:
                message["caption"] = visible
            return self._store_sent(
                chat, message, html=caption, parse_mode=params.get("parse_mode"), photo_bytes=photo_bytes
            )

    def _m_editMessageText(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat, stored = self._message_to_edit(params)
            raw, visible = self._text(params)
            markup = self._check_markup(params.get("reply_markup"))
            message = stored["message"]
            if "text" not in message:
                raise _bad("there is no text in the message to edit")
            same_text = message["text"] == visible and stored.get("html") == raw
            if same_text and message.get("reply_markup") == markup:
                raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
            message["text"] = visible
            # Like Telegram: an edit without reply_markup removes the inline keyboard.
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            stored.update(html=raw, parse_mode=params.get("parse_mode"), edits=stored.get("edits", 0) + 1)
            self._cond.notify_all()
            return copy.deepcopy(message)

    def _m_editMessageReplyMarkup(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat, stored = self._message_to_edit(params)
            markup = self._check_markup(params.get("reply_markup"))
            message = stored["message"]
            if message.get("reply_markup") == markup:
                raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
            if markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = markup
            message["edit_date"] = int(time.time())
            stored["edits"] = stored.get("edits", 0) + 1
            return copy.deepcopy(message)

    def _m_deleteMessage(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            chat = self._chat_for_send(params)
            stored = self._messages.get((chat.obj["id"], params.get("message_id")))
            if stored is None or stored["deleted"]:
                raise _bad("message to delete not found")
            if not stored["by_bot"] and chat.type != "private" and self.bot_user["id"] not in chat.admins:
                raise _bad("message can't be deleted")
            stored["deleted"] = True
        return True

    def _m_answerCallbackQuery(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            query = self._queries.get(str(params.get("callback_query_id", "")))
            if query is None or query["answered"]:
                raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
            text = params.get("text")
            if isinstance(text, str) and len(text) > 200:
                raise _bad("MESSAGE_TOO_LONG")
            query["answered"] = True
            query["answer"] = dict(params)
        return True

    def _m_sendChatAction(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            chat = self._chat_for_send(params)
            self._check_thread(chat, params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _m_getChat(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat = self._chat_for_send(params)
            return {
                **chat.obj,
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }

    def _member(self, chat: _Chat, user_id: int) -> JSON:
        user = self.bot_user if user_id == self.bot_user["id"] else self._users.get(user_id)
        user = dict(user or {"id": user_id, "is_bot": False, "first_name": "User"})
        if chat.admins and user_id == chat.admins[0]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in chat.admins:
            rights = (
                "can_be_edited",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            )
            return {
                "status": "administrator",
                "user": user,
                "is_anonymous": False,
                **dict.fromkeys(rights, True),
                "can_be_edited": False,
            }
        return {"status": "member", "user": user}

    def _m_getChatMember(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat = self._chat_for_send(params)
            user_id = params.get("user_id")
            if not isinstance(user_id, int):
                raise _bad("invalid user_id specified")
            if chat.type == "private" and user_id not in (chat.obj["id"], self.bot_user["id"]):
                raise _bad("user not found")
            return self._member(chat, user_id)

    def _m_getChatAdministrators(self, params: JSON, files: dict[str, bytes]) -> list[JSON]:
        with self._cond:
            chat = self._chat_for_send(params)
            if chat.type == "private":
                raise _bad("there are no administrators in the private chat")
            return [self._member(chat, user_id) for user_id in chat.admins]

    def _m_setChatMenuButton(self, params: JSON, files: dict[str, bytes]) -> bool:
        with self._cond:
            chat_id = params.get("chat_id")
            if chat_id is not None and chat_id not in self._chats:
                raise _bad("chat not found")
            self._menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    def _m_getChatMenuButton(self, params: JSON, files: dict[str, bytes]) -> JSON:
        with self._cond:
            chat_id = params.get("chat_id")
            return dict(
                self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "default"}
            )

    def _m_close(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True

    def _m_logOut(self, params: JSON, files: dict[str, bytes]) -> bool:
        return True
