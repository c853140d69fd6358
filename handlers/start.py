"""/start and /help: what Briefbot does, every command with an example. Edge."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import regions
from bot.briefing import region_label
from bot.i18n import N_
from bot.render import bold, escape
from db.queries import chats as chat_queries
from db.queries import feeds as feed_queries
from handlers.common import buttons, chat_of, chunked, deps, reply, tr

#: Regions offered as buttons when nothing is followed yet (the bot's core regions).
CORE_REGIONS = ("LT", "LV", "EE", "PL", "BY", "UA", "FI", "MD", "baltics")


#: (command, example, what it does) — the menu (setMyCommands) and /help, in this order.
COMMANDS = (
    ("start", "/start", N_("what Briefbot does")),
    ("help", "/help", N_("every command with an example")),
    ("subscribe", "/subscribe lithuania", N_("follow a country or group, optionally only some topics")),
    ("unsubscribe", "/unsubscribe lithuania", N_("stop following a region, or all")),
    ("list", "/list", N_("what this chat follows, and its settings")),
    ("status", "/status lithuania", N_("the situation now: level, latest stories, chart")),
    ("digest", "/digest", N_("what is new since the last digest, now")),
    ("settings", "/settings", N_("timezone, digest time, alerts, quiet hours, language")),
    ("why", "/why 1234", N_("the evidence behind a story's tags")),
    ("sources", "/sources lithuania", N_("the feeds behind a region and their health")),
)
ADMIN_COMMANDS = (
    ("feeds", "/feeds", N_("feed health")),
    ("addfeed", "/addfeed https://example.com/rss.xml", N_("add a feed")),
    ("disablefeed", "/disablefeed https://example.com/rss.xml", N_("stop polling a feed")),
    ("stats", "/stats", N_("numbers about the bot")),
    ("broadcast", "/broadcast text", N_("send a message to every chat")),
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = await chat_of(update, context, reactivate=True)
    _ = tr(chat).gettext
    followed = await deps(context).db.read(chat_queries.most_followed, 6)
    sources = await deps(context).db.read(feed_queries.count_enabled)
    offer = list(dict.fromkeys([*followed, *CORE_REGIONS]))[:9]
    labels = [
        (region_label(r, chat.language), f"sub:{r.key}")
        for key in offer
        if (r := regions.get(key)) is not None
    ]
    text = "\n".join(
        [
            bold(_("Briefbot: borders and security, briefly.")),
            escape(
                tr(chat)
                .ngettext(
                    "I read {n} news source in English and the region's languages, group reports of "
                    "the same event into one story, and tell you what is happening in the countries "
                    "you follow: a daily digest at your time, alerts for severe news, and /status "
                    "whenever you ask.",
                    "I read {n} news sources in English and the region's languages, group reports of "
                    "the same event into one story, and tell you what is happening in the countries "
                    "you follow: a daily digest at your time, alerts for severe news, and /status "
                    "whenever you ask.",
                    sources,
                )
                .format(n=sources)
            ),
            "",
            escape(_("Pick a region to follow, or type /subscribe lithuania. /help lists everything.")),
        ]
    )
    await reply(update, context, text, keyboard=buttons(chunked(labels, 3)))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    from handlers.common import is_bot_admin

    chat = await chat_of(update, context)
    _ = tr(chat).gettext
    lines = [bold(_("Commands"))]
    lines += [f"{escape(example)} — {escape(_(what))}" for _name, example, what in COMMANDS]
    lines += [
        "",
        escape(
            _(
                "Regions: a country name in any language, its code or a group — lithuania, LT, "
                "Lietuva, Литва, baltics. Topics: border, military, migration, hybrid, diplomacy."
            )
        ),
    ]
    if is_bot_admin(update, context):
        lines += ["", bold(_("Admin"))]
        lines += [f"{escape(example)} — {escape(_(what))}" for _name, example, what in ADMIN_COMMANDS]
    await reply(update, context, "\n".join(lines))
