"""/settings: timezone, digest time, alerts, alert level, quiet hours, pause, language — by
buttons (the message is edited in place) or typed (/settings timezone America/New_York). Changes
are stored at once and apply from the next digest or alert. Edge."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat_settings import (
    Change,
    Menu,
    Refusal,
    Usage,
    parse_button,
    parse_typed,
)
from bot.i18n import LANGUAGES
from bot.render import bold, code, escape
from db.queries import chats as chat_queries
from db.queries.chats import ChatSettings
from handlers.briefing import safe_edit
from handlers.common import args_text, button_data, buttons, chat_of, chunked, deps, may_change, reply, tr

TIMEZONES = (
    "Europe/Vilnius",
    "Europe/Riga",
    "Europe/Tallinn",
    "Europe/Warsaw",
    "Europe/Kyiv",
    "Europe/Helsinki",
    "Europe/Chisinau",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
)
DIGEST_TIMES = ("06:00", "07:00", "08:00", "09:00", "12:00", "18:00", "21:00")
QUIET = (("22:00", "07:00"), ("23:00", "07:00"), ("00:00", "08:00"))


def _menu(chat: ChatSettings):  # type: ignore[no-untyped-def]
    _ = tr(chat).gettext
    alerts = _("on") if chat.alerts_enabled else _("off")
    quiet = (
        f"{chat.quiet_start:%H:%M}–{chat.quiet_end:%H:%M}"
        if chat.quiet_start and chat.quiet_end
        else _("off")
    )
    text = "\n".join(
        [
            bold(_("Settings")),
            escape(
                _("Tap to change, or type e.g. /settings timezone America/New_York, /settings digest 07:30.")
            ),
        ]
    )
    zone_label, digest_label, alerts_label = _("Timezone"), _("Digest at"), _("Alerts")
    level_label, quiet_label, level = _("Level"), _("Quiet hours"), _(chat.min_severity)
    pause_label = _("Paused") if chat.paused else _("Pause")
    rows = [
        [(f"🕐 {zone_label}: {chat.timezone}", "set:tz")],
        [(f"📰 {digest_label} {chat.digest_time:%H:%M}", "set:dt")],
        [(f"🔔 {alerts_label}: {alerts}", "set:al"), (f"⚠️ {level_label}: {level}", "set:sev")],
        [(f"🌙 {quiet_label}: {quiet}", "set:q")],
        [
            (f"⏸ {pause_label}", "set:p"),
            (f"🌐 {LANGUAGES.get(chat.language or 'en')}", "set:lang"),
        ],
    ]
    return text, buttons(rows)


async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    text = args_text(context)
    if text:
        if not await may_change(update, context):
            await reply(update, context, escape(_("Only the group's admins can change its settings.")))
            return
        name, _sep, value = text.partition(" ")
        intent = parse_typed(name, value, chat, LANGUAGES)
        if isinstance(intent, Change):
            chat = await _store(context, chat, **intent.values)
            await reply(update, context, escape(_said(chat, intent)))
        elif isinstance(intent, Refusal):
            await reply(update, context, escape(_said(chat, intent)))
        else:
            await reply(update, context, _usage(chat))
        return
    menu_text, keyboard = _menu(chat)
    await reply(update, context, menu_text, keyboard=keyboard)


async def _store(context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, **values: object) -> ChatSettings:
    return await deps(context).db.run(chat_queries.update_settings, chat.id, **values)


def _said(chat: ChatSettings, intent: Change | Refusal) -> str:
    """The intent's sentence in the chat's language (after a change of language, the new one)."""
    _ = tr(chat).gettext
    params = {k: _(v) if k == "level" else v for k, v in intent.params.items()}
    return _(intent.message).format(**params)


def _usage(chat: ChatSettings) -> str:
    _ = tr(chat).gettext
    return "\n".join(
        [
            escape(_("I can change:")),
            code("/settings timezone Europe/Vilnius"),
            code("/settings digest 07:30"),
            code("/settings alerts on|off"),
            code("/settings severity high|medium|low"),
            code("/settings quiet 23:00-07:00|off"),
            code("/settings pause on|off"),
            code("/settings language en|lt|ru"),
        ]
    )


def _submenu(chat: ChatSettings, what: str) -> tuple[str, object]:
    _ = tr(chat).gettext
    back = ("↩", "set:menu")
    if what == "tz":
        rows = [*chunked([(z, f"set:tz:{z}") for z in TIMEZONES], 2), [back]]
        return escape(_("Pick a timezone, or type /settings timezone America/New_York.")), buttons(rows)
    if what == "dt":
        rows = [*chunked([(t, f"set:dt:{t}") for t in DIGEST_TIMES], 4), [back]]
        return escape(_("When should the daily digest come? Or type /settings digest 07:30.")), buttons(rows)
    if what == "q":
        rows = [[(f"{a}–{b}", f"set:q:{a}-{b}") for a, b in QUIET], [(_("off"), "set:q:off")], [back]]
        return escape(_("Quiet hours hold alerts (except high severity) for the digest.")), buttons(rows)
    if what == "lang":
        rows = [[(name, f"set:lang:{code_}") for code_, name in LANGUAGES.items()], [back]]
        return escape(_("Language of my replies:")), buttons(rows)
    return _menu(chat)


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /settings button. Its data may be forged: ``parse_button`` refuses what no button offers,
    and every press is answered (a refusal as an alert; never "Saved." for nothing saved)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    if not await may_change(update, context):
        await query.answer(_("Only the group's admins can change its settings."), show_alert=True)
        return
    intent = parse_button(button_data(update), chat, LANGUAGES)
    if isinstance(intent, Refusal):
        await query.answer(_said(chat, intent)[:200], show_alert=True)
        return
    if isinstance(intent, Menu):
        await query.answer()
        text, keyboard = _submenu(chat, intent.what)
        await safe_edit(query, text, keyboard)
        return
    if isinstance(intent, Usage):  # not produced for buttons; answered all the same
        await query.answer()
        return
    chat = await _store(context, chat, **intent.values)
    await query.answer(tr(chat).gettext("Saved."))
    menu_text, keyboard = _menu(chat)
    await safe_edit(query, menu_text, keyboard)
