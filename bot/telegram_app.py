"""The python-telegram-bot ``Application``: built, wired to the handlers, run by long polling or a
webhook next to the poller. Edge; only bot/app.py uses it.

    Telegram ─▶ Application (PTB 22, bot.pace) ─▶ handlers/* ─▶ briefing (pure) + db
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.errors import BriefbotError
from bot.i18n import LANGUAGES, translator
from bot.pace import TelegramPace
from handlers import admin, briefing, errors, settings, start, subscriptions
from handlers.common import Deps, chat_of, gone

log = logging.getLogger(__name__)

#: Updates the bot asks Telegram for (everything else is not sent at all).
ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]


def build_application(settings_: Settings, deps: Deps) -> Application:
    """The bot, talking to ``TELEGRAM_API_BASE_URL`` (Telegram, a local Bot API server or a
    test fake), at Telegram's pace (bot.pace: 29 messages/s overall, 20/min per group, and
    ``retry_after`` honoured)."""
    assert settings_.token is not None
    # Durations (RetryAfter.retry_after…) as timedelta: PTB's announced behaviour, opted into now
    # (otherwise every 429 also raises a deprecation warning).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    base = settings_.telegram_api_base_url
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
    application = (
        ApplicationBuilder()
        .token(settings_.token)
        .base_url(base)
        .base_file_url(file_base)
        .rate_limiter(TelegramPace())
        # Updates are handled side by side: one chat's slow /status (a chart, a busy database)
        # does not hold up every other chat's commands.
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    application.bot_data["deps"] = deps
    register(application)
    return application


CONCURRENT_UPDATES = 16  #: updates handled at once


def register(application: Application) -> None:
    commands = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    for name, callback in (
        ("start", start.start),
        ("help", start.help_command),
        ("subscribe", subscriptions.subscribe),
        ("unsubscribe", subscriptions.unsubscribe),
        ("list", subscriptions.list_command),
        ("status", briefing.status),
        ("digest", briefing.digest),
        ("settings", settings.settings),
        ("why", briefing.why),
        ("sources", briefing.sources),
        ("feeds", admin.feeds),
        ("addfeed", admin.addfeed),
        ("disablefeed", admin.disablefeed),
        ("stats", admin.stats),
        ("broadcast", admin.broadcast),
    ):
        application.add_handler(CommandHandler(name, callback, filters=commands))
    application.add_handler(MessageHandler(commands & filters.Regex(r"^/why_\d+(@\w+)?(\s|$)"), briefing.why))
    application.add_handler(CallbackQueryHandler(subscriptions.subscribe_button, pattern=r"^sub:"))
    application.add_handler(CallbackQueryHandler(subscriptions.unsubscribe_button, pattern=r"^unsub:"))
    application.add_handler(CallbackQueryHandler(briefing.status_button, pattern=r"^status:"))
    application.add_handler(CallbackQueryHandler(settings.settings_button, pattern=r"^set:"))
    application.add_handler(CallbackQueryHandler(errors.unknown_button))  # every other button
    application.add_handler(ChatMemberHandler(_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(commands & filters.COMMAND, errors.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, errors.text_message)
    )
    application.add_error_handler(errors.on_error)


async def _membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, removed, or added (a channel an admin links): follow it."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if status in ("kicked", "left"):
        await gone(context, change.chat.id, f"bot {status}")
    elif status in ("member", "administrator"):
        await chat_of(update, context, reactivate=True)


async def set_commands(application: Application) -> None:
    """The command menu, in each language; admins also see the admin commands."""
    bot = application.bot
    deps: Deps = application.bot_data["deps"]
    try:
        for language in LANGUAGES:
            _ = translator(language).gettext
            menu = [BotCommand(name, _(what)[:256]) for name, _example, what in start.COMMANDS]
            await bot.set_my_commands(menu, language_code=None if language == "en" else language)
        admin_menu = [
            BotCommand(name, what) for name, _example, what in (*start.COMMANDS, *start.ADMIN_COMMANDS)
        ]
        for admin_id in deps.settings.admin_ids:
            try:
                await bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
            except TelegramError as exc:  # an admin who never started the bot: not a chat yet
                log.info("telegram.admin_menu_skipped admin=%s error=%s", admin_id, exc)
    except TelegramError as exc:
        log.warning("telegram.set_commands_failed error=%s", exc)


async def start_bot(application: Application, settings_: Settings) -> str:
    """Start receiving updates: a webhook when BRIEFBOT_WEBHOOK_URL is set, else long polling.
    Returns a line saying how the bot runs; raises ``BriefbotError`` (one clear line) when
    Telegram rejects the token or cannot be reached."""
    try:
        await application.initialize()
    except InvalidToken:
        raise BriefbotError(
            "Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): copy it again from @BotFather"
        ) from None
    except (NetworkError, TimedOut) as exc:
        raise BriefbotError(
            f"cannot reach the Telegram Bot API at {settings_.telegram_api_base_url}: {exc}"
        ) from None
    await set_commands(application)  # what Application.run_polling's post_init would do
    await application.start()
    assert application.updater is not None
    name = f"@{application.bot.username}"
    if settings_.webhook_url:
        path = urlsplit(settings_.webhook_url).path.lstrip("/") or "telegram"
        await application.updater.start_webhook(
            listen="0.0.0.0",  # noqa: S104 - a webhook must be reachable by Telegram
            port=settings_.port,
            url_path=path,
            webhook_url=settings_.webhook_url,
            secret_token=settings_.webhook_secret_token,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        return f"Telegram bot {name} is up: webhook {settings_.webhook_url} (listening on port {settings_.port})."
    await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=30, poll_interval=0.0)
    return f"Telegram bot {name} is up: long polling."


async def stop_bot(application: Application) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
