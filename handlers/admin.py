"""Operators' commands (BRIEFBOT_ADMIN_IDS): /feeds, /addfeed, /disablefeed, /stats, /broadcast.
Anyone else is told they are for admins. Edge."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.netpolicy import is_private_host
from bot.render import bold, escape
from bot.reports import format_feed_health
from db.queries import chats as chat_queries
from db.queries import feeds as feed_queries
from handlers.common import args_text, chat_of, deps, gone, is_bot_admin, reply, tr

log = logging.getLogger(__name__)


async def _admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if is_bot_admin(update, context):
        return False
    chat = await chat_of(update, context)
    await reply(update, context, escape(tr(chat).gettext("That command is for the bot's admins only.")))
    return True


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _admin_only(update, context):
        return
    d = deps(context)
    rows = await d.db.run(feed_queries.feed_health)
    table = format_feed_health(rows, d.clock.now())
    await reply(update, context, f"<pre>{escape(table)}</pre>")


async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _admin_only(update, context):
        return
    d = deps(context)
    _ = tr(await chat_of(update, context)).gettext
    url, _sep, name = args_text(context).partition(" ")
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None or len(url) > 2048:
        await reply(
            update,
            context,
            escape(_("Give the feed's http(s) URL: /addfeed https://example.com/rss.xml [name]")),
        )
        return
    if not d.settings.allow_private_feeds and await is_private_host(parts.hostname, port):
        # Loopback, private, link-local…: not fetched for a chat (bot/netpolicy.py).
        await reply(
            update,
            context,
            escape(
                _(
                    "Refused: {host} is a private or local network address. Feeds from chats must be "
                    "public (the operator can allow private ones with BRIEFBOT_ALLOW_PRIVATE_FEEDS=1)."
                ).format(host=parts.hostname[:100])
            ),
        )
        return
    added = await d.db.run(feed_queries.add_feed, url, name.strip() or parts.netloc, "en", d.clock.now())
    text = _("Added {url}: polled from the next round.") if added else _("{url} is already polled.")
    await reply(update, context, escape(text.format(url=url)))


async def disablefeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _admin_only(update, context):
        return
    _ = tr(await chat_of(update, context)).gettext
    target = args_text(context)
    if not target:
        await reply(update, context, escape(_("Which feed? /disablefeed <url or name>")))
        return
    name = await deps(context).db.run(feed_queries.disable_feed, target)
    text = (
        _("Stopped polling {name}; its stories stay.").format(name=name)
        if name
        else _("No enabled feed “{target}”.").format(target=target[:100])
    )
    await reply(update, context, escape(text))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await _admin_only(update, context):
        return
    numbers = await deps(context).db.run(chat_queries.stats)
    lines = [bold("Briefbot")] + [f"{escape(k)}: {v:,}" for k, v in numbers.items()]
    await reply(update, context, "\n".join(lines))


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a plain-text message to every active chat, at Telegram's pace (the application's
    rate limiter); chats that blocked the bot are marked inactive."""
    if await _admin_only(update, context):
        return
    _ = tr(await chat_of(update, context)).gettext
    text = args_text(context) if len(" ".join(context.args or ())) <= 4000 else None
    if not text:
        await reply(update, context, escape(_("Give the text: /broadcast We are back online.")))
        return
    chat_ids = await deps(context).db.run(chat_queries.active_chat_ids)
    sent = failed = 0
    for chat_id in chat_ids:
        for _attempt in range(3):
            try:
                await context.bot.send_message(chat_id, escape(text), parse_mode=ParseMode.HTML)
                sent += 1
                break
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
            except Forbidden as exc:
                await gone(context, chat_id, str(exc))
                failed += 1
                break
            except (BadRequest, TelegramError) as exc:
                log.warning("broadcast.failed chat=%s error=%s", chat_id, exc)
                failed += 1
                break
        else:  # still rate-limited after three tries
            failed += 1
    await reply(
        update, context, escape(_("Sent to {sent} chats; {failed} failed.").format(sent=sent, failed=failed))
    )
