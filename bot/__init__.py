"""Briefbot: a regional security briefing bot (feeds → items → tags → stories → briefings)."""

__version__ = "0.1.0"
