"""Reading back where Graphviz drew each statement, and where a diagram opens."""

from __future__ import annotations

import re

import pytest

from api.graph.dot import DiagramOptions, to_dot
from api.graph.layout import PX_PER_PT, Box, opening, statement_boxes
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.render import graphviz_available, render

needs_dot = pytest.mark.skipif(not graphviz_available("dot"), reason="needs Graphviz's dot")

# 1 <- 2, 3 (support), 1 <- 4 (oppose), 2 <- 5; 6 is a second main conclusion with less
# under it, 7 stands alone.
GRAPH = ArgumentGraph(
    MapInfo(slug="m", title="M"),
    statements=tuple(Statement(id=i, text=f"Statement number {i}") for i in range(1, 8)),
    links=(
        Link(id=1, kind=Kind.SUPPORT, premises=(2, 3), conclusion=1),
        Link(id=2, kind=Kind.OPPOSE, premises=(4,), conclusion=1),
        Link(id=3, kind=Kind.SUPPORT, premises=(5,), conclusion=2),
        Link(id=4, kind=Kind.SUPPORT, premises=(3,), conclusion=6),
    ),
)


def test_opening_is_the_biggest_main_conclusion_then_its_direct_premises() -> None:
    assert opening(GRAPH) == [1, 2, 3, 4]
    assert opening(GRAPH, around=2) == [2, 5]
    assert opening(GRAPH, around=7) == [7]
    assert opening(GRAPH, around=99) == []
    assert opening(ArgumentGraph(MapInfo(slug="e", title="E"))) == []


@needs_dot
def test_statement_boxes_are_where_the_statements_text_is_drawn() -> None:
    svg = render(to_dot(GRAPH, DiagramOptions()), "svg")
    drawing = statement_boxes(svg)
    assert sorted(drawing.boxes) == [1, 2, 3, 4, 5, 6, 7]
    size = re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None
    assert drawing.width == pytest.approx(float(size.group(1)) * PX_PER_PT)
    assert drawing.height == pytest.approx(float(size.group(2)) * PX_PER_PT)
    view = [float(v) for v in re.search(rb'viewBox="([^"]+)"', svg).group(1).split()]
    shift = re.search(rb"translate\(([\d.]+) ([\d.]+)\)", svg)
    for sid, box in drawing.boxes.items():
        assert 0 <= box.left < box.right <= 1
        assert 0 <= box.top < box.bottom <= 1
        # the statement's text is drawn inside its box
        node = re.search(rf"<title>s{sid}</title>.*?</g>".encode(), svg, re.S).group(0)
        x, y = (
            float(v) for v in re.search(rb'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"', node).groups()
        )
        fx = (x + float(shift.group(1))) / view[2]
        fy = (y + float(shift.group(2))) / view[3]
        assert box.left < fx < box.right
        assert box.top < fy < box.bottom
    # bottom to top (the default): the main conclusion above its reasons
    assert drawing.boxes[1].bottom < drawing.boxes[2].top


def test_statement_boxes_refuses_an_svg_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="viewBox"):
        statement_boxes(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')


def test_box_union_covers_both() -> None:
    assert Box(0.1, 0.2, 0.3, 0.4).union(Box(0.2, 0.1, 0.5, 0.3)) == Box(0.1, 0.1, 0.5, 0.4)
