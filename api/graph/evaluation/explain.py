"""From labellings of the framework back to the map: each statement's and link's label,
and ``why`` (the attacks that decide it; see the package docstring)."""

from __future__ import annotations

from api.graph.evaluation.dung import link_node, statement_node
from api.graph.evaluation.results import Evaluation, Label, LinkResult, StatementResult
from api.graph.model import ArgumentGraph, Kind


def explain(
    graph: ArgumentGraph,
    semantics: str,
    seen: dict[str, set[Label]],
    count: int,
    exact: bool = True,
) -> Evaluation:
    """The map's evaluation from the labels each argument takes over the labellings.

    ``seen``: argument name -> the labels it takes (in and out complete; see
    :class:`~api.graph.evaluation.sat.PartLabellings`). ``count``: how many labellings
    there are (0: none, and ``seen`` is ignored), a lower bound unless ``exact``.
    """
    if count == 0:
        return Evaluation(
            semantics=semantics, statements={}, links={}, extensions=0, extensions_exact=True
        )
    final = {a: next(iter(vs)) if len(vs) == 1 else Label.UNDECIDED for a, vs in seen.items()}

    def why(node: str, attacking_links: list[int]) -> tuple[int, ...]:
        if final[node] == Label.OUT:
            return tuple(i for i in attacking_links if Label.IN in seen[link_node(i)])
        if final[node] == Label.UNDECIDED:
            return tuple(i for i in attacking_links if final[link_node(i)] != Label.OUT)
        return ()

    rebuttals: dict[int, list[int]] = {s.id: [] for s in graph.statements}
    undercutters: dict[int, list[int]] = {link.id: [] for link in graph.links}
    for link in graph.links:
        if link.kind == Kind.OPPOSE:
            if link.conclusion is not None:
                rebuttals[link.conclusion].append(link.id)
            elif link.target_link is not None:
                undercutters[link.target_link].append(link.id)

    statements = {
        s.id: StatementResult(
            id=s.id,
            label=final[statement_node(s.id)],
            why=why(statement_node(s.id), sorted(rebuttals[s.id])),
        )
        for s in graph.statements
    }
    links: dict[int, LinkResult] = {}
    for link in graph.links:
        node = link_node(link.id)
        label = final[node]
        if label == Label.OUT:
            premises = tuple(p for p in link.premises if Label.OUT in seen[statement_node(p)])
        elif label == Label.UNDECIDED:
            premises = tuple(p for p in link.premises if final[statement_node(p)] != Label.IN)
        else:
            premises = ()
        links[link.id] = LinkResult(
            id=link.id,
            label=label,
            why=why(node, sorted(undercutters[link.id])),
            premises=premises,
        )
    return Evaluation(
        semantics=semantics,
        statements=statements,
        links=links,
        extensions=count,
        extensions_exact=exact,
    )
