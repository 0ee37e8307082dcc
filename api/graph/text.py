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

__all__ = ["BIDI_CONTROLS", "neutralize_bidi", "strip_bidi_controls"]

# The explicit bidirectional formatting characters, the "Trojan Source" set (CVE-2021-
# 42574): embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069). Unlike
# the marks and joiners, no script needs them to be written.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def neutralize_bidi(text: str) -> str:
    """Return ``text`` without Unicode format characters (bidi controls, zero-width)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def strip_bidi_controls(text: str) -> tuple[str, int]:
    """``text`` without ``BIDI_CONTROLS``, and how many there were: for a format that has
    no way to escape them (Argdown), where the rest of the text, joiners and marks
    included, must stay as it is."""
    if text.isascii():
        return text, 0
    kept = "".join(ch for ch in text if ch not in BIDI_CONTROLS)
    return kept, len(text) - len(kept)
