"""What every importer returns, and the text clean-up the importers share.

``parse_aif`` and ``parse_argdown`` both return an ``ImportResult``: the argument graph
(statement and link ids numbered 1..n; the map's slug left empty for the caller to
choose), how many things of each kind the file held that the model cannot keep
(``left_out``), and notes in plain English about what was changed or dropped and why.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from api.graph.model import ArgumentGraph

_KEPT_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class ImportResult:
    """An imported map.

    ``graph``: the statements and links, ids numbered 1..n in a deterministic order.
    ``left_out``: counts of things in the file that were not imported, by kind (for AIF
    the node type, e.g. ``{"L": 12, "YA": 10, "TA": 4}``).
    ``notes``: what the importer changed or dropped, one sentence each.
    """

    graph: ArgumentGraph
    left_out: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def clean_text(value: str) -> str:
    """Return ``value`` without control characters, with Unix newlines, stripped.

    NUL and the other C0/C1 control characters are removed (tab and newline stay),
    ``\\r\\n`` and lone ``\\r`` become ``\\n``, unpaired surrogates (which JSON can carry
    but no database can store) are removed, and surrounding whitespace is stripped.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in value if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()


def squash_space(value: str) -> str:
    """Return ``value`` cleaned (see ``clean_text``) with every run of whitespace as one space."""
    return " ".join(clean_text(value).split())


class Tally:
    """Counts of left-out things and the notes explaining them, in the order they arose."""

    def __init__(self) -> None:
        self.left_out: Counter[str] = Counter()
        self.notes: list[str] = []

    def leave_out(self, kind: str, count: int = 1) -> None:
        """Count ``count`` things of ``kind`` as not imported."""
        if count:
            self.left_out[kind] += count

    def note(self, message: str) -> None:
        """Record one sentence for the importer's ``notes`` (duplicates are kept once)."""
        if message not in self.notes:
            self.notes.append(message)

    def result(self, graph: ArgumentGraph) -> ImportResult:
        """Return the ``ImportResult`` for ``graph`` with the counts and notes so far."""
        return ImportResult(
            graph=graph,
            left_out=dict(sorted(self.left_out.items())),
            notes=tuple(self.notes),
        )


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return ``"1 node"`` / ``"3 nodes"``: the count and the noun in the right number."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def id_list(ids: list[str], limit: int = 8) -> str:
    """Return ``ids`` as a short comma-separated list, eliding the tail past ``limit``."""
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
