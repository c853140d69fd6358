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
def clean_environ(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """No test depends on the developer's environment (or talks through a proxy).

    The sentence encoder (bot/encoder.py, ~0.1 s of CPU per new report) is off except in tests
    marked ``encoder``, which are about grouping by meaning: the rest (delivery, handlers, the
    lexical rules) would spend minutes embedding fake items. Subprocesses inherit the setting."""
    for key in list(os.environ):
        if key.startswith("BRIEFBOT_") or key in _OURS or key in _PROXIES:
            monkeypatch.delenv(key, raising=False)
    if request.node.get_closest_marker("encoder") is None:
        monkeypatch.setenv("BRIEFBOT_ENCODER", "off")
