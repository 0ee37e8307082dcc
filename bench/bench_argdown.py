"""Benchmark: argmap's SVG export against the Argdown CLI's, on the same maps, in one run.

Run from the repository root after installing the Argdown CLI into ``bench/node``
(``cd bench/node && npm ci``; ``bench/run_all.sh`` does it):

    .venv/bin/python bench/bench_argdown.py               # 30, 1 000 and 3 000 statements
    .venv/bin/python bench/bench_argdown.py 30 300 --runs 5 --cap 120

For each size, ``bench.generate.generate_graph(n)`` is exported to Argdown with
``api.graph.formats.write_map(graph, "argdown")`` and drawn by
``argdown map --format svg FILE DIR`` (Argdown's own Graphviz, compiled to WebAssembly,
with its default map settings), and by argmap as the API draws it on a cache miss:
``to_dot`` and ``render`` with the engine ``choose_engine`` picks (dot below 300
statements, sfdp from there), and with dot for a like-for-like layout. Argdown's
``--format dot`` (parsing and DOT generation, no layout) is timed too. Times are wall
clock, median of ``--runs``, and include starting the program (Node for Argdown,
Graphviz for argmap). A run past ``--cap`` seconds is killed and reported as such. No
Django needed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.dot import DiagramOptions, to_dot
from api.graph.formats import write_map
from api.graph.render import RenderFailed, choose_engine, render
from bench.common import machine
from bench.generate import generate_graph

ARGDOWN = Path(__file__).resolve().parent / "node" / "node_modules" / ".bin" / "argdown"
NODE_CLASS = re.compile(rb'class="node"')


class OverCap(Exception):
    pass


def _median(function, runs: int, cap: float) -> tuple[float, bytes]:
    """Median seconds of ``runs`` calls and the last result; one run only when the first
    takes more than a quarter of the cap."""
    times, result = [], b""
    for run in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
        if run == 0 and times[0] > cap / 4:
            break
    return statistics.median(times), result


def argdown(source: Path, fmt: str, cap: float) -> bytes:
    """Run ``argdown map --format fmt`` on ``source``; return the file it writes."""
    with tempfile.TemporaryDirectory() as out:
        try:
            done = subprocess.run(
                [str(ARGDOWN), "map", "--format", fmt, str(source), out],
                capture_output=True,
                timeout=cap,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OverCap() from None
        files = list(Path(out).glob(f"*.{fmt}"))
        if done.returncode != 0 or not files:
            raise RuntimeError(
                f"argdown map --format {fmt} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).decode(errors='replace')[-800:]}"
            )
        return files[0].read_bytes()


def argdown_version() -> str:
    if not ARGDOWN.exists():
        return "not installed"
    done = subprocess.run([str(ARGDOWN), "--version"], capture_output=True, text=True)
    return done.stdout.strip() or done.stderr.strip()


def cell(function, runs: int, cap: float) -> tuple[str, float | None, bytes]:
    try:
        seconds, result = _median(function, runs, cap)
    except OverCap:
        return f"> {cap:g} s (killed)", None, b""
    except (RuntimeError, RenderFailed) as exc:
        print(f"<!-- failed: {exc} -->", flush=True)
        return "failed", None, b""
    return f"{seconds:.2f} s", seconds, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[30, 1000, 3000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=300, help="seconds per drawing")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not ARGDOWN.exists():
        sys.exit(f"{ARGDOWN} is missing: run `npm ci` in bench/node first.")

    print(f"Machine: {machine()}")
    print(f"Argdown CLI {argdown_version()}; median of {args.runs} runs; seed {args.seed}\n")
    print(
        "| statements | links | argmap SVG (auto engine) | argmap SVG (dot) "
        "| Argdown SVG | Argdown ÷ argmap (auto) | Argdown ÷ argmap (dot) "
        "| Argdown DOT only | nodes drawn: argmap / Argdown | SVG size: argmap / Argdown |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    options = DiagramOptions()
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            graph = generate_graph(n, seed=args.seed)
            source = Path(work) / f"synthetic-{n}.argdown"
            source.write_bytes(write_map(graph, "argdown"))
            engine = choose_engine(n)

            def ours(engine: str = engine, graph=graph) -> bytes:
                return render(to_dot(graph, options), "svg", engine=engine, timeout=args.cap)

            auto_text, auto_s, our_svg = cell(ours, args.runs, args.cap)
            dot_text, dot_s, _ = cell(lambda ours=ours: ours("dot"), args.runs, args.cap)
            ad_text, ad_s, their_svg = cell(
                lambda s=source: argdown(s, "svg", args.cap), args.runs, args.cap
            )
            dot_only, _, _ = cell(lambda s=source: argdown(s, "dot", args.cap), args.runs, args.cap)

            def ratio(theirs: float | None, ours: float | None) -> str:
                return "–" if theirs is None or ours is None else f"{theirs / ours:.1f}×"

            print(
                f"| {n:,} | {len(graph.links):,} | {auto_text} ({engine}) | {dot_text} "
                f"| {ad_text} | {ratio(ad_s, auto_s)} | {ratio(ad_s, dot_s)} | {dot_only} "
                f"| {len(NODE_CLASS.findall(our_svg)):,} / "
                f"{len(NODE_CLASS.findall(their_svg)):,} "
                f"| {len(our_svg) / 1e6:.2f} / {len(their_svg) / 1e6:.2f} MB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
