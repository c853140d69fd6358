"""Briefbot's exceptions. Pure: no I/O.

The tree (after httpx's ``_exceptions.py``)::

    BriefbotError
    ├── ConfigError        settings from the environment / .env are wrong (lists every problem)
    ├── FeedListError      feeds.yaml is malformed (carries path and line of each problem)
    ├── FetchError         a feed could not be retrieved (carries the URL)
    ├── ParseError         fetched bytes are not a readable feed (carries the URL)
    └── StorageError       the database refused or is unreachable

Inside pipelines errors are values (``FetchResult.error``, ``FeedOutcome.error``); these
exceptions are raised at the boundaries where a caller must stop, and rendered for people as
``message: context: cause``.
"""

from __future__ import annotations


class BriefbotError(Exception):
    """Root of every Briefbot exception."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        cause = self.__cause__
        if cause is not None and str(cause) and str(cause) not in self.message:
            return f"{self.message}: {type(cause).__name__}: {cause}"
        return self.message


class ConfigError(BriefbotError):
    """Configuration problems, all of them at once (``problems``: one line each)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}")

    def __reduce__(self):  # picklable, since errors may cross process boundaries
        return (type(self), (self.problems,))


class FeedListError(BriefbotError):
    """feeds.yaml problems; each problem is (line, reason), line 1-based or None."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(
            f"  {path}:{line}: {reason}" if line else f"  {path}: {reason}" for line, reason in self.problems
        )
        super().__init__(f"invalid feed list {path} ({len(self.problems)} problem(s)):\n{lines}")

    def __reduce__(self):
        return (type(self), (self.path, self.problems))


class FetchError(BriefbotError):
    """A feed could not be retrieved."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{reason}: {url}")

    def __reduce__(self):
        return (type(self), (self.url, self.reason))


class ParseError(BriefbotError):
    """Fetched bytes are not a feed feedparser can read."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{reason}: {url}")

    def __reduce__(self):
        return (type(self), (self.url, self.reason))


class StorageError(BriefbotError):
    """The database refused an operation or cannot be reached."""
