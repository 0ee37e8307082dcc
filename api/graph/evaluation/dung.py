"""The map as a Dung abstract argumentation framework, and its grounded labelling.

One argument per statement (``"s<id>"``) and per link (``"l<id>"``); the attacks are
described in the package docstring (:mod:`api.graph.evaluation`).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.graph.evaluation.results import Label
from api.graph.model import ArgumentGraph, Kind


def statement_node(statement_id: int) -> str:
    """Return the Dung argument name of a statement (``"s<id>"``)."""
    return f"s{statement_id}"


def link_node(link_id: int) -> str:
    """Return the Dung argument name of a link (``"l<id>"``)."""
    return f"l{link_id}"


@dataclass(frozen=True, slots=True)
class DungFramework:
    """An abstract argumentation framework: arguments and (attacker, target) pairs.

    Raises ``ValueError`` if an attack names an argument that is not in ``arguments``.
    """

    arguments: tuple[str, ...]
    attacks: frozenset[tuple[str, str]]

    def __post_init__(self) -> None:
        known = set(self.arguments)
        unknown = sorted({x for pair in self.attacks for x in pair} - known)
        if unknown:
            raise ValueError(f"attacks name unknown arguments: {', '.join(unknown)}")

    def attackers(self) -> dict[str, list[str]]:
        """Return, for every argument, the sorted list of its attackers."""
        result: dict[str, list[str]] = {a: [] for a in self.arguments}
        for attacker, target in sorted(self.attacks):
            result[target].append(attacker)
        return result


def validate_graph(graph: ArgumentGraph) -> None:
    """Raise ValueError if a link points outside the map or lacks premises or a target."""
    statement_ids = {s.id for s in graph.statements}
    link_ids = {link.id for link in graph.links}
    for link in graph.links:
        if not link.premises:
            raise ValueError(f"link {link.id} has no premises")
        for p in link.premises:
            if p not in statement_ids:
                raise ValueError(f"link {link.id}: premise {p} is not a statement of the map")
        if (link.conclusion is None) == (link.target_link is None):
            raise ValueError(
                f"link {link.id}: exactly one of conclusion and target_link must be set"
            )
        if link.conclusion is not None and link.conclusion not in statement_ids:
            raise ValueError(
                f"link {link.id}: conclusion {link.conclusion} is not a statement of the map"
            )
        if link.target_link is not None and link.target_link not in link_ids:
            raise ValueError(
                f"link {link.id}: target_link {link.target_link} is not a link of the map"
            )


def to_dung(graph: ArgumentGraph) -> DungFramework:
    """Translate the map into a Dung framework (see the module docstring).

    Returns a :class:`DungFramework` whose arguments are ``"s<id>"`` for statements and
    ``"l<id>"`` for links. Raises ``ValueError`` if a link refers to a statement or link
    that is not in the map, has no premises, or has not exactly one target.
    """
    validate_graph(graph)
    attacks: set[tuple[str, str]] = set()
    statement_attackers: dict[int, set[str]] = {s.id: set() for s in graph.statements}
    for link in graph.links:
        if link.kind == Kind.OPPOSE:
            if link.conclusion is not None:
                attacks.add((link_node(link.id), statement_node(link.conclusion)))
                statement_attackers[link.conclusion].add(link_node(link.id))
            elif link.target_link is not None:
                attacks.add((link_node(link.id), link_node(link.target_link)))
    for link in graph.links:
        for p in link.premises:
            for attacker in statement_attackers[p]:
                attacks.add((attacker, link_node(link.id)))
    arguments = tuple(statement_node(s.id) for s in graph.statements) + tuple(
        link_node(link.id) for link in graph.links
    )
    return DungFramework(arguments=arguments, attacks=frozenset(attacks))


def grounded_labelling(af: DungFramework) -> dict[str, Label]:
    """Return the grounded labelling of ``af``: argument name -> label.

    The least fixed point: an argument is in once all its attackers are out, out once one
    of its attackers is in; whatever is left is undecided.
    """
    attackers = af.attackers()
    targets: dict[str, list[str]] = {a: [] for a in af.arguments}
    for attacker, target in af.attacks:
        targets[attacker].append(target)
    live = {a: len(attackers[a]) for a in af.arguments}
    labels: dict[str, Label] = {}
    queue = [a for a in af.arguments if live[a] == 0]
    while queue:
        a = queue.pop()
        if a in labels:
            continue
        labels[a] = Label.IN
        for t in targets[a]:
            if t in labels:
                continue
            labels[t] = Label.OUT
            for u in targets[t]:
                live[u] -= 1
                if live[u] == 0 and u not in labels:
                    queue.append(u)
    return {a: labels.get(a, Label.UNDECIDED) for a in af.arguments}


# Sets of labels an argument may still take during the search (bit flags).
