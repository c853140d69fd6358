"""/subscribe, /unsubscribe, /list and their buttons. Edge."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import regions
from bot.briefing import TOPIC_NAMES, region_label
from bot.render import bold, code, escape
from db.queries import chats as chat_queries
from handlers.briefing import safe_edit
from handlers.common import (
    args_text,
    button_data,
    buttons,
    chat_of,
    chunked,
    deps,
    may_change,
    reply,
    thread_of,
    tr,
)
from handlers.start import CORE_REGIONS

MAX_REGIONS = 20  #: per chat: a digest of more would be unreadable


def _label(key: str, language: str | None) -> str:
    region = regions.get(key)
    return region_label(region, language) if region else key


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if await may_change(update, context):
        return False
    chat = await chat_of(update, context)
    await reply(
        update, context, escape(tr(chat).gettext("Only the group's admins can change what it follows."))
    )
    return True


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context)
    if not text:
        labels = [
            (region_label(r, chat.language), f"sub:{r.key}")
            for key in CORE_REGIONS
            if (r := regions.get(key)) is not None
        ]
        await reply(
            update,
            context,
            escape(_("Which region? Pick one, or type it: /subscribe lithuania (or LT, Lietuva, baltics).")),
            keyboard=buttons(chunked(labels, 3)),
        )
        return
    if await _refuse(update, context):
        return
    request = regions.parse_request(text)
    lines = []
    if request.regions:
        lines.append(await _follow(update, context, [r.key for r in request.regions], request.topics))
    if request.unknown:
        close = []
        for word in request.unknown[:3]:
            close += [r for r in regions.suggest(word) if r not in close and r not in request.regions]
        unknown = ", ".join(request.unknown[:5])
        if close:
            lines.append(escape(_("I don't know “{words}”. Did you mean:").format(words=unknown)))
            await reply(
                update,
                context,
                "\n".join(lines),
                keyboard=buttons(
                    chunked([(region_label(r, chat.language), f"sub:{r.key}") for r in close[:6]], 3)
                ),
            )
            return
        lines.append(
            escape(
                _(
                    "I don't know “{words}”: give a country name, its code or a group, e.g. /subscribe lithuania"
                ).format(words=unknown)
            )
        )
    if request.topics and not request.regions:
        lines.append(escape(_("Topics need a region: /subscribe poland border")))
    await reply(update, context, "\n".join(lines))


async def _follow(
    update: Update, context: ContextTypes.DEFAULT_TYPE, keys: list[str], topics: tuple[str, ...]
) -> str:
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    current = await d.db.read(chat_queries.follows, chat.id)
    known = {f.region for f in current}
    room = MAX_REGIONS - len(known)
    new = [k for k in keys if k not in known]
    if len(new) > room:
        return escape(
            _("A chat can follow at most {n} regions: /unsubscribe some first.").format(n=MAX_REGIONS)
        )
    thread = thread_of(update.effective_message)
    for key in keys:
        await d.db.run(chat_queries.subscribe, chat.id, key, topics, thread, d.clock.now())
    names = ", ".join(_label(k, chat.language) for k in keys)
    if topics:
        what = ", ".join(_(TOPIC_NAMES.get(t, t)) for t in topics)
        return escape(_("Following {regions} — only {topics}.").format(regions=names, topics=what))
    return escape(
        _("Following {regions}. Your digest comes daily at {time} ({zone}); /settings to change.").format(
            regions=names, time=f"{chat.digest_time:%H:%M}", zone=chat.timezone
        )
    )


async def subscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    key = button_data(update).removeprefix("sub:")
    if regions.get(key) is None:  # an old or forged button
        chat = await chat_of(update, context)
        await query.answer(tr(chat).gettext("This button has expired."), show_alert=True)
        return
    if not await may_change(update, context):
        chat = await chat_of(update, context)
        await query.answer(
            tr(chat).gettext("Only the group's admins can change what it follows."), show_alert=True
        )
        return
    text = await _follow(update, context, [key], ())
    await query.answer()
    await reply(update, context, text)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context)
    current = await d.db.read(chat_queries.follows, chat.id)
    if not current:
        await reply(update, context, escape(_("This chat follows nothing yet: /subscribe lithuania")))
        return
    if not text:
        labels = [(f"✖ {_label(f.region, chat.language)}", f"unsub:{f.region}") for f in current]
        labels.append((_("✖ All"), "unsub:*"))
        await reply(
            update, context, escape(_("Stop following which region?")), keyboard=buttons(chunked(labels, 2))
        )
        return
    if await _refuse(update, context):
        return
    if text.lower() in ("all", "*", _("all").lower()):
        removed = await d.db.run(chat_queries.unsubscribe, chat.id, None)
        await reply(update, context, escape(_("Stopped following all {n} regions.").format(n=removed)))
        return
    request = regions.parse_request(text)
    followed = {f.region for f in current}
    lines = []
    for region in request.regions:
        if region.key in followed:
            await d.db.run(chat_queries.unsubscribe, chat.id, region.key)
            lines.append(
                escape(_("Stopped following {region}.").format(region=region_label(region, chat.language)))
            )
        else:
            lines.append(
                escape(
                    _("This chat does not follow {region}.").format(
                        region=region_label(region, chat.language)
                    )
                )
            )
    if request.unknown or not request.regions:
        lines.append(
            escape(
                _("I don't know “{words}”. /list shows what this chat follows.").format(
                    words=" ".join(request.unknown)
                )
            )
        )
    await reply(update, context, "\n".join(lines))


async def unsubscribe_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    if not await may_change(update, context):
        await query.answer(_("Only the group's admins can change what it follows."), show_alert=True)
        return
    key = button_data(update).removeprefix("unsub:")
    if key != "*" and regions.get(key) is None:  # an old or forged button
        await query.answer(_("This button has expired."), show_alert=True)
        return
    removed = await d.db.run(chat_queries.unsubscribe, chat.id, None if key == "*" else key)
    await query.answer(_("Stopped.") if removed else _("Already stopped."))
    # Show the list again, as it is now.
    text, keyboard = await _list(update, context)
    if query.message is not None:  # a second press of the same ✖: the list did not change
        await safe_edit(query, text, keyboard)


async def _list(update: Update, context: ContextTypes.DEFAULT_TYPE):  # type: ignore[no-untyped-def]
    d = deps(context)
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    current = await d.db.read(chat_queries.follows, chat.id)
    if not current:
        return escape(_("This chat follows nothing yet: /subscribe lithuania")), None
    lines = [bold(_("This chat follows"))]
    for f in current:
        topics = ", ".join(_(TOPIC_NAMES.get(t, t)) for t in f.topics) or _("all topics")
        lines.append(f"• {escape(_label(f.region, chat.language))} — {escape(topics)}")
    alerts = _("on, {level} severity").format(level=_(chat.min_severity)) if chat.alerts_enabled else _("off")
    quiet = (
        f"{chat.quiet_start:%H:%M}–{chat.quiet_end:%H:%M}"
        if chat.quiet_start and chat.quiet_end
        else _("none")
    )
    lines += [
        "",
        bold(_("Settings")),
        escape(
            _("Digest daily at {time} ({zone})").format(time=f"{chat.digest_time:%H:%M}", zone=chat.timezone)
        ),
        escape(_("Alerts: {alerts}").format(alerts=alerts)),
        escape(_("Quiet hours: {quiet}").format(quiet=quiet)),
    ]
    if chat.paused:
        lines.append(escape(_("Paused: nothing is sent until you resume in /settings.")))
    to_change = _("to change them.")
    lines.append(f"{code('/settings')} {escape(to_change)}")
    keyboard = buttons(
        chunked([(f"✖ {_label(f.region, chat.language)}", f"unsub:{f.region}") for f in current], 2)
    )
    return "\n".join(lines), keyboard


async def list_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, keyboard = await _list(update, context)
    await reply(update, context, text, keyboard=keyboard)
