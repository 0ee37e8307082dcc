"""Tests for api.graph.evaluation: labellings and DF-QuAD strengths, no database.

The textbook cases are written out by hand. The cross-checks compare with independent
implementations from PyPI: python-argumentation (``py_arg``) for grounded, preferred and
stable extensions, formal-argumentation (``argumentation``) for DF-QuAD.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graph import evaluation as ev
from api.graph.evaluation import (
    Budget,
    DungFramework,
    Label,
    evaluate,
    grounded_labelling,
    labellings,
    link_node,
    preferred_labellings,
    stable_labellings,
    statement_node,
    to_dung,
)
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from tests.graph.hostile import hostile_graph

IN, OUT, UNDEC = Label.IN, Label.OUT, Label.UNDECIDED
LABELLING_SEMANTICS = ("grounded", "preferred", "stable")


# ---------------------------------------------------------------------------------------
# Building maps


def make_map(statements, links) -> ArgumentGraph:
    """``statements``: ids, or (id, base_score) pairs; ``links``: Link objects."""
    made = []
    for s in statements:
        sid, base = s if isinstance(s, tuple) else (s, 0.5)
        made.append(Statement(id=sid, text=f"statement {sid}", base_score=base))
    return ArgumentGraph(
        map=MapInfo(slug="t", title="t"), statements=tuple(made), links=tuple(links)
    )


def oppose(lid, premises, conclusion=None, target_link=None) -> Link:
    return Link(
        id=lid,
        kind=Kind.OPPOSE,
        premises=tuple(premises),
        conclusion=conclusion,
        target_link=target_link,
    )


def support(lid, premises, conclusion=None, target_link=None) -> Link:
    return Link(
        id=lid,
        kind=Kind.SUPPORT,
        premises=tuple(premises),
        conclusion=conclusion,
        target_link=target_link,
    )


def labels(result: ev.Evaluation) -> dict[str, Label]:
    """Statement and link labels keyed like the Dung arguments ("s1", "l10")."""
    out = {statement_node(i): r.label for i, r in result.statements.items()}
    out.update({link_node(i): r.label for i, r in result.links.items()})
    return out


# ---------------------------------------------------------------------------------------
# Textbook cases


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_a_statement_nobody_argues_against_is_in(semantics):
    result = evaluate(make_map([1], []), semantics)
    assert result.statements[1].label == IN
    assert result.statements[1].why == ()
    assert result.extensions == 1


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_reinstatement(semantics):
    # C (3) attacks B (2), which attacks A (1): C in, B out, A in (reinstated).
    g = make_map([1, 2, 3], [oppose(10, [2], 1), oppose(11, [3], 2)])
    result = evaluate(g, semantics)
    assert labels(result) == {"s1": IN, "s2": OUT, "s3": IN, "l10": OUT, "l11": IN}
    assert result.statements[2].why == (11,)
    assert result.statements[1].why == ()
    # Link 10 does not take effect because its premise B is out.
    assert result.links[10].premises == (2,)
    assert result.links[10].why == ()
    assert result.extensions == 1


def three_cycle() -> ArgumentGraph:
    # A (1) attacks C (3) attacks B (2) attacks A.
    return make_map([1, 2, 3], [oppose(10, [2], 1), oppose(11, [3], 2), oppose(12, [1], 3)])


def test_odd_cycle_grounded_and_preferred_leave_everything_undecided():
    for semantics in ("grounded", "preferred"):
        result = evaluate(three_cycle(), semantics)
        assert set(labels(result).values()) == {UNDEC}
        assert result.extensions == 1
        # Undecided because of an attack that is itself undecided.
        assert result.statements[1].why == (10,)


def test_odd_cycle_has_no_stable_labelling():
    result = evaluate(three_cycle(), "stable")
    assert result.extensions == 0
    assert result.statements == {}
    assert result.links == {}
    assert stable_labellings(to_dung(three_cycle())) == []


def two_cycle() -> ArgumentGraph:
    # A (1) and B (2) rebut each other.
    return make_map([1, 2], [oppose(10, [2], 1), oppose(11, [1], 2)])


def test_even_cycle():
    grounded = evaluate(two_cycle(), "grounded")
    assert set(labels(grounded).values()) == {UNDEC}
    for semantics in ("preferred", "stable"):
        result = evaluate(two_cycle(), semantics)
        assert result.extensions == 2
        # Sceptical: each is in in one labelling and out in the other.
        assert set(labels(result).values()) == {UNDEC}
        assert result.statements[1].why == (10,)
    labellings = preferred_labellings(to_dung(two_cycle()))
    assert canonical(labellings) == canonical(
        [
            {"s1": IN, "s2": OUT, "l10": OUT, "l11": IN},
            {"s1": OUT, "s2": IN, "l10": IN, "l11": OUT},
        ]
    )
    assert stable_labellings(to_dung(two_cycle())) == labellings


def test_floating_defeat_preferred_is_bolder_than_grounded():
    # A (1) and B (2) rebut each other; each attacks C (3); C attacks D (4).
    # Whichever of A and B wins, C is out and D is in: preferred says so, grounded not.
    g = make_map(
        [1, 2, 3, 4],
        [
            oppose(10, [2], 1),
            oppose(11, [1], 2),
            oppose(12, [1], 3),
            oppose(13, [2], 3),
            oppose(14, [3], 4),
        ],
    )
    grounded = evaluate(g, "grounded")
    assert grounded.statements[3].label == UNDEC
    assert grounded.statements[4].label == UNDEC
    preferred = evaluate(g, "preferred")
    assert preferred.extensions == 2
    assert preferred.statements[3].label == OUT
    assert preferred.statements[3].why == (12, 13)  # each is in in one labelling
    assert preferred.statements[4].label == IN
    assert preferred.statements[1].label == UNDEC


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_self_defeating_statement(semantics):
    # A (1) is the premise of an objection to A itself (the database forbids this, the
    # evaluation copes): A can be neither in nor out. B (2) stands apart.
    g = make_map([1, 2], [oppose(10, [1], 1)])
    result = evaluate(g, semantics)
    if semantics == "stable":
        assert result.extensions == 0
    else:
        assert result.statements[1].label == UNDEC
        assert result.links[10].label == UNDEC
        assert result.links[10].premises == (1,)
        assert result.statements[2].label == IN


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_self_undercutting_link(semantics):
    # Link 11 undercuts itself: it can be neither in nor out. What it undercuts is
    # itself only, so link 10 (B against A) takes effect and A is out.
    g = make_map([1, 2], [oppose(10, [2], 1), oppose(11, [2], target_link=11)])
    result = evaluate(g, semantics)
    if semantics == "stable":
        assert result.extensions == 0
        return
    assert result.links[11].label == UNDEC
    assert result.links[11].why == (11,)
    assert result.links[10].label == IN
    assert result.statements[1].label == OUT
    assert result.statements[2].label == IN


def test_self_attack_in_the_framework():
    # a attacks itself and b; c attacks b.
    af = DungFramework(("a", "b"), frozenset({("a", "a"), ("a", "b")}))
    assert grounded_labelling(af) == {"a": UNDEC, "b": UNDEC}
    assert preferred_labellings(af) == [{"a": UNDEC, "b": UNDEC}]
    assert stable_labellings(af) == []
    af = DungFramework(("a", "b", "c"), frozenset({("a", "a"), ("a", "b"), ("c", "b")}))
    assert preferred_labellings(af) == [{"a": UNDEC, "b": OUT, "c": IN}]
    assert stable_labellings(af) == []


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_linked_premises_fail_together(semantics):
    # P1 (2) and P2 (3) are co-premises of one objection to A (1); X (4) knocks out P2.
    # The objection fails as a whole, so A stands.
    g = make_map([1, 2, 3, 4], [oppose(10, [2, 3], 1), oppose(11, [4], 3)])
    result = evaluate(g, semantics)
    assert labels(result) == {
        "s1": IN,
        "s2": IN,
        "s3": OUT,
        "s4": IN,
        "l10": OUT,
        "l11": IN,
    }
    assert result.links[10].premises == (3,)


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_convergent_reasons_are_independent(semantics):
    # P1 (2) and P2 (3) are separate objections to A (1); X (4) knocks out P2.
    # The objection from P1 still takes effect, so A falls.
    g = make_map([1, 2, 3, 4], [oppose(10, [2], 1), oppose(12, [3], 1), oppose(11, [4], 3)])
    result = evaluate(g, semantics)
    assert labels(result) == {
        "s1": OUT,
        "s2": IN,
        "s3": OUT,
        "s4": IN,
        "l10": IN,
        "l11": IN,
        "l12": OUT,
    }
    assert result.statements[1].why == (10,)
    assert result.links[12].premises == (3,)


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_undercutter(semantics):
    # B (2) objects to A (1); U (3) says that objection does not follow. The objection is
    # out, A is unaffected, and B itself is not attacked.
    g = make_map([1, 2, 3], [oppose(10, [2], 1), oppose(11, [3], target_link=10)])
    result = evaluate(g, semantics)
    assert labels(result) == {"s1": IN, "s2": IN, "s3": IN, "l10": OUT, "l11": IN}
    assert result.links[10].why == (11,)
    assert result.links[10].premises == ()


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_undercut_undercutter_reinstates_the_objection(semantics):
    g = make_map(
        [1, 2, 3, 4],
        [oppose(10, [2], 1), oppose(11, [3], target_link=10), oppose(12, [4], target_link=11)],
    )
    result = evaluate(g, semantics)
    assert labels(result) == {
        "s1": OUT,
        "s2": IN,
        "s3": IN,
        "s4": IN,
        "l10": IN,
        "l11": OUT,
        "l12": IN,
    }


@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
def test_support_does_not_change_labels(semantics):
    # A (1) is supported only by a link whose premise B (2) is knocked out by C (3), and
    # by a link that is undercut: A is still in (nobody argues against it).
    g = make_map(
        [1, 2, 3, 4, 5],
        [
            support(10, [2], 1),
            oppose(11, [3], 2),
            support(12, [4], 1),
            oppose(13, [5], target_link=12),
        ],
    )
    result = evaluate(g, semantics)
    assert result.statements[1].label == IN
    assert result.links[10].label == OUT
    assert result.links[12].label == OUT


def test_unknown_semantics_is_a_value_error():
    with pytest.raises(ValueError, match="unknown semantics 'ideal'"):
        evaluate(make_map([1], []), "ideal")


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ([oppose(10, [9], 1)], "premise 9"),
        ([oppose(10, [2], 9)], "conclusion 9"),
        ([oppose(10, [2], target_link=99)], "target_link 99"),
        ([oppose(10, [2])], "exactly one"),
        ([oppose(10, [], 1)], "no premises"),
    ],
)
def test_malformed_map_is_a_value_error(links, message):
    for semantics in ev.SEMANTICS:
        with pytest.raises(ValueError, match=message):
            evaluate(make_map([1, 2], links), semantics)


def test_framework_with_unknown_argument_in_an_attack_is_a_value_error():
    with pytest.raises(ValueError, match="unknown arguments: b"):
        DungFramework(("a",), frozenset({("a", "b")}))


def test_empty_map_evaluates_to_nothing():
    for semantics in ev.SEMANTICS:
        result = evaluate(make_map([], []), semantics)
        assert result.statements == {}
        assert result.links == {}


def test_base_score_outside_unit_interval_is_a_value_error():
    with pytest.raises(ValueError, match="base_score"):
        evaluate(make_map([(1, 1.5)], []), "dfquad")


def six_pairs_against_one_claim() -> ArgumentGraph:
    # Six pairs of mutually rebutting statements, all objecting to one claim: 2**6
    # preferred labellings in one connected part of the map.
    links = []
    for k in range(6):
        a, b = 10 + 2 * k, 11 + 2 * k
        links += [oppose(100 + a, [b], a), oppose(100 + b, [a], b), oppose(200 + a, [a], 1)]
    return make_map([1, *range(10, 22)], links)


def test_past_the_limit_labellings_are_not_listed_but_labels_stay_exact():
    g = six_pairs_against_one_claim()
    af = to_dung(g)
    everything = preferred_labellings(af)
    assert len(everything) == 64
    assert evaluate(g, "preferred").extensions == 64
    assert evaluate(g, "preferred").extensions_exact is True
    with pytest.raises(ev.EvaluationTooComplex, match="more than 20 labellings"):
        preferred_labellings(af, limit=20)
    found = labellings(af, stable=False, limit=20)
    assert found.count > 20
    assert found.exact is False
    assert found.parts[0].sceptical() == {
        a: v for a, v in ev.sceptical_labelling(everything).items() if a in found.parts[0].seen
    }


def test_the_hostile_knot_is_answered_within_a_small_budget():
    # Issue #12: 16 pairs (33 statements, 2**16 - 1 labellings in one knot) once took 52 s
    # before a 422. Now both semantics answer well inside the default budget.
    g = hostile_graph(16)
    for semantics in ("preferred", "stable"):
        budget = Budget()
        found = labellings(to_dung(g), stable=semantics == "stable", budget=budget)
        assert budget.used < ev.DEFAULT_BUDGET // 5
        result = ev.explain(g, semantics, found.seen(), found.count, found.exact)
        assert result.extensions > ev.MAX_LABELLINGS
        assert result.extensions_exact is False
        # Some b always stands, so the claim is out; every pair can go either way.
        assert result.statements[1].label == OUT
        assert {r.label for sid, r in result.statements.items() if sid != 1} == {UNDEC}
        assert set(result.statements[1].why) == {1000 + 4 * k + 2 for k in range(16)}


def test_work_grows_about_linearly_on_the_hostile_family():
    used = []
    for pairs in (16, 32, 64):
        budget = Budget()
        labellings(to_dung(hostile_graph(pairs)), stable=False, budget=budget)
        used.append(budget.used)
    assert used[1] < 3 * used[0]
    assert used[2] < 3 * used[1]


@pytest.mark.parametrize("semantics", ["preferred", "stable"])
def test_past_the_budget_the_evaluation_is_refused_naming_the_limit(semantics):
    with pytest.raises(ev.EvaluationTooComplex, match="budget of 50000 steps"):
        evaluate(hostile_graph(16), semantics, budget=50_000)
    # The same budget is plenty for a small knot.
    assert evaluate(hostile_graph(3), semantics, budget=50_000).extensions == 7


def test_budget_charges_and_refuses():
    budget = Budget(10)
    budget.charge(10)
    assert budget.remaining == 0
    with pytest.raises(ev.EvaluationTooComplex, match="10 steps"):
        budget.charge(1)
    with pytest.raises(ValueError, match="at least 0"):
        Budget(-1)


def test_independent_conflicts_multiply_without_being_listed():
    # 40 separate two-cycles: 2**40 preferred labellings, counted, not enumerated.
    links = []
    for k in range(40):
        a, b = 2 * k + 1, 2 * k + 2
        links += [oppose(1000 + a, [b], a), oppose(1000 + b, [a], b)]
    g = make_map(list(range(1, 81)), links)
    result = evaluate(g, "preferred")
    assert result.extensions == 2**40
    assert evaluate(g, "stable").extensions == 2**40


# ---------------------------------------------------------------------------------------
# Cross-checks with python-argumentation (py_arg)


@pytest.fixture(scope="module")
def py_arg():
    """The reference Dung semantics: returns a function (arguments, attacks, semantics)
    -> list of extensions (frozensets of argument names)."""
    pytest.importorskip("py_arg", reason="python-argumentation is needed for the cross-check")
    from py_arg.abstract_argumentation_classes.abstract_argumentation_framework import (
        AbstractArgumentationFramework,
    )
    from py_arg.abstract_argumentation_classes.argument import Argument
    from py_arg.abstract_argumentation_classes.defeat import Defeat
    from py_arg.algorithms.semantics.get_grounded_extension import get_grounded_extension
    from py_arg.algorithms.semantics.get_preferred_extensions import get_preferred_extensions
    from py_arg.algorithms.semantics.get_stable_extensions import get_stable_extensions

    def extensions(arguments, attacks, semantics):
        objects = {a: Argument(a) for a in arguments}
        af = AbstractArgumentationFramework(
            "af",
            list(objects.values()),
            [Defeat(objects[a], objects[b]) for a, b in sorted(attacks)],
        )
        if semantics == "grounded":
            found = [get_grounded_extension(af)]
        elif semantics == "preferred":
            found = get_preferred_extensions(af)
        else:
            found = get_stable_extensions(af)
        return [frozenset(a.name for a in e) for e in found]

    return extensions


def labelling_of(extension, arguments, attacks) -> dict[str, Label]:
    """The labelling an extension induces: in, out if attacked by it, else undecided."""
    attacked = {b for a, b in attacks if a in extension}
    return {x: IN if x in extension else OUT if x in attacked else UNDEC for x in arguments}


def canonical(labellings) -> list[tuple]:
    return sorted(tuple(sorted(lab.items())) for lab in labellings)


def mine(af: DungFramework, semantics: str) -> list[dict[str, Label]]:
    if semantics == "grounded":
        return [grounded_labelling(af)]
    if semantics == "preferred":
        return preferred_labellings(af)
    return stable_labellings(af)


@st.composite
def frameworks(draw, max_arguments=8):
    n = draw(st.integers(1, max_arguments))
    names = [f"a{i}" for i in range(n)]
    pairs = list(itertools.product(names, names))
    attacks = draw(st.sets(st.sampled_from(pairs), max_size=3 * n))
    return DungFramework(tuple(names), frozenset(attacks))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(af=frameworks(), semantics=st.sampled_from(LABELLING_SEMANTICS))
def test_labellings_agree_with_reference_on_random_frameworks(py_arg, af, semantics):
    reference = [
        labelling_of(e, af.arguments, af.attacks)
        for e in py_arg(af.arguments, af.attacks, semantics)
    ]
    assert canonical(mine(af, semantics)) == canonical(reference)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    af=frameworks(max_arguments=9),
    semantics=st.sampled_from(("preferred", "stable")),
    limit=st.integers(1, 3),
)
def test_labels_past_the_limit_agree_with_reference(py_arg, af, semantics, limit):
    # Past the limit the labellings are no longer listed: the labels each argument can
    # take (in and out), and the sceptical labels, must still be those of all of them.
    reference = [
        labelling_of(e, af.arguments, af.attacks)
        for e in py_arg(af.arguments, af.attacks, semantics)
    ]
    found = labellings(af, stable=semantics == "stable", limit=limit)
    assert found.count <= len(reference)
    # The limit counts labellings per independent part: within it overall means within it
    # in every part, and exact counts multiply to the total.
    if len(reference) <= limit:
        assert found.exact
    if found.exact:
        assert found.count == len(reference)
    if not reference:
        assert found.count == 0
        return
    seen = found.seen()
    for x in af.arguments:
        expected = {lab[x] for lab in reference}
        assert (IN in seen[x]) == (IN in expected), x
        assert (OUT in seen[x]) == (OUT in expected), x
    sceptical_found = {x: next(iter(v)) if len(v) == 1 else UNDEC for x, v in seen.items()}
    assert sceptical_found == sceptical(reference)


@pytest.mark.parametrize("semantics", ["preferred", "stable"])
def test_hostile_knot_past_the_limit_agrees_with_reference(py_arg, semantics):
    # Three pairs: 7 labellings, of which only 2 are counted before the labels are found
    # without listing; py_arg lists them all.
    af = to_dung(hostile_graph(3))
    reference = [
        labelling_of(e, af.arguments, af.attacks)
        for e in py_arg(af.arguments, af.attacks, semantics)
    ]
    assert len(reference) == 7
    found = labellings(af, stable=semantics == "stable", limit=2)
    assert found.exact is False
    seen = found.seen()
    assert {x: next(iter(v)) if len(v) == 1 else UNDEC for x, v in seen.items()} == sceptical(
        reference
    )
    assert all({lab[x] for lab in reference} >= seen[x] for x in af.arguments)


@st.composite
def argument_maps(
    draw,
    max_statements=6,
    max_links=6,
    max_premises=3,
    kinds=(Kind.OPPOSE, Kind.SUPPORT),
    undercutters=True,
    base_scores=False,
):
    """Random maps: links with random premises and a random target statement (never one
    of its own premises) or, with ``undercutters``, a random target link (itself too)."""
    n = draw(st.integers(1, max_statements))
    m = draw(st.integers(0, max_links))
    statement_ids = list(range(1, n + 1))
    link_ids = [100 + j for j in range(m)]
    statements = [(sid, draw(st.floats(0, 1)) if base_scores else 0.5) for sid in statement_ids]
    links = []
    for lid in link_ids:
        kind = draw(st.sampled_from(kinds))
        premises = draw(
            st.lists(st.sampled_from(statement_ids), min_size=1, max_size=max_premises, unique=True)
        )
        free = [s for s in statement_ids if s not in premises]
        if free and not (undercutters and draw(st.booleans())):
            links.append(Link(lid, kind, tuple(premises), conclusion=draw(st.sampled_from(free))))
        elif undercutters:
            links.append(
                Link(lid, kind, tuple(premises), target_link=draw(st.sampled_from(link_ids)))
            )
    return make_map(statements, links)


def auxiliary_framework(graph: ArgumentGraph) -> tuple[tuple[str, ...], set[tuple[str, str]]]:
    """An independent translation of a map, the textbook way with auxiliaries.

    Arguments: one per statement ("s<id>") and per link ("l<id>"), and per statement that
    is a premise an auxiliary "n<id>" read as "statement <id> is not in": the statement
    attacks it, and it attacks every link with that premise. An oppose link attacks its
    target statement or link; support links attack nothing.
    """
    arguments = [f"s{s.id}" for s in graph.statements] + [f"l{k.id}" for k in graph.links]
    attacks = set()
    premises = sorted({p for k in graph.links for p in k.premises})
    arguments += [f"n{p}" for p in premises]
    for p in premises:
        attacks.add((f"s{p}", f"n{p}"))
    for k in graph.links:
        for p in k.premises:
            attacks.add((f"n{p}", f"l{k.id}"))
        if k.kind == Kind.OPPOSE:
            target = f"s{k.conclusion}" if k.conclusion is not None else f"l{k.target_link}"
            attacks.add((f"l{k.id}", target))
    return tuple(arguments), attacks


def sceptical(labellings) -> dict[str, Label]:
    return {
        x: labellings[0][x] if len({lab[x] for lab in labellings}) == 1 else UNDEC
        for x in labellings[0]
    }


MAP_STRATEGIES = {
    # The plain case: one premise per link, objections only.
    "single-premise oppose-only": argument_maps(max_premises=1, kinds=(Kind.OPPOSE,)),
    "general": argument_maps(),
    # More links, mostly objections: more cycles, more labellings.
    "dense": argument_maps(
        max_statements=6,
        max_links=8,
        max_premises=2,
        kinds=(Kind.OPPOSE, Kind.OPPOSE, Kind.SUPPORT),
    ),
}


@pytest.mark.parametrize("strategy", list(MAP_STRATEGIES))
@pytest.mark.parametrize("semantics", LABELLING_SEMANTICS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_evaluation_agrees_with_reference_on_the_auxiliary_translation(
    py_arg, strategy, semantics, data
):
    graph = data.draw(MAP_STRATEGIES[strategy], label="graph")
    arguments, attacks = auxiliary_framework(graph)
    reference = [
        {x: v for x, v in labelling_of(e, arguments, attacks).items() if x[0] != "n"}
        for e in py_arg(arguments, attacks, semantics)
    ]
    # The labellings of the module's translation are those of the textbook one, restricted
    # to statements and links.
    assert canonical(mine(to_dung(graph), semantics)) == canonical(reference)
    result = evaluate(graph, semantics)
    assert result.extensions == len(reference)
    if reference:
        assert labels(result) == sceptical(reference)
    else:
        assert result.statements == {}
        assert result.links == {}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=argument_maps(), semantics=st.sampled_from(LABELLING_SEMANTICS))
def test_labellings_agree_with_reference_on_my_translation(py_arg, graph, semantics):
    af = to_dung(graph)
    reference = [
        labelling_of(e, af.arguments, af.attacks)
        for e in py_arg(af.arguments, af.attacks, semantics)
    ]
    assert canonical(mine(af, semantics)) == canonical(reference)


@settings(max_examples=200, deadline=None)
@given(graph=argument_maps(), semantics=st.sampled_from(LABELLING_SEMANTICS))
def test_why_names_the_attacks_that_decide(graph, semantics):
    result = evaluate(graph, semantics)
    for sid, r in result.statements.items():
        rebuttals = {k.id for k in graph.links if k.kind == Kind.OPPOSE and k.conclusion == sid}
        assert set(r.why) <= rebuttals
        if r.label == OUT:
            assert r.why
        if r.label == IN:
            assert r.why == ()
            # In: every objection to it is out.
            assert all(result.links[i].label == OUT for i in rebuttals)
    for lid, r in result.links.items():
        link = graph.link(lid)
        if r.label == IN:
            assert all(result.statements[p].label == IN for p in link.premises)
        if r.label == OUT:
            assert r.why or r.premises
        if semantics == "grounded" and r.label == OUT:
            assert all(result.links[i].label == IN for i in r.why)
            assert all(result.statements[p].label == OUT for p in r.premises)


# ---------------------------------------------------------------------------------------
# DF-QuAD


def strengths(result: ev.Evaluation) -> dict[str, float]:
    out = {statement_node(i): r.strength for i, r in result.statements.items()}
    out.update({link_node(i): r.strength for i, r in result.links.items()})
    return out


def test_dfquad_single_attack():
    # A (1, base 0.5) attacked by B (2, base 0.8). Link 10 = min(B) = 0.8.
    # va = 0.8, vs = 0: A = 0.5 - 0.5 * (0.8 - 0) = 0.1.
    result = evaluate(make_map([1, (2, 0.8)], [oppose(10, [2], 1)]), "dfquad")
    assert result.semantics == "dfquad"
    assert result.statements[1].strength == pytest.approx(0.1)
    assert result.statements[1].why == (10,)
    assert result.statements[2].strength == pytest.approx(0.8)
    assert result.links[10].strength == pytest.approx(0.8)
    assert result.statements[1].label is None
    assert result.extensions is None
    assert result.converged is True
    assert result.iterations == 1


def test_dfquad_tree():
    # C (1, base 0.5) supported by S1 (2, base 0.6) and S2 (3, base 0.4), attacked by
    # X (4, base 0.7), which is attacked by Y (5, base 0.5).
    g = make_map(
        [1, (2, 0.6), (3, 0.4), (4, 0.7), 5],
        [support(10, [2], 1), support(11, [3], 1), oppose(12, [4], 1), oppose(13, [5], 4)],
    )
    result = evaluate(g, "dfquad")
    # X: va = 0.5, vs = 0 -> 0.7 - 0.7 * 0.5 = 0.35.
    assert result.statements[4].strength == pytest.approx(0.35)
    # C: vs = 1 - (1 - 0.6)(1 - 0.4) = 1 - 0.24 = 0.76; va = 0.35;
    # vs > va -> 0.5 + (1 - 0.5)(0.76 - 0.35) = 0.5 + 0.205 = 0.705.
    assert result.statements[1].strength == pytest.approx(0.705)
    assert result.statements[1].why == (10, 11, 12)


def test_dfquad_attack_outweighs_support():
    # C (1, base 0.6) supported by S (2, base 0.2), attacked by X (3, base 0.9).
    # va = 0.9 >= vs = 0.2 -> 0.6 - 0.6 * (0.9 - 0.2) = 0.6 - 0.42 = 0.18.
    g = make_map([(1, 0.6), (2, 0.2), (3, 0.9)], [support(10, [2], 1), oppose(11, [3], 1)])
    assert evaluate(g, "dfquad").statements[1].strength == pytest.approx(0.18)


def test_dfquad_co_premises_count_as_the_weakest():
    # P1 (2, 0.9) and P2 (3, 0.3) are co-premises for C (1, 0.5): link 10 = min = 0.3;
    # C = 0.5 + (1 - 0.5) * 0.3 = 0.65. As two separate reasons instead:
    # vs = 1 - (1 - 0.9)(1 - 0.3) = 1 - 0.07 = 0.93; C = 0.5 + 0.5 * 0.93 = 0.965.
    linked = make_map([1, (2, 0.9), (3, 0.3)], [support(10, [2, 3], 1)])
    result = evaluate(linked, "dfquad")
    assert result.links[10].strength == pytest.approx(0.3)
    assert result.statements[1].strength == pytest.approx(0.65)
    convergent = make_map([1, (2, 0.9), (3, 0.3)], [support(10, [2], 1), support(11, [3], 1)])
    assert evaluate(convergent, "dfquad").statements[1].strength == pytest.approx(0.965)


def test_dfquad_undercutter_weakens_the_link_not_its_premise():
    # B (2, 0.8) attacks A (1, 0.5) through link 10; U (3, 0.5) undercuts link 10.
    # Link 10: base min(B) = 0.8, va = 0.5 -> 0.8 - 0.8 * 0.5 = 0.4 (= 0.8 * (1 - 0.5)).
    # A: va = 0.4 -> 0.5 - 0.5 * 0.4 = 0.3. B keeps 0.8.
    g = make_map([1, (2, 0.8), 3], [oppose(10, [2], 1), oppose(11, [3], target_link=10)])
    result = evaluate(g, "dfquad")
    assert result.links[10].strength == pytest.approx(0.4)
    assert result.links[10].why == (11,)
    assert result.statements[1].strength == pytest.approx(0.3)
    assert result.statements[2].strength == pytest.approx(0.8)


def test_dfquad_zero_strength_link_moves_nothing():
    # B (2) has base 0, so its objection has strength 0 and does not count in why.
    result = evaluate(make_map([1, (2, 0.0)], [oppose(10, [2], 1)]), "dfquad")
    assert result.statements[1].strength == pytest.approx(0.5)
    assert result.statements[1].why == ()


def test_dfquad_converges_on_an_even_cycle():
    # A and B (base 0.5) rebut each other: A = 0.5 - 0.5 * B and B = 0.5 - 0.5 * A, whose
    # fixed point is A = B = 1/3. The iteration contracts by 0.5 every two sweeps.
    result = evaluate(two_cycle(), "dfquad")
    assert result.converged is True
    assert 1 < result.iterations < 200
    assert result.statements[1].strength == pytest.approx(1 / 3, abs=1e-8)
    assert result.statements[2].strength == pytest.approx(1 / 3, abs=1e-8)


def test_dfquad_reports_an_oscillating_cycle():
    # Base 1 on both sides of a rebuttal cycle: the values flip between 0 and 1.
    g = make_map([(1, 1.0), (2, 1.0)], [oppose(10, [2], 1), oppose(11, [1], 2)])
    result = evaluate(g, "dfquad")
    assert result.converged is False
    assert result.iterations == ev.DEFAULT_MAX_ITERATIONS
    assert all(0.0 <= v <= 1.0 for v in strengths(result).values())


def test_dfquad_sweeps_stop_when_the_budget_is_spent():
    # Each sweep of this cycle costs 2 statements + 2 links + 2 premises = 6 steps.
    g = make_map([(1, 1.0), (2, 1.0)], [oppose(10, [2], 1), oppose(11, [1], 2)])
    result = evaluate(g, "dfquad", budget=60)
    assert result.converged is False
    assert result.iterations == 10


def dfquad_equations_hold(graph: ArgumentGraph, result: ev.Evaluation, tol: float) -> None:
    """Every strength is what the DF-QuAD formula gives from the others."""

    def f(values):
        return 1 - math.prod(1 - v for v in values)

    def c(v0, va, vs):
        return v0 - v0 * (va - vs) if va >= vs else v0 + (1 - v0) * (vs - va)

    def into(kind, **target):
        return [
            result.links[k.id].strength
            for k in graph.links
            if k.kind == kind and all(getattr(k, a) == v for a, v in target.items())
        ]

    for s in graph.statements:
        expected = c(
            s.base_score,
            f(into(Kind.OPPOSE, conclusion=s.id, target_link=None)),
            f(into(Kind.SUPPORT, conclusion=s.id, target_link=None)),
        )
        assert result.statements[s.id].strength == pytest.approx(expected, abs=tol)
    for k in graph.links:
        base = min(result.statements[p].strength for p in k.premises)
        expected = c(
            base,
            f(into(Kind.OPPOSE, target_link=k.id, conclusion=None)),
            f(into(Kind.SUPPORT, target_link=k.id, conclusion=None)),
        )
        assert result.links[k.id].strength == pytest.approx(expected, abs=tol)


@settings(max_examples=200, deadline=None)
@given(graph=argument_maps(base_scores=True))
def test_dfquad_is_a_fixed_point_in_the_unit_interval(graph):
    result = evaluate(graph, "dfquad")
    assert all(0.0 <= v <= 1.0 for v in strengths(result).values())
    if result.converged:
        dfquad_equations_hold(graph, result, tol=1e-7)


@pytest.fixture(scope="module")
def reference_dfquad():
    pytest.importorskip("argumentation", reason="formal-argumentation is needed")
    from argumentation.gradual.dfquad import dfquad_strengths
    from argumentation.gradual.gradual import WeightedBipolarGraph

    return WeightedBipolarGraph, dfquad_strengths


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=argument_maps(max_premises=1, undercutters=False, base_scores=True, max_links=8))
def test_dfquad_agrees_with_reference_on_plain_bipolar_maps(reference_dfquad, graph):
    # With one premise per link and no undercutters, a link is just an edge from its
    # premise to its conclusion, and the map is a plain bipolar graph. The reference keeps
    # edges as a set, so only the first of several links between two statements is kept.
    weighted_bipolar_graph, dfquad_strengths = reference_dfquad
    kept, edges = [], set()
    for k in graph.links:
        if (k.premises[0], k.conclusion) not in edges:
            edges.add((k.premises[0], k.conclusion))
            kept.append(k)
    graph = ArgumentGraph(map=graph.map, statements=graph.statements, links=tuple(kept))
    reference = dfquad_strengths(
        weighted_bipolar_graph(
            arguments=frozenset(f"s{s.id}" for s in graph.statements),
            initial_weights={f"s{s.id}": s.base_score for s in graph.statements},
            attacks=frozenset(
                (f"s{k.premises[0]}", f"s{k.conclusion}")
                for k in graph.links
                if k.kind == Kind.OPPOSE
            ),
            supports=frozenset(
                (f"s{k.premises[0]}", f"s{k.conclusion}")
                for k in graph.links
                if k.kind == Kind.SUPPORT
            ),
        ),
        tolerance=1e-12,
        max_iterations=1000,
    )
    result = evaluate(graph, "dfquad")
    if not (reference.converged and result.converged):
        return  # on cycles the two iterate differently; compare settled values only
    for s in graph.statements:
        assert result.statements[s.id].strength == pytest.approx(
            reference.strengths[f"s{s.id}"], abs=1e-7
        )
