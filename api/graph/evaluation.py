"""Evaluate an argument map: which claims stand, and how strongly.

For a debate coach
==================

The map is read as a debate in which every claim stands until someone knocks it down.

* A **support** link gives reasons for its conclusion. An **oppose** link attacks: a
  statement (a rebuttal: "that is false, because ...") or another link (an undercutter:
  "that does not follow, because ...").
* A link only **takes effect** when all of its premises stand. Co-premises of one link
  work together (a linked argument): if one of them falls, the whole link falls. Separate
  links to the same target are independent reasons: one failing leaves the others intact.
* A statement that nobody argues against **stands** ("in"). A statement attacked by an
  oppose link that takes effect **falls** ("out"), unless that attack is itself knocked
  down, in which case the statement is reinstated. When the attacks go round in circles
  and cannot be settled, the statement is **undecided**.
* Support does not change these labels: a claim with no reasons given is not thereby
  rejected, and a claim whose reasons all fail still stands until it is attacked. How much
  the reasons help is what the gradual ``dfquad`` strengths show instead.

The four ways of reading a map (``semantics``):

``grounded``
    The cautious verdict: only what follows without taking any side in an unresolved
    dispute. Unique. Two claims that attack each other are both undecided.
``preferred``
    Looks at every maximal consistent position a judge could defend (each one able to
    answer every attack on it). There may be several; the result shown is what all of
    them agree on (in only if in in every position, out only if out in every position,
    otherwise undecided), and ``extensions`` says how many positions there are.
``stable``
    Like preferred, but only positions that take a side on every claim (no
    undecided). A map where attacks chase each other round an odd-length circle
    ("A beats B beats C beats A") has none: then ``extensions`` is 0 and no labels are
    given.
``dfquad``
    A number between 0 and 1 for every claim instead of a verdict: its base score (0.5
    unless set), pushed down by attacks and up by support, each in proportion to the
    strength of the attacking or supporting link (DF-QuAD, Rago et al. 2016).

For a developer
===============

Labelling semantics (grounded, preferred, stable). The map is translated into a Dung
abstract argumentation framework (:func:`to_dung`) with one argument per statement
(``"s<id>"``) and one per link (``"l<id>"``), and these attacks:

* an oppose link attacks its target: its conclusion statement (rebuttal) or its target
  link (undercutter);
* a link is attacked by every attacker of each of its premises (as in ASPIC+, attacking a
  sub-argument attacks the argument built on it). In any complete labelling a link is
  therefore ``in`` iff all its premises are in and no undercutter is in; ``out`` iff some
  premise is out or some undercutter is in; otherwise ``undecided``. This gives the same
  labels as the construction with an auxiliary argument "premise p is not in" per
  premise (p attacks it, it attacks every link with premise p), without the auxiliaries;
  the tests check the two agree;
* support links attack nothing.

Labels are the standard complete labellings (Caminada 2006: in iff every attacker is
out, out iff some attacker is in, otherwise undecided). Grounded is the least fixed point,
computed by propagation. Preferred labellings are the complete ones whose in-set is
maximal (equivalently, maximal admissible labellings); stable labellings are the complete
ones with nothing undecided. They are found by :func:`_factorised_labellings`: every
preferred labelling agrees with the grounded one where that is in or out, so only the
arguments grounded leaves undecided are searched; those split into independent parts
(weakly connected), and each part is labelled one strongly connected component at a time,
attackers first (preferred and stable semantics are SCC-recursive). Inside a cyclic
component a backtracking labelling algorithm (in the family of Modgil & Caminada 2009 and
Nofal, Atkinson & Dunne 2014) tries each open argument in before the alternatives,
narrows every other argument's possible labels by the complete-labelling conditions after
each choice, and cuts a branch as soon as it cannot beat a labelling already found. When
there are several preferred or stable labellings the sceptical labelling is returned: in
where in in all, out where out in all, otherwise undecided; ``Evaluation.extensions`` is
their number (the product over independent parts, so possibly very large). With no stable
labelling, ``extensions`` is 0 and ``statements`` and ``links`` are empty. A map needing
more than ``MAX_LABELLINGS`` labellings of one part, or ``MAX_SEARCH_STATES`` search
steps in one component, raises :class:`EvaluationTooComplex` (a ``ValueError``) rather
than tying up the server.

``why`` for a statement or link labelled out: the oppose links attacking it (rebuttals,
or undercutters for a link) that are in (in at least one of the labellings when there are
several). For one labelled undecided: the attacking links that are not out. For a link,
``premises`` lists the premises that stop it: out premises if it is out, premises that are
not in if it is undecided.

Gradual semantics (dfquad). DF-QuAD (Rago, Toni, Aurisicchio, Baroni 2016). For a
statement with base score ``v0`` (``Statement.base_score``), attacking links of strengths
``a_i`` and supporting links of strengths ``s_j``:

    va = F(a_1, ..., a_n),  vs = F(s_1, ..., s_m),  F(v_1, ..., v_k) = 1 - Π (1 - v_i)
    strength = v0 - v0 * (va - vs)          if va >= vs
    strength = v0 + (1 - v0) * (vs - va)    otherwise

A link's own base is the strength of its weakest premise (``min``: a linked argument is
only as strong as its weakest co-premise). Links that target the link (undercutters,
and supporting links aimed at the inference) combine with that base by the same
formula; a single undercutter of strength ``u`` thus multiplies the link's strength by
``1 - u``. With no links targeting it, a link's strength is its weakest premise's.
Acyclic maps are evaluated exactly in topological order (``iterations`` 1). Maps with
cycles are solved by Jacobi iteration from the base scores (links starting at their
weakest premise's base score) until no value changes by more than ``1e-9``, for at most
1000 sweeps; ``converged`` says whether that happened (DF-QuAD need not converge on
cycles; an unconverged result is the last sweep's values).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from api.graph.model import ArgumentGraph, Kind

__all__ = [
    "DEFAULT_MAX_ITERATIONS",
    "DEFAULT_TOLERANCE",
    "MAX_LABELLINGS",
    "MAX_SEARCH_STATES",
    "SEMANTICS",
    "DungFramework",
    "Evaluation",
    "EvaluationTooComplex",
    "Label",
    "LinkResult",
    "StatementResult",
    "dfquad",
    "evaluate",
    "grounded_labelling",
    "link_node",
    "preferred_labellings",
    "sceptical_labelling",
    "stable_labellings",
    "statement_node",
    "to_dung",
]

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
    empty; None for dfquad). ``converged`` and ``iterations``: dfquad only, else None.
    """

    semantics: str
    statements: dict[int, StatementResult]
    links: dict[int, LinkResult]
    extensions: int | None = None
    converged: bool | None = None
    iterations: int | None = None


# ---------------------------------------------------------------------------------------
# Translation to a Dung framework


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


def _validate(graph: ArgumentGraph) -> None:
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
    _validate(graph)
    attacks: set[tuple[str, str]] = set()
    statement_attackers: dict[int, set[str]] = {s.id: set() for s in graph.statements}
    for link in graph.links:
        if link.kind == Kind.OPPOSE:
            if link.conclusion is not None:
                attacks.add((link_node(link.id), statement_node(link.conclusion)))
                statement_attackers[link.conclusion].add(link_node(link.id))
            else:
                attacks.add((link_node(link.id), link_node(link.target_link)))
    for link in graph.links:
        for p in link.premises:
            for attacker in statement_attackers[p]:
                attacks.add((attacker, link_node(link.id)))
    arguments = tuple(statement_node(s.id) for s in graph.statements) + tuple(
        link_node(link.id) for link in graph.links
    )
    return DungFramework(arguments=arguments, attacks=frozenset(attacks))


# ---------------------------------------------------------------------------------------
# Labelling algorithms on a Dung framework


class EvaluationTooComplex(ValueError):
    """Raised when a map has too many labellings, or needs too long a search, to evaluate."""


MAX_LABELLINGS = 10_000  # per independent part of the framework
MAX_SEARCH_STATES = 200_000  # per strongly connected component


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
_CAN_IN, _CAN_OUT, _CAN_UNDEC = 1, 2, 4
_ANY = _CAN_IN | _CAN_OUT | _CAN_UNDEC


def _propagate(
    domains: list[int],
    queue: list[int],
    attackers: list[list[int]],
    targets: list[list[int]],
) -> bool:
    """Narrow ``domains`` by the complete-labelling conditions until nothing changes.

    The conditions, for every argument x: x is in iff all its attackers are out; x is
    out iff some attacker is in; otherwise x is undecided. Each is used forwards (from
    the attackers' possible labels to x's) and backwards (from x's to its attackers').
    ``queue`` holds the arguments whose condition must be looked at first. Returns False
    if some argument is left with no possible label (no complete labelling here).
    """
    queued = [False] * len(domains)
    for x in queue:
        queued[x] = True
    work = list(queue)

    def restrict(y: int, mask: int) -> bool:
        narrowed = domains[y] & mask
        if narrowed == 0:
            return False
        if narrowed != domains[y]:
            domains[y] = narrowed
            for z in (y, *targets[y]):
                if not queued[z]:
                    queued[z] = True
                    work.append(z)
        return True

    while work:
        x = work.pop()
        queued[x] = False
        atts = attackers[x]
        allowed = 0
        if all(domains[a] & _CAN_OUT for a in atts):
            allowed |= _CAN_IN
        if any(domains[a] & _CAN_IN for a in atts):
            allowed |= _CAN_OUT
        if all(domains[a] & (_CAN_OUT | _CAN_UNDEC) for a in atts) and any(
            domains[a] & _CAN_UNDEC for a in atts
        ):
            allowed |= _CAN_UNDEC
        if not restrict(x, allowed):
            return False
        d = domains[x]
        if d == _CAN_IN:  # all attackers out
            for a in atts:
                if not restrict(a, _CAN_OUT):
                    return False
        if not d & _CAN_OUT:  # no attacker in
            for a in atts:
                if not restrict(a, _CAN_OUT | _CAN_UNDEC):
                    return False
        if d == _CAN_OUT:  # some attacker in: if only one can be, it is
            can_in = [a for a in atts if domains[a] & _CAN_IN]
            if len(can_in) == 1 and not restrict(can_in[0], _CAN_IN):
                return False
        if not d & _CAN_IN:  # some attacker not out: if only one can be, it is not
            not_out = [a for a in atts if domains[a] & (_CAN_IN | _CAN_UNDEC)]
            if len(not_out) == 1 and not restrict(not_out[0], _CAN_IN | _CAN_UNDEC):
                return False
    return True


def _search(
    domains: list[int], attackers: list[list[int]], targets: list[list[int]], stable: bool
) -> list[list[int]]:
    """Backtracking search for the preferred (or stable) labellings.

    A depth-first search over complete labellings: pick an argument whose label is still
    open, try it in first, then the other labels it may take, narrowing everything else by
    :func:`_propagate` after each choice. For preferred semantics, a branch is cut when
    every argument it could still make in is already in a labelling found, and a
    labelling found replaces those found earlier whose in-set it strictly contains; what
    remains are the complete labellings with maximal in-sets, that is the preferred ones.
    For stable semantics undecided is ruled out from the start, and every labelling
    reached is stable. ``domains`` is the starting set of possible labels per argument.

    Returns the labellings as lists of single-label domains. Raises
    ``EvaluationTooComplex`` past ``MAX_SEARCH_STATES`` search states.
    """
    n = len(domains)
    domains = [d & ~_CAN_UNDEC if stable else d for d in domains]
    if not _propagate(domains, list(range(n)), attackers, targets):
        return []
    degree = [len(attackers[i]) + len(targets[i]) for i in range(n)]
    found: dict[frozenset[int], list[int]] = {}
    stack = [domains]
    states = 0
    while stack:
        domains = stack.pop()
        states += 1
        if states > MAX_SEARCH_STATES:
            raise EvaluationTooComplex(
                f"the map is too entangled to evaluate: more than {MAX_SEARCH_STATES} "
                "search states in one cycle of attacks"
            )
        if not stable:
            possible_in = frozenset(i for i in range(n) if domains[i] & _CAN_IN)
            if any(possible_in <= ins for ins in found):
                continue
        open_ = [i for i in range(n) if domains[i] not in (_CAN_IN, _CAN_OUT, _CAN_UNDEC)]
        if not open_:
            ins = frozenset(i for i in range(n) if domains[i] == _CAN_IN)
            for smaller in [f for f in found if f < ins]:
                del found[smaller]
            found[ins] = domains
            continue
        x = max(open_, key=lambda i: degree[i])
        d = domains[x]
        choices = [_CAN_IN, d & ~_CAN_IN] if d & _CAN_IN else [_CAN_OUT, _CAN_UNDEC]
        for choice in reversed(choices):  # the stack is last in, first out: in goes first
            branch = domains.copy()
            branch[x] = choice
            if _propagate(branch, [x, *targets[x]], attackers, targets):
                stack.append(branch)
    return list(found.values())


def _strongly_connected_components(
    nodes: Sequence[str], attackers: Mapping[str, Sequence[str]]
) -> list[list[str]]:
    """Tarjan's algorithm (iterative) on the attacked-by relation.

    Returns the components with every component after the components of its attackers.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            recurse = False
            preds = attackers[v]
            while i < len(preds):
                w = preds[i]
                i += 1
                if w not in index:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                component: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return result


def _component_labellings(
    component: list[str],
    attackers: Mapping[str, Sequence[str]],
    upstream: Mapping[str, Label],
    stable: bool,
) -> list[dict[str, Label]]:
    """The preferred (or stable) labellings of one strongly connected component.

    ``upstream`` labels every attacker from outside the component. Its in attackers make
    an argument out; its undecided attackers stop an argument from being in. These are
    modelled by an unattacked argument and a self-attacking one added to the component.
    """
    members = set(component)
    external_in: set[str] = set()
    external_undecided: set[str] = set()
    for x in component:
        outside = [upstream[y] for y in attackers[x] if y not in members]
        if Label.IN in outside:
            external_in.add(x)
        elif Label.UNDECIDED in outside:
            external_undecided.add(x)
    if stable and external_undecided:
        return []
    if len(component) == 1 and component[0] not in attackers[component[0]]:
        x = component[0]
        if x in external_in:
            return [{x: Label.OUT}]
        if x in external_undecided:
            return [{x: Label.UNDECIDED}]
        return [{x: Label.IN}]
    # Search the component with two stand-ins for its attackers from outside: one that is
    # in (attacks what an outside in argument attacks), one that is undecided (attacks
    # itself and what an outside undecided argument attacks).
    local = {x: i for i, x in enumerate(component)}
    local_attackers = [[local[y] for y in attackers[x] if y in members] for x in component]
    domains = [_ANY] * len(component)
    if external_in:
        stand_in = len(local_attackers)
        local_attackers.append([])
        domains.append(_CAN_IN)
        for x in external_in:
            local_attackers[local[x]].append(stand_in)
    if external_undecided:
        stand_in = len(local_attackers)
        local_attackers.append([stand_in])
        domains.append(_CAN_UNDEC)
        for x in external_undecided:
            local_attackers[local[x]].append(stand_in)
    targets: list[list[int]] = [[] for _ in local_attackers]
    for i, atts in enumerate(local_attackers):
        for j in atts:
            targets[j].append(i)
    single = {_CAN_IN: Label.IN, _CAN_OUT: Label.OUT, _CAN_UNDEC: Label.UNDECIDED}
    return [
        {x: single[labelling[local[x]]] for x in component}
        for labelling in _search(domains, local_attackers, targets, stable)
    ]


def _factorised_labellings(
    af: DungFramework, stable: bool
) -> tuple[dict[str, Label], list[list[dict[str, Label]]]]:
    """All preferred (or stable) labellings of ``af``, factorised.

    Returns ``(fixed, parts)``: ``fixed`` labels the arguments the grounded labelling
    decides (every preferred labelling agrees with it there); ``parts`` has, for each
    weakly connected part of the rest, the list of its labellings. The labellings of
    ``af`` are ``fixed`` combined with one labelling from each part; there are none if a
    part has none. Within a part, strongly connected components are labelled in order,
    each given the labels of its attackers (preferred and stable semantics are
    SCC-recursive), with a backtracking search (:func:`_search`) inside a cyclic component.

    Raises ``EvaluationTooComplex`` when a part has more than ``MAX_LABELLINGS``
    labellings or a component needs too long a search.
    """
    grounded = grounded_labelling(af)
    fixed = {a: v for a, v in grounded.items() if v != Label.UNDECIDED}
    undecided = [a for a in af.arguments if grounded[a] == Label.UNDECIDED]
    if not undecided:
        return fixed, []
    # Restricted to the undecided arguments: their other attackers are all out.
    in_play = set(undecided)
    all_attackers = af.attackers()
    attackers = {a: [b for b in all_attackers[a] if b in in_play] for a in undecided}
    # Weakly connected parts, by union-find.
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

    parts: list[list[dict[str, Label]]] = []
    for nodes in part_nodes.values():
        partial: list[dict[str, Label]] = [{}]
        for component in _strongly_connected_components(nodes, attackers):
            extended: list[dict[str, Label]] = []
            for upstream in partial:
                for labels in _component_labellings(component, attackers, upstream, stable):
                    extended.append({**upstream, **labels})
                    if len(extended) > MAX_LABELLINGS:
                        raise EvaluationTooComplex(
                            f"the map has too many ways to resolve its conflicts: more "
                            f"than {MAX_LABELLINGS} labellings of one part"
                        )
            partial = extended
            if not partial:
                break
        parts.append(partial)
    return fixed, parts


def _expand(
    af: DungFramework, fixed: dict[str, Label], parts: list[list[dict[str, Label]]]
) -> list[dict[str, Label]]:
    labellings = []
    for choice in itertools.product(*parts):
        merged = dict(fixed)
        for labels in choice:
            merged.update(labels)
        labellings.append({a: merged[a] for a in af.arguments})
    labellings.sort(key=lambda lab: sorted(a for a, v in lab.items() if v == Label.IN))
    return labellings


def preferred_labellings(af: DungFramework) -> list[dict[str, Label]]:
    """Return all preferred labellings of ``af`` (at least one), each argument -> label.

    Sorted by in-set. Their number can grow exponentially with the number of independent
    conflicts; :func:`evaluate` does not list them. Raises ``EvaluationTooComplex`` (a
    ``ValueError``) when the search is too large.
    """
    return _expand(af, *_factorised_labellings(af, stable=False))


def stable_labellings(af: DungFramework) -> list[dict[str, Label]]:
    """Return all stable labellings of ``af``: an empty list when there is none.

    Sorted by in-set. Raises ``EvaluationTooComplex`` when the search is too large.
    """
    return _expand(af, *_factorised_labellings(af, stable=True))


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


# ---------------------------------------------------------------------------------------
# From labellings of the framework back to the map


def _label_results(
    graph: ArgumentGraph,
    semantics: str,
    fixed: dict[str, Label],
    parts: list[list[dict[str, Label]]],
) -> Evaluation:
    count = math.prod(len(p) for p in parts)
    if count == 0:
        return Evaluation(semantics=semantics, statements={}, links={}, extensions=0)
    # The labels each argument takes across all the labellings.
    seen: dict[str, set[Label]] = {a: {v} for a, v in fixed.items()}
    for part in parts:
        for labels in part:
            for a, v in labels.items():
                seen.setdefault(a, set()).add(v)
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
            else:
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
    return Evaluation(semantics=semantics, statements=statements, links=links, extensions=count)


# ---------------------------------------------------------------------------------------
# DF-QuAD


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
) -> Evaluation:
    """Return the DF-QuAD strengths of the map's statements and links.

    See the module docstring for the formula and the treatment of co-premises and
    undercutters. The result has ``semantics == "dfquad"``, a ``strength`` in [0, 1] for
    every statement and link, ``converged`` and ``iterations``. Raises ``ValueError`` if a
    base score is outside [0, 1] or the map is malformed (see :func:`to_dung`).
    """
    _validate(graph)
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
        else:
            slot = on_link[link.target_link]
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
        while iterations < max_iterations:
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
        else:
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


# ---------------------------------------------------------------------------------------
# Entry point


def evaluate(graph: ArgumentGraph, semantics: str) -> Evaluation:
    """Evaluate the map under ``semantics``: "grounded", "preferred", "stable" or "dfquad".

    Returns an :class:`Evaluation` (labels for the first three, strengths for dfquad; see
    the module docstring). Raises ``ValueError`` for any other semantics, and for a
    malformed map (a link pointing outside the map, without premises, or without exactly
    one target) or a base score outside [0, 1]; raises :class:`EvaluationTooComplex` (a
    ``ValueError`` subclass) when a preferred or stable search is too large.
    """
    if semantics == "dfquad":
        return dfquad(graph)
    if semantics not in SEMANTICS:
        raise ValueError(f"unknown semantics {semantics!r}; expected one of {', '.join(SEMANTICS)}")
    af = to_dung(graph)
    if semantics == "grounded":
        return _label_results(graph, semantics, grounded_labelling(af), [])
    fixed, parts = _factorised_labellings(af, stable=semantics == "stable")
    return _label_results(graph, semantics, fixed, parts)
