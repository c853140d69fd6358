"""Layering: the pure core imports no edge library; and unit tests really run without network."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_socket

ROOT = Path(__file__).parents[2]
CORE = (
    "bot.parse",
    "bot.feeds",
    "bot.config",
    "bot.timing",
    "bot.reports",
    "bot.domain",
    "bot.errors",
    "bot.clock",
    "bot.classify",
    "bot.classify.regions",
    "bot.classify.topics",
    "bot.classify.severity",
    "bot.classify.language",
    "bot.classify_cli",
    "bot.pipeline",
    "bot.render",
    "bot.cluster",
    "bot.cluster_cli",
    "bot.briefing",
    "bot.charts",
    "bot.regions",
    "bot.i18n",
    "bot.jsonl",
    "bot.deliveries",
    "bot.chat_settings",
    "bot.encoder",
    "bot.netpolicy",
    "bot.sanitize",
    "bot.schedule",
    "bot.story_features",
)
FORBIDDEN = ("telegram", "sqlalchemy", "httpx", "apscheduler", "db", "handlers")

PROBE = f"""
import json, sys
for name in {CORE!r}:
    __import__(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})))
"""


def test_core_modules_import_no_edge_libraries():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_probe_detects_an_edge_import():
    """The probe itself works: importing bot.fetch does pull in httpx."""
    probe = PROBE.replace(f"for name in {CORE!r}:", "for name in ('bot.fetch',):")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "httpx" in json.loads(done.stdout)


def test_network_sockets_are_blocked():
    with (
        pytest.warns(UserWarning, match="A test tried to use socket.socket"),
        pytest.raises(pytest_socket.SocketBlockedError),
    ):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))


def test_name_resolution_is_blocked():
    with (
        pytest.warns(UserWarning, match="A test tried to use socket.getaddrinfo"),
        pytest.raises(pytest_socket.SocketBlockedError),
    ):
        socket.getaddrinfo("example.org", 443)


def test_unix_sockets_stay_allowed():
    left, right = socket.socketpair()
    try:
        left.sendall(b"ping")
        assert right.recv(4) == b"ping"
    finally:
        left.close()
        right.close()


async def test_event_loop_runs_without_network():
    assert await asyncio.sleep(0, result="done") == "done"
