"""/status, /digest, /why, /sources: the briefing layer's compositions, sent. Edge."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot import regions
from bot.briefing import (
    TOPIC_NAMES,
    compose_digest,
    compose_status,
    digest_since,
    following,
    region_label,
    region_name,
    render_status,
)
from bot.charts import story_chart
from bot.i18n import EVENT_NAMES
from bot.render import bold, escape, html_text, italic, link, utf16_len
from db.queries import briefing as queries
from db.queries import chats as chat_queries
from db.queries import feeds as feed_queries
from handlers.common import args_text, button_data, chat_of, deps, gone, may_change, reply, thread_of, tr

MAX_STATUSES = 5  #: /status without a region: the first five followed regions
CHART_DAYS = 30


async def _unknown(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    from handlers.common import buttons, chunked

    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    close = regions.suggest(text)
    if close:
        await reply(
            update,
            context,
            escape(_("I don't know “{words}”. Did you mean:").format(words=text[:60])),
            keyboard=buttons(
                chunked([(region_label(r, chat.language), f"status:{r.key}") for r in close], 3)
            ),
        )
    else:
        await reply(
            update,
            context,
            escape(
                _("I don't know “{words}”: try /status lithuania, /status LT or /status baltics.").format(
                    words=text[:60]
                )
            ),
        )


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context)
    if not text:
        followed = await d.db.read(chat_queries.follows, chat.id)
        if not followed:
            await reply(
                update, context, escape(_("Which region? /status lithuania — or /subscribe to some first."))
            )
            return
        for f in followed[:MAX_STATUSES]:
            region = regions.get(f.region)
            if region is not None:
                await _send_status(update, context, region, chart=False)
        if len(followed) > MAX_STATUSES:
            await reply(update, context, escape(_("… and more: ask /status <region> for each.")))
        return
    region = regions.resolve(text)
    if region is None:
        await _unknown(update, context, text)
        return
    await _send_status(update, context, region, chart=True)


async def status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    region = regions.get(button_data(update).removeprefix("status:"))
    if region is not None:
        await _send_status(update, context, region, chart=True)


CAPTION_LIMIT = 1024  #: Telegram's limit for a photo's caption (UTF-16 code units, after entities)


async def _send_status(
    update: Update, context: ContextTypes.DEFAULT_TYPE, region: regions.Region, *, chart: bool
) -> None:
    d = deps(context)
    chat = await chat_of(update, context)
    now = d.clock.now()
    facts = await d.db.read(queries.status_facts, region.codes, now)
    html = render_status(compose_status(region, facts), ZoneInfo(chat.timezone), chat.language, why=True)
    if not chart:
        await reply(update, context, html)
        return
    counts = await d.db.read(queries.chart_counts, region.codes, now, CHART_DAYS)
    first = (now - timedelta(days=CHART_DAYS - 1)).date()
    days = [first + timedelta(days=i) for i in range(CHART_DAYS)]
    png = await asyncio.to_thread(
        story_chart, region_name(region, chat.language), days, counts, language=chat.language
    )
    # One message when the status fits a photo's caption; otherwise the text, then the chart.
    fits = utf16_len(html_text(html)) <= CAPTION_LIMIT
    if not fits:
        await reply(update, context, html)
    caption = (
        html
        if fits
        else escape(
            tr(chat)
            .gettext("{region}: new stories per day by topic, last 30 days")
            .format(region=region_name(region, chat.language))
        )
    )
    try:
        await context.bot.send_photo(
            chat.id,
            png,
            caption=caption,
            parse_mode=ParseMode.HTML,
            message_thread_id=thread_of(update.effective_message),
        )
    except Forbidden as exc:
        await gone(context, chat.id, str(exc))


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The chat's digest now: what is new since its last one (which it then becomes)."""
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    if not await may_change(update, context):  # it moves the chat's last-digest time
        await reply(update, context, escape(_("Only the group's admins can ask for its digest now.")))
        return
    now = d.clock.now()
    followed = await d.db.read(chat_queries.follows, chat.id)
    if not followed:
        await reply(update, context, escape(_("This chat follows nothing yet: /subscribe lithuania")))
        return
    since = digest_since(chat.last_digest_at, now)
    subscribed = following(followed)
    stories = await d.db.read(queries.digest_stories, subscribed.codes, since, now)
    html = compose_digest(
        subscribed.all, stories, since, now, ZoneInfo(chat.timezone), chat.language, why=True
    )
    if await reply(update, context, html) is not None:
        await d.db.run(chat_queries.mark_digest_sent, chat.id, now)


_WHY = re.compile(r"^/why_(\d{1,12})(?:@\w+)?$")


async def why(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/why 1234 (or the clickable /why_1234 in status lines): the evidence behind a story."""
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context).lstrip("#")
    message = update.effective_message
    if not text and message is not None and message.text:
        match = _WHY.match(message.text.split()[0])
        text = match.group(1) if match else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 12:  # "²" and "①" are digits to isdigit
        await reply(
            update,
            context,
            escape(_("Which story? /why 1234 — the number after /why_ in /status and digests.")),
        )
        return
    evidence = await d.db.read(queries.story_evidence, int(text))
    if evidence is None:
        await reply(update, context, escape(_("There is no story {n}.").format(n=text)))
        return
    story = evidence.story
    title, url = story.title_for(chat.language)
    lines = [bold(_("Story {n}").format(n=story.id)), link(url or "", title), ""]
    lines.append(
        escape(
            _("{items} reports from {sources} sources; severity {severity}.").format(
                items=story.items, sources=story.sources, severity=_(story.severity.value)
            )
        )
    )
    for kind, label in (("event", _("Events")), ("region", _("Regions")), ("topic", _("Topics"))):
        tagged = [(value, words) for (k, value), words in sorted(evidence.tags.items()) if k == kind]
        if not tagged:
            continue
        lines += ["", bold(label)]
        for value, words in tagged:
            if kind == "region":
                known = regions.get(value)
                name = region_name(known, chat.language) if known else value
                role = _(evidence.roles.get(value, "mentioned"))
                name += f" ({role})"
            elif kind == "event":  # "border closure: 'closes its border with Belarus'"
                name = _(EVENT_NAMES.get(value, value.replace("_", " ")))
                words = [f"‘{w}’" for w in words[:2]]
            else:
                name = _(TOPIC_NAMES.get(value, value))
            lines.append(f"• {escape(name)}: {italic(', '.join(words) or '—')}")
    lines += ["", bold(_("Reports"))]
    for feed, report_title, report_url, _published in evidence.reports:
        lines.append(f"• {escape(feed)}: {link(report_url or '', report_title[:150])}")
    await reply(update, context, "\n".join(lines))


def _covers(hints: Sequence[str]) -> set[str]:
    """The countries a feed's region hints cover: codes as they are, groups ("baltics") expanded."""
    out: set[str] = set()
    for hint in hints:
        known = regions.get(hint)
        out |= set(known.codes) if known else {hint}
    return out


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context)
    region = regions.resolve(text) if text else None
    if region is None:
        if text:
            await _unknown(update, context, text)
        else:
            await reply(update, context, escape(_("Which region? /sources lithuania")))
        return
    now = d.clock.now()
    wanted = set(region.codes)
    feeds = [f for f in await d.db.read(feed_queries.feed_health) if _covers(f.regions) & wanted]
    if not feeds:
        await reply(
            update,
            context,
            escape(
                _("No feed is listed for {region}; its news comes from the general feeds.").format(
                    region=region_name(region, chat.language)
                )
            ),
        )
        return
    lines = [bold(_("Sources for {region}").format(region=region_label(region, chat.language)))]
    for f in feeds:
        if not f.enabled:
            state = "⏹ " + _("disabled")
        elif f.consecutive_errors:
            state = "⚠️ " + _("failing: {error}").format(error=(f.last_error or "")[:80])
        elif f.last_success_at is None:
            state = "… " + _("not fetched yet")
        else:
            minutes = int((now - f.last_success_at).total_seconds() // 60)
            state = "✅ " + _("ok, checked {m} min ago").format(m=minutes)
        lines.append(f"• {escape(f.name)} ({escape(f.language)}) — {escape(state)}")
    await reply(update, context, "\n".join(lines))


async def safe_edit(query, text: str, keyboard=None) -> None:  # type: ignore[no-untyped-def]
    """Edit a message, ignoring Telegram's "message is not modified" (a button pressed twice)."""
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
