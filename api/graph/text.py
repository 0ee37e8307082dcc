"""Text shown to people: make it safe to display.

``neutralize_bidi`` removes the invisible Unicode format characters (category Cf) that can
make shown text read differently from what it holds: bidirectional overrides, embeddings
and isolates (U+202A-U+202E, U+2066-U+2069: "Trojan Source" tricks that reverse a run of
text), directional marks (U+200E, U+200F, U+061C), zero-width spaces and joiners (U+200B-
U+200D, U+2060, U+FEFF) and tag characters (U+E0001-U+E007F, which hide text). Visible
characters, including right-to-left scripts such as Arabic and Hebrew, are kept: their
direction comes from the characters themselves, not from overrides.
"""

from __future__ import annotations

import unicodedata

__all__ = ["neutralize_bidi"]


def neutralize_bidi(text: str) -> str:
    """Return ``text`` without Unicode format characters (bidi controls, zero-width)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
