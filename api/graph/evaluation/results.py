"""What an evaluation returns (labels, strengths, reasons), and the work budget it runs
within."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SEMANTICS = ("grounded", "preferred", "stable", "dfquad")
DEFAULT_TOLERANCE = 1e-9
DEFAULT_MAX_ITERATIONS = 1000


class Label(StrEnum):
    IN = "in"
    OUT = "out"
    UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement's result: ``label`` for labelling semantics, ``strength`` for dfquad.

    ``why``: link ids. For a label, the attacking oppose links that made it out (or keep
    it undecided); for a strength, the attacking and supporting links that moved it.
    """

    id: int
    label: Label | None = None
    strength: float | None = None
    why: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkResult:
    """One link's result: ``label`` for labelling semantics, ``strength`` for dfquad.

    ``why``: ids of the links targeting this link (undercutters; for dfquad also
    supporters) that made it out, keep it undecided or moved its strength. ``premises``:
    for a label, the premise statement ids that stop the link from taking effect.
    """

    id: int
    label: Label | None = None
    strength: float | None = None
    why: tuple[int, ...] = ()
    premises: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A map's evaluation under one semantics.

    ``extensions``: the number of labellings the result summarises (1 for grounded; 0
    when there is no stable labelling, in which case ``statements`` and ``links`` are
    empty; None for dfquad). ``extensions_exact``: False when a part of the map has more
    than ``MAX_LABELLINGS`` labellings, which are then not all counted and ``extensions``
    is a lower bound (the labels are exact all the same); None for dfquad.
    ``converged`` and ``iterations``: dfquad only, else None.
    """

    semantics: str
    statements: dict[int, StatementResult]
    links: dict[int, LinkResult]
    extensions: int | None = None
    extensions_exact: bool | None = None
    converged: bool | None = None
    iterations: int | None = None


class UnknownSemantics(ValueError):
    """Raised for a semantics that is not one of ``SEMANTICS``."""


class EvaluationTooComplex(ValueError):
    """Raised when an evaluation would need more work than its budget allows."""


# Steps an evaluation may take, unless the caller gives another budget. A step is one
# unit propagation in the SAT solver, or the bookkeeping for one argument per solver
# call: about 10 million a second (docs/performance.md, "Evaluation on a budget").
DEFAULT_BUDGET = 10_000_000
# Labellings counted (and, for preferred and stable, enumerated) per independent part of
# the map; beyond it the count is a lower bound and the labels are found without listing.
MAX_LABELLINGS = 1_000


class Budget:
    """A work budget in steps: ``charge`` raises EvaluationTooComplex once it is spent.

    One budget is passed through a whole evaluation, so the limit holds for the request,
    not per part or per solver call.
    """

    def __init__(self, steps: int = DEFAULT_BUDGET) -> None:
        if steps < 0:
            raise ValueError(f"budget must be at least 0 steps, not {steps}")
        self.limit = steps
        self.used = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def charge(self, steps: int) -> None:
        """Count ``steps`` of work; raise EvaluationTooComplex if that passes the limit."""
        self.used += steps
        if self.used > self.limit:
            self.exhausted()

    def exhausted(self) -> None:
        """Raise EvaluationTooComplex, naming the limit."""
        self.used = max(self.used, self.limit + 1)
        raise EvaluationTooComplex(
            f"the map is too entangled to evaluate within the budget of {self.limit} "
            "steps (ARGMAP_EVALUATION_BUDGET)"
        )
