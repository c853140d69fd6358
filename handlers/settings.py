"""/settings: timezone, digest time, alerts, alert level, quiet hours, pause, language — by
buttons (the message is edited in place) or typed (/settings timezone America/New_York). Changes
are stored at once and apply from the next digest or alert. Edge."""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from telegram import Update
from telegram.ext import ContextTypes

from bot.i18n import LANGUAGES
from bot.render import bold, code, escape
from db.queries import chats as chat_queries
from db.queries.chats import ChatSettings
from handlers.briefing import safe_edit
from handlers.common import args_text, buttons, chat_of, chunked, deps, may_change, reply, tr

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
SEVERITIES = ("high", "medium", "low")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)?$")


def parse_time(text: str) -> time | None:
    """ "7", "07:30", "7.30", "19h" → a time; anything else None."""
    match = _TIME.match(text.strip().lower().removesuffix("h"))
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2) or 0))


def find_timezone(text: str) -> str | None:
    """An IANA name typed in any case ("europe/vilnius", "utc")."""
    text = text.strip()
    try:
        ZoneInfo(text)
        if text in available_timezones() or text == "UTC":
            return text
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = text.lower()
    return next((z for z in sorted(available_timezones()) if z.lower() == lowered), None)


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
        message = await _apply_typed(update, context, chat, name.lower(), value.strip())
        await reply(update, context, message)
        return
    menu_text, keyboard = _menu(chat)
    await reply(update, context, menu_text, keyboard=keyboard)


async def _store(context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, **values: object) -> ChatSettings:
    return await deps(context).db.run(chat_queries.update_settings, chat.id, **values)


async def _apply_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chat: ChatSettings, name: str, value: str
) -> str:
    _ = tr(chat).gettext
    on_off = {"on": True, "yes": True, "off": False, "no": False}
    if name in ("timezone", "tz", "zone"):
        zone = find_timezone(value)
        if zone is None:
            return escape(
                _(
                    "“{value}” is not a timezone name; use one like Europe/Vilnius or America/New_York."
                ).format(value=value[:60])
            )
        chat = await _store(context, chat, timezone=zone)
        return escape(_("Timezone: {zone}.").format(zone=zone))
    if name in ("digest", "time"):
        when = parse_time(value)
        if when is None:
            return escape(_("Give the digest time as HH:MM, e.g. /settings digest 07:30."))
        await _store(context, chat, digest_time=when)
        return escape(_("Digest daily at {time} ({zone}).").format(time=f"{when:%H:%M}", zone=chat.timezone))
    if name == "alerts" and value.lower() in on_off:
        await _store(context, chat, alerts_enabled=on_off[value.lower()])
        return escape(_("Alerts on.") if on_off[value.lower()] else _("Alerts off."))
    if name in ("severity", "level") and value.lower() in SEVERITIES:
        await _store(context, chat, min_severity=value.lower())
        return escape(_("Alerts for {level} severity and above.").format(level=_(value.lower())))
    if name == "quiet":
        if value.lower() in ("off", "none", "no"):
            await _store(context, chat, quiet_start=None, quiet_end=None)
            return escape(_("No quiet hours."))
        start, _sep, end = value.replace("–", "-").partition("-")
        begins, ends = parse_time(start), parse_time(end)
        if begins is None or ends is None or begins == ends:
            return escape(_("Give quiet hours as HH:MM-HH:MM, e.g. /settings quiet 23:00-07:00, or off."))
        await _store(context, chat, quiet_start=begins, quiet_end=ends)
        return escape(
            _("Quiet hours {start}–{end}: alerts wait for the digest unless severity is high.").format(
                start=f"{begins:%H:%M}", end=f"{ends:%H:%M}"
            )
        )
    if name == "pause" and value.lower() in on_off:
        await _store(context, chat, paused=on_off[value.lower()])
        return escape(
            _("Paused: nothing is sent until you resume.") if on_off[value.lower()] else _("Resumed.")
        )
    if name in ("language", "lang") and value.lower() in LANGUAGES:
        await _store(context, chat, language=value.lower())
        return escape(tr(await chat_of(update, context)).gettext("Language: English."))
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


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    if not await may_change(update, context):
        await query.answer(_("Only the group's admins can change its settings."), show_alert=True)
        return
    parts = query.data.split(":", 2)
    what = parts[1] if len(parts) > 1 else "menu"
    value = parts[2] if len(parts) > 2 else None
    back = ("↩", "set:menu")
    if what == "tz" and value is None:
        rows = [*chunked([(z, f"set:tz:{z}") for z in TIMEZONES], 2), [back]]
        await query.answer()
        await safe_edit(
            query, escape(_("Pick a timezone, or type /settings timezone America/New_York.")), buttons(rows)
        )
        return
    if what == "dt" and value is None:
        rows = [*chunked([(t, f"set:dt:{t}") for t in DIGEST_TIMES], 4), [back]]
        await query.answer()
        await safe_edit(
            query,
            escape(_("When should the daily digest come? Or type /settings digest 07:30.")),
            buttons(rows),
        )
        return
    if what == "q" and value is None:
        rows = [[(f"{a}–{b}", f"set:q:{a}-{b}") for a, b in QUIET], [(_("off"), "set:q:off")], [back]]
        await query.answer()
        await safe_edit(
            query, escape(_("Quiet hours hold alerts (except high severity) for the digest.")), buttons(rows)
        )
        return
    if what == "lang" and value is None:
        rows = [[(name, f"set:lang:{code_}") for code_, name in LANGUAGES.items()], [back]]
        await query.answer()
        await safe_edit(query, escape(_("Language of my replies:")), buttons(rows))
        return
    if what == "tz" and value and find_timezone(value):
        chat = await _store(context, chat, timezone=find_timezone(value))
    elif what == "dt" and value and parse_time(value):
        chat = await _store(context, chat, digest_time=parse_time(value))
    elif what == "al":
        chat = await _store(context, chat, alerts_enabled=not chat.alerts_enabled)
    elif what == "sev":
        following = (
            SEVERITIES[(SEVERITIES.index(chat.min_severity) + 1) % len(SEVERITIES)]
            if chat.min_severity in SEVERITIES
            else "high"
        )
        chat = await _store(context, chat, min_severity=following)
    elif what == "q" and value == "off":
        chat = await _store(context, chat, quiet_start=None, quiet_end=None)
    elif what == "q" and value:
        start, _sep, end = value.partition("-")
        if parse_time(start) and parse_time(end):
            chat = await _store(context, chat, quiet_start=parse_time(start), quiet_end=parse_time(end))
    elif what == "p":
        chat = await _store(context, chat, paused=not chat.paused)
    elif what == "lang" and value in LANGUAGES:
        chat = await _store(context, chat, language=value)
    await query.answer(tr(chat).gettext("Saved."))
    menu_text, keyboard = _menu(chat)
    await safe_edit(query, menu_text, keyboard)
