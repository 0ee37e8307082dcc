"""Read back the DOT that ``api.graph.dot.to_dot`` writes (one statement per line, as the
``graphviz`` package writes it), to compare nodes and edges by their attributes."""

from __future__ import annotations

import re

_NODE = re.compile(r"^\t+(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


def attributes(text: str) -> dict[str, str]:
    """``key=value`` pairs of one attribute list; quoted values lose their outer quotes
    (escapes inside are kept as written)."""
    return {
        key: value[1:-1] if value.startswith('"') else value for key, value in _ATTR.findall(text)
    }


def nodes(dot: str) -> dict[str, dict[str, str]]:
    """Node name -> attributes, for every node line with attributes."""
    found = {}
    for line in dot.splitlines():
        match = _NODE.match(line)
        if match and match.group(1) not in ("graph", "node", "edge"):
            found[match.group(1)] = attributes(match.group(2))
    return found


def edges(dot: str) -> list[tuple[str, str, dict[str, str]]]:
    """(tail, head, attributes) for every edge line, in order."""
    found = []
    for line in dot.splitlines():
        match = _EDGE.match(line)
        if match:
            found.append((match.group(1), match.group(2), attributes(match.group(3) or "")))
    return found


def graph_attributes(dot: str) -> dict[str, str]:
    """The attributes of the top-level ``graph [...]`` line."""
    for line in dot.splitlines():
        if line.startswith("\tgraph ["):
            return attributes(line[len("\tgraph [") : -1])
    return {}
