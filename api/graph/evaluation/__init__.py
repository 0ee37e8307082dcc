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
computed by propagation in linear time. Preferred labellings are the complete ones whose
in-set is maximal; stable labellings are the complete ones with nothing undecided. Only
the arguments grounded leaves undecided are searched, one independent part at a time
(:mod:`~api.graph.evaluation.labellings`), by a SAT solver
(:mod:`~api.graph.evaluation.sat`, the field's standard encoding). When there are
several preferred or stable labellings the sceptical labelling is returned: in where in
in all, out where out in all, otherwise undecided; ``Evaluation.extensions`` is their
number (the product over independent parts, so possibly very large). Up to
``MAX_LABELLINGS`` labellings per part are counted; past that ``extensions_exact`` is
False and ``extensions`` a lower bound, while the labels stay exact (found without
listing every labelling). With no stable labelling, ``extensions`` is 0 and
``statements`` and ``links`` are empty. All the work is charged to a :class:`Budget` of
steps (``DEFAULT_BUDGET``, or the caller's); a map that needs more raises
:class:`EvaluationTooComplex` (a ``ValueError``) rather than tying up the server.

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
1000 sweeps (fewer if the budget runs out first: one step per statement, link and
premise per sweep); ``converged`` says whether that happened (DF-QuAD need not converge on
cycles; an unconverged result is the last sweep's values).

Modules: :mod:`~api.graph.evaluation.results` (what is returned, the budget),
:mod:`~api.graph.evaluation.dung` (the framework, grounded),
:mod:`~api.graph.evaluation.labellings` and :mod:`~api.graph.evaluation.sat` (preferred,
stable), :mod:`~api.graph.evaluation.explain` (``why``) and
:mod:`~api.graph.evaluation.dfquad`.
"""

from __future__ import annotations

from api.graph.evaluation.dfquad import dfquad
from api.graph.evaluation.dung import (
    DungFramework,
    grounded_labelling,
    link_node,
    statement_node,
    to_dung,
)
from api.graph.evaluation.explain import explain
from api.graph.evaluation.labellings import (
    labellings,
    preferred_labellings,
    sceptical_labelling,
    stable_labellings,
)
from api.graph.evaluation.results import (
    DEFAULT_BUDGET,
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    MAX_LABELLINGS,
    SEMANTICS,
    Budget,
    Evaluation,
    EvaluationTooComplex,
    Label,
    LinkResult,
    StatementResult,
    UnknownSemantics,
)
from api.graph.model import ArgumentGraph

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_ITERATIONS",
    "DEFAULT_TOLERANCE",
    "MAX_LABELLINGS",
    "SEMANTICS",
    "Budget",
    "DungFramework",
    "Evaluation",
    "EvaluationTooComplex",
    "Label",
    "LinkResult",
    "StatementResult",
    "UnknownSemantics",
    "dfquad",
    "evaluate",
    "explain",
    "grounded_labelling",
    "labellings",
    "link_node",
    "preferred_labellings",
    "sceptical_labelling",
    "stable_labellings",
    "statement_node",
    "to_dung",
]


def evaluate(graph: ArgumentGraph, semantics: str, *, budget: int = DEFAULT_BUDGET) -> Evaluation:
    """Evaluate the map under ``semantics``: "grounded", "preferred", "stable" or "dfquad".

    Returns an :class:`Evaluation` (labels for the first three, strengths for dfquad; see
    the module docstring), using at most ``budget`` steps. Raises ``UnknownSemantics`` (a
    ``ValueError``) for any other semantics, and ``ValueError`` for a malformed map (a
    link pointing outside the map, without premises, or without exactly one target) or a
    base score outside [0, 1]; raises
    :class:`EvaluationTooComplex` (a ``ValueError`` subclass) when a preferred or stable
    evaluation needs more than ``budget`` steps.
    """
    if semantics not in SEMANTICS:
        raise UnknownSemantics(
            f"unknown semantics {semantics!r}; expected one of {', '.join(SEMANTICS)}"
        )
    spent = Budget(budget)
    if semantics == "dfquad":
        return dfquad(graph, budget=spent)
    af = to_dung(graph)
    if semantics == "grounded":
        grounded = grounded_labelling(af)
        return explain(graph, semantics, {a: {v} for a, v in grounded.items()}, 1)
    found = labellings(af, stable=semantics == "stable", budget=spent)
    return explain(graph, semantics, found.seen(), found.count, found.exact)
