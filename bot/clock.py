"""Injectable time. Pure.

Decisions take ``now`` as an argument; only orchestration code asks a ``Clock``, once per cycle.
Tests inject a manual clock instead of sleeping or patching time globally (STYLE §3.7).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
