"""SADFace: atoms with sources at their offsets, schemes as links, and a round trip."""

import json
from pathlib import Path

import pytest

from api.graph.errors import FormatError
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.sadface import parse_sadface, to_sadface
from api.graph.validate import check_graph

DATA = Path(__file__).resolve().parents[1] / "data" / "sadface"


def bridge() -> dict:
    return json.loads((DATA / "bridge.json").read_text("utf-8"))


def test_atoms_become_statements_quoted_at_their_offsets():
    doc = bridge()
    result = parse_sadface(doc)
    graph = result.graph
    check_graph(graph)
    assert graph.map.title == "Close the old bridge?"
    assert graph.map.summary == doc["metadata"]["core"]["description"]
    first, second = (r["content"] for r in doc["resources"])
    assert graph.map.source_text == first + "\n\n" + second
    atoms = [n for n in doc["nodes"] if n["type"] == "atom"]
    assert [s.text for s in graph.statements] == [a["text"] for a in atoms]
    for statement, atom in zip(graph.statements, atoms, strict=True):
        sources = atom["sources"]
        if atom["id"] == "a9":  # its source does not match its resource
            assert statement.quote == ""
            continue
        if not sources:
            assert statement.quote_start is None
            continue
        base = 0 if sources[0]["resource_id"] == "r1" else len(first) + 2
        assert statement.quote_start == base + sources[0]["offset"]
        assert statement.quote == sources[0]["text"]
        assert graph.map.source_text[statement.quote_start : statement.quote_end] == statement.quote
    assert result.left_out == {"scheme": 1, "source that does not match its resource": 1}


def test_schemes_become_links():
    graph = parse_sadface(bridge()).graph
    assert len(graph.statements) == 9
    kinds = [
        (link.kind, link.premises, link.conclusion, link.target_link, link.scheme)
        for link in graph.links
    ]
    assert kinds == [
        (Kind.SUPPORT, (2, 3), 1, None, ""),  # two premises into one scheme: co-premises
        (Kind.OPPOSE, (4,), 1, None, ""),  # conflict
        (Kind.SUPPORT, (5,), 4, None, "Argument from consequences"),
        (Kind.OPPOSE, (6,), None, 1, ""),  # attack on a scheme: an undercutter
        (Kind.SUPPORT, (9,), 2, None, ""),
        (Kind.OPPOSE, (7,), None, 3, ""),
    ]  # and the rephrase scheme is left out


def essay_like_graph() -> ArgumentGraph:
    source = "Cats purr. Purring calms. Dogs bark.\nSome cats scratch."
    return ArgumentGraph(
        map=MapInfo(
            slug="pets",
            title="Pets",
            summary="Which pet?",
            source_title="Notes",
            source_author="Ann",
            source_date="2020-01-02",
            source_url="https://example.org/notes",
            source_text=source,
        ),
        statements=(
            Statement(1, "Cats are good pets."),
            Statement(2, "Cats purr.", quote="Cats purr.", quote_start=0, quote_end=10),
            Statement(3, "Purring calms.", quote="Purring calms.", quote_start=11, quote_end=25),
            Statement(4, "Some cats scratch.", "Some cats scratch.", 37, 55, attributed_to="Bob"),
            Statement(5, "Scratching is rare.", base_score=0.8),
            Statement(6, "Support", quote="", attributed_to=""),
        ),
        links=(
            Link(1, Kind.SUPPORT, (2, 3), conclusion=1, scheme="sign", note="linked"),
            Link(2, Kind.OPPOSE, (4,), conclusion=1),
            Link(3, Kind.OPPOSE, (5,), target_link=2, note="undercut"),
            Link(4, Kind.SUPPORT, (6,), target_link=3, scheme="conflict"),
        ),
    )


def test_export_then_import_is_the_same_map():
    graph = essay_like_graph()
    doc = json.loads(json.dumps(to_sadface(graph)))
    back = parse_sadface(doc)
    assert back.left_out == {}
    assert back.notes == ()
    assert back.graph.statements == graph.statements
    assert back.graph.links == graph.links
    assert back.graph.map.slug == "pets"
    for name in (
        "title",
        "summary",
        "source_title",
        "source_author",
        "source_date",
        "source_url",
        "source_text",
    ):
        assert getattr(back.graph.map, name) == getattr(graph.map, name), name


def test_export_is_plain_sadface():
    doc = to_sadface(essay_like_graph())
    assert doc["metadata"]["core"]["claim"] == "atom-1"
    assert [r["content"] for r in doc["resources"]] == [essay_like_graph().map.source_text]
    atom = next(n for n in doc["nodes"] if n["id"] == "atom-3")
    assert atom["sources"] == [
        {"resource_id": "source", "text": "Purring calms.", "offset": 11, "length": 14}
    ]
    names = [n["name"] for n in doc["nodes"] if n["type"] == "scheme"]
    assert names == ["sign", "conflict", "conflict", "conflict"]
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["source_id"] in ids and e["target_id"] in ids for e in doc["edges"])


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ({"nodes": {}, "edges": []}, "/nodes"),
        ({"nodes": [{"type": "atom", "text": "x"}], "edges": []}, "/nodes/0/id"),
        ({"nodes": [{"id": "a", "type": "atom", "text": "x"}] * 2, "edges": []}, "/nodes/1/id"),
        (
            {
                "nodes": [{"id": "a", "type": "atom", "text": "x"}],
                "edges": [{"id": "e", "source_id": "a", "target_id": "b"}],
            },
            "/edges/0/target_id",
        ),
        ({"nodes": [], "edges": [], "resources": [{"content": "x"}]}, "/resources/0/id"),
    ],
)
def test_broken_documents_point_at_the_fault(doc, pointer):
    with pytest.raises(FormatError) as caught:
        parse_sadface(doc)
    assert caught.value.pointer == pointer


def test_a_scheme_that_repeats_another_is_one_link():
    atom = {"type": "atom", "sources": [], "metadata": {}}
    doc = {
        "nodes": [
            {**atom, "id": "c", "text": "Claim."},
            {**atom, "id": "p", "text": "Premise."},
            {**atom, "id": "q", "text": "Other premise."},
            {**atom, "id": "u", "text": "Undercutter."},
            {"id": "s1", "type": "scheme", "name": "support"},
            {"id": "s2", "type": "scheme", "name": "inference"},
            {"id": "s3", "type": "scheme", "name": "conflict"},
        ],
        "edges": [
            {"id": "1", "source_id": "p", "target_id": "s1"},
            {"id": "2", "source_id": "q", "target_id": "s1"},
            {"id": "3", "source_id": "s1", "target_id": "c"},
            {"id": "4", "source_id": "q", "target_id": "s2"},
            {"id": "5", "source_id": "p", "target_id": "s2"},
            {"id": "6", "source_id": "s2", "target_id": "c"},
            {"id": "7", "source_id": "u", "target_id": "s3"},
            {"id": "8", "source_id": "s3", "target_id": "s2"},
        ],
    }
    result = parse_sadface(doc)
    check_graph(result.graph)
    support, undercut = result.graph.links
    assert (support.premises, support.conclusion) == ((2, 3), 1)
    assert undercut.target_link == support.id
    assert any("kept once" in note for note in result.notes)
