"""Generated hostile maps for evaluation: the regression corpus of issue #12, item 3.

``hostile_graph(pairs)``: a claim z and ``pairs`` pairs of statements a, b that rebut
each other, every b rebutting z and z rebutting every a. One strongly connected knot of
attacks with 2**pairs - 1 preferred (and stable) labellings; 16 pairs (33 statements)
once took 52 s of CPU before a 422. Used by the tests and by
``bench/hostile_evaluation.py``.
"""

from __future__ import annotations

from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement


def hostile_graph(pairs: int) -> ArgumentGraph:
    """The claim (id 1) and ``pairs`` pairs a = 2k + 2, b = 2k + 3 (see the module)."""
    statements = [Statement(id=1, text="z")]
    links = []
    for k in range(pairs):
        a, b = 2 * k + 2, 2 * k + 3
        statements += [Statement(id=a, text=f"a{k}"), Statement(id=b, text=f"b{k}")]
        base = 1000 + 4 * k
        links += [
            Link(id=base, kind=Kind.OPPOSE, premises=(a,), conclusion=b),
            Link(id=base + 1, kind=Kind.OPPOSE, premises=(b,), conclusion=a),
            Link(id=base + 2, kind=Kind.OPPOSE, premises=(b,), conclusion=1),
            Link(id=base + 3, kind=Kind.OPPOSE, premises=(1,), conclusion=a),
        ]
    return ArgumentGraph(
        map=MapInfo(slug="hostile", title="hostile"),
        statements=tuple(statements),
        links=tuple(links),
    )
