"""Benchmark: paged diagrams (an A4 handout and a 16:9 slide deck) of the essay's map and
of generated maps. No Django needed.

    .venv/bin/python bench/bench_pages.py                 # essay, 300 and 1 000 statements
    .venv/bin/python bench/bench_pages.py essay 300 --pages a4 slides --runs 1

Each figure is the wall-clock time of ``api.graph.paging.paginate`` with the server's
Graphviz runs (``render``: PDF per page, ``plain`` to measure candidate pages in batches),
the pages it made, and how many Graphviz programs it started. ``--limit`` is the page
limit (the server's ``ARGMAP_DIAGRAM_MAX_PAGES``, 100); a map over it is refused, and the
time to refuse is shown. Prints a Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.dot import DiagramOptions
from api.graph.paging import TooManyPages, paginate
from api.graph.render import render
from bench.common import machine
from bench.generate import fixture_graph, generate_graph

WRAP = {"a4": 24, "a3": 24, "letter": 24, "slides": 20}  # api.diagrams.PAGED_WRAP


def run(graph, page: str, limit: int) -> tuple[float, str, int]:
    """(seconds, pages or "refused", Graphviz programs started)."""
    starts = []

    def pdf(dot: str) -> bytes:
        starts.append("pdf")
        return render(dot, "pdf", timeout=120)

    def plain(dots: str) -> bytes:
        starts.append("plain")
        return render(dots, "plain", timeout=120)

    began = time.perf_counter()
    try:
        paged = paginate(
            graph,
            DiagramOptions(numbers=True, wrap=WRAP[page]),
            page,
            pdf,
            render_plain=plain,
            max_pages=limit,
        )
        outcome = str(paged.page_count)
    except TooManyPages:
        outcome = "refused"
    return time.perf_counter() - began, outcome, len(starts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("maps", nargs="*", default=["essay", "300", "1000"])
    parser.add_argument("--pages", nargs="*", default=["a4", "slides"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)

    print("| map | statements | pages | time | pages made | Graphviz runs |")
    print("|---|---:|---|---:|---:|---:|")
    for name in args.maps:
        graph = fixture_graph() if name == "essay" else generate_graph(int(name))
        for page in args.pages:
            results = [run(graph, page, args.limit) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            _, outcome, starts = results[-1]
            label = "the essay" if name == "essay" else "generated, seed 0"
            print(
                f"| {label} | {len(graph.statements):,} | {page} | {seconds:.1f} s "
                f"| {outcome} | {starts} |"
            )
    print()
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
