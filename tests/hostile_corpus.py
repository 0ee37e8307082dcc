"""The large hostile files of the regression corpus, generated (the small ones are files in
``tests/data/hostile/``; see its README). Each once cost minutes or ended in a 500.

``tests/test_hostile.py`` imports them at sizes that keep the suite fast and asserts the
work they take through step counts; ``bench/hostile.py`` times them at n, 2n and 4n.
"""

from __future__ import annotations

import json
from typing import Any

# Argdown: a character sequence that opens something (a data block, a title, an argument
# title, a mention, a long tag) and never closes it. Each once made the lexer scan to the
# end of the file from every occurrence: quadratic (48 000 "{": 65 s).
ARGDOWN_OPENERS = ("{", "[", "<", "@[", "#(")


def argdown_flood(opener: str, n: int) -> str:
    """``n`` times ``opener`` on one line: a paragraph that never closes what it opens."""
    return opener * n


def argdown_quoted_braces(n: int) -> str:
    """``{"{"{"...``: braces inside and outside the quotes of would-be data blocks, so a
    scan from one brace and a scan from the next see different quoting."""
    return '{"' * n


def aif_orphan_chain(n: int) -> dict[str, Any]:
    """AIF with ``n`` CA nodes in a chain, listed last first, each attacking the next one
    down, the bottom one attacking an RA node that has no premise (so yields no link).
    Every CA is left out as an orphan; pruning them pass by pass was quadratic (16 000
    CA nodes, 1.5 MB: 53 s)."""
    nodes = [
        {"nodeID": "p", "type": "I", "text": "A premise."},
        {"nodeID": "c", "type": "I", "text": "A conclusion."},
        {"nodeID": "ra", "type": "RA", "text": "Default Inference"},
    ]
    edges = [{"edgeID": "e-ra", "fromID": "ra", "toID": "c"}]
    for i in range(n, 0, -1):
        target = "ra" if i == 1 else f"ca{i - 1}"
        nodes.append({"nodeID": f"ca{i}", "type": "CA", "text": "Default Conflict"})
        edges.append({"edgeID": f"in{i}", "fromID": "p", "toID": f"ca{i}"})
        edges.append({"edgeID": f"out{i}", "fromID": f"ca{i}", "toID": target})
    return {"nodes": nodes, "edges": edges, "locutions": []}


def deep_json(n: int) -> str:
    """``n`` nested arrays: Python's json module recursed once per level (RecursionError)."""
    return "[" * n + "]" * n


def deep_graph_json(n: int) -> str:
    """A whole-map JSON body whose first statement's text is ``n`` nested objects."""
    return '{"statements": [{"id": 1, "text": ' + '{"a": ' * n + "1" + "}" * n + "}]}"


def argdown_deep_data(n: int) -> str:
    """A statement whose data block nests ``n`` JSON objects."""
    return "[A]: a statement " + '{"a": ' * n + "1" + "}" * n + "\n"


def argdown_deep_front_matter(n: int) -> str:
    """YAML front matter holding ``n`` nested block sequences on one line (``- - - x``)."""
    return "===\ntitle: deep\nx:\n" + "- " * n + "x\n===\n\n[A]: a statement\n"


def graph_chain(n: int) -> dict[str, Any]:
    """Whole-map JSON: a claim, a reason for it, and a chain of ``n`` undercutters, each
    attacking the inference of the one before (the first attacks the reason's)."""
    statements = [{"id": i, "text": f"Statement {i}."} for i in range(1, n + 3)]
    links = [{"id": 1, "kind": "support", "premises": [2], "conclusion": 1}]
    for i in range(2, n + 2):
        links.append({"id": i, "kind": "oppose", "premises": [i + 1], "target_link": i - 1})
    title = f"A chain of {n} undercutters"
    return {"map": {"title": title}, "statements": statements, "links": links}


def graph_flat(n: int) -> str:
    """Whole-map JSON of ``n`` statements, each supporting the first: big but flat."""
    statements = [{"id": i, "text": f"Statement number {i}."} for i in range(1, n + 1)]
    links = [
        {"id": i, "kind": "support", "premises": [i], "conclusion": 1} for i in range(2, n + 1)
    ]
    return json.dumps({"statements": statements, "links": links})
