"""bot.log: setup_logging and RedactTokenFilter."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.log import REDACTED, RedactTokenFilter, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
OTHER = "987654321:ZZZqwertyuiopASDFGHJKLzxcvbnm_-12"
NOISY = ("httpx", "httpcore", "apscheduler.executors.default")


@contextmanager
def logging_to(
    level: str = "INFO", token: str | None = None, secrets: tuple[str, ...] = ()
) -> Iterator[tuple[logging.Handler, io.StringIO]]:
    """setup_logging() into a buffer; the root logger is put back on exit, inside the test itself
    (pytest's own capture handlers sit on the root logger per test phase)."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_noisy = {name: logging.getLogger(name).level for name in NOISY}
    buffer = io.StringIO()
    try:
        yield setup_logging(level, token=token, stream=buffer, secrets=secrets), buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level_ in saved_noisy.items():
            logging.getLogger(name).setLevel(level_)


def message_part(line: str) -> str:
    """'<time> LEVEL name message' → message."""
    return line.split(" ", 3)[3]


def test_setup_logging_format_level_and_noisy_loggers():
    with logging_to("DEBUG", TOKEN) as (handler, out):
        logging.getLogger("bot.test").debug("poll.done feeds=%d new_items=%d", 3, 7)
        root = logging.getLogger()
        assert handler in root.handlers
        assert [h for h in root.handlers if isinstance(h, logging.StreamHandler)] == [handler]
        assert root.level == logging.DEBUG
        assert [logging.getLogger(name).level for name in NOISY] == [logging.WARNING] * 3
        assert any(isinstance(f, RedactTokenFilter) and f.token == TOKEN for f in handler.filters)

    (line,) = out.getvalue().splitlines()
    assert line.split(" ", 3)[1:] == ["DEBUG", "bot.test", "poll.done feeds=3 new_items=7"]


def test_noisy_loggers_follow_a_stricter_level():
    with logging_to("ERROR"):
        assert logging.getLogger("httpx").level == logging.ERROR


def test_configured_token_redacted_from_args():
    with logging_to("INFO", TOKEN) as (_, out):
        logging.getLogger("bot.test").info("token is %s, again %r", TOKEN, TOKEN)

    assert message_part(out.getvalue().rstrip("\n")) == f"token is {REDACTED}, again '{REDACTED}'"
    assert "AAHdqTcv" not in out.getvalue()


def test_configured_token_redacted_even_when_not_token_shaped():
    with logging_to("INFO", "local-test-secret") as (_, out):
        logging.getLogger("bot.test").warning("calling http://localhost:8081/botlocal-test-secret/getMe")

    assert message_part(out.getvalue().rstrip("\n")) == f"calling http://localhost:8081/bot{REDACTED}/getMe"


def test_unconfigured_token_shaped_string_redacted():
    with logging_to("INFO", TOKEN) as (_, out):
        logging.getLogger("bot.test").info("someone pasted %s in chat", OTHER)

    assert message_part(out.getvalue().rstrip("\n")) == f"someone pasted {REDACTED} in chat"


def test_token_redacted_from_exception_text():
    with logging_to("INFO", TOKEN) as (_, out):
        try:
            raise RuntimeError(f"request failed: token={TOKEN} other={OTHER}")
        except RuntimeError:
            logging.getLogger("bot.test").exception("send.failed chat=%d", 42)

    output = out.getvalue()
    assert TOKEN not in output
    assert OTHER not in output
    assert f"RuntimeError: request failed: token={REDACTED} other={REDACTED}" in output
    assert "Traceback (most recent call last):" in output
    assert message_part(output.splitlines()[0]) == "send.failed chat=42"


def test_token_redacted_from_exc_info_on_error():
    with logging_to("INFO", TOKEN) as (_, out):
        try:
            raise ValueError(TOKEN)
        except ValueError as exc:
            logging.getLogger("bot.test").error("failed", exc_info=exc)

    assert TOKEN not in out.getvalue()
    assert f"ValueError: {REDACTED}" in out.getvalue()


def test_message_without_token_untouched():
    record = logging.LogRecord(
        "bot.test", logging.INFO, __file__, 1, "fetched %d items from %s", (3, "LRT"), None
    )

    assert RedactTokenFilter(TOKEN).filter(record) is True
    assert record.getMessage() == "fetched 3 items from LRT"


def test_filter_rewrites_record_without_args():
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, "t=%s", (TOKEN,), None)

    RedactTokenFilter(None).filter(record)

    assert (record.msg, record.args) == (f"t={REDACTED}", None)
    assert record.getMessage() == f"t={REDACTED}"


def test_short_digit_colon_text_is_not_a_token():
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, "at 12:30 chat 42:abc", None, None)

    RedactTokenFilter(None).filter(record)

    assert record.getMessage() == "at 12:30 chat 42:abc"


def test_unconfigured_token_in_bot_api_url_redacted():
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST https://api.telegram.org/bot%s/getMe",
        (OTHER,),
        None,
    )

    RedactTokenFilter(TOKEN).filter(record)

    assert record.getMessage() == f"HTTP Request: POST https://api.telegram.org/bot{REDACTED}/getMe"


def test_the_webhook_secret_and_the_database_password_never_reach_a_log_line_at_debug():
    from bot.config import load_settings

    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BRIEFBOT_WEBHOOK_SECRET": "k3y-very-secret_0123",
            "DATABASE_URL": "postgresql://briefbot:pa55w0rd-xyz@db/briefbot",
        },
        env_file=None,
    )
    assert set(settings.secrets()) == {"k3y-very-secret_0123", "pa55w0rd-xyz"}
    with logging_to("DEBUG", settings.token, settings.secrets()) as (_handler, out):
        log = logging.getLogger("telegram.ext.ExtBot")
        # What python-telegram-bot logs at DEBUG when it registers the webhook:
        log.debug(
            "Calling Bot API endpoint `%s` with parameters `%s`",
            "setWebhook",
            {"url": "https://bot.example/hook", "secret_token": "k3y-very-secret_0123"},
        )
        log.debug("connect %s", "postgresql+psycopg://briefbot:pa55w0rd-xyz@db/briefbot")
        log.debug("secret_token=%s derived", "another-secret-value")
    text = out.getvalue()
    assert "k3y-very-secret_0123" not in text and "pa55w0rd-xyz" not in text
    assert "another-secret-value" not in text and text.count(REDACTED) >= 3
