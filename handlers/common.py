"""What every handler needs: the services, the chat (created on first contact), its language,
replies to the right chat and forum topic, split under Telegram's limit, and who may change
what. Edge: talks to Telegram and the database."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from gettext import NullTranslations
from typing import Any

from telegram import (
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import language_of, translator
from bot.sanitize import clean_text
from bot.send import ChatGone, Sent, send_html
from db.engine import Database
from db.queries import chats as chat_queries
from db.queries.chats import ChatSettings

log = logging.getLogger(__name__)

MAX_ARGS = 500  #: characters of a command's arguments looked at (a 5,000-character argument is cut)
DEFAULT_DIGEST_TIME = time(8, 0)


@dataclass(frozen=True)
class Deps:
    """Services the handlers use, put in ``application.bot_data["deps"]`` by bot/telegram_app.py."""

    db: Database
    settings: Settings
    clock: Clock


def deps(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.application.bot_data["deps"]


CHAT_TITLE = 256  #: characters of a chat's title or a user's name kept (the column's size)


def args_text(context: ContextTypes.DEFAULT_TYPE) -> str:
    """The command's arguments as one string, whitespace collapsed, cut at MAX_ARGS, without NUL
    or other control characters (bot/sanitize.py)."""
    return clean_text(" ".join(context.args or ()), MAX_ARGS).strip()


def button_data(update: Update) -> str:
    """A pressed button's data, cleaned: a modified client can send anything (NUL included, which
    PostgreSQL refuses), and Telegram allows 64 bytes."""
    query = update.callback_query
    return clean_text(query.data or "", 64) if query is not None else ""


def thread_of(message: Message | None) -> int | None:
    """The forum topic a message was sent in (replies and digests go back there)."""
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


async def chat_of(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, reactivate: bool = False
) -> ChatSettings:
    """The chat's settings; a chat seen for the first time is stored with defaults (timezone
    BRIEFBOT_TIMEZONE, digest at 08:00, alerts on for high severity, the user's language)."""
    d = deps(context)
    chat = update.effective_chat
    assert chat is not None
    user = update.effective_user
    title = clean_text(chat.title or chat.full_name or chat.username or "", CHAT_TITLE) or None
    # Most commands come from a chat already known, unchanged: read it beside the writer (a poll
    # storing items must not delay the answer); write only on first contact or a change.
    known = await d.db.read(chat_queries.get_chat, chat.id)
    if known is not None and (not title or known.title == title) and (known.active or not reactivate):
        return known
    return await d.db.run(
        chat_queries.ensure_chat,
        chat.id,
        type=chat.type,
        title=title,
        language=language_of(user.language_code if user else None),
        timezone=d.settings.timezone,
        digest_time=DEFAULT_DIGEST_TIME,
        now=d.clock.now(),
        reactivate=reactivate,
    )


def tr(chat: ChatSettings | None) -> NullTranslations:
    return translator(chat.language if chat else None)


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    html: str,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
) -> int | None:
    """Send ``html`` to the chat (and forum topic) the update came from, through the one send
    path (bot/send.py); returns the last message's id. A chat that is gone is marked inactive
    instead of failing the handler; any other failure raises (the error handler tells the user)."""
    chat = update.effective_chat
    assert chat is not None
    outcome = await send_html(
        context.bot, chat.id, html, thread=thread_of(update.effective_message), keyboard=keyboard
    )
    if isinstance(outcome, Sent):
        return outcome.message_id
    if isinstance(outcome, ChatGone):
        await gone(context, chat.id, outcome.reason)
        return None
    raise SendFailed(outcome.reason)


class SendFailed(Exception):
    """A reply Telegram refused or could not take now (logged and told by the error handler)."""


async def gone(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reason: str) -> None:
    """The chat blocked the bot, removed it, or no longer exists: stop sending to it."""
    log.info("chat.inactive chat=%s reason=%s", chat_id, reason)
    await deps(context).db.run(chat_queries.mark_inactive, chat_id, reason)


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender of this command, or the presser of this button, may change the chat's
    subscriptions, settings or digest time. The one place this is decided:

    - a private chat: its own user only (a button is pressed by the user it was sent to);
    - a group or supergroup (forum topics included): its administrators, or an anonymous
      administrator posting as the group;
    - a channel: a post in it comes from someone allowed to post; a button under a channel message
      can be pressed by any subscriber, so the presser must be one of its administrators.
    """
    chat, user = update.effective_chat, update.effective_user
    pressed = update.callback_query is not None
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return user is not None and user.id == chat.id
    message = None if pressed else update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # posted as the group (an anonymous admin) or in the channel
    if chat.type == ChatType.CHANNEL and message is not None:
        return True  # a channel post: only its administrators can post
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except (BadRequest, Forbidden):
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def is_bot_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """One of BRIEFBOT_ADMIN_IDS (the operators), not a group admin."""
    user = update.effective_user
    return user is not None and user.id in deps(context).settings.admin_ids


def buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def chunked(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
