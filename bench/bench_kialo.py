"""Benchmark: importing a Kialo text export of 5 000 claims, as ``manage.py import_map`` does.

Run from the repository root:

    .venv/bin/python bench/bench_kialo.py                 # SQLite bench/out/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/argmap_bench \\
        .venv/bin/python bench/bench_kialo.py --runs 3

Writes a generated discussion (``bench/out/kialo/``): a random tree of claims up to 12
deep, Pro and Con at random, one claim in ten over two lines, one in twenty with escaped
parentheses and a Markdown link, and one in fifty a ``-> See`` reference to an earlier
claim. Times ``formats.read_map`` (parse) and ``services.import_file`` (parse, check,
write with history rows, the whole import a user gets), median of ``--runs``, each into a
new map deleted afterwards (not timed). Then the parse alone at 5 000, 10 000 and 20 000
claims, to show it grows linearly.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from api import services  # noqa: E402
from api.graph.formats import read_map  # noqa: E402
from api.models import ArgumentMap  # noqa: E402

KIALO_DIR = OUT / "kialo"


def generate_kialo(claims: int, seed: int = 0) -> str:
    """A Kialo export of ``claims`` numbered claims (the thesis included)."""
    rng = random.Random(seed)
    lines = [f"Discussion Title: A generated discussion of {claims} claims", "", "1. Thesis."]
    numbers = ["1."]
    children: dict[str, int] = {"1.": 0}
    for i in range(1, claims):
        candidates = [n for n in numbers[-40:] if n.count(".") < 12] or ["1."]
        parent = rng.choice(candidates)
        children[parent] += 1
        number = f"{parent}{children[parent]}."
        children[number] = 0
        numbers.append(number)
        stance = rng.choice(("Pro", "Con"))
        if i % 50 == 0 and i > 10:
            target = rng.choice(numbers[: len(numbers) // 2])
            if not number.startswith(target) and target != "1.":
                lines.append(f"{number} {stance}: -> See {target}")
                continue
        text = f"Claim {i} says something about the claim above it"
        if i % 20 == 0:
            text += r" \(with a note\) and [a source](https://example.org/" + str(i) + ")"
        if i % 10 == 0:
            text += ",\nand goes on over a second line"
        lines.append(f"{number} {stance}: {text}.")
    return "\n".join(lines) + "\n"


def median_time(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    KIALO_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}")
    print(f"Database: {connection.vendor}; median of {args.runs} runs\n")

    path = KIALO_DIR / "kialo-5000.txt"
    path.write_text(generate_kialo(5_000), encoding="utf-8")
    content = path.read_bytes()
    result = read_map(content, filename=path.name)
    graph = result.graph
    parse = median_time(lambda: read_map(content, filename=path.name), args.runs)
    made = []

    def whole_import() -> None:
        report = services.import_file(name=path.name, data=content)
        made.append(report.map.pk)

    total = median_time(whole_import, args.runs)
    ArgumentMap.objects.filter(pk__in=made).delete()
    print("| file | size | claims | statements / links | read_map | import_file (in all) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| {path.name} | {len(content) / 1e6:.2f} MB | 5 000 | {len(graph.statements):,} / "
        f"{len(graph.links):,} | {parse:.3f} s | **{total:.2f} s** |"
    )

    print("\n| claims | read_map | per 1 000 claims |")
    print("|---:|---:|---:|")
    for claims in (5_000, 10_000, 20_000):
        text = generate_kialo(claims, seed=1).encode()
        seconds = median_time(lambda text=text: read_map(text), args.runs)
        print(f"| {claims:,} | {seconds:.3f} s | {seconds / claims * 1000 * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
