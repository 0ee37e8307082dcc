"""Generate the benchmark maps and import them through the bulk import path.

Run from the repository root:

    .venv/bin/python bench/load_maps.py                 # 1 000, 10 000 and 100 000 statements
    .venv/bin/python bench/load_maps.py 1000 3000 --fresh

Each map comes from ``bench.generate.generate_graph(n, seed)`` (with a source text its
quotes point into) and is written by ``services.map_import``, the same bulk path as
``manage.py import_map`` and ``POST /api/maps/import/``, as slug ``bench-<n>``. A map that
is already there with the right number of statements is kept unless ``--fresh``.

The database is ``DATABASE_URL``; unset, it is a SQLite file ``bench/out/bench.sqlite3``
(never the development database), migrated first; on PostgreSQL the tables are then
analysed (``ANALYZE``), as autovacuum would do. Prints one line per map: generation and
import time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from api import services  # noqa: E402
from api.models import ArgumentMap  # noqa: E402
from bench.generate import generate_graph, with_source_text  # noqa: E402

SIZES = (1_000, 10_000, 100_000)


def bench_slug(n: int) -> str:
    return f"bench-{n}"


def load_map(n: int, *, seed: int = 0, fresh: bool = False) -> tuple[ArgumentMap, str]:
    """Return the ``bench-<n>`` map, importing it unless it is already there; and a line
    saying what was done and how long it took."""
    slug = bench_slug(n)
    existing = ArgumentMap.objects.filter(slug=slug).first()
    if existing is not None and not fresh and existing.statements.count() == n:
        return existing, f"{slug}: already there ({n:,} statements), kept"
    if existing is not None:
        with override_settings(SIMPLE_HISTORY_ENABLED=False):  # no history of the clean-up
            services.map_delete(map_=existing)
    started = time.perf_counter()
    graph = with_source_text(generate_graph(n, seed=seed))
    generated = time.perf_counter() - started
    started = time.perf_counter()
    map_ = services.map_import(graph=graph, slug=slug, title=graph.map.title)
    imported = time.perf_counter() - started
    return map_, (
        f"{slug}: {n:,} statements, {len(graph.links):,} links; generated in "
        f"{generated:.2f} s, imported (services.map_import) in {imported:.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="re-import maps already there")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    for n in args.sizes:
        _, line = load_map(n, seed=args.seed, fresh=args.fresh)
        print(line, flush=True)
    if connection.vendor == "postgresql":
        # Planner statistics, as autovacuum would gather them soon after a bulk import.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
