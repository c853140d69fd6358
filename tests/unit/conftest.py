"""Unit tests: pure core modules only. No network, no database, no sleeping.

Every test here runs with network sockets disabled (pytest-socket); Unix sockets stay allowed
because asyncio's event loop needs ``socket.socketpair()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import pytest_socket

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        yield
    finally:
        pytest_socket.enable_socket()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def feed_bytes() -> Callable[[str], bytes]:
    """Raw bytes of a file under tests/data/feeds/."""

    def read(name: str) -> bytes:
        return (DATA / "feeds" / name).read_bytes()

    return read
