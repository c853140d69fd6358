"""``briefbot status <region> [--json]`` and ``briefbot digest --chat ID --dry-run``: what the bot
would send, printed in the terminal from the database. Edge."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import regions
from bot.briefing import compose_digest, compose_status, digest_since, following, render_status, status_json
from bot.charts import story_chart
from bot.errors import BriefbotError
from bot.render import html_text
from db.models import Chat
from db.queries import briefing as queries
from db.queries import chats as chat_queries


class UnknownRegion(BriefbotError):
    def __init__(self, text: str) -> None:
        close = regions.suggest(text)
        hint = (
            f" Did you mean {' or '.join(r.name.lower() if not r.is_group else r.key for r in close)}?"
            if close
            else ""
        )
        super().__init__(f"unknown region {text!r}: give a country name, ISO code or group (baltics).{hint}")


def status_text(session: Session, text: str, now: datetime, tz: ZoneInfo, *, as_json: bool = False) -> str:
    region = regions.resolve(text)
    if region is None:
        raise UnknownRegion(text)
    status = compose_status(region, queries.status_facts(session, region.codes, now))
    if as_json:
        return json.dumps(status_json(status), ensure_ascii=False, indent=2)
    return terminal(render_status(status, tz))


def status_chart(session: Session, text: str, now: datetime, days: int = 30) -> bytes:
    """The PNG sent with a status: stories per day by topic over ``days`` days (UTC days)."""
    region = regions.resolve(text)
    if region is None:
        raise UnknownRegion(text)
    counts = queries.chart_counts(session, region.codes, now, days)
    first = (now - timedelta(days=days - 1)).date()
    return story_chart(region.name, [first + timedelta(days=i) for i in range(days)], counts)


def digest_text(session: Session, chat_id: int, now: datetime) -> str:
    chat = session.get(Chat, chat_id)
    if chat is None:
        raise BriefbotError(f"no chat {chat_id}: chats appear when someone starts the bot in Telegram")
    since = digest_since(chat.last_digest_at, now)
    subscribed = following(chat_queries.follows(session, chat_id))
    stories = queries.digest_stories(session, subscribed.codes, since, now)
    return terminal(compose_digest(subscribed.all, stories, since, now, ZoneInfo(chat.timezone)))


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)


def terminal(html: str) -> str:
    """Telegram HTML as terminal text: tags dropped, each link's address shown after its text."""
    return html_text(_LINK.sub(r"\2 <\1>".replace("<", "&lt;").replace(">", "&gt;"), html))
