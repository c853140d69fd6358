"""Logging set-up: ``event key=value`` lines on stderr, with secrets redacted everywhere.

One filter on the one handler redacts, at every level: the bot token (and anything shaped like a
token), the webhook secret (and any ``secret_token`` value, as python-telegram-bot logs request
parameters at DEBUG), and the database password."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

# Bot API URLs carry the token in the path (…/bot123456:ABC…/sendMessage); redact any token-shaped
# string as well as the configured token itself, in messages, arguments and tracebacks.
_TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")
#: "secret_token": "…", secret_token='…', X-Telegram-Bot-Api-Secret-Token: …
_SECRET_FIELD = re.compile(
    r"(?i)((?:secret_token|x-telegram-bot-api-secret-token)['\"]?\s*[:=]\s*['\"]?)([^'\",}\s]+)"
)
REDACTED = "[REDACTED]"


class RedactTokenFilter(logging.Filter):
    def __init__(self, token: str | None = None, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.token = token
        #: longest first, so a secret that contains another is redacted whole
        self.secrets = sorted({s for s in (token, *secrets) if s and len(s) >= 4}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _SECRET_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(  # type: ignore[no-untyped-def]
    level: str = "INFO", token: str | None = None, stream=None, secrets: Iterable[str | None] = ()
) -> logging.Handler:
    """Route every logger to one stderr handler that redacts ``token`` and ``secrets`` (the
    webhook secret, the database password); returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z")
    )
    handler.addFilter(RedactTokenFilter(token, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, which for the Bot API contains the token; alembic
    # lists its plugins at every start.
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
