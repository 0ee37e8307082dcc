"""The whole-map JSON shape and the rules of a map, in plain Python."""

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.graph import graphjson
from api.graph.errors import FormatError
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.validate import (
    check_graph,
    check_whole_map_keys,
    is_id,
    link_problems,
    links_in_target_order,
    merge_duplicate_links,
    name_ids,
    resolve_quote,
    text_problem,
    undercut_cycles,
)

SOURCE = "Cats are good pets. They are quiet."


def graph(statements=None, links=None) -> ArgumentGraph:
    statements = statements or (Statement(1, "Claim."), Statement(2, "Reason."))
    links = links if links is not None else (Link(1, Kind.SUPPORT, (2,), conclusion=1),)
    return ArgumentGraph(MapInfo("m", "M", source_text=SOURCE), tuple(statements), tuple(links))


def test_a_good_graph_passes():
    assert check_graph(graph()) is None


@pytest.mark.parametrize(
    ("statements", "links", "pointer"),
    [
        ((Statement(1, "a"), Statement(1, "b")), (), "/statements/1/id"),
        ((Statement(1, ""),), (), "/statements/0/text"),
        ((Statement(1, "a\x07"),), (), "/statements/0/text"),
        ((Statement(1, "a", quote="not there"),), (), "/statements/0/quote"),
        ((Statement(1, "a", quote_start=0, quote_end=99),), (), "/statements/0/quote_start"),
        ((Statement(1, "a", base_score=2.0),), (), "/statements/0/base_score"),
        (None, (Link(1, Kind.SUPPORT, (), conclusion=1),), "/links/0/premises"),
        (None, (Link(1, Kind.SUPPORT, (2, 2), conclusion=1),), "/links/0/premises"),
        (None, (Link(1, Kind.SUPPORT, (9,), conclusion=1),), "/links/0/premises/0"),
        (None, (Link(1, Kind.SUPPORT, (2,)),), "/links/0/conclusion"),
        (None, (Link(1, Kind.SUPPORT, (2,), conclusion=1, target_link=1),), "/links/0/conclusion"),
        (None, (Link(1, Kind.SUPPORT, (1,), conclusion=1),), "/links/0/premises"),
        (None, (Link(1, Kind.OPPOSE, (2,), target_link=1),), "/links/0/target_link"),
        (None, (Link(1, Kind.OPPOSE, (2,), target_link=5),), "/links/0/target_link"),
        (
            None,
            (Link(1, Kind.OPPOSE, (2,), target_link=2), Link(2, Kind.OPPOSE, (1,), target_link=1)),
            "/links/0/target_link",
        ),
        (None, (Link(1, Kind.SUPPORT, (2,), conclusion=1, note="\x00"),), "/links/0/note"),
    ],
)
def test_broken_rules_are_pointed_at(statements, links, pointer):
    with pytest.raises(FormatError) as exc_info:
        check_graph(graph(statements, links))
    assert exc_info.value.pointer == pointer


def test_text_problem_and_resolve_quote():
    assert text_problem("fine\nwith\ttabs") is None
    assert "control character (U+001B)" in text_problem("esc\x1b")
    assert text_problem("  ", required=False) is None
    assert text_problem("abc", max_length=2) == "At most 2 characters (got 3)."
    assert resolve_quote(SOURCE, "They are quiet", None, None) == ("They are quiet", 20, 34)
    assert resolve_quote(SOURCE, "", 0, 4) == ("Cats", 0, 4)
    with pytest.raises(ValueError, match="quote_end"):
        resolve_quote(SOURCE, "", 0, None)


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ([], ""),
        ({}, "/statements"),
        ({"statements": [{"text": "a"}]}, "/statements/0/id"),
        ({"statements": [{"id": "1", "text": "a"}]}, "/statements/0/id"),
        ({"statements": [{"id": True, "text": "a"}]}, "/statements/0/id"),
        ({"statements": [], "links": [{"id": 1, "kind": "x", "premises": []}]}, "/links/0/kind"),
        (
            {"statements": [], "links": [{"id": 1, "kind": "oppose", "premises": ["a"]}]},
            "/links/0/premises/0",
        ),
        ({"map": [], "statements": []}, "/map"),
        ({"map": {"title": 5}, "statements": []}, "/map/title"),
    ],
)
def test_from_dict_points_at_wrong_types(data, pointer):
    with pytest.raises(FormatError) as exc_info:
        graphjson.from_dict(data)
    assert exc_info.value.pointer == pointer
    assert "xpected" in exc_info.value.message


texts = st.text(min_size=1, max_size=40).filter(lambda t: text_problem(t) is None)


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 6))
    statements = tuple(
        Statement(i, draw(texts), attributed_to=draw(st.sampled_from(["", "Putin"])))
        for i in range(1, n + 1)
    )
    links = []
    for link_id in range(1, draw(st.integers(0, 5)) + 1):
        target = draw(st.integers(1, n))
        choices = [i for i in range(1, n + 1) if i != target]
        if not choices:
            break
        premises = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
        kind = draw(st.sampled_from([Kind.SUPPORT, Kind.OPPOSE]))
        if links and draw(st.booleans()):
            links.append(Link(link_id, Kind.OPPOSE, tuple(premises), target_link=links[-1].id))
        else:
            links.append(Link(link_id, kind, tuple(premises), conclusion=target))
    return merge_duplicate_links(ArgumentGraph(MapInfo("m", "M"), statements, tuple(links)))[0]


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_to_dict_from_dict_round_trip(g):
    check_graph(g)
    back = graphjson.from_dict(graphjson.to_dict(g), slug="m")
    assert back.statements == g.statements
    assert back.links == g.links
    assert back.map.title == g.map.title


# --- the link rules, in one place ------------------------------------------------------------


def problems(**overrides):
    fields = {
        "kind": "support",
        "premises": [2],
        "conclusion": 1,
        "target_link": None,
        "statement_known": {1, 2, 3}.__contains__,
        "link_known": {7}.__contains__,
    }
    return link_problems(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("overrides", "where", "message"),
    [
        ({}, None, None),
        ({"kind": "attack"}, "kind", "Must be support or oppose"),
        ({"premises": []}, "premises", "at least one premise"),
        ({"premises": [2, 3, 2]}, "premises", "Statement 2 appears twice"),
        ({"premises": [2, 8]}, "premises/1", "No statement 8 in this map."),
        ({"premises": [8, 9]}, "premises/0", "No statements 8, 9 in this map."),
        ({"conclusion": None}, "conclusion", "exactly one"),
        ({"target_link": 7}, "conclusion", "exactly one"),
        ({"conclusion": 9}, "conclusion", "No statement 9 in this map."),
        ({"premises": [1]}, "premises", "cannot be a premise of a link that targets it"),
        ({"conclusion": None, "target_link": 7}, None, None),
        ({"conclusion": None, "target_link": 8}, "target_link", "No link 8 in this map."),
        ({"conclusion": None, "target_link": 7, "link_id": 7}, "target_link", "itself"),
        ({"note": "\x00"}, "note", "control character"),
        ({"scheme": "x" * 201}, "scheme", "At most 200"),
        ({"note": "x" * 11, "max_lengths": {"link.note": 10}}, "note", "At most 10"),
    ],
)
def test_link_problems(overrides, where, message):
    found = problems(**overrides)
    if where is None:
        assert found == []
    else:
        assert found[0][0] == where
        assert message in found[0][1]


def test_name_ids_counts_right():
    assert name_ids("link", [5]) == "link 5"
    assert name_ids("link", [5, 6]) == "links 5, 6"
    assert name_ids("statement", [1, 2], prefix="#") == "statements #1, #2"


def test_ids_in_range():
    assert is_id(1)
    assert is_id(2**63 - 1)
    assert not is_id(2**63)
    assert not is_id(0)
    assert not is_id(True)
    assert not is_id("5")


def test_duplicate_links_are_refused_naming_both():
    links = (
        Link(1, Kind.SUPPORT, (2, 3), conclusion=1),
        Link(2, Kind.SUPPORT, (3, 2), conclusion=1),
    )
    statements = (Statement(1, "C."), Statement(2, "A."), Statement(3, "B."))
    with pytest.raises(FormatError) as exc_info:
        check_graph(graph(statements, links))
    assert exc_info.value.pointer == "/links/1"
    assert "Link 2 duplicates link 1" in exc_info.value.message


def test_merge_duplicate_links_follows_undercutters():
    statements = (Statement(1, "C."), Statement(2, "A."), Statement(3, "B."))
    links = (
        Link(1, Kind.SUPPORT, (2, 3), conclusion=1),
        Link(2, Kind.SUPPORT, (3, 2), conclusion=1, scheme="Expert", note="n"),
        Link(3, Kind.OPPOSE, (3,), target_link=2),
        Link(4, Kind.OPPOSE, (3,), target_link=1),  # a duplicate once link 3 follows
    )
    merged, notes = merge_duplicate_links(graph(statements, links))
    assert [link.id for link in merged.links] == [1, 3]
    assert merged.links[0].scheme == "Expert"
    assert merged.links[0].note == "n"
    assert merged.links[1].target_link == 1
    assert notes == [
        "Link 2 duplicated link 1 (the same kind, premises and target) and was merged into it.",
        "Link 4 duplicated link 3 (the same kind, premises and target) and was merged into it.",
    ]
    check_graph(merged)
    assert merge_duplicate_links(merged) == (merged, [])


class CountingLink:
    """A link that counts how often its target is read: the cycle walk's steps."""

    reads = 0

    def __init__(self, link: Link) -> None:
        self._link = link

    def __getattr__(self, name):
        return getattr(self._link, name)

    @property
    def target_link(self):
        CountingLink.reads += 1
        return self._link.target_link


def undercutter_chain(n: int, *, reverse: bool = False) -> tuple[Link, ...]:
    chain = [Link(1, Kind.SUPPORT, (2,), conclusion=1)]
    chain += [Link(i, Kind.OPPOSE, (2,), target_link=i - 1) for i in range(2, n + 1)]
    return tuple(reversed(chain) if reverse else chain)


@pytest.mark.parametrize("reverse", [False, True])
def test_the_undercutter_walk_is_linear(reverse):
    n = 3000
    links = tuple(CountingLink(link) for link in undercutter_chain(n, reverse=reverse))
    CountingLink.reads = 0
    check_graph(graph(None, links))
    # Following each link's chain to its end (the old walk) reads n * (n - 1) / 2 targets.
    assert CountingLink.reads <= 5 * n


def test_a_long_cycle_is_found():
    links = (*undercutter_chain(5000)[1:], Link(1, Kind.OPPOSE, (2,), target_link=5000))
    with pytest.raises(FormatError, match="cycle"):
        check_graph(graph(None, links))
    assert undercut_cycles(links) == set(range(1, 5001))


def test_target_order_is_iterative_past_the_recursion_limit():
    n = sys.getrecursionlimit() * 3
    groups = links_in_target_order(undercutter_chain(n, reverse=True))
    assert [[link.id for link in group] for group in groups] == [[i] for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda b: b.pop("links"), "/links"),
        (lambda b: b["map"].pop("version"), "/map/version"),
        (lambda b: b["statements"][0].pop("base_score"), "/statements/0/base_score"),
        (lambda b: b["links"][0].pop("scheme"), "/links/0/scheme"),
        (lambda b: b.update(more=[]), "/more"),
        (lambda b: b["links"][0].update(role="x"), "/links/0/role"),
        (lambda b: b["statements"][0].update(role="x"), "/statements/0/role"),
    ],
)
def test_whole_map_keys(change, pointer):
    body = graphjson.to_dict(graph())
    check_whole_map_keys(body)
    body["map"]["is_private"] = True
    check_whole_map_keys(body)
    change(body)
    with pytest.raises(FormatError) as exc_info:
        check_whole_map_keys(body)
    assert exc_info.value.pointer == pointer


def test_text_problem_refuses_lone_surrogates():
    assert "lone surrogate (U+D800) at position 2" in text_problem("ab\ud800c")
    assert text_problem("emoji \U0001f600 fine") is None
