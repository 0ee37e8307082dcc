"""DF-QuAD strengths (Rago, Toni, Aurisicchio, Baroni 2016): a number in [0, 1] per
statement and link. The formula and its treatment of co-premises and undercutters are in
the package docstring (:mod:`api.graph.evaluation`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from api.graph.evaluation.dung import validate_graph
from api.graph.evaluation.results import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    Budget,
    Evaluation,
    LinkResult,
    StatementResult,
)
from api.graph.model import ArgumentGraph, Kind


def _aggregate(values: Iterable[float]) -> float:
    product = 1.0
    for v in values:
        product *= 1.0 - v
    return 1.0 - product


def _combine(v0: float, va: float, vs: float) -> float:
    if va >= vs:
        return v0 - v0 * (va - vs)
    return v0 + (1.0 - v0) * (vs - va)


def dfquad(
    graph: ArgumentGraph,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    budget: Budget | None = None,
) -> Evaluation:
    """Return the DF-QuAD strengths of the map's statements and links.

    See the module docstring for the formula and the treatment of co-premises and
    undercutters. The result has ``semantics == "dfquad"``, a ``strength`` in [0, 1] for
    every statement and link, ``converged`` and ``iterations``. Raises ``ValueError`` if a
    base score is outside [0, 1] or the map is malformed (see :func:`to_dung`). On a
    cyclic map each sweep costs one step of ``budget`` per statement, link and premise;
    the sweeps stop, unconverged, when the next one would pass the budget.
    """
    validate_graph(graph)
    for s in graph.statements:
        if not 0.0 <= s.base_score <= 1.0:
            raise ValueError(f"statement {s.id}: base_score {s.base_score} is not in [0, 1]")
    base = {s.id: float(s.base_score) for s in graph.statements}
    on_statement: dict[int, tuple[list[int], list[int]]] = {
        s.id: ([], []) for s in graph.statements
    }
    on_link: dict[int, tuple[list[int], list[int]]] = {link.id: ([], []) for link in graph.links}
    for link in graph.links:
        if link.conclusion is not None:
            slot = on_statement[link.conclusion]
        elif link.target_link is not None:
            slot = on_link[link.target_link]
        else:
            continue  # not a valid link: check_graph refuses it before evaluation
        (slot[0] if link.kind == Kind.OPPOSE else slot[1]).append(link.id)

    def statement_value(sid: int, link_strength: Mapping[int, float]) -> float:
        attackers, supporters = on_statement[sid]
        return _combine(
            base[sid],
            _aggregate(link_strength[i] for i in attackers),
            _aggregate(link_strength[i] for i in supporters),
        )

    def link_value(
        lid: int, statement_strength: Mapping[int, float], link_strength: Mapping[int, float]
    ) -> float:
        link = graph.link(lid)
        attackers, supporters = on_link[lid]
        return _combine(
            min(statement_strength[p] for p in link.premises),
            _aggregate(link_strength[i] for i in attackers),
            _aggregate(link_strength[i] for i in supporters),
        )

    order = _topological_order(graph)
    s_strength: dict[int, float] = dict(base)
    l_strength: dict[int, float] = {
        link.id: min(base[p] for p in link.premises) for link in graph.links
    }
    if order is not None:
        for kind, node_id in order:
            if kind == "s":
                s_strength[node_id] = statement_value(node_id, l_strength)
            else:
                l_strength[node_id] = link_value(node_id, s_strength, l_strength)
        converged, iterations = True, 1
    else:
        converged, iterations = False, 0
        sweep = len(graph.statements) + sum(1 + len(link.premises) for link in graph.links)
        while iterations < max_iterations:
            if budget is not None:
                if budget.remaining < sweep:
                    break
                budget.charge(sweep)
            iterations += 1
            new_s = {sid: statement_value(sid, l_strength) for sid in s_strength}
            new_l = {lid: link_value(lid, s_strength, l_strength) for lid in l_strength}
            change = max(
                [abs(new_s[k] - s_strength[k]) for k in new_s]
                + [abs(new_l[k] - l_strength[k]) for k in new_l]
            )
            s_strength, l_strength = new_s, new_l
            if change < tolerance:
                converged = True
                break

    def movers(ids: tuple[list[int], list[int]]) -> tuple[int, ...]:
        return tuple(sorted(i for i in (*ids[0], *ids[1]) if l_strength[i] > 0.0))

    return Evaluation(
        semantics="dfquad",
        statements={
            s.id: StatementResult(
                id=s.id, strength=s_strength[s.id], why=movers(on_statement[s.id])
            )
            for s in graph.statements
        },
        links={
            link.id: LinkResult(
                id=link.id, strength=l_strength[link.id], why=movers(on_link[link.id])
            )
            for link in graph.links
        },
        converged=converged,
        iterations=iterations,
    )


def _topological_order(graph: ArgumentGraph) -> list[tuple[str, int]] | None:
    """Order statements and links so each comes after what its strength depends on.

    Returns None if the dependencies form a cycle.
    """
    nodes = [("s", s.id) for s in graph.statements] + [("l", link.id) for link in graph.links]
    successors: dict[tuple[str, int], list[tuple[str, int]]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)

    def edge(a: tuple[str, int], b: tuple[str, int]) -> None:
        successors[a].append(b)
        indegree[b] += 1

    for link in graph.links:
        for p in link.premises:
            edge(("s", p), ("l", link.id))
        if link.conclusion is not None:
            edge(("l", link.id), ("s", link.conclusion))
        elif link.target_link is not None:
            edge(("l", link.id), ("l", link.target_link))
    ready = [n for n in nodes if indegree[n] == 0]
    order: list[tuple[str, int]] = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in successors[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    return order if len(order) == len(nodes) else None
