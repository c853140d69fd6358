"""Language of an item when the feed does not say. Pure (py3langid's bundled model, no I/O
beyond reading it from the installed package once)."""

from __future__ import annotations

import functools
import os

LANGUAGES = ("en", "lt", "lv", "et", "pl", "ru", "uk", "be", "fi", "ro", "de", "sv")


@functools.cache
def _identifier():  # type: ignore[no-untyped-def]
    import py3langid.langid as langid

    path = langid.MODEL_FILE
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(langid.__file__), path)
    identifier = langid.LanguageIdentifier.from_modelpath(path, norm_probs=False)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` among the feeds' languages; "en" when there is nothing to go on."""
    if not text or not any(ch.isalpha() for ch in text):
        return "en"
    return str(_identifier().classify(text)[0])
