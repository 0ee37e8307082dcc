"""Tests of api.graph.dot: the DOT text, its determinism and safety, and neighbourhood().

Pure tests: no database. The safety tests render with the real ``dot`` and read the SVG as
XML; they are skipped when Graphviz is not installed.
"""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graph.dot import DiagramOptions, clean_text, link_endpoints, neighbourhood, to_dot
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.text import neutralize_bidi
from tests.dot_helpers import edges, graph_attributes, nodes

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt install graphviz)"
)


def small_graph(order=lambda items: items) -> ArgumentGraph:
    """1 is the main conclusion; 2 supports it; 3 and 4 are co-premises for it; 5 opposes
    it; 6 undercuts the 2 -> 1 inference."""
    statements = [
        Statement(1, "We should plant trees."),
        Statement(2, "Trees give shade.", attributed_to="Ann"),
        Statement(3, "Trees absorb CO2.", quote="trees absorb carbon"),
        Statement(4, "CO2 warms the planet."),
        Statement(5, "Trees cost money."),
        Statement(6, "Shade is not needed here."),
    ]
    links = [
        Link(1, Kind.SUPPORT, (2,), conclusion=1),
        Link(2, Kind.SUPPORT, (3, 4), conclusion=1),
        Link(3, Kind.OPPOSE, (5,), conclusion=1),
        Link(4, Kind.OPPOSE, (6,), target_link=1),
    ]
    return ArgumentGraph(
        map=MapInfo(slug="trees", title="Trees"),
        statements=tuple(order(statements)),
        links=tuple(order(links)),
    )


SUPPORT = {"color": "#009E73", "style": "solid", "arrowhead": "normal"}
OPPOSE = {"color": "#D55E00", "style": "dashed", "arrowhead": "tee", "arrowsize": "1.1"}
PREMISE_EDGE = {"color": "#009E73", "style": "solid", "arrowhead": "none"}
JUNCTION = {
    "shape": "point",
    "width": "0.11",
    "height": "0.11",
    "style": "filled",
    "color": "#009E73",
    "fillcolor": "#009E73",
}
MAIN = {
    "fontname": "Helvetica-Bold",
    "fontsize": "13",
    "penwidth": "3",
    "color": "#0B3C5D",
    "fillcolor": "#DCEBF7",
}


def test_to_dot_small_graph_nodes_and_edges():
    dot = to_dot(small_graph(), DiagramOptions())
    assert dot.startswith("digraph argmap {\n")
    assert graph_attributes(dot) == {
        "charset": "UTF-8",
        "newrank": "true",
        "nodesep": "0.3",
        "ranksep": "0.3",
        "pad": "0.3",
        "margin": "0",
        "fontname": "Helvetica",
        "fontsize": "16",
        "bgcolor": "white",
        "rankdir": "BT",
        "labelloc": "t",
        "labeljust": "c",
        "label": "Trees",
    }
    assert nodes(dot) == {
        "s1": {"label": "We should plant trees.", **MAIN},
        "s2": {"label": "Trees give shade.\\n— Ann"},
        "s3": {"label": "Trees absorb CO2."},
        "s4": {"label": "CO2 warms the planet."},
        "s5": {"label": "Trees cost money."},
        "s6": {"label": "Shade is not needed here."},
        "l1": JUNCTION,
        "l2": JUNCTION,
    }
    assert edges(dot) == [
        ("s2", "l1", PREMISE_EDGE),
        ("l1", "s1", SUPPORT),
        ("s3", "l2", PREMISE_EDGE),
        ("s4", "l2", PREMISE_EDGE),
        ("l2", "s1", SUPPORT),
        ("s5", "s1", {**OPPOSE, "minlen": "2"}),
        ("s6", "l1", OPPOSE),
    ]
    assert "\t{\n\t\trank=max\n\t\ts1\n\t}\n" in dot  # the main conclusion on top


def test_to_dot_default_options_are_diagram_options_defaults():
    assert to_dot(small_graph()) == to_dot(small_graph(), DiagramOptions())


def test_to_dot_single_premise_link_is_a_direct_edge_when_not_undercut():
    dot = to_dot(small_graph())
    assert ("s5", "s1", {**OPPOSE, "minlen": "2"}) in edges(dot)
    assert "l3" not in nodes(dot)


def test_to_dot_co_premises_meet_in_one_junction_with_one_arrow_to_the_target():
    found = edges(to_dot(small_graph()))
    assert ("s3", "l2", PREMISE_EDGE) in found
    assert ("s4", "l2", PREMISE_EDGE) in found
    assert [edge for edge in found if edge[0] == "l2"] == [("l2", "s1", SUPPORT)]


def test_to_dot_undercutter_points_at_the_junction_of_the_link_it_attacks():
    dot = to_dot(small_graph())
    assert nodes(dot)["l1"] == JUNCTION  # link 1 has one premise but is undercut
    assert ("s6", "l1", OPPOSE) in edges(dot)


def test_undercutters_of_different_links_never_share_a_junction():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=tuple(Statement(i, f"s{i}") for i in range(1, 7)),
        links=(
            Link(1, Kind.SUPPORT, (2,), conclusion=1),
            Link(2, Kind.SUPPORT, (3,), conclusion=1),
            Link(3, Kind.OPPOSE, (4,), target_link=1),
            Link(4, Kind.OPPOSE, (5,), target_link=2),
            Link(5, Kind.OPPOSE, (6,), target_link=1),
        ),
    )
    heads = {tail: head for tail, head, _ in edges(to_dot(graph)) if tail in ("s4", "s5", "s6")}
    assert heads == {"s4": "l1", "s5": "l2", "s6": "l1"}
    focused = to_dot(neighbourhood(graph, 5, 2))
    assert {tail: head for tail, head, _ in edges(focused) if tail == "s5"} == {"s5": "l2"}


def test_to_dot_support_and_oppose_differ_in_colour_line_style_and_arrowhead():
    found = edges(to_dot(small_graph()))
    assert ("l2", "s1", SUPPORT) in found
    assert ("s5", "s1", {**OPPOSE, "minlen": "2"}) in found


def test_to_dot_quotes_hang_under_their_statement_when_asked():
    without = to_dot(small_graph(), DiagramOptions(quotes=False))
    assert "q3" not in without
    dot = to_dot(small_graph(), DiagramOptions(quotes=True))
    assert nodes(dot)["q3"] == {
        "label": "“trees absorb carbon”",
        "shape": "note",
        "style": "filled",
        "fillcolor": "#F7F7F7",
        "color": "#AAAAAA",
        "fontcolor": "#5F5F5F",
        "fontsize": "10",
        "penwidth": "0.8",
        "margin": "0.1,0.05",
    }
    assert ("q3", "s3", {"style": "dotted", "color": "#999999", "arrowhead": "none",
                         "penwidth": "1", "weight": "4"}) in edges(dot)  # fmt: skip
    assert "q1" not in nodes(dot)  # statement 1 has no quote


def test_the_legend_names_a_statement_linked_to_nothing_only_when_one_is_drawn():
    assert "legend_unlinked" not in to_dot(small_graph(), DiagramOptions(legend=True))
    graph = small_graph()
    alone = dataclasses.replace(graph, statements=(*graph.statements, Statement(99, "Alone")))
    dot = to_dot(alone, DiagramOptions(legend=True))
    assert "dashed" in nodes(dot)["legend_unlinked"]["style"]


def test_to_dot_legend_is_a_cluster_when_asked():
    assert "cluster_legend" not in to_dot(small_graph())
    dot = to_dot(small_graph(), DiagramOptions(legend=True))
    assert "\tsubgraph cluster_legend {\n" in dot
    legend = {(tail, head): attrs for tail, head, attrs in edges(dot)}
    assert legend[("legend_reason", "legend_main")]["color"] == "#009E73"
    assert legend[("legend_objection", "legend_main")]["style"] == "dashed"
    # An objection to the inference meets the step it attacks in a dot, as in the drawing.
    assert legend[("legend_undercutter", "legend_step")]["color"] == "#D55E00"
    assert legend[("legend_step_reason", "legend_step")]["arrowhead"] == "none"
    assert legend[("legend_co1", "legend_junction")]["arrowhead"] == "none"
    found = nodes(dot)
    assert found["legend_step"]["shape"] == found["legend_junction"]["shape"] == "point"
    assert "marks the step from" in found["legend_dots"]["label"]
    assert "vermillion and dashed" in found["legend_dots"]["label"]
    assert "legend_quote" not in dot
    assert "legend_centre" not in dot
    assert "legend_quote" in to_dot(small_graph(), DiagramOptions(legend=True, quotes=True))


@pytest.mark.parametrize("direction", ["BT", "TB", "LR", "RL"])
def test_to_dot_sets_rankdir_from_direction(direction):
    dot = to_dot(small_graph(), DiagramOptions(direction=direction))
    assert graph_attributes(dot)["rankdir"] == direction
    assert nodes(dot) == nodes(to_dot(small_graph()))


def test_to_dot_wraps_text_at_the_given_width():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="M"),
        statements=(Statement(1, "alpha beta gamma delta epsilon zeta eta theta"),),
    )
    dot = to_dot(graph, DiagramOptions(wrap=12, title=False))
    assert nodes(dot)["s1"]["label"] == "alpha beta\\ngamma delta\\nepsilon zeta\\neta theta"


def test_to_dot_counts_wide_characters_twice_and_breaks_long_words():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=(
            Statement(1, "日本とロシアの平和条約"),
            Statement(2, "see https://x.org/abcdef ok"),
        ),
    )
    found = nodes(to_dot(graph, DiagramOptions(wrap=10)))
    assert found["s1"]["label"] == "日本とロシ\\nアの平和条\\n約"
    assert found["s2"]["label"] == "see https:\\n//x.org/ab\\ncdef ok"


def test_to_dot_fill_focus_and_legend_extra():
    options = DiagramOptions(
        fill={2: "#CCEBC5", 5: "lightgrey"},
        focus=3,
        legend=True,
        legend_extra=(("accepted", "#CCEBC5"), ('rejected "x"', "#FBB4AE")),
    )
    found = nodes(to_dot(small_graph(), options))
    assert found["s2"] == {"label": "Trees give shade.\\n— Ann", "fillcolor": "#CCEBC5"}
    assert found["s5"] == {"label": "Trees cost money.", "fillcolor": "lightgrey"}
    assert found["s3"] == {"label": "Trees absorb CO2.", "peripheries": "2"}
    assert found["legend_centre"]["peripheries"] == "2"  # the legend names the centre
    assert found["legend_extra0"] == {"label": "accepted", "fillcolor": "#CCEBC5", "fontsize": "10"}
    assert found["legend_extra1"] == {
        "label": 'rejected \\"x\\"',
        "fillcolor": "#FBB4AE",
        "fontsize": "10",
    }


def test_numbers_put_each_statements_number_first_in_its_box():
    found = nodes(to_dot(small_graph(), DiagramOptions(numbers=True, wrap=40)))
    for sid in range(1, 7):
        assert found[f"s{sid}"]["label"].startswith(f"#{sid} ")
    assert found["s2"]["label"] == "#2 Trees give shade.\\n— Ann"
    assert not any("#" in n["label"] for n in nodes(to_dot(small_graph())).values() if "label" in n)


def test_min_font_raises_every_font_size():
    dot = to_dot(small_graph(), DiagramOptions(legend=True, quotes=True, min_font=12))
    sizes = [float(v) for v in re.findall(r"fontsize=\"?([\d.]+)", dot)]
    assert sizes
    assert min(sizes) == 12


def test_to_dot_title_can_be_left_out():
    assert 'label="Trees"' not in to_dot(small_graph(), DiagramOptions(title=False))


def test_to_dot_marks_unlinked_statements():
    graph = ArgumentGraph(map=MapInfo(slug="m", title=""), statements=(Statement(7, "alone"),))
    assert nodes(to_dot(graph))["s7"] == {
        "label": "alone",
        "fillcolor": "#F2F2F2",
        "style": "rounded,filled,dashed",
    }


def test_to_dot_skips_edges_to_statements_or_links_not_in_the_graph():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=(Statement(1, "a"), Statement(2, "b")),
        links=(
            Link(1, Kind.SUPPORT, (2,), conclusion=99),
            Link(2, Kind.OPPOSE, (1,), target_link=98),
            Link(3, Kind.SUPPORT, (1, 97), conclusion=2),
        ),
    )
    dot = to_dot(graph)
    assert "99" not in dot
    assert "98" not in dot
    assert "97" not in dot
    assert "s1 -> l3" in dot


@pytest.mark.parametrize(
    "kwargs",
    [
        {"direction": "up"},
        {"wrap": 9},
        {"wrap": 201},
        {"wrap": 40.5},
        {"min_font": 49},
        {"fill": {1: "red; evil"}},
        {"fill": {1: '#FFF" fontname="x'}},
        {"legend_extra": (("x", "#12"),)},
        {"legend_extra": (("x",),)},
    ],
)
def test_diagram_options_rejects_bad_values(kwargs):
    with pytest.raises(ValueError, match=r"."):
        DiagramOptions(**kwargs)


def test_diagram_options_is_hashable_and_compares_fill():
    a = DiagramOptions(fill={1: "red"})
    assert a == DiagramOptions(fill={1: "red"})
    assert a != DiagramOptions(fill={1: "blue"})
    assert hash(a) == hash(DiagramOptions(fill={1: "blue"}))


# --- determinism ---------------------------------------------------------------------------


def test_to_dot_is_byte_identical_on_repeated_calls():
    options = DiagramOptions(quotes=True, legend=True)
    assert to_dot(small_graph(), options) == to_dot(small_graph(), options)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_to_dot_ignores_the_order_statements_and_links_were_given_in(seed):
    rng = random.Random(seed)

    def shuffled(items):
        items = list(items)
        rng.shuffle(items)
        return items

    options = DiagramOptions(quotes=True, legend=True, fill={1: "red", 4: "blue"})
    assert to_dot(small_graph(shuffled), options) == to_dot(small_graph(), options)


def test_to_dot_is_the_same_in_another_interpreter_with_other_hash_seeds():
    code = (
        "from tests.graph.test_dot import small_graph;"
        "from api.graph.dot import to_dot, DiagramOptions;"
        "import sys; sys.stdout.write(to_dot(small_graph(), "
        "DiagramOptions(quotes=True, legend=True, fill={4: 'red', 1: 'blue'})))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"},
            cwd=_repo_root(),
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(runs) == 1


def _repo_root():
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])


def test_graph_package_does_not_import_django():
    code = (
        "import sys, api.graph.dot, api.graph.render;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


# --- text cleaning and escaping ------------------------------------------------------------


def test_clean_text_removes_controls_and_collapses_whitespace():
    assert clean_text("a\x00b\tc\nd\r\ne\x1b[31m\x7f\x85f\u2028g\ufffe", 100) == "ab c d e[31m f g"


def test_clean_text_cuts_long_text_with_an_ellipsis():
    cleaned = clean_text("word " * 2000, 600)
    assert len(cleaned) <= 600
    assert cleaned.endswith("word…")
    assert clean_text("x" * 10_000, 600) == "x" * 599 + "…"


@pytest.mark.parametrize(
    ("text", "limit", "shortened"),
    [
        # The slide's own case: never "intensifi…".
        ("the dialogue has intensified over recent months", 25, "the dialogue has…"),
        ("one two three", 8, "one two…"),  # the cut falls just after a word
        ("one two three", 9, "one two…"),  # on the space after it
        ("one twothree", 9, "one…"),  # inside a word, however long the word kept before
        ("extraordinarily long", 10, "extraordi…"),  # one word: cut between letters
        ("日本とロシアの平和条約", 6, "日本とロシ…"),  # no spaces: between characters
    ],
)  # fmt: skip
def test_a_shortened_text_ends_at_a_word_boundary(text, limit, shortened):
    assert clean_text(text, limit) == shortened
    assert len(shortened) <= limit


def test_to_dot_escapes_quotes_backslashes_and_ampersands():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=(Statement(1, 'say "hi" \\N \\l &lt; &#1;\\'),),
    )
    dot = to_dot(graph, DiagramOptions(title=False))
    assert nodes(dot)["s1"]["label"] == 'say \\"hi\\" \\\\N \\\\l &amp;lt; &amp;#1;\\\\'


# --- rendering hostile text with the real dot ----------------------------------------------

HOSTILE = [
    '"]; evil [label="x',
    '"]; s2 [shape=none image="/etc/passwd"]; x [label="',
    "\\N \\G \\l \\\\ \\E \\T \\H \\L \\n \\",
    '<img src="/etc/passwd"/>',
    '<<table href="javascript:alert(1)"><tr><td>x</td></tr></table>>',
    "<script>alert(1)</script>",
    "line one\nline two\r\nline three\ttabbed",
    "nul\x00byte and \x1b escape and \x7f delete",
    "&lt;script&gt; &#60;b&#62; &#1; &amp;",
    "مرحبا بالعالم — الحجة الرئيسية",
    "日本とロシアの平和条約交渉は北方領土問題を解決するかもしれない。",
    "x" * 10_000,
    "\\",
]


def _svg(dot_source: str) -> ET.Element:
    from api.graph.render import render

    svg = render(dot_source, "svg")
    return ET.fromstring(svg)


def _node_texts(root: ET.Element) -> dict[str, str]:
    """Node id (from <title>) -> its <text> elements joined by spaces."""
    texts = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        title = group.find(f"{SVG}title")
        parts = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
        texts[title.text] = " ".join(parts)
    return texts


def _assert_inert(root: ET.Element) -> None:
    for element in root.iter():
        tag = element.tag.split("}")[-1].lower()
        assert tag not in ("script", "image", "foreignobject", "iframe", "object", "embed")
        for name, value in element.attrib.items():
            assert "javascript:" not in value.lower()
            assert not name.lower().startswith("on")
            if name.split("}")[-1] == "href":
                assert not value.startswith(("file:", "/"))
                assert "passwd" not in value


def _squash(text: str) -> str:
    return "".join(text.split())


@needs_dot
@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_rendered_svg_shows_hostile_text_as_plain_text(text):
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=text),
        statements=(
            Statement(1, text, quote=text, attributed_to=text),
            Statement(2, "plain"),
        ),
        links=(Link(1, Kind.SUPPORT, (2,), conclusion=1),),
    )
    root = _svg(to_dot(graph, DiagramOptions(quotes=True, legend=True)))
    _assert_inert(root)
    texts = _node_texts(root)
    assert set(texts) >= {"s1", "s2", "q1"}  # no node injected, none lost
    assert not any(name.startswith(("evil", "x")) for name in texts)
    shown = clean_text(text, 600)
    assert shown  # every hostile string leaves something to show
    expected = _squash(shown) + (_squash("— " + clean_text(text, 80)))
    assert _squash(texts["s1"]) == expected
    assert _squash(texts["q1"]) == _squash("“" + clean_text(text, 400) + "”")
    assert texts["s2"] == "plain"


@needs_dot
def test_rendered_svg_keeps_graphviz_escapes_literal():
    graph = ArgumentGraph(map=MapInfo(slug="m", title=""), statements=(Statement(1, r"\N \G \L"),))
    texts = _node_texts(_svg(to_dot(graph)))
    assert texts["s1"] == r"\N \G \L"


@needs_dot
def test_rendered_svg_cuts_very_long_text():
    graph = ArgumentGraph(map=MapInfo(slug="m", title=""), statements=(Statement(1, "y" * 10_000),))
    shown = _squash(_node_texts(_svg(to_dot(graph)))["s1"])
    assert shown == "y" * 599 + "…"


printable_or_not = st.text(max_size=300)


@needs_dot
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=printable_or_not, who=st.text(max_size=40), quote=st.text(max_size=100))
def test_any_text_renders_to_inert_svg_showing_that_text(text, who, quote):
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=quote),
        statements=(
            Statement(1, text, quote=quote, attributed_to=who),
            Statement(2, who),
            Statement(3, quote),
        ),
        links=(
            Link(1, Kind.OPPOSE, (2, 3), conclusion=1),
            Link(2, Kind.SUPPORT, (3,), target_link=1),
        ),
    )
    root = _svg(to_dot(graph, DiagramOptions(quotes=True, legend=True, wrap=10)))
    _assert_inert(root)
    texts = _node_texts(root)
    expected = _squash(clean_text(text, 600))
    if clean_text(who, 80):
        expected += _squash("— " + clean_text(who, 80))
    assert _squash(texts["s1"]) == expected


# --- neighbourhood -------------------------------------------------------------------------


def chain_graph() -> ArgumentGraph:
    """1 <- 2 <- 3 <- 4 (support chain); 5 + 6 co-premises for 3; 7 undercuts 2 -> 1;
    8 opposes 4."""
    statements = tuple(Statement(i, f"s{i}") for i in range(1, 9))
    links = (
        Link(1, Kind.SUPPORT, (2,), conclusion=1),
        Link(2, Kind.SUPPORT, (3,), conclusion=2),
        Link(3, Kind.SUPPORT, (4,), conclusion=3),
        Link(4, Kind.SUPPORT, (5, 6), conclusion=3),
        Link(5, Kind.OPPOSE, (7,), target_link=1),
        Link(6, Kind.OPPOSE, (8,), conclusion=4),
    )
    return ArgumentGraph(map=MapInfo(slug="c", title="C"), statements=statements, links=links)


def _ids(graph: ArgumentGraph) -> tuple[list[int], list[int]]:
    return [s.id for s in graph.statements], [link.id for link in graph.links]


def test_neighbourhood_depth_zero_is_the_statement_alone():
    assert _ids(neighbourhood(chain_graph(), 3, 0)) == ([3], [])


def test_neighbourhood_depth_one_takes_links_touching_the_statement_whole():
    # 3's links: 2 (3 -> 2), 3 (4 -> 3), 4 (5 + 6 -> 3)
    assert _ids(neighbourhood(chain_graph(), 3, 1)) == ([2, 3, 4, 5, 6], [2, 3, 4])


def test_neighbourhood_reaches_through_an_undercutter_to_the_attacked_link():
    # 7 undercuts link 1 (2 -> 1): one step joins 7 with 2 and 1.
    assert _ids(neighbourhood(chain_graph(), 7, 1)) == ([1, 2, 7], [1, 5])
    assert _ids(neighbourhood(chain_graph(), 1, 1)) == ([1, 2, 7], [1, 5])


def test_neighbourhood_drops_links_that_reach_past_the_edge():
    # Depth 1 around 2 keeps 1, 3 and 7 (via the undercutter of 2 -> 1), but not 4, 5, 6.
    assert _ids(neighbourhood(chain_graph(), 2, 1)) == ([1, 2, 3, 7], [1, 2, 5])


def test_neighbourhood_large_depth_is_the_whole_connected_map():
    sub = neighbourhood(chain_graph(), 8, 10)
    assert _ids(sub) == _ids(chain_graph())


def test_neighbourhood_roles_are_derived_in_the_sub_graph():
    sub = neighbourhood(chain_graph(), 3, 1)
    assert sub.role(2) == "main_conclusion"
    assert sub.map == chain_graph().map


def test_neighbourhood_rejects_unknown_statement_and_negative_depth():
    with pytest.raises(KeyError):
        neighbourhood(chain_graph(), 99, 1)
    with pytest.raises(ValueError, match="depth"):
        neighbourhood(chain_graph(), 1, -1)


def test_neighbourhood_survives_a_cycle_of_undercutters():
    graph = ArgumentGraph(
        map=MapInfo(slug="c", title=""),
        statements=(Statement(1, "a"), Statement(2, "b")),
        links=(
            Link(1, Kind.OPPOSE, (1,), target_link=2),
            Link(2, Kind.OPPOSE, (2,), target_link=1),
        ),
    )
    assert _ids(neighbourhood(graph, 1, 1)) == ([1, 2], [1, 2])
    dot = to_dot(graph)
    assert "s1 -> l1 [" in dot
    assert "l1 -> l2 [" in dot
    assert "l2 -> l1 [" in dot


# --- focus keeps the map's roles; deep undercutter chains; invisible characters ----------


def essay_like_graph() -> ArgumentGraph:
    """The essay's map (fixtures/essay.json) without a database."""
    from bench.generate import fixture_graph

    return fixture_graph()


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_focused_dot_draws_every_other_statement_as_the_whole_map(depth):
    graph = essay_like_graph()
    roles = graph.roles
    options = DiagramOptions(numbers=True, legend=True)
    whole = nodes(to_dot(graph, options))
    for statement in graph.statements:
        focus = statement.id
        sub = neighbourhood(graph, focus, depth)
        focused = nodes(to_dot(sub, dataclasses.replace(options, focus=focus), roles=roles))
        for sid in (s.id for s in sub.statements):
            expected = dict(whole[f"s{sid}"])
            if sid == focus:
                expected["peripheries"] = "2"  # only the centre is marked
            assert focused[f"s{sid}"] == expected, (focus, sid)
        assert focused["legend_centre"]["peripheries"] == "2"


def test_a_focused_claim_is_not_drawn_as_the_main_conclusion():
    graph = essay_like_graph()
    sub = neighbourhood(graph, 11, 1)
    assert sub.role(16) == "main_conclusion"  # the sub-graph's own top claim...
    drawn = nodes(to_dot(sub, DiagramOptions(focus=11), roles=graph.roles))
    assert drawn["s16"].get("penwidth") != "3"  # ...is drawn as the map's intermediate claim
    assert drawn["s11"]["peripheries"] == "2"


def undercutter_chain(length: int) -> ArgumentGraph:
    """1 <- 2 (link 1), then link k+1 undercuts link k with premise k+2."""
    statements = tuple(Statement(i, f"s{i}") for i in range(1, length + 3))
    links = [Link(1, Kind.SUPPORT, (2,), conclusion=1)]
    links += [Link(k + 1, Kind.OPPOSE, (k + 2,), target_link=k) for k in range(1, length + 1)]
    return ArgumentGraph(map=MapInfo(slug="c", title=""), statements=statements, links=tuple(links))


def test_a_chain_of_undercutters_deeper_than_the_recursion_limit():
    length = sys.getrecursionlimit() + 500
    graph = undercutter_chain(length)
    endpoints = link_endpoints(graph)
    assert endpoints[length + 1] == frozenset(range(1, length + 3))
    # The last undercutter touches every statement down its chain: one step reaches all.
    sub = neighbourhood(graph, length + 2, 1)
    assert len(sub.statements) == length + 2
    assert len(sub.links) == length + 1
    # The first statement touches every link (each undercuts, at last, link 1).
    assert len(neighbourhood(graph, 1, 1).links) == length + 1
    alone = neighbourhood(graph, 2, 0)
    assert [s.id for s in alone.statements] == [2]
    assert alone.links == ()
    dot = to_dot(sub, DiagramOptions(focus=length + 2))
    assert nodes(dot)[f"s{length + 2}"]["peripheries"] == "2"


def test_bidirectional_overrides_and_zero_width_characters_never_reach_a_label():
    text = "evil\u202etxt.exe \u2066isolate\u2069 zero\u200bwidth\u200d joiner\ufeff tag\U000e0041"
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="T\u202eitle"), statements=(Statement(1, text),)
    )
    dot = to_dot(graph, DiagramOptions(quotes=True, legend=True))
    for ch in ("\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\U000e0041"):
        assert ch not in dot
    assert "eviltxt.exe isolate zerowidth joiner tag" in nodes(dot)["s1"]["label"]
    assert neutralize_bidi("مرحبا עברית") == "مرحبا עברית"  # visible RTL text is kept
