"""Benchmark: DOT generation vs Graphviz layout (dot and sfdp) on synthetic argument maps.

Run from the repository root (no Django needed):

    .venv/bin/python bench/bench_diagram.py      # 100, 300, 1 000 and 3 000 statements
    .venv/bin/python bench/bench_diagram.py 100 500 --runs 5 --cap 60

Prints a Markdown table of median times (SVG output), the size of the drawing each engine
makes, the engine ``choose_engine`` picks and how much of its time DOT generation
(``to_dot``) is, and the machine it ran on. A layout
that passes the cap (default 120 s) is killed and reported as "> cap".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.dot import DiagramOptions, to_dot
from api.graph.render import SFDP_THRESHOLD, RenderTimeout, choose_engine, render
from bench.generate import generate_graph


def _time(function, runs: int) -> tuple[float, object]:
    """Median wall-clock seconds of ``runs`` calls, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _drawing_size(svg: bytes) -> str:
    """The drawing's width x height in inches, from the SVG root's pt sizes."""
    root = ET.fromstring(svg)
    width, height = (
        float(root.get(name, "0pt").removesuffix("pt")) for name in ("width", "height")
    )
    return f"{width / 72:,.0f} × {height / 72:,.0f}"


def _layout(source: str, engine: str, runs: int, cap: float) -> tuple[str, str, float | None]:
    """Median layout time as text ("> cap" when the first run passes the cap), the
    drawing's size in inches, and the median in seconds (None past the cap)."""
    times = []
    svg = b""
    for run in range(runs):
        started = time.perf_counter()
        try:
            svg = render(source, "svg", engine=engine, timeout=cap)
        except RenderTimeout:
            return f"> {cap:g} s", "–", None
        times.append(time.perf_counter() - started)
        if run == 0 and times[0] > cap / 4:
            break  # slow: one run is enough, and a second could pass the cap
    median = statistics.median(times)
    label = f"{median:.2f} s"
    return (label if len(times) > 1 else label + " (1 run)"), _drawing_size(svg), median


def _share(part: float, whole: float | None) -> str:
    return "–" if whole is None else f"{part / whole:.1%}"


def _graphviz_version() -> str:
    completed = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False)
    return (completed.stderr or completed.stdout).strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 300, 1000, 3000])
    parser.add_argument(
        "--cross-links", type=float, default=0.03, help="share of cross links (generate_graph)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--cap", type=float, default=120, help="layout time cap in seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    options = DiagramOptions()
    print(f"Machine: {os.cpu_count()} CPUs (nproc), {platform.machine()}, {platform.system()}")
    print(f"Python {platform.python_version()}; {_graphviz_version()}")
    print(
        f"Options: DiagramOptions() defaults; median of {args.runs} runs; SVG output; "
        f"seed {args.seed}; cross links {args.cross_links:.0%}"
    )
    print(f"SFDP_THRESHOLD now: {SFDP_THRESHOLD}")
    print()
    print(
        "| statements | links | co-premise links | DOT size | to_dot "
        "| dot layout | dot drawing (in) | sfdp layout | sfdp drawing (in) "
        "| auto engine | to_dot / its layout |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for n in args.sizes:
        graph = generate_graph(n, seed=args.seed, cross_links=args.cross_links)
        linked = sum(1 for link in graph.links if len(link.premises) > 1)
        seconds, source = _time(lambda graph=graph: to_dot(graph, options), max(args.runs, 5))
        dot, dot_size, dot_s = _layout(source, "dot", args.runs, args.cap)
        sfdp, sfdp_size, sfdp_s = _layout(source, "sfdp", args.runs, args.cap)
        auto = choose_engine(n)
        share = _share(seconds, dot_s if auto == "dot" else sfdp_s)
        print(
            f"| {n:,} | {len(graph.links):,} | {linked:,} | {len(source) / 1024:,.0f} KiB "
            f"| {seconds * 1000:.1f} ms | {dot} | {dot_size} | {sfdp} | {sfdp_size} "
            f"| {auto} | {share} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
