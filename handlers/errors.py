"""What is not a command we know, and what goes wrong: never a crash, never silence. Edge."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n import language_of, translator
from bot.render import escape
from bot.send import ChatGone, outcome_of
from handlers.common import chat_of, gone, reply, tr

log = logging.getLogger(__name__)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no handler knows (an old keyboard, or forged): answered, so the
    client stops spinning, and nothing changes."""
    query = update.callback_query
    if query is None:
        return
    chat = await chat_of(update, context)
    await query.answer(tr(chat).gettext("This button has expired."), show_alert=True)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0][:40]
    # In a group, a command for another bot ("/start@otherbot") is none of our business.
    if "@" in command and command.split("@", 1)[1].lower() != (context.bot.username or "").lower():
        return
    chat = await chat_of(update, context)
    await reply(
        update,
        context,
        escape(
            tr(chat).gettext("I don't know {command}. /help lists what I can do.").format(command=command)
        ),
    )


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text in a private chat: a hint. (In groups the bot only sees commands.)"""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    settings = await chat_of(update, context)
    await reply(
        update, context, escape(tr(settings).gettext("I answer commands: try /status lithuania, or /help."))
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context (never the token: the log filter redacts it) and tell the user, in one
    sentence, that it was our fault."""
    error = context.error
    chat_id = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    text = None
    if isinstance(update, Update) and update.effective_message is not None:
        text = (update.effective_message.text or "")[:80]
    if isinstance(error, TelegramError) and isinstance(outcome_of(error), ChatGone) and chat_id is not None:
        await gone(context, chat_id, str(error))
        return
    log.error("handler.failed chat=%s text=%r error=%s", chat_id, text, error, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_chat.id,
            translator(
                language_of(update.effective_user.language_code if update.effective_user else None)
            ).gettext("Sorry, something went wrong on my side; please try again in a minute."),
            message_thread_id=update.effective_message.message_thread_id
            if update.effective_message is not None and update.effective_message.is_topic_message
            else None,
        )
    except Exception:  # noqa: BLE001 - the error handler must not fail in turn
        log.exception("handler.error_reply_failed chat=%s", chat_id)
