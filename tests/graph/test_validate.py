"""The whole-map JSON shape and the rules of a map, in plain Python."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.graph import graphjson
from api.graph.errors import FormatError
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.validate import check_graph, merge_duplicate_links, resolve_quote, text_problem

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
