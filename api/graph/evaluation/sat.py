"""Preferred and stable labellings of one part of a framework, found by a SAT solver.

The encoding is the standard one for complete labellings (Caminada & Gabbay 2009, as used
by ArgSemSAT and its successors): three variables per argument x, ``I_x``, ``O_x``,
``U_x``, exactly one of them true, and

* ``I_x`` iff every attacker y has ``O_y``;
* ``O_x`` iff some attacker y has ``I_y``;

and for stable labellings no ``U_x``. Every model is a complete labelling. A preferred
labelling is reached from any complete one by growing its in-set while a complete
labelling with a strictly larger in-set exists; a preferred (or stable) labelling once
found is excluded for good by a clause asking for an argument outside its in-set, so the
solver never returns a labelling whose in-set lies within one already found. This is
the enumeration of Cerutti et al. (ArgSemSAT, 2014).

Up to ``limit`` labellings are enumerated, which gives their exact number. Past it the
labels are still exact, without listing every labelling: the solver is asked only for a
labelling that shows something not yet seen (an argument in, or out, where no labelling
found so far has it so; or undecided where that would change its sceptical label). In
and out only grow from a complete labelling to the preferred one above it, so when no
such labelling is left, every argument's possible labels are known (the CEGAR scheme of
Dvořák, Järvisalo, Wallner & Woltran 2014 for sceptical acceptance, applied to all
arguments at once).

All work is charged to a :class:`~api.graph.evaluation.results.Budget`: each solver call
costs its unit propagations (the solver stops when the budget runs out) plus one step per
argument for the bookkeeping around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pysat.solvers import Solver

from api.graph.evaluation.results import Budget, EvaluationTooComplex, Label

# Glucose supports a limit on propagations (CaDiCaL does not), which makes the budget
# deterministic: the same map costs the same steps on every machine.
SOLVER = "glucose4"
# What starting a solver costs, in budget steps (about 100 microseconds): a map of many
# small independent conflicts pays for each of its parts.
SOLVER_STEPS = 500


@dataclass
class PartLabellings:
    """What the labellings of one part of a framework say.

    ``count``: how many were found; all of them if ``exact``, else more exist.
    ``seen``: for every argument, the labels it takes in some labelling. In and out are
    always complete; undecided is complete wherever it decides the sceptical label (an
    argument seen both in and out is undecided sceptically whatever else holds).
    ``labellings``: the labellings themselves, when asked for (``listing``).
    """

    count: int
    exact: bool
    seen: dict[str, set[Label]]
    labellings: list[dict[str, Label]] = field(default_factory=list)

    def sceptical(self) -> dict[str, Label]:
        """In where in in all labellings, out where out in all, otherwise undecided."""
        return {
            a: next(iter(labels)) if len(labels) == 1 else Label.UNDECIDED
            for a, labels in self.seen.items()
        }


class _Encoding:
    """A solver loaded with the complete-labelling clauses of the given arguments."""

    def __init__(
        self,
        nodes: Sequence[str],
        attackers: Mapping[str, Sequence[str]],
        stable: bool,
        budget: Budget,
    ) -> None:
        self.nodes = list(nodes)
        self.budget = budget
        n = len(self.nodes)
        index = {a: i for i, a in enumerate(self.nodes)}
        clauses: list[list[int]] = []
        for i, a in enumerate(self.nodes):
            in_, out, undec = self.var_in(i), self.var_out(i), self.var_undec(i)
            clauses += [[in_, out, undec], [-in_, -out], [-in_, -undec], [-out, -undec]]
            atts = [index[b] for b in attackers[a]]
            for j in atts:
                clauses.append([-in_, self.var_out(j)])  # in: every attacker out
                clauses.append([-self.var_in(j), out])  # an attacker in: out
            clauses.append([in_, *(-self.var_out(j) for j in atts)])
            clauses.append([-out, *(self.var_in(j) for j in atts)])
            if stable:
                clauses.append([-undec])
        budget.charge(len(clauses) + SOLVER_STEPS)
        self.solver = Solver(name=SOLVER, bootstrap_with=clauses)
        self.next_var = 3 * n + 1
        self.propagations = 0

    @staticmethod
    def var_in(i: int) -> int:
        return 3 * i + 1

    @staticmethod
    def var_out(i: int) -> int:
        return 3 * i + 2

    @staticmethod
    def var_undec(i: int) -> int:
        return 3 * i + 3

    def close(self) -> None:
        self.solver.delete()

    def solve(self, assumptions: list[int], clause: list[int] | None = None) -> list[Label] | None:
        """A labelling satisfying the clauses, ``assumptions`` and (this once) ``clause``.

        Returns None if there is none. Raises EvaluationTooComplex when the budget runs
        out first.
        """
        self.budget.charge(len(self.nodes) + (len(clause) if clause else 0))
        if clause is not None:
            guard = self.next_var  # switches the clause on for this call only
            self.next_var += 1
            self.solver.add_clause([-guard, *clause])
            assumptions = [*assumptions, guard]
        self.solver.prop_budget(max(1, self.budget.remaining))
        result = self.solver.solve_limited(assumptions=assumptions)
        propagations = self.solver.accum_stats()["propagations"]
        used, self.propagations = propagations - self.propagations, propagations
        if clause is not None:
            self.solver.add_clause([-guard])
        self.budget.charge(used)
        if result is None:  # stopped by the budget
            self.budget.exhausted()
        if not result:
            return None
        model = self.solver.get_model()
        labels = []
        for i in range(len(self.nodes)):
            if model[self.var_in(i) - 1] > 0:
                labels.append(Label.IN)
            elif model[self.var_out(i) - 1] > 0:
                labels.append(Label.OUT)
            else:
                labels.append(Label.UNDECIDED)
        return labels

    def grow(self, labels: list[Label]) -> list[Label]:
        """The preferred labelling reached from the complete labelling ``labels``."""
        while True:
            outside = [self.var_in(i) for i, v in enumerate(labels) if v != Label.IN]
            if not outside:
                return labels
            inside = [self.var_in(i) for i, v in enumerate(labels) if v == Label.IN]
            larger = self.solve(inside, outside)
            if larger is None:
                return labels
            labels = larger

    def exclude_within(self, labels: list[Label]) -> bool:
        """From now on, only labellings with an in argument outside ``labels``' in-set.

        Returns False if none can exist (everything is in).
        """
        outside = [self.var_in(i) for i, v in enumerate(labels) if v != Label.IN]
        if not outside:
            return False
        self.budget.charge(len(outside))
        self.solver.add_clause(outside)
        return True


def part_labellings(
    nodes: Sequence[str],
    attackers: Mapping[str, Sequence[str]],
    *,
    stable: bool,
    budget: Budget,
    limit: int,
    listing: bool = False,
) -> PartLabellings:
    """The preferred (or stable) labellings of the arguments ``nodes``.

    ``attackers`` gives each argument's attackers among ``nodes`` (attackers from outside
    must all be out). Counts up to ``limit`` labellings exactly; past it, finds the labels
    each argument can take without listing them all (see the module docstring). With
    ``listing``, returns the labellings too, and raises EvaluationTooComplex past
    ``limit``. Raises EvaluationTooComplex when the budget runs out.
    """
    encoding = _Encoding(nodes, attackers, stable, budget)
    try:
        return _enumerate(encoding, stable=stable, limit=limit, listing=listing)
    finally:
        encoding.close()


def _enumerate(encoding: _Encoding, *, stable: bool, limit: int, listing: bool) -> PartLabellings:
    nodes = encoding.nodes
    seen: list[set[Label]] = [set() for _ in nodes]
    found: list[dict[str, Label]] = []
    count = 0
    more = True
    # Past the limit: first labellings showing an argument in or out where none was yet
    # (each one settles a literal for good), then undecided where it would matter.
    undecided_phase = False
    while more:
        if count <= limit:
            clause = None  # any labelling not yet found
        else:
            clause = _unseen(seen, stable, undecided_phase)
            if not clause:
                if undecided_phase or stable:
                    break
                undecided_phase = True
                continue
        labels = encoding.solve([], clause)
        if labels is None:
            if clause is None or undecided_phase or stable:
                break
            undecided_phase = True
            continue
        if not stable:
            labels = encoding.grow(labels)
        count += 1
        if listing:
            if count > limit:
                raise EvaluationTooComplex(
                    f"the map has more than {limit} labellings in one part: too many to list"
                )
            found.append(dict(zip(nodes, labels, strict=True)))
        for i, v in enumerate(labels):
            seen[i].add(v)
        more = encoding.exclude_within(labels)
    return PartLabellings(
        count=count,
        exact=count <= limit,
        seen={a: seen[i] for i, a in enumerate(nodes)},
        labellings=found,
    )


def _unseen(seen: list[set[Label]], stable: bool, undecided: bool) -> list[int]:
    """A clause asking for a labelling that shows something not yet seen: an argument in
    or out where it never was, or (``undecided``) an argument undecided that has been
    seen with one label only."""
    clause = []
    for i, labels in enumerate(seen):
        if not undecided:
            if Label.IN not in labels:
                clause.append(_Encoding.var_in(i))
            if Label.OUT not in labels:
                clause.append(_Encoding.var_out(i))
        elif not stable and len(labels) == 1 and Label.UNDECIDED not in labels:
            clause.append(_Encoding.var_undec(i))
    return clause
