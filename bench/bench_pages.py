"""Benchmark: paged diagrams (an A4 handout and a 16:9 slide deck) of the essay's map and
of generated maps. No Django needed.

    .venv/bin/python bench/bench_pages.py                 # essay, 300 and 1 000 statements
    .venv/bin/python bench/bench_pages.py essay 300 --pages a4 slides --runs 1

Each figure is the wall-clock time and the CPU time (Python and Graphviz) of
``api.graph.paging.paginate`` with the server's Graphviz runs (``render`` for the pages'
PDFs, eight to a run; one program kept running to measure candidate pages in batches),
the pages it made, how many Graphviz programs it started and how many batches it
measured. ``--limit`` is the page limit (the server's ``ARGMAP_DIAGRAM_MAX_PAGES``, 100);
a map over it is refused, and the time to refuse is shown. Prints a Markdown table and the machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.dot import DiagramOptions
from api.graph.paging import TooManyPages, paginate
from api.graph.render import RenderBudget
from bench.common import machine
from bench.generate import fixture_graph, generate_graph

WRAP = {"a4": 24, "a3": 24, "letter": 24, "slides": 20}  # api.diagrams.PAGED_WRAP


def run(graph, page: str, limit: int) -> tuple[float, float, str, int, int]:
    """(seconds, CPU seconds of Python and Graphviz, pages or "refused", Graphviz programs
    started, batches of graphs laid out), laid out as the server does: PDFs by ``render``,
    candidate pages measured by one program kept running (``RenderBudget.plain_session``)."""
    budget = RenderBudget(seconds=600, runs=1_000_000, timeout=120)
    pdfs, batches = [], []

    def pdf(dot: str) -> bytes:
        pdfs.append(dot)
        return budget.run(dot, "pdf")

    began, cpu = time.perf_counter(), _cpu()
    try:
        with budget.plain_session() as plain:

            def measure(dots: str) -> bytes:
                batches.append(dots)
                return plain(dots)

            paged = paginate(
                graph,
                DiagramOptions(numbers=True, wrap=WRAP[page]),
                page,
                pdf,
                render_plain=measure,
                max_pages=limit,
            )
        outcome = str(paged.page_count)
    except TooManyPages:
        outcome = "refused"
    return time.perf_counter() - began, _cpu() - cpu, outcome, len(pdfs) + 1, len(batches)


def _cpu() -> float:
    """CPU seconds of this process and of the programs it waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return sum(r.ru_utime + r.ru_stime for r in (own, children))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("maps", nargs="*", default=["essay", "300", "1000"])
    parser.add_argument("--pages", nargs="*", default=["a4", "slides"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)

    print("| map | statements | pages | time | CPU | pages made | Graphviz programs | batches |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name in args.maps:
        graph = fixture_graph() if name == "essay" else generate_graph(int(name))
        for page in args.pages:
            results = [run(graph, page, args.limit) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            cpu = statistics.median(r[1] for r in results)
            _, _, outcome, programs, batches = results[-1]
            label = "the essay" if name == "essay" else "generated, seed 0"
            print(
                f"| {label} | {len(graph.statements):,} | {page} | {seconds:.2f} s "
                f"| {cpu:.2f} s | {outcome} | {programs} | {batches} |"
            )
    print()
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
