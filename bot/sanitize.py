"""Text from feeds and users made safe to store and show. Pure.

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), a feed's ``&#0;`` becomes
one in feedparser, and a lone surrogate cannot be encoded at all: one such character would make a
whole feed or a user's every command fail. Control characters other than tab and newline carry
nothing a reader sees.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` without NUL, other control characters and lone surrogates, at most ``limit``
    characters."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub("", text)
    return text if limit is None else text[:limit]
