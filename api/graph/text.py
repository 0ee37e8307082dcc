"""Text as it is shown: invisible characters that could make it read as something else.

``neutralize_bidi`` removes the Unicode controls that reorder or hide text where it is
displayed: the explicit bidirectional embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069), with which ``"\\u202egnp.exe"`` reads ``exe.png`` (the "Trojan Source"
trick), and the zero-width characters that join or split words unseen (U+200B zero width
space, U+2060 word joiner, U+FEFF zero width no-break space, U+180E Mongolian vowel
separator). Without them the text shows in its stored order, as typed.

Kept: the implicit direction marks (U+200E, U+200F, U+061C), which Arabic and Hebrew text
needs and which cannot reorder the text around them, and the zero-width joiner and
non-joiner (U+200D, U+200C), which emoji sequences and Persian, Indic and other scripts
need. The stored text is never changed: this is for display (pages, diagram labels).
"""

from __future__ import annotations

__all__ = ["HIDDEN_CONTROLS", "neutralize_bidi"]

HIDDEN_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE, RLE, PDF, LRO, RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI, RLI, FSI, PDI
    + ["\u200b", "\u2060", "\ufeff", "\u180e"]  # zero-width space, joiner-free breaks
)
_DROP = dict.fromkeys(map(ord, HIDDEN_CONTROLS))


def neutralize_bidi(text: str) -> str:
    """Return ``text`` without bidirectional overrides, embeddings and isolates and
    without zero-width spaces (see the module docstring for what is kept and why)."""
    return text.translate(_DROP)
