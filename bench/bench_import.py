"""Benchmark: importing map files, as ``manage.py import_map`` does.

Run from the repository root:

    .venv/bin/python bench/bench_import.py                # SQLite bench/out/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/argmap_bench \\
        .venv/bin/python bench/bench_import.py --runs 3
    .venv/bin/python bench/bench_import.py --profile      # where map_import spends it

Measures:

- one 10 000-statement file (``bench.generate``, with quotes into a source text), as AIF
  JSON and as argmap's whole-map JSON: ``formats.read_map`` (parse and check the format)
  and ``services.map_import`` (validate and write in bulk, with history rows), median of
  ``--runs``, each into a new map that is deleted afterwards (not timed);
- a directory of 500 AIF files of 10 statements each: ``manage.py import_map DIR``, once,
  with the number of SQL queries; once with a title per file, once with all files titled
  alike (each slug is then the title's with a number, which ``map_free_slug`` finds by
  trying one after the other);
- with ``--profile``: the cumulative time of the parts of one 10 000-statement
  ``services.map_import`` (cProfile, so slower than the plain runs), and the import with
  and without its history rows, against writing those rows with ``INSERT ... SELECT``.

Database and settings as ``bench/common.py`` says; migrated first.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from api import services  # noqa: E402
from api.graph.formats import read_map, write_map  # noqa: E402
from api.models import ArgumentMap, Link, LinkPremise, Statement  # noqa: E402
from bench.generate import generate_graph, with_source_text  # noqa: E402

IMPORT_DIR = OUT / "import"
SMALL_DIR = OUT / "aif-500"

# What map_import's time goes to, by function (cumulative time under cProfile).
PROFILE_PARTS = (
    ("graphs.py", "map_import", "services.map_import, in all"),
    ("validate.py", "check_graph", "check_graph (rules on the whole graph)"),
    ("maps.py", "map_create", "map_create (the map row)"),
    ("graphs.py", "_statement_row", "_statement_row (Statement objects, quotes)"),
    ("graphs.py", "_write_links", "_write_links (links and premises, with history)"),
    ("utils.py", "bulk_create_with_history", "bulk_create_with_history (all 4 calls)"),
    ("manager.py", "bulk_history_create", "history: bulk_history_create (all calls)"),
    ("query.py", "bulk_create", "QuerySet.bulk_create (rows and history rows)"),
    ("compiler.py", "execute_sql", "SQLInsertCompiler/SQLCompiler.execute_sql"),
    ("base.py", "__init__", "Model.__init__ (rows and history rows)"),
)


def write_files() -> dict[str, Path]:
    IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    graph = with_source_text(generate_graph(10_000, seed=0))
    files = {
        "AIF JSON": IMPORT_DIR / "synthetic-10000.aif.json",
        "whole-map JSON": IMPORT_DIR / "synthetic-10000.json",
    }
    files["AIF JSON"].write_bytes(write_map(graph, "aif"))
    files["whole-map JSON"].write_bytes(write_map(graph, "json"))
    return files


@override_settings(SIMPLE_HISTORY_ENABLED=False)  # cleaning up: no history rows, faster
def delete_maps(prefix: str) -> None:
    for map_ in ArgumentMap.objects.filter(slug__startswith=prefix):
        services.map_delete(map_=map_)


@override_settings(SIMPLE_HISTORY_ENABLED=False)
def delete_new_maps(before: set[str]) -> None:
    for map_ in ArgumentMap.objects.exclude(slug__in=before):
        services.map_delete(map_=map_)


def bench_file(label: str, path: Path, runs: int) -> str:
    content = path.read_bytes()
    reads, imports = [], []
    statements = links = 0
    for run in range(runs):
        started = time.perf_counter()
        result = read_map(content, filename=path.name)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        services.map_import(graph=result.graph, slug=f"import-bench-{run}")
        imports.append(time.perf_counter() - started)
        statements, links = len(result.graph.statements), len(result.graph.links)
        delete_maps("import-bench-")
    read_s, import_s = statistics.median(reads), statistics.median(imports)
    return (
        f"| {label} | {len(content) / 1e6:.1f} MB | {statements:,} / {links:,} "
        f"| {read_s:.2f} s | {import_s:.2f} s | **{read_s + import_s:.2f} s** |"
    )


class QueryCounter:
    """Counts every SQL statement run (Django's query log keeps only the last 9 000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def bench_directory(count: int, *, same_title: bool) -> str:
    """``import_map DIR`` on ``count`` AIF files of 10 statements: each with its own title,
    or all with the same one (then every slug is taken from it, with a number)."""
    folder = SMALL_DIR / ("same-title" if same_title else "own-title")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(count):
        graph = generate_graph(10, seed=i)
        title = "Untitled map" if same_title else f"Small map {i}"
        graph = dataclasses.replace(graph, map=dataclasses.replace(graph.map, title=title))
        (folder / f"small-{i:04d}.json").write_bytes(write_map(graph, "aif"))
    before = set(ArgumentMap.objects.values_list("slug", flat=True))
    out, err = io.StringIO(), io.StringIO()
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        started = time.perf_counter()
        call_command("import_map", str(folder), stdout=out, stderr=err)
        seconds = time.perf_counter() - started
    summary = next(line for line in out.getvalue().splitlines() if line.startswith("Imported"))
    delete_new_maps(before)
    kind = "all titled alike" if same_title else "each with its own title"
    return (
        f"| {count} AIF files of 10 statements, {kind} | {seconds:.2f} s "
        f"| {seconds / count * 1000:.1f} ms | {queries.count:,} "
        f"({queries.count / count:.0f} per file) | {summary} |"
    )


def history_by_insert_select(map_: ArgumentMap) -> None:
    """The history rows ``bulk_create_with_history`` writes for an imported map, written
    instead by one ``INSERT ... SELECT`` per table (a sketch of a faster import)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for model, where in (
        (Statement, "map_id = %s"),
        (Link, "map_id = %s"),
        (LinkPremise, f"link_id IN (SELECT id FROM {Link._meta.db_table} WHERE map_id = %s)"),
    ):
        history = model.history.model
        columns = [field.column for field in history.tracked_fields]
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({names}, history_date, "
                "history_change_reason, history_type, history_user_id) "
                f"SELECT {names}, %s, NULL, '+', NULL FROM {model._meta.db_table} "
                f"WHERE {where}",
                [now, map_.pk],
            )


def profile(path: Path, runs: int) -> None:
    result = read_map(path.read_bytes(), filename=path.name)
    profiler = cProfile.Profile()
    profiler.enable()
    services.map_import(graph=result.graph, slug="import-bench-profile")
    profiler.disable()
    delete_maps("import-bench-")
    stats = pstats.Stats(profiler).stats
    print(f"\n### Where a 10 000-statement `map_import` goes ({path.name}, under cProfile)\n")
    print("| part | calls | cumulative |")
    print("|---|---:|---:|")
    for filename, function, label in PROFILE_PARTS:
        calls, total = 0, 0.0
        for (file, _, name), (_, ncalls, _, cumulative, callers) in stats.items():
            if file.endswith(filename) and name == function:
                # Count only outermost calls, so recursion is not counted twice.
                outer = {k: v for k, v in callers.items() if k[2] != function}
                calls += ncalls
                total += sum(v[3] for v in outer.values()) if outer else cumulative
        print(f"| {label} | {calls:,} | {total:.2f} s |")

    with_history, without, by_sql = [], [], []
    for run in range(runs):
        started = time.perf_counter()
        services.map_import(graph=result.graph, slug=f"import-bench-h{run}")
        with_history.append(time.perf_counter() - started)
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            started = time.perf_counter()
            map_ = services.map_import(graph=result.graph, slug=f"import-bench-n{run}")
            without.append(time.perf_counter() - started)
        started = time.perf_counter()
        with transaction.atomic():
            history_by_insert_select(map_)
        by_sql.append(time.perf_counter() - started)
        delete_maps("import-bench-")
    print(f"\n### History rows in a 10 000-statement import (median of {runs}, no profiler)\n")
    print("| | time |")
    print("|---|---:|")
    print(f"| `services.map_import` as it is | {statistics.median(with_history):.2f} s |")
    print(
        "| the same with `SIMPLE_HISTORY_ENABLED=False` (no history rows) "
        f"| {statistics.median(without):.2f} s |"
    )
    print(
        "| the history rows written afterwards by one `INSERT … SELECT` per table "
        f"| {statistics.median(by_sql):.2f} s |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=500, help="small AIF files for import_map")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    print(f"Machine: {machine()}")
    print(f"Database: {connection.vendor}; median of {args.runs} runs\n")
    files = write_files()
    print(
        "| file (10 000 statements) | size | statements / links | read_map | map_import | total |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for label, path in files.items():
        print(bench_file(label, path, args.runs), flush=True)
    print()
    print("| `manage.py import_map DIR` | total | per file | SQL queries | summary |")
    print("|---|---:|---:|---:|---|")
    print(bench_directory(args.files, same_title=False), flush=True)
    print(bench_directory(args.files, same_title=True), flush=True)
    if args.profile:
        profile(files["whole-map JSON"], args.runs)


if __name__ == "__main__":
    main()
