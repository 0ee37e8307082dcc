"""Preferred and stable labellings of a Dung framework, factorised into independent parts.

Every preferred (and stable) labelling agrees with the grounded one wherever that says in
or out, so only the arguments grounded leaves undecided are searched; those split into
weakly connected parts whose labellings combine freely. Each part goes to the SAT solver
(:mod:`api.graph.evaluation.sat`). The number of labellings is the product over the
parts, counted, never listed, so it can be very large.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.graph.evaluation.dung import DungFramework, grounded_labelling
from api.graph.evaluation.results import MAX_LABELLINGS, Budget, EvaluationTooComplex, Label
from api.graph.evaluation.sat import PartLabellings, part_labellings


@dataclass
class Labellings:
    """The preferred (or stable) labellings of a framework, summarised.

    ``fixed``: the labels grounded decides (every labelling agrees there). ``parts``: one
    :class:`PartLabellings` per independent part of the rest. ``count``: the number of
    labellings (0: none), exact if ``exact``, else a lower bound.
    """

    fixed: dict[str, Label]
    parts: list[PartLabellings]

    @property
    def count(self) -> int:
        return math.prod(p.count for p in self.parts)

    @property
    def exact(self) -> bool:
        return self.count == 0 or all(p.exact for p in self.parts)

    def seen(self) -> dict[str, set[Label]]:
        """Every argument's labels over all the labellings (empty if there are none)."""
        if self.count == 0:
            return {}
        result = {a: {v} for a, v in self.fixed.items()}
        for part in self.parts:
            result.update(part.seen)
        return result


def _parts(af: DungFramework, undecided: list[str]) -> tuple[list[list[str]], dict[str, list[str]]]:
    """Weakly connected parts of the undecided arguments, and their attackers among them."""
    in_play = set(undecided)
    all_attackers = af.attackers()
    attackers = {a: [b for b in all_attackers[a] if b in in_play] for a in undecided}
    parent = {a: a for a in undecided}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in undecided:
        for b in attackers[a]:
            parent[find(a)] = find(b)
    part_nodes: dict[str, list[str]] = {}
    for a in undecided:
        part_nodes.setdefault(find(a), []).append(a)
    return list(part_nodes.values()), attackers


def labellings(
    af: DungFramework,
    *,
    stable: bool,
    budget: Budget | None = None,
    limit: int = MAX_LABELLINGS,
    listing: bool = False,
) -> Labellings:
    """The preferred (or, with ``stable``, stable) labellings of ``af``, summarised.

    ``limit``: labellings counted exactly per part (see :class:`PartLabellings`). With
    ``listing`` every part's labellings are kept too. Raises EvaluationTooComplex when
    ``budget`` (by default a fresh ``Budget()``) runs out, or, with ``listing``, past
    ``limit`` labellings in a part.
    """
    budget = budget if budget is not None else Budget()
    grounded = grounded_labelling(af)
    budget.charge(len(af.arguments) + len(af.attacks))
    fixed: dict[str, Label] = {a: v for a, v in grounded.items() if v != Label.UNDECIDED}
    undecided = [a for a in af.arguments if grounded[a] == Label.UNDECIDED]
    if not undecided:
        return Labellings(fixed=fixed, parts=[])
    nodes_by_part, attackers = _parts(af, undecided)
    parts = []
    for nodes in nodes_by_part:
        part = part_labellings(
            nodes, attackers, stable=stable, budget=budget, limit=limit, listing=listing
        )
        parts.append(part)
        if part.count == 0:
            break
    return Labellings(fixed=fixed, parts=parts)


def _expand(af: DungFramework, found: Labellings, limit: int) -> list[dict[str, Label]]:
    if found.count == 0:
        return []
    if found.count > limit:
        raise EvaluationTooComplex(f"the map has more than {limit} labellings: too many to list")
    result = []
    for choice in itertools.product(*(p.labellings for p in found.parts)):
        merged = dict(found.fixed)
        for labels in choice:
            merged.update(labels)
        result.append({a: merged[a] for a in af.arguments})
    result.sort(key=lambda lab: sorted(a for a, v in lab.items() if v == Label.IN))
    return result


def preferred_labellings(
    af: DungFramework, *, budget: Budget | None = None, limit: int = MAX_LABELLINGS
) -> list[dict[str, Label]]:
    """Return all preferred labellings of ``af`` (at least one), each argument -> label.

    Sorted by in-set. Raises ``EvaluationTooComplex`` (a ``ValueError``) past ``limit``
    labellings or when the budget runs out; :func:`evaluate` does not list them.
    """
    found = labellings(af, stable=False, budget=budget, limit=limit, listing=True)
    return _expand(af, found, limit)


def stable_labellings(
    af: DungFramework, *, budget: Budget | None = None, limit: int = MAX_LABELLINGS
) -> list[dict[str, Label]]:
    """Return all stable labellings of ``af``: an empty list when there is none.

    Sorted by in-set. Raises ``EvaluationTooComplex`` past ``limit`` labellings or when
    the budget runs out.
    """
    found = labellings(af, stable=True, budget=budget, limit=limit, listing=True)
    return _expand(af, found, limit)


def sceptical_labelling(labellings: Sequence[Mapping[str, Label]]) -> dict[str, Label]:
    """Combine labellings: in if in in all, out if out in all, else undecided.

    Raises ``ValueError`` for an empty sequence (nothing to be sceptical about).
    """
    if not labellings:
        raise ValueError("no labellings to combine")
    result: dict[str, Label] = {}
    for a in labellings[0]:
        values = {lab[a] for lab in labellings}
        result[a] = values.pop() if len(values) == 1 else Label.UNDECIDED
    return result
