"""Argumentative microtexts (<arggraph> XML): ADUs, quotes, every edge type."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from api.graph.errors import FormatError
from api.graph.microtexts import OPPONENT, parse_microtext
from api.graph.model import Kind, Role
from api.graph.validate import check_graph

DATA = Path(__file__).resolve().parents[1] / "data" / "microtexts"
CORPUS = sorted(p for p in DATA.glob("micro_*.xml"))


def read(name: str, *, with_text: bool = True):
    xml = DATA / name
    text = xml.with_suffix(".txt")
    return parse_microtext(
        xml.read_bytes(), source_text=text.read_text("utf-8") if with_text else None
    )


def counts_in_file(path: Path) -> dict[str, int]:
    """What the XML itself says there is: the expected counts, computed independently."""
    root = ET.parse(path).getroot()
    edges = root.findall("edge")
    types = [e.get("type") for e in edges]
    return {
        "statements": len(root.findall("adu")),
        "support": types.count("sup") + types.count("exa"),
        "oppose": types.count("reb") + types.count("und"),
        "undercutters": types.count("und"),
        "co-premises": types.count("add"),
    }


def counts_in_map(graph) -> dict[str, int]:
    return {
        "statements": len(graph.statements),
        "support": sum(link.kind == Kind.SUPPORT for link in graph.links),
        "oppose": sum(link.kind == Kind.OPPOSE for link in graph.links),
        "undercutters": sum(link.target_link is not None for link in graph.links),
        "co-premises": sum(len(link.premises) - 1 for link in graph.links),
    }


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_texts_keep_every_unit_and_edge_with_verbatim_quotes(path):
    result = read(path.name)
    graph = result.graph
    check_graph(graph)
    assert counts_in_map(graph) == counts_in_file(path)
    source = path.with_suffix(".txt").read_text("utf-8")
    assert graph.map.source_text == source
    edus = [e.text for e in ET.parse(path).getroot().findall("edu")]
    for statement, edu in zip(graph.statements, edus, strict=True):
        assert statement.quote == edu
        assert source[statement.quote_start : statement.quote_end] == edu
    assert result.left_out == {}
    assert graph.map.slug == path.stem
    assert path.stem in graph.map.source_title
    root = ET.parse(path).getroot()
    assert root.get("topic_id") in graph.map.summary
    assert f"Stance: {root.get('stance')}" in graph.map.summary


def test_b001_undercutter_with_an_added_premise():
    graph = read("micro_b001.xml").graph
    rebuttal, support, undercut = graph.links
    assert (rebuttal.kind, rebuttal.premises, rebuttal.conclusion) == (Kind.OPPOSE, (1,), 5)
    assert (support.kind, support.premises, support.conclusion) == (Kind.SUPPORT, (2,), 1)
    # a3 undercuts c1 (the rebuttal) and a4 is added to that undercut as a co-premise.
    assert (undercut.kind, undercut.premises, undercut.target_link) == (Kind.OPPOSE, (3, 4), 1)
    assert [s.attributed_to for s in graph.statements] == [OPPONENT, OPPONENT, "", "", ""]
    assert graph.role(5) == Role.MAIN_CONCLUSION


def test_joint_example_undercut_of_an_undercut_and_restated_unit():
    result = read("own_school_start.xml")
    graph = result.graph
    check_graph(graph)
    assert counts_in_map(graph) == counts_in_file(DATA / "own_school_start.xml")
    source = graph.map.source_text
    claim, joint, _example, buses, district, change, money = graph.statements
    # The joint of e2 and e3 is one statement quoting both, verbatim.
    assert joint.quote == "Teenagers sleep too little when lessons begin at eight."
    assert source[joint.quote_start : joint.quote_end] == joint.quote
    # a1 is stated twice (e1 and e9): its text has both, its quote the first passage.
    assert claim.text == "Schools should start later in the morning. So: start school later!"
    assert claim.quote == "Schools should start later in the morning."
    assert any("not adjacent" in note for note in result.notes)
    sup, exa, und, und_of_und, reb = graph.links
    assert (exa.kind, exa.scheme, exa.conclusion) == (Kind.SUPPORT, "example", joint.id)
    assert und.target_link == sup.id
    assert und.premises == (buses.id,)
    assert und_of_und.target_link == und.id
    assert und_of_und.premises == (district.id, change.id)  # add: a further co-premise
    assert (reb.kind, reb.premises, reb.conclusion) == (Kind.OPPOSE, (money.id,), change.id)
    assert buses.attributed_to == money.attributed_to == OPPONENT
    assert [s.id for s in graph.statements if graph.role(s.id) == Role.MAIN_CONCLUSION] == [1]


def test_without_a_text_file_the_edus_joined_are_the_source_text():
    graph = read("own_no_text.xml", with_text=False).graph
    assert graph.map.source_text == (
        "Cities should plant more trees. Trees cool the streets in summer, and shade saves "
        "energy. Roots can break the pavement. Well-chosen species have deep roots."
    )
    for s in graph.statements:
        assert graph.map.source_text[s.quote_start : s.quote_end] == s.quote == s.text
    assert counts_in_map(graph) == counts_in_file(DATA / "own_no_text.xml")


def test_a_text_file_that_does_not_hold_the_edus_is_replaced_by_the_edus():
    result = parse_microtext(
        (DATA / "micro_b002.xml").read_bytes(), source_text="Something else entirely."
    )
    assert result.graph.map.source_text.startswith("One can hardly move")
    assert any("not in" in note for note in result.notes)
    check_graph(result.graph)


ARG = '<arggraph id="t"><edu id="e1">A.</edu><edu id="e2">B.</edu>{}</arggraph>'
UNITS = (
    '<adu id="a1" type="pro"/><adu id="a2" type="pro"/>'
    '<edge id="s1" src="e1" trg="a1" type="seg"/><edge id="s2" src="e2" trg="a2" type="seg"/>'
)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<root/>", "<arggraph>"),
        ("<arggraph", "expected XML"),
        (ARG.format(UNITS + '<edge id="c1" src="a1" trg="a2" type="bogus"/>'), "bogus"),
        (ARG.format(UNITS + '<edge id="c1" src="a1" type="sup"/>'), "'trg'"),
        (ARG.format('<adu id="a1" type="maybe"/>'), "pro or opp"),
        (ARG.format(UNITS + '<adu id="a1" type="pro"/>'), "used twice"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><arggraph id="t"/>', "refused XML"),
    ],
)
def test_broken_files_are_refused(xml, message):
    with pytest.raises(FormatError, match=message):
        parse_microtext(xml)


def test_edges_to_nothing_are_left_out_with_what_attacks_them():
    xml = ARG.format(
        UNITS
        + '<edge id="c1" src="a1" trg="zz" type="sup"/>'  # points at nothing
        + '<edge id="c2" src="a2" trg="c1" type="und"/>'  # attacks the dropped edge
        + '<edge id="c3" src="a2" trg="a1" type="sup"/>'
        + '<edge id="c4" src="a1" trg="c9" type="add"/>'  # adds to nothing
        + "<comment>free text</comment>"
    )
    result = parse_microtext(xml)
    assert len(result.graph.links) == 1
    assert result.left_out == {
        "<comment> element": 1,
        "add edge": 1,
        "sup edge": 1,
        "und edge": 1,
    }
    check_graph(result.graph)


def test_many_added_premises_are_each_kept_once():
    units = "".join(f'<edu id="e{i}">Unit {i}.</edu>' for i in range(1, 2_001))
    units += "".join(f'<adu id="a{i}" type="pro"/>' for i in range(1, 2_001))
    units += "".join(f'<edge id="s{i}" src="e{i}" trg="a{i}" type="seg"/>' for i in range(1, 2_001))
    units += '<edge id="c1" src="a2" trg="a1" type="sup"/>'
    units += "".join(f'<edge id="d{i}" src="a{i}" trg="c1" type="add"/>' for i in range(3, 2_001))
    units += '<edge id="d0" src="a3" trg="c1" type="add"/>'  # the same premise again
    graph = parse_microtext(f'<arggraph id="big">{units}</arggraph>').graph
    (link,) = graph.links
    assert link.premises == tuple(range(2, 2_001))
    check_graph(graph)
