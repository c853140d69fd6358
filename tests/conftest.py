"""Suite-wide fixtures: a clean environment for every test (after httpx's ``clean_environ``)."""

from __future__ import annotations

import os

import pytest

_OURS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "LOG_LEVEL",
)
_PROXIES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test depends on the developer's environment (or talks through a proxy)."""
    for key in list(os.environ):
        if key.startswith("BRIEFBOT_") or key in _OURS or key in _PROXIES:
            monkeypatch.delenv(key, raising=False)
