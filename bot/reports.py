"""Plain-text tables for the terminal (``briefbot poll --once``, ``briefbot feeds``). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain import FeedHealth, FeedOutcome, FetchStatus


def ago(when: datetime | None, now: datetime) -> str:
    """'5m ago', 'in 3m', 'never' — short relative times for tables."""
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        text = f"{int(seconds)}s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)}m"
    elif seconds < 86400 * 2:
        text = f"{int(seconds // 3600)}h"
    else:
        text = f"{int(seconds // 86400)}d"
    return f"in {text}" if future else f"{text} ago"


def _cut(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


#: What a failed fetch's error says, and the cause a person can act on (first match wins).
_CAUSES = (
    (("name or service not known", "temporary failure in name resolution", "nodename nor servname",
      "no address associated", "getaddrinfo", "name resolution"), "name resolution", "is the network up?"),
    (("connection refused",), "connection refused", "is a proxy or firewall in the way?"),
    (("timed out", "timeout"), "timeouts", "is the network slow or filtered?"),
    (("certificate", "ssl", "tls"), "TLS errors", "is the system's certificate store present?"),
    (("network is unreachable", "no route to host"), "no route", "is the network up?"),
    (("http 403",), "HTTP 403", "are the sites refusing this address or User-Agent?"),
    (("http 5",), "server errors (5xx)", "the sites may be down; try later."),
)  # fmt: skip


def cause_of(error: str | None) -> str | None:
    """The common cause an error message names ("name resolution", "timeouts"), if any."""
    text = (error or "").lower()
    return next((cause for needles, cause, _ in _CAUSES if any(n in text for n in needles)), None)


def common_failure(outcomes: Sequence[FeedOutcome]) -> str | None:
    """One line when most feeds failed the same way: "45 of 45 feeds failed: name resolution — is
    the network up?"; None otherwise."""
    failed = [o for o in outcomes if o.status is FetchStatus.ERROR]
    if not outcomes or len(failed) * 2 < len(outcomes):
        return None
    causes: dict[str, int] = {}
    for o in failed:
        cause = cause_of(o.error)
        if cause:
            causes[cause] = causes.get(cause, 0) + 1
    if not causes:
        return f"{len(failed)} of {len(outcomes)} feeds failed."
    cause, count = max(causes.items(), key=lambda kv: kv[1])
    if count * 2 < len(failed):
        return f"{len(failed)} of {len(outcomes)} feeds failed."
    hint = next(h for _, c, h in _CAUSES if c == cause)
    return f"{len(failed)} of {len(outcomes)} feeds failed: {cause} — {hint}"


def format_poll(outcomes: Sequence[FeedOutcome], seconds: float) -> str:
    """One line per feed (new / unchanged (304) / error / gone), then a totals line."""
    lines = []
    for o in sorted(outcomes, key=lambda o: (o.status is not FetchStatus.OK, o.name.lower())):
        if o.status is FetchStatus.OK:
            extra = f" ({o.updated_items} updated)" if o.updated_items else ""
            warn = f"  [{_cut(o.warning, 80)}]" if o.warning else ""
            lines.append(f"{len(o.new_item_ids):>5} {'new':<9} {o.name}{extra}{warn}")
        elif o.status is FetchStatus.NOT_MODIFIED:
            lines.append(f"{'':>5} {'unchanged':<9} {o.name} (304)")
        elif o.status is FetchStatus.GONE:
            lines.append(f"{'':>5} {'gone':<9} {o.name}: {_cut(o.error, 100)}; disabled")
        else:
            lines.append(f"{'':>5} {'error':<9} {o.name}: {_cut(o.error, 100)}")
        if o.new_url:
            lines.append(f"{'':>16}moved permanently to {o.new_url}")
    ok = [o for o in outcomes if o.status is FetchStatus.OK]
    new = sum(len(o.new_item_ids) for o in outcomes)
    unchanged = sum(1 for o in outcomes if o.status is FetchStatus.NOT_MODIFIED)
    errors = sum(1 for o in outcomes if o.status in (FetchStatus.ERROR, FetchStatus.GONE))
    lines.append(
        f"{len(outcomes)} feeds in {seconds:.1f} s: {new} new items from {len(ok)} fetched, "
        f"{unchanged} unchanged, {errors} errors"
    )
    if common := common_failure(outcomes):
        lines.append(common)
    return "\n".join(lines)


def format_feed_health(rows: Sequence[FeedHealth], now: datetime) -> str:
    """The ``briefbot feeds`` health table."""
    header = ("FEED", "STATE", "LAST SUCCESS", "ITEMS", "NEWEST", "NEXT FETCH", "LAST ERROR")
    table = [header]
    for r in rows:
        if not r.enabled:
            state = "disabled"
        elif r.consecutive_errors:
            state = f"failing×{r.consecutive_errors}"
        elif r.last_fetched_at is None:
            state = "new"
        else:
            state = "ok"
        error = r.disabled_reason if not r.enabled else (r.last_error if r.consecutive_errors else "")
        table.append(
            (
                _cut(r.name, 30),
                state,
                ago(r.last_success_at, now),
                str(r.items),
                ago(r.newest_item_at, now) if r.newest_item_at else "-",
                ago(r.next_fetch_at, now) if r.enabled else "-",
                _cut(error, 60),
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    failing = sum(1 for r in rows if r.enabled and r.consecutive_errors)
    disabled = sum(1 for r in rows if not r.enabled)
    lines.append(
        f"{len(rows)} feeds: {len(rows) - failing - disabled} healthy, {failing} failing, {disabled} disabled"
    )
    return "\n".join(lines)
