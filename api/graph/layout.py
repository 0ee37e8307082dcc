"""Where a drawn diagram put its statements, and which part of it a reader should see first.

A diagram of a big map is much larger than a screen. The coaches' page opens it on the
argument's head: the main conclusion and its direct reasons and objections (``opening``,
which is ``api.graph.paging.argument_head``: where a deck opens too),
at a readable size, with the rest a scroll away. For that the page needs to know where
Graphviz placed those boxes: ``statement_boxes`` reads it back from the SVG that
``api.graph.render`` made (each statement is a node titled ``s<id>``, see
``api.graph.dot``), as fractions of the drawing, so the page can place and zoom the same
picture at any size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defusedxml import ElementTree

from api.graph.paging import argument_head as opening

__all__ = ["Box", "Drawing", "opening", "statement_boxes"]

_SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = r"-?\d+(?:\.\d+)?(?:e-?\d+)?"
_PAIR = re.compile(rf"({_NUMBER})[ ,]({_NUMBER})")
_TRANSLATE = re.compile(rf"translate\(\s*({_NUMBER})[ ,]+({_NUMBER})\s*\)")
_STATEMENT = re.compile(r"s(\d+)")
_LENGTH = re.compile(rf"({_NUMBER})(pt|px)?")
PX_PER_PT = 96 / 72  # CSS pixels per point: how a browser shows an SVG sized in pt


@dataclass(frozen=True)
class Box:
    """A rectangle as fractions (0..1) of the drawing's width and height, from the top
    left."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True)
class Drawing:
    """A diagram's size in CSS pixels at 100 % and the box of each statement drawn."""

    width: float
    height: float
    boxes: dict[int, Box]


def _length(value: str | None) -> float:
    match = _LENGTH.fullmatch((value or "").strip())
    if match is None:
        raise ValueError(f"not an SVG length: {value!r}")
    number = float(match.group(1))
    return number * PX_PER_PT if match.group(2) == "pt" else number


def statement_boxes(svg: bytes) -> Drawing:
    """Read a Graphviz SVG: its size and, for each statement node (``s<id>``), the box of
    its shape. Raises ``ValueError`` for an SVG not made by Graphviz this way."""
    root = ElementTree.fromstring(svg)
    view = [float(n) for n in (root.get("viewBox") or "").split()]
    if len(view) != 4 or view[2] <= 0 or view[3] <= 0:
        raise ValueError("the SVG has no usable viewBox")
    graph = root.find(f"{_SVG}g")
    shift = _TRANSLATE.search(graph.get("transform", "")) if graph is not None else None
    dx, dy = (float(shift.group(1)), float(shift.group(2))) if shift else (0.0, 0.0)
    boxes: dict[int, Box] = {}
    for node in root.iter(f"{_SVG}g"):
        if node.get("class") != "node":
            continue
        title = node.find(f"{_SVG}title")
        found = _STATEMENT.fullmatch((title.text or "") if title is not None else "")
        if found is None:
            continue
        shape = next(
            (el for el in node if el.tag in (f"{_SVG}path", f"{_SVG}polygon")),
            None,
        )
        if shape is None:
            continue
        points = [
            (float(x), float(y))
            for x, y in _PAIR.findall(shape.get("d") or shape.get("points") or "")
        ]
        if not points:
            continue
        xs = [(x + dx - view[0]) / view[2] for x, _ in points]
        ys = [(y + dy - view[1]) / view[3] for _, y in points]
        boxes[int(found.group(1))] = Box(min(xs), min(ys), max(xs), max(ys))
    return Drawing(_length(root.get("width")), _length(root.get("height")), boxes)
