"""A work budget for reading one file: a step limit and a nesting limit.

Every importer is linear in its input, but the input can be large, and a busy gthread
worker is never stopped by gunicorn's timeout. So each import also counts its work
against a ``Budget`` and stops with a ``BudgetExceeded`` (a ``FormatError``, so a 400
naming the limit) when the file would take more than it allows.

What counts as a step is up to the importer, as long as it is proportional to the work
done: a token, a character scanned twice, a node, an edge, a link checked. The caller
(a view, a command) makes one ``Budget`` per file from its settings; code that makes
none gets the defaults::

    budget = Budget(max_steps=settings.ARGMAP_IMPORT_MAX_STEPS,
                    max_depth=settings.ARGMAP_MAX_NESTING)
    result = read_map(content, fmt="argdown", budget=budget)

    # in an importer
    budget = Budget.of(budget)     # the caller's, or a fresh default one
    for node in nodes:
        budget.spend()             # BudgetExceeded past max_steps
    budget.check_depth(depth, line=4, column=7)   # FormatError past max_depth
"""

from __future__ import annotations

from api.graph.errors import FormatError

__all__ = ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_STEPS", "Budget", "BudgetExceeded", "NestingTooDeep"]

# A few seconds of one core at worst (3.3 s for 10 MB of tags on a busy machine), twice
# what a 10 000-statement Argdown file takes (1.5 million steps). See docs/performance.md,
# "Hostile input".
DEFAULT_MAX_STEPS = 3_000_000
# Deeper than any map format nests (whole-map JSON and AIF: 4 levels), far below
# Python's recursion limit (about 1 000 frames).
DEFAULT_MAX_DEPTH = 100


class BudgetExceeded(FormatError):
    """A file that would take more work than its ``Budget`` allows."""


class NestingTooDeep(FormatError):
    """Data nested deeper than its ``Budget`` allows."""


class Budget:
    """Steps spent so far against ``max_steps``, and the deepest nesting allowed.

    ``max_steps_setting`` and ``max_depth_setting`` name the settings the limits come
    from, so that the error tells an operator what to raise.
    """

    def __init__(
        self,
        max_steps: int = DEFAULT_MAX_STEPS,
        max_depth: int = DEFAULT_MAX_DEPTH,
        *,
        max_steps_setting: str = "ARGMAP_IMPORT_MAX_STEPS",
        max_depth_setting: str = "ARGMAP_MAX_NESTING",
    ) -> None:
        if max_steps < 1 or max_depth < 1:
            raise ValueError("a budget needs at least one step and one level of nesting")
        self.max_steps = max_steps
        self.max_depth = max_depth
        self.max_steps_setting = max_steps_setting
        self.max_depth_setting = max_depth_setting
        self.used = 0

    @classmethod
    def of(cls, budget: Budget | None) -> Budget:
        """Return ``budget``, or a new one with the default limits when it is ``None``."""
        return budget if budget is not None else cls()

    @property
    def remaining(self) -> int:
        return max(self.max_steps - self.used, 0)

    def spend(self, steps: int = 1) -> None:
        """Count ``steps`` more; raise ``BudgetExceeded`` once the total passes the limit."""
        self.used += steps
        if self.used > self.max_steps:
            raise BudgetExceeded(
                f"the file takes more than {self.max_steps:,} steps to read (the "
                f"{self.max_steps_setting} limit); split it into smaller files or ask the "
                "operator to raise the limit"
            )

    def check_depth(
        self,
        depth: int,
        *,
        what: str = "the data",
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Raise ``NestingTooDeep`` (a ``FormatError``, so a 400) at the given place if
        ``depth`` passes the limit."""
        if depth > self.max_depth:
            raise NestingTooDeep(
                f"{what} is nested too deeply: more than {self.max_depth} levels (the "
                f"{self.max_depth_setting} limit)",
                pointer=pointer,
                line=line,
                column=column,
            )

    def __repr__(self) -> str:
        return f"Budget(used={self.used}, max_steps={self.max_steps}, max_depth={self.max_depth})"
