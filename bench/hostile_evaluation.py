"""Benchmark: each semantics on the hostile family, and the old search against the solver.

Run from the repository root (no Django needed):

    .venv/bin/python bench/hostile_evaluation.py                 # 16, 32, 64 pairs
    .venv/bin/python bench/hostile_evaluation.py --pairs 16 20 24 --cap 300 --random 300

The hostile family (``tests/graph/hostile.py``): a claim z and n pairs a, b that rebut
each other, every b rebutting z and z rebutting every a; 2**n - 1 preferred and stable
labellings in one knot. For each size and semantics it reports CPU seconds (median of
``--runs``) and the budget steps used by ``api.graph.evaluation.evaluate``, and the CPU
seconds of the search it replaced (``evaluate`` as of commit ``OLD_COMMIT``, read with
``git show``), each old run in a child process stopped after ``--cap`` CPU seconds. Then both
evaluate ``--random`` random maps with cycles (seeded) and must agree on every label and
count wherever the old search answers.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.graph.evaluation import (  # noqa: E402
    DEFAULT_BUDGET,
    Budget,
    EvaluationTooComplex,
    evaluate,
    labellings,
    to_dung,
)
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement  # noqa: E402
from tests.graph.hostile import hostile_graph  # noqa: E402

# The last commit with the backtracking search (api/graph/evaluation.py, one module).
OLD_COMMIT = "a121cc864b9af435c49c4f7a0af1568d706ee453"
SEMANTICS = ("grounded", "preferred", "stable", "dfquad")


def old_module() -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{OLD_COMMIT}:api/graph/evaluation.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("old_evaluation", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_evaluation"] = module  # dataclasses look their module up
    exec(compile(source, "old_evaluation.py", "exec"), module.__dict__)
    return module


def cpu(fn) -> tuple[float, object]:
    start = time.process_time()
    try:
        result = fn()
    except EvaluationTooComplex as exc:
        result = exc
    return time.process_time() - start, result


def new_run(graph: ArgumentGraph, semantics: str, runs: int) -> tuple[float, int, str]:
    times = []
    for _ in range(runs):
        seconds, result = cpu(lambda: evaluate(graph, semantics))
        times.append(seconds)
    budget = Budget(DEFAULT_BUDGET)
    if semantics in ("preferred", "stable"):
        with contextlib.suppress(EvaluationTooComplex):
            labellings(to_dung(graph), stable=semantics == "stable", budget=budget)
    return statistics.median(times), budget.used, outcome(result)


def outcome(result) -> str:
    if isinstance(result, Exception):
        return f"422 ({type(result).__name__})"
    if result.extensions is None:
        return "strengths" + ("" if result.converged else ", not converged")
    more = "" if result.extensions_exact in (None, True) else "+"
    return f"{result.extensions}{more} labellings"


def old_run(pairs: int, semantics: str, cap: float) -> tuple[str, bool]:
    """CPU seconds of the old evaluate in a child process limited to ``cap`` CPU seconds,
    and whether it finished."""

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(cap), math.ceil(cap) + 1))

    done = subprocess.run(
        [sys.executable, __file__, "--old-worker", str(pairs), semantics],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit_cpu,
        check=False,
    )
    if done.returncode != 0:
        return f"> {cap:.0f} s (stopped)", False
    seconds, result = json.loads(done.stdout)
    return f"{seconds:.2f} s, {result}", True


def old_worker(pairs: int, semantics: str) -> None:
    old = old_module()
    graph = hostile_graph(pairs)
    start = time.process_time()
    try:
        result = old.evaluate(graph, semantics)
        shown = "strengths" if result.extensions is None else f"{result.extensions} labellings"
    except old.EvaluationTooComplex:
        shown = "422 (too complex)"
    print(json.dumps([time.process_time() - start, shown]))


def random_graph(rng: random.Random, n: int) -> ArgumentGraph:
    """A map with ``n`` statements and about 1.5 n links, most of them oppositions."""
    statements = tuple(Statement(id=i, text=str(i)) for i in range(1, n + 1))
    links = []
    for j in range(int(1.5 * n)):
        premises = tuple(rng.sample(range(1, n + 1), rng.choice((1, 1, 1, 2))))
        target = rng.choice([s for s in range(1, n + 1) if s not in premises])
        kind = Kind.OPPOSE if rng.random() < 0.8 else Kind.SUPPORT
        if links and rng.random() < 0.1:
            links.append(Link(1000 + j, kind, premises, target_link=rng.choice(links).id))
        else:
            links.append(Link(1000 + j, kind, premises, conclusion=target))
    return ArgumentGraph(map=MapInfo(slug="r", title="r"), statements=statements, links=links)


def compare_random(count: int, seed: int) -> str:
    old = old_module()
    rng = random.Random(seed)
    old_seconds = new_seconds = 0.0
    agreed = refused_old = refused_new = 0
    for _ in range(count):
        graph = random_graph(rng, rng.randint(5, 40))
        for semantics in ("preferred", "stable"):
            t_old, r_old = cpu(lambda g=graph, s=semantics: old.evaluate(g, s))
            t_new, r_new = cpu(lambda g=graph, s=semantics: evaluate(g, s))
            old_seconds += t_old
            new_seconds += t_new
            if isinstance(r_old, Exception):
                refused_old += 1
                continue
            if isinstance(r_new, Exception):
                refused_new += 1
                continue
            same = {k: v.label for k, v in r_old.statements.items()} == {
                k: v.label for k, v in r_new.statements.items()
            } and {k: v.label for k, v in r_old.links.items()} == {
                k: v.label for k, v in r_new.links.items()
            }
            count_ok = r_new.extensions == r_old.extensions or (
                not r_new.extensions_exact and r_new.extensions <= r_old.extensions
            )
            if not (same and count_ok):
                raise AssertionError(f"old and new disagree on {graph} under {semantics}")
            agreed += 1
    return (
        f"{count} random maps (5-40 statements, seed {seed}), preferred and stable: "
        f"old search {old_seconds:.2f} s CPU, solver {new_seconds:.2f} s CPU; "
        f"{agreed} results identical, {refused_old} refused by the old search only, "
        f"{refused_new} by the solver only"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cap", type=float, default=120.0, help="CPU seconds per old run")
    parser.add_argument("--random", type=int, default=200, help="random maps to compare")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--old-worker", nargs=2, metavar=("PAIRS", "SEMANTICS"))
    args = parser.parse_args()
    if args.old_worker:
        old_worker(int(args.old_worker[0]), args.old_worker[1])
        return
    print(f"Budget: {DEFAULT_BUDGET} steps (ARGMAP_EVALUATION_BUDGET).")
    print()
    print("| pairs | statements | semantics | solver CPU | steps | result | old search |")
    print("|---:|---:|---|---:|---:|---|---|")
    past_cap: set[str] = set()  # the old search grows exponentially: stop at the first cap
    for pairs in args.pairs:
        graph = hostile_graph(pairs)
        for semantics in SEMANTICS:
            seconds, steps, result = new_run(graph, semantics, args.runs)
            if semantics not in ("preferred", "stable"):
                old = "(unchanged)"
            elif semantics in past_cap:
                old = "not run (past the cap at fewer pairs)"
            else:
                old, finished = old_run(pairs, semantics, args.cap)
                if not finished:
                    past_cap.add(semantics)
            shown_steps = steps if semantics in ("preferred", "stable") else "-"
            print(
                f"| {pairs} | {len(graph.statements)} | {semantics} | {seconds:.3f} s "
                f"| {shown_steps} | {result} | {old} |"
            )
    if args.random:
        print()
        print(compare_random(args.random, args.seed))


if __name__ == "__main__":
    main()
