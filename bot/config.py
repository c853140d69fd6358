"""Settings: read once at start-up into a frozen object, every problem reported at once.

``load_settings(environ, env_file)`` is the one entry point. The environment wins over ``.env``;
nothing here runs at import time. The bot token is a ``SecretStr``: it never appears in a repr,
a log line or an error message.

| Variable                | Meaning                                         | Default                          |
|-------------------------|-------------------------------------------------|----------------------------------|
| TELEGRAM_BOT_TOKEN      | token from @BotFather; without it no Telegram   | (unset)                          |
| TELEGRAM_API_BASE_URL   | Bot API base URL (python-telegram-bot base_url) | https://api.telegram.org/bot     |
| DATABASE_URL            | SQLAlchemy URL (sqlite:/// or postgresql://)    | sqlite:///briefbot.db            |
| BRIEFBOT_FEEDS          | path of the feed list                           | feeds.yaml                       |
| BRIEFBOT_ADMIN_IDS      | comma-separated Telegram user ids               | (none)                           |
| BRIEFBOT_POLL_INTERVAL  | default seconds between polls of a feed         | 300                              |
| BRIEFBOT_TIMEZONE       | IANA time zone for new chats                    | UTC                              |
| BRIEFBOT_WEBHOOK_URL    | public HTTPS URL: webhook mode instead of polling | (unset: long polling)          |
| BRIEFBOT_WEBHOOK_SECRET | secret Telegram sends with every webhook call   | derived from the token           |
| PORT                    | port the webhook server listens on              | 8080                             |
| BRIEFBOT_RETENTION_DAYS | items and stories older than this are deleted   | 180                              |
| BRIEFBOT_ALLOW_PRIVATE_FEEDS | 1: feeds from chats may be private addresses | 0                            |
| BRIEFBOT_DELIVERY_LEASE | seconds a claimed delivery waits after a crash  | 60                               |
| BRIEFBOT_METRICS_PORT   | serve /healthz and /metrics on this port        | (unset: none)                    |
| BRIEFBOT_METRICS_HOST   | the address they listen on                      | 127.0.0.1                        |
| BRIEFBOT_ENCODER        | on/off: group stories by meaning too (encoder)   | on                               |
| LOG_LEVEL               | DEBUG, INFO, WARNING, ERROR                     | INFO (status, digest, feeds: WARNING) |
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
MIN_POLL_INTERVAL = 30  # seconds; anything faster is impolite to publishers
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Briefbot's configuration. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(default=DEFAULT_API_BASE_URL, alias="TELEGRAM_API_BASE_URL")
    # repr=False: the URL may carry a password.
    database_url: str = Field(default="sqlite:///briefbot.db", alias="DATABASE_URL", repr=False)
    feeds_path: Path = Field(default=Path("feeds.yaml"), alias="BRIEFBOT_FEEDS")
    admin_ids: tuple[int, ...] = Field(default=(), alias="BRIEFBOT_ADMIN_IDS")
    poll_interval: int = Field(default=300, alias="BRIEFBOT_POLL_INTERVAL")
    timezone: str = Field(default="UTC", alias="BRIEFBOT_TIMEZONE")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    webhook_url: str | None = Field(default=None, alias="BRIEFBOT_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="BRIEFBOT_WEBHOOK_SECRET")
    port: int = Field(default=8080, alias="PORT")
    retention_days: int = Field(default=180, alias="BRIEFBOT_RETENTION_DAYS")
    #: fetch feeds added from chats (and redirects) from private addresses too (bot/netpolicy.py)
    allow_private_feeds: bool = Field(default=False, alias="BRIEFBOT_ALLOW_PRIVATE_FEEDS")
    #: seconds a claimed delivery is left to its sender before another process (or this one after
    #: a crash) sends it: the longest a message waits after a crash, and a repeat at most
    delivery_lease: int = Field(default=60, alias="BRIEFBOT_DELIVERY_LEASE")
    #: serve /healthz and /metrics on this port (unset: no metrics server)
    metrics_port: int | None = Field(default=None, alias="BRIEFBOT_METRICS_PORT")
    metrics_host: str = Field(default="127.0.0.1", alias="BRIEFBOT_METRICS_HOST")
    #: group reports by meaning as well as names and words (bot/encoder.py); on/off, true/false, 1/0
    encoder: bool = Field(default=True, alias="BRIEFBOT_ENCODER")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what load_settings() passes in: the process environment is read there, once,
        # explicitly, so tests and callers control exactly what is seen.
        return (init_settings,)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            # Tokens look like 123456789:AAH...; a typo here would otherwise only show up as a
            # 401 from Telegram. Never echo the value.
            head, sep, tail = value.partition(":")
            if not (sep and head.isdigit() and len(tail) >= 20):
                raise ValueError("does not look like a bot token from @BotFather (digits:secret)")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        scheme = value.split(":", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be sqlite:///path.db or postgresql://user@host/dbname")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(f"must be comma-separated numeric user ids; not numbers: {bad}")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("delivery_lease")
    @classmethod
    def _delivery_lease(cls, value: int) -> int:
        if not 10 <= value <= 3600:
            raise ValueError("must be between 10 and 3600 seconds")
        return value

    @field_validator("poll_interval")
    @classmethod
    def _poll_interval(cls, value: int) -> int:
        if value < MIN_POLL_INTERVAL:
            raise ValueError(f"must be at least {MIN_POLL_INTERVAL} seconds")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from bot.chat_settings import find_timezone  # pure; the zone list is read on first use

        zone = find_timezone(value)
        if zone is None:  # "Europe" is a directory of the zone database, not a zone
            raise ValueError("is not an IANA time zone name such as Europe/Vilnius")
        return zone

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and not value.startswith("https://"):
                raise ValueError("must be the public https:// URL Telegram should call")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
                raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value < 31:
            raise ValueError("must be at least 31 days (the activity baseline needs 30)")
        return value

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be a TCP port, 1-65535")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def webhook_secret_token(self) -> str | None:
        """The secret Telegram must send with webhook calls: BRIEFBOT_WEBHOOK_SECRET, else one
        derived from the token (stable across restarts, never the token itself)."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        if self.token is None:
            return None
        return hashlib.sha256(f"briefbot-webhook:{self.token}".encode()).hexdigest()[:48]

    def secrets(self) -> tuple[str, ...]:
        """What no log line may show besides the token: the webhook secret, the database password."""
        from sqlalchemy.engine import make_url  # light; only when logging is set up

        out = [self.webhook_secret_token or ""]
        with contextlib.suppress(Exception):  # an odd URL fails later, with its own message
            out.append(make_url(self.sqlalchemy_url).password or "")
        return tuple(s for s in out if s)

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the driver we ship (psycopg 3) made explicit."""
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


_FIELDS_BY_ENV = {(f.alias or name): name for name, f in Settings.model_fields.items()}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = ".env"
) -> Settings:
    """Build the settings from ``environ`` (default ``os.environ``) over an optional ``.env``.

    Raises ``ConfigError`` listing every problem, one line each, naming the variable.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(
            {k: v for k, v in dotenv_values(env_file).items() if k in _FIELDS_BY_ENV and v is not None}
        )
    values.update({k: v for k, v in environ.items() if k in _FIELDS_BY_ENV})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else "?"
            reason = err["msg"].removeprefix("Value error, ")
            # Secrets are never echoed: the token, and database URLs that may carry a password.
            secret = ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "BRIEFBOT_WEBHOOK_SECRET")
            shown = "" if key in secret else f" (got {err.get('input')!r})"
            problems.append(f"{key}: {reason}{shown}")
        raise ConfigError(problems) from None
