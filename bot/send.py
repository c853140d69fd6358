"""The one way Briefbot sends to Telegram, for the handlers and the deliverer alike. Edge.

``send_html`` splits a Telegram HTML text into messages under Telegram's limit and sends them
without link previews; every failure becomes an outcome, decided by ``outcome_of`` from the
exception's type:

    Sent(message_id)          the last part's id
    ChatGone(reason)          403 (blocked, kicked) or "chat not found": stop sending to the chat
    RetryLater(seconds, …)    429 (``seconds`` = retry_after), network errors, timeouts, 5xx
    Failed(reason)            anything else Telegram refused (400): retrying cannot help
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.render import split_message


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: int


@dataclass(frozen=True, slots=True)
class ChatGone:
    reason: str


@dataclass(frozen=True, slots=True)
class RetryLater:
    seconds: float | None  #: Telegram's retry_after, when it said
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


SendOutcome = Sent | ChatGone | RetryLater | Failed

#: Telegram has no error type for a chat that no longer exists: a 400 with this description.
_CHAT_NOT_FOUND = ("chat not found", "chat_not_found", "group chat was deleted", "user is deactivated")


def outcome_of(error: TelegramError) -> ChatGone | RetryLater | Failed:
    """What a Telegram error means for the message and its chat."""
    reason = str(error)
    if isinstance(error, Forbidden):
        return ChatGone(reason)
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return RetryLater(wait.total_seconds() if isinstance(wait, timedelta) else float(wait), reason)
    if isinstance(error, BadRequest):
        if any(phrase in reason.lower() for phrase in _CHAT_NOT_FOUND):
            return ChatGone(reason)
        return Failed(reason)
    if isinstance(error, NetworkError):  # timeouts and connection failures are NetworkErrors
        return RetryLater(None, reason)
    return RetryLater(None, reason)  # 5xx and anything unforeseen: worth another try


async def send_html(
    bot: Bot,
    chat_id: int,
    html: str,
    *,
    thread: int | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
) -> SendOutcome:
    """Send ``html`` in as many messages as it takes (the keyboard goes with the last)."""
    parts = split_message(html, check=False)
    sent = None
    try:
        for i, part in enumerate(parts):
            sent = await bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread,
                reply_markup=keyboard if i == len(parts) - 1 else None,
                link_preview_options={"is_disabled": True},
            )
    except TelegramError as exc:
        return outcome_of(exc)
    assert sent is not None
    return Sent(sent.message_id)
