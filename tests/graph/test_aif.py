"""AIF import and export: the sample files in tests/data, edge cases, errors and round trips."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graph.aif import parse_aif, to_aif
from api.graph.errors import FormatError
from api.graph.interchange import ImportResult, clean_text
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from tests.helpers import AIF_SAMPLES, assert_well_formed, canonical, data_file, graphs, squash

S_TYPES = {"RA", "CA", "MA"}


def load_sample(name: str) -> dict:
    return json.loads(data_file(f"aif/{name}").read_text(encoding="utf-8"))


def doc(nodes: list[tuple], edges: list[tuple], **extra) -> dict:
    """Build a small AIF document from (id, type, text) nodes and (from, to) edges."""
    return {
        "nodes": [{"nodeID": i, "type": t, "text": x} for i, t, x in nodes],
        "edges": [{"edgeID": n, "fromID": a, "toID": b} for n, (a, b) in enumerate(edges)],
        **extra,
    }


def texts(result: ImportResult) -> dict[int, str]:
    return {s.id: s.text for s in result.graph.statements}


# ------------------------------------------------------------------- sample files


@pytest.mark.parametrize("path", AIF_SAMPLES, ids=lambda p: p.name)
def test_parse_aif_imports_every_sample_with_counts_from_the_file(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    types = {str(n["nodeID"]): n["type"] for n in data["nodes"]}
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for e in data["edges"]:
        outgoing.setdefault(str(e["fromID"]), []).append(str(e["toID"]))
        incoming.setdefault(str(e["toID"]), []).append(str(e["fromID"]))
    s_nodes = [i for i, t in types.items() if t in S_TYPES]
    # Every S-node in the samples has a premise and exactly one argumentative target,
    # so each one is exactly one link.
    for node in s_nodes:
        assert any(types[src] == "I" for src in incoming.get(node, []))
        assert len([t for t in outgoing.get(node, []) if types[t] in S_TYPES | {"I"}]) == 1

    result = parse_aif(path.read_bytes())

    i_nodes = [n for n in data["nodes"] if n["type"] == "I" and n["text"].strip()]
    assert len(result.graph.statements) == len(i_nodes)
    assert [s.text for s in result.graph.statements] == [n["text"].strip() for n in i_nodes]
    assert len(result.graph.links) == len(s_nodes)
    kinds = Counter(link.kind for link in result.graph.links)
    assert kinds[Kind.OPPOSE] == sum(1 for t in types.values() if t == "CA")
    assert kinds[Kind.SUPPORT] == sum(1 for t in types.values() if t in ("RA", "MA"))
    expected_left_out = Counter(t for t in types.values() if t not in S_TYPES | {"I"})
    assert result.left_out == dict(expected_left_out)
    assert [s.id for s in result.graph.statements] == list(range(1, len(i_nodes) + 1))
    assert [link.id for link in result.graph.links] == list(range(1, len(s_nodes) + 1))
    assert result.graph.map.slug == ""


def test_parse_aif_counts_the_dialogue_nodes_of_test_map10() -> None:
    data = load_sample("test_map10.json")
    result = parse_aif(data)
    counted = Counter(n["type"] for n in data["nodes"])
    assert result.left_out == {"L": counted["L"], "TA": counted["TA"], "YA": counted["YA"]}
    # Hand count of the file, for the record: 22 locutions, 27 illocutions, 11 transitions.
    assert result.left_out == {"L": 22, "TA": 11, "YA": 27}
    assert any("Dialogue nodes" in note for note in result.notes)


def test_parse_aif_attributes_test_map10_statements_to_the_speaker() -> None:
    data = load_sample("test_map10.json")
    result = parse_aif(data)
    # Every I-node is asserted by an L-node "David Davies: ..." through a YA node.
    assert {s.attributed_to for s in result.graph.statements} == {"David Davies"}


def test_parse_aif_maps_rephrases_to_support_links_from_the_rephrase() -> None:
    data = load_sample("test_map10.json")
    result = parse_aif(data)
    by_text = {s.text: s.id for s in result.graph.statements}
    node_text = {n["nodeID"]: n["text"] for n in data["nodes"]}
    rephrases = [link for link in result.graph.links if link.scheme == "rephrase"]
    ma_nodes = [n["nodeID"] for n in data["nodes"] if n["type"] == "MA"]
    assert len(rephrases) == len(ma_nodes) == 3
    expected = set()
    for ma in ma_nodes:
        i_nodes = {n["nodeID"] for n in data["nodes"] if n["type"] == "I"}
        (source,) = [
            e["fromID"] for e in data["edges"] if e["toID"] == ma and e["fromID"] in i_nodes
        ]
        (target,) = [e["toID"] for e in data["edges"] if e["fromID"] == ma]
        expected.add(((by_text[node_text[source]],), by_text[node_text[target]]))
    assert {(link.premises, link.conclusion) for link in rephrases} == expected
    assert all(link.kind == Kind.SUPPORT for link in rephrases)


def test_parse_aif_reads_carneades_s_nodes_by_type_not_text() -> None:
    ten = parse_aif(load_sample("nodeset10.json"))
    (link,) = ten.graph.links
    assert link.kind == Kind.SUPPORT
    assert link.premises == (2, 3, 4)  # three co-premises of one RA node
    assert link.conclusion == 1
    assert link.scheme == ""  # the S-node text is literally "RA"

    five = parse_aif(load_sample("nodeset513.json"))
    opposes = [link for link in five.graph.links if link.kind == Kind.OPPOSE]
    supports = [link for link in five.graph.links if link.kind == Kind.SUPPORT]
    assert len(opposes) == len(supports) == 1
    statement = {s.text: s.id for s in five.graph.statements}
    assert opposes[0].premises == (statement["Non tutti i terroristi sono musulmani"],)
    assert opposes[0].conclusion == statement["TUTTI I TERRORISTI SONO MUSULMANI"]
    assert supports[0].conclusion == statement["Non tutti i terroristi sono musulmani"]


# ------------------------------------------------------------------- mapping rules


def test_parse_aif_reads_the_ova_envelope_with_numeric_ids_and_title() -> None:
    data = {
        "AIF": doc(
            [(1, "I", "p"), (2, "I", "c"), (3, "RA", "Default Inference")], [(1, 3), (3, 2)]
        ),
        "text": "<span>p. c.</span>",
        "title": "A small map",
    }
    result = parse_aif(json.dumps(data))
    assert texts(result) == {1: "p", 2: "c"}
    assert result.graph.links == (Link(id=1, kind=Kind.SUPPORT, premises=(1,), conclusion=2),)
    assert result.graph.map.title == "A small map"


def test_parse_aif_turns_a_ca_on_an_ra_into_an_undercutter() -> None:
    data = doc(
        [
            ("p", "I", "premise"),
            ("c", "I", "conclusion"),
            ("u", "I", "undercutter"),
            ("w", "I", "objection to the undercutter"),
            ("ra", "RA", "Argument From Analogy"),
            ("ca", "CA", "Default Conflict"),
            ("ca2", "CA", "Default Conflict"),
        ],
        [("p", "ra"), ("ra", "c"), ("u", "ca"), ("ca", "ra"), ("w", "ca2"), ("ca2", "ca")],
    )
    links = parse_aif(data).graph.links
    assert links[0] == Link(
        id=1, kind=Kind.SUPPORT, premises=(1,), conclusion=2, scheme="Argument From Analogy"
    )
    assert links[1] == Link(id=2, kind=Kind.OPPOSE, premises=(3,), target_link=1)
    assert links[2] == Link(id=3, kind=Kind.OPPOSE, premises=(4,), target_link=2)


def test_parse_aif_keeps_co_premises_in_edge_order_and_collapses_repeats() -> None:
    data = doc(
        [("a", "I", "A"), ("b", "I", "B"), ("c", "I", "C"), ("r", "RA", "RA")],
        [("b", "r"), ("a", "r"), ("b", "r"), ("r", "c")],
    )
    result = parse_aif(data)
    assert result.graph.links[0].premises == (2, 1)
    assert any("repeats collapsed" in note for note in result.notes)


def test_parse_aif_leaves_out_s_nodes_without_premise_or_target() -> None:
    data = doc(
        [("a", "I", "A"), ("b", "I", "B"), ("r1", "RA", ""), ("r2", "RA", ""), ("c1", "CA", "")],
        [("r1", "b"), ("a", "r2"), ("a", "c1"), ("c1", "r2")],
    )
    result = parse_aif(data)
    assert result.graph.links == ()
    # r1 has no premise, r2 no target, and c1 aims at r2, which was left out.
    assert result.left_out == {"CA": 1, "RA": 2}
    assert any("want of a premise" in note and "r1" in note for note in result.notes)
    assert any("want of a target" in note and "r2" in note for note in result.notes)
    assert any("aimed at was left out" in note and "c1" in note for note in result.notes)


def test_parse_aif_drops_a_self_supporting_ra_and_says_so() -> None:
    data = doc([("a", "I", "A"), ("r", "RA", "")], [("a", "r"), ("r", "a")])
    result = parse_aif(data)
    assert result.graph.links == ()
    assert result.left_out == {"RA": 1}
    assert any("Self-supporting" in note for note in result.notes)


def test_parse_aif_cleans_control_characters_from_text() -> None:
    data = doc(
        [("a", "I", " Tab\there\x00 and\x07 bell\r\nnext line\x1f "), ("e", "I", "\x00 ")], []
    )
    result = parse_aif(data)
    assert texts(result) == {1: "Tab\there and bell\nnext line"}
    assert result.left_out == {"I": 1}


def test_parse_aif_takes_the_speaker_from_locutions_when_the_text_has_none() -> None:
    data = doc(
        [("i", "I", "claim"), ("l", "L", "claim"), ("y", "YA", "Asserting")],
        [("l", "y"), ("y", "i")],
        locutions=[{"nodeID": "l", "personID": 7}],
        participants=[{"participantID": 7, "firstname": "Ada", "surname": "Lovelace"}],
    )
    assert parse_aif(data).graph.statements[0].attributed_to == "Ada Lovelace"
    del data["participants"]
    assert parse_aif(data).graph.statements[0].attributed_to == "person 7"


def test_parse_aif_keeps_named_schemes_and_drops_default_names() -> None:
    data = doc(
        [
            ("a", "I", "A"),
            ("b", "I", "B"),
            ("r1", "RA", "Default Inference"),
            ("r2", "RA", "Argument From Expert Opinion"),
            ("m", "MA", "Specialisation"),
        ],
        [("a", "r1"), ("r1", "b"), ("a", "r2"), ("r2", "b"), ("b", "m"), ("m", "a")],
    )
    schemes = [link.scheme for link in parse_aif(data).graph.links]
    assert schemes == ["", "Argument From Expert Opinion", "rephrase: Specialisation"]


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("data", "pointer", "line", "column", "says"),
    [
        (b'{"nodes": [}', None, 1, 12, "expected JSON"),
        ('{\n  "nodes": [\n    {"nodeID": 1,, }\n]}', None, 3, 18, "expected JSON"),
        (b'{"nodes": "\xff"}', None, 1, 12, "expected UTF-8"),
        ("[]", "", None, None, "expected a JSON object"),
        ('{"edges": []}', "/nodes", None, None, "missing 'nodes'"),
        ('{"nodes": {}, "edges": []}', "/nodes", None, None, "expected 'nodes' to be an array"),
        ('{"nodes": [{"type": "I"}], "edges": []}', "/nodes/0/nodeID", None, None, "nodeID"),
        (
            '{"nodes": [{"nodeID": "1", "type": "I"}, {"nodeID": "2"}], "edges": []}',
            "/nodes/1/type",
            None,
            None,
            "missing 'type'",
        ),
        (
            '{"nodes": [{"nodeID": "1", "type": "I"}, {"nodeID": 1, "type": "I"}], "edges": []}',
            "/nodes/1/nodeID",
            None,
            None,
            "duplicate nodeID",
        ),
        ('{"nodes": []}', "/edges", None, None, "missing 'edges'"),
        (
            '{"nodes": [{"nodeID": "1", "type": "I"}], "edges": [{"fromID": "1", "toID": "9"}]}',
            "/edges/0/toID",
            None,
            None,
            "unknown node '9'",
        ),
        ('{"AIF": {"edges": []}}', "/AIF/nodes", None, None, "missing 'nodes'"),
        (
            '{"nodes": [{"nodeID": true, "type": "I"}], "edges": []}',
            "/nodes/0/nodeID",
            None,
            None,
            "found a boolean",
        ),
    ],
)
def test_parse_aif_rejects_bad_input_with_its_place(data, pointer, line, column, says) -> None:
    with pytest.raises(FormatError) as caught:
        parse_aif(data)
    error = caught.value
    assert (error.pointer, error.line, error.column) == (pointer, line, column)
    assert says in error.message
    assert "expected" in error.message


def test_format_error_reads_well() -> None:
    error = FormatError("expected ':' but found 'x'", line=4, column=7)
    assert str(error) == "line 4, column 7: expected ':' but found 'x'"
    assert (error.message, error.pointer, error.line, error.column) == (
        "expected ':' but found 'x'",
        None,
        4,
        7,
    )
    assert str(FormatError("missing", pointer="/nodes/3/type")) == "at /nodes/3/type: missing"


# ------------------------------------------------------------------- export


def small_graph() -> ArgumentGraph:
    return ArgumentGraph(
        map=MapInfo(slug="m", title="Talks"),
        statements=(
            Statement(id=10, text="Japan wants the islands", attributed_to="Abe"),
            Statement(id=20, text="Russia will not give them", attributed_to="Putin: himself"),
            Statement(id=30, text="No treaty soon"),
        ),
        links=(
            Link(id=1, kind=Kind.SUPPORT, premises=(10, 20), conclusion=30, note="linked"),
            Link(id=2, kind=Kind.OPPOSE, premises=(10,), target_link=1),
            Link(id=3, kind=Kind.SUPPORT, premises=(30,), conclusion=20, scheme="rephrase"),
        ),
    )


def test_to_aif_writes_what_aifdb_reads() -> None:
    out = to_aif(small_graph())
    assert out["locutions"] == []
    assert all(isinstance(n["nodeID"], str) for n in out["nodes"])
    assert all(isinstance(e[k], str) for e in out["edges"] for k in ("edgeID", "fromID", "toID"))
    types = Counter(n["type"] for n in out["nodes"])
    assert types == {"I": 3, "RA": 1, "CA": 1, "MA": 1, "L": 2, "YA": 2}
    by_type = {n["type"]: n for n in out["nodes"]}
    assert by_type["RA"]["text"] == "Default Inference"
    assert by_type["CA"]["text"] == "Default Conflict"
    assert by_type["MA"]["text"] == "Default Rephrase"
    locutions = sorted(n["text"] for n in out["nodes"] if n["type"] == "L")
    assert locutions == [
        "Abe: Japan wants the islands",
        "Putin: himself: Russia will not give them",
    ]
    ca = by_type["CA"]["nodeID"]
    (ca_target,) = [e["toID"] for e in out["edges"] if e["fromID"] == ca]
    assert ca_target == by_type["RA"]["nodeID"]


def test_parse_aif_reads_back_to_aif() -> None:
    graph = small_graph()
    result = parse_aif(json.dumps(to_aif(graph)))
    back = result.graph
    assert [(s.text, s.attributed_to) for s in back.statements] == [
        (s.text, s.attributed_to) for s in graph.statements
    ]
    assert back.links == (
        Link(id=1, kind=Kind.SUPPORT, premises=(1, 2), conclusion=3, note="linked"),
        Link(id=2, kind=Kind.OPPOSE, premises=(1,), target_link=1),
        Link(id=3, kind=Kind.SUPPORT, premises=(3,), conclusion=2, scheme="rephrase"),
    )
    assert back.map.title == "Talks"


@pytest.mark.parametrize("path", AIF_SAMPLES, ids=lambda p: p.name)
def test_samples_survive_an_aif_round_trip(path: Path) -> None:
    first = parse_aif(path.read_bytes()).graph
    second = parse_aif(to_aif(first)).graph
    assert second.statements == first.statements
    assert second.links == first.links


# ------------------------------------------------------------------- round trips


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_parse_aif_of_to_aif_keeps_every_statement_and_link(graph: ArgumentGraph) -> None:
    result = parse_aif(json.dumps(to_aif(graph)))
    assert canonical(result.graph) == canonical(graph)
    assert result.graph.map.title == squash(graph.map.title)


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_clean_text_leaves_no_control_characters(value: str) -> None:
    cleaned = clean_text(value)
    assert cleaned == cleaned.strip()
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned)
    assert "\r" not in cleaned


_node = st.fixed_dictionaries(
    {
        "nodeID": st.sampled_from(["1", "2", "3", 1, 4]),
        "type": st.sampled_from(["I", "RA", "CA", "MA", "L", "YA", "TA", "PA"]),
        "text": st.sampled_from(["", "a", "Speaker: b", "RA", "\x00"]),
    }
)
_edge = st.fixed_dictionaries(
    {"fromID": st.sampled_from(["1", "2", "3", "4"]), "toID": st.sampled_from(["1", "2", "3"])}
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({"nodes": st.lists(_node, max_size=6), "edges": st.lists(_edge)}))
def test_parse_aif_returns_a_well_formed_graph_or_a_located_error(data: dict) -> None:
    try:
        result = parse_aif(data)
    except FormatError as error:
        pointer = error.pointer
    else:
        assert_well_formed(result.graph)
        return
    assert pointer


def test_api_graph_interchange_does_not_import_django() -> None:
    code = (
        "import sys, api.graph.aif, api.graph.argdown, api.graph.interchange, api.graph.errors;"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
