"""Colours for a diagram shaded by an evaluation: which claims stand, at a glance.

Labels use pale tints of the diagram's own palette (Okabe-Ito, colour-blind safe): in is
pale bluish green, out pale vermillion, undecided pale yellow. Strengths (DF-QuAD) blend
from pale vermillion (0) through white (0.5) to pale bluish green (1).
"""

from __future__ import annotations

from api.graph.evaluation import Evaluation, Label

IN_FILL = "#BFE6D8"
OUT_FILL = "#F7CDB5"
UNDECIDED_FILL = "#FBEFA8"
LABEL_FILLS = {Label.IN: IN_FILL, Label.OUT: OUT_FILL, Label.UNDECIDED: UNDECIDED_FILL}
WHITE = (255, 255, 255)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b, strict=True))


def strength_fill(strength: float) -> str:
    """Return the fill for a DF-QuAD strength in [0, 1]."""
    strength = min(1.0, max(0.0, strength))
    if strength >= 0.5:
        return _mix(WHITE, _rgb(IN_FILL), (strength - 0.5) * 2)
    return _mix(WHITE, _rgb(OUT_FILL), (0.5 - strength) * 2)


def shading(evaluation: Evaluation) -> tuple[dict[int, str], tuple[tuple[str, str], ...]]:
    """Return (statement id -> fill colour, legend rows) for ``DiagramOptions``.

    A stable evaluation with no stable labelling shades nothing and says so in the legend.
    """
    name = evaluation.semantics
    if name == "dfquad":
        fill = {sid: strength_fill(r.strength or 0.0) for sid, r in evaluation.statements.items()}
        legend = (
            ("strength 1: stands fully (DF-QuAD)", strength_fill(1.0)),
            ("strength 0.5: unaffected", strength_fill(0.5)),
            ("strength 0: defeated", strength_fill(0.0)),
        )
        return fill, legend
    if not evaluation.statements:
        return {}, ((f"no {name} labelling exists", "#FFFFFF"),)
    fill = {
        sid: LABEL_FILLS[r.label] for sid, r in evaluation.statements.items() if r.label is not None
    }
    legend = (
        (f"in: stands ({name})", IN_FILL),
        (f"out: defeated ({name})", OUT_FILL),
        (f"undecided ({name})", UNDECIDED_FILL),
    )
    return fill, legend
