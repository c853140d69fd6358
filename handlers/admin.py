"""Operators' commands (BRIEFBOT_ADMIN_IDS): /feeds, /addfeed, /disablefeed, /stats, /broadcast.
Anyone else is told they are for admins. Edge."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import ContextTypes

from bot.domain import FetchStatus
from bot.errors import ParseError
from bot.feeds import parse_addfeed
from bot.fetch import Fetcher
from bot.netpolicy import is_private_host
from bot.parse import parse_feed
from bot.render import bold, escape
from bot.reports import format_feed_health
from bot.sanitize import clean_text
from db.queries import broadcasts
from db.queries import chats as chat_queries
from db.queries import feeds as feed_queries
from handlers.common import args_text, chat_of, deps, is_bot_admin, reply, tr

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
    rows = await d.db.read(feed_queries.feed_health)
    table = format_feed_health(rows, d.clock.now())
    await reply(update, context, f"<pre>{escape(table)}</pre>")


async def addfeed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/addfeed URL [name] [lang=xx] [regions=LT,baltics] [label=…]: fetched once before it is
    accepted (a 404, an HTML page or an unparsable body is refused with the reason)."""
    if await _admin_only(update, context):
        return
    d = deps(context)
    _ = tr(await chat_of(update, context)).gettext
    spec = parse_addfeed(args_text(context))
    if isinstance(spec, str):
        await reply(update, context, escape(_(spec)))
        return
    parts = urlsplit(spec.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not d.settings.allow_private_feeds and await is_private_host(parts.hostname or "", port):
        # Loopback, private, link-local…: not fetched for a chat (bot/netpolicy.py).
        await reply(
            update,
            context,
            escape(
                _(
                    "Refused: {host} is a private or local network address. Feeds from chats must be "
                    "public (the operator can allow private ones with BRIEFBOT_ALLOW_PRIVATE_FEEDS=1)."
                ).format(host=(parts.hostname or "")[:100])
            ),
        )
        return
    problem = await _try_feed(spec.url, d.settings.allow_private_feeds, d.clock.now())
    if problem is not None:
        await reply(update, context, escape(_("Not added: {reason}").format(reason=problem)))
        return
    added = await d.db.run(
        feed_queries.add_feed, spec.url, spec.name, spec.language, d.clock.now(), spec.regions
    )
    text = _("Added {url}: polled from the next round.") if added else _("{url} is already polled.")
    await reply(update, context, escape(text.format(url=spec.url)))


async def _try_feed(url: str, allow_private: bool, now: datetime) -> str | None:
    """Fetch and parse the feed once: None when it is a feed, else why not (one phrase)."""
    async with Fetcher(allow_private=allow_private) as fetcher:
        result = await fetcher.fetch(url, listed=False)
    if result.status is not FetchStatus.OK or result.body is None:
        return result.error or f"HTTP {result.http_status}"
    try:
        await asyncio.to_thread(
            parse_feed, result.body, url=url, fetched_at=now, content_type=result.content_type
        )
    except ParseError as exc:
        return exc.reason
    return None


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
    numbers = await deps(context).db.read(chat_queries.stats)
    lines = [bold("Briefbot")] + [f"{escape(k)}: {v:,}" for k, v in numbers.items()]
    await reply(update, context, "\n".join(lines))


BROADCAST_MAX = 16_000  #: characters; sent in as many messages as it takes


async def broadcast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain-text message to every active chat, as written (line breaks kept): queued in the
    delivery ledger, which sends it at Telegram's pace, once per chat, retrying and resuming
    after a restart; the admin is answered at once with how many chats it was queued for."""
    if await _admin_only(update, context):
        return
    d = deps(context)
    _ = tr(await chat_of(update, context)).gettext
    message = update.effective_message
    raw = message.text if message is not None and message.text else ""
    parts = raw.split(maxsplit=1)
    text = clean_text(parts[1]).strip() if len(parts) > 1 else ""
    if not text or len(text) > BROADCAST_MAX:
        await reply(update, context, escape(_("Give the text: /broadcast We are back online.")))
        return
    user = update.effective_user
    queued = await d.db.run(broadcasts.queue, text, user.id if user else 0, d.clock.now())
    await reply(
        update,
        context,
        escape(_("Queued for {n} chats: sent at Telegram's pace, once each.").format(n=queued)),
    )
