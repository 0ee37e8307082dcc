"""Benchmark: the API's read paths on the bench maps, through Django's test Client.

Run from the repository root after ``bench/load_maps.py``:

    .venv/bin/python bench/bench_api.py                  # graph, lists, diagrams
    .venv/bin/python bench/bench_api.py --only graph --runs 3

Prints Markdown tables:

- **graph**: ``GET /api/maps/{slug}/graph/`` with an empty cache (the request path:
  middleware, DRF, the map lookup, three queries, JSON, the cache write) against its
  floor measured in the same run (the same three queries as ``values_list`` and the rows
  dumped as they are with orjson: no dicts, no roles, no HTTP), the ratio of the two,
  the path before this change (``graphjson.to_dict(selectors.map_graph_get(m))`` rendered
  by DRF's JSONRenderer) for reference, a repeat served from the cache, the same with
  ``Accept-Encoding: gzip``, and a 304 (the map lookup alone);
- **lists**: the first page (50 rows) of statements and links of one map, the map list,
  and the last page of statements, with their query counts, by map size; and the page
  querysets as they are against the changes docs/performance.md proposes;
- **diagrams**: a cold SVG render (auto engine) and a repeat from the cache.

Database and settings as ``bench/common.py`` says (SQLite ``bench/out/bench.sqlite3``
unless ``DATABASE_URL``); the cache is Django's (local memory unless ``REDIS_URL``).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median_time, ms, setup_django

setup_django()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Prefetch  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402

from api import selectors  # noqa: E402
from api.graph import graphjson  # noqa: E402
from api.models import ArgumentMap, Link, LinkPremise, Statement  # noqa: E402

GRAPH_SIZES = (1_000, 10_000, 100_000)
LIST_SIZES = (1_000, 10_000, 100_000)
DIAGRAM_SIZES = (30, 1_000, 3_000)


def bench_map(n: int) -> ArgumentMap:
    try:
        return ArgumentMap.objects.get(slug=f"bench-{n}")
    except ArgumentMap.DoesNotExist:
        sys.exit(f"No map bench-{n}: run bench/load_maps.py {n} first.")


MAP_FIELDS = graphjson.MAP_KEYS  # the map fields of the whole-graph JSON


def floor(map_: ArgumentMap) -> bytes:
    """The same rows the graph endpoint reads (the map's, its statements', links' and
    premises'), fetched with ``values_list`` and dumped as they are by orjson."""
    info = list(ArgumentMap.objects.filter(pk=map_.pk).values_list(*MAP_FIELDS))
    statements = list(
        Statement.objects.filter(map=map_)
        .order_by("id")
        .values_list(
            "id", "text", "quote", "quote_start", "quote_end", "attributed_to", "base_score"
        )
    )
    premises = list(
        LinkPremise.objects.filter(link__map=map_)
        .order_by("link_id", "position", "id")
        .values_list("link_id", "statement_id")
    )
    links = list(
        Link.objects.filter(map=map_)
        .order_by("id")
        .values_list("id", "kind", "conclusion_id", "target_link_id", "scheme", "note")
    )
    return orjson.dumps(
        {"map": info, "statements": statements, "premises": premises, "links": links}
    )


def before_change(map_: ArgumentMap) -> bytes:
    """The graph endpoint's work before the fast path: graph objects, dicts, DRF's renderer."""
    return JSONRenderer().render(graphjson.to_dict(selectors.map_graph_get(map_)))


def get(client: Client, path: str, **headers) -> bytes:
    response = client.get(path, **headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code} {response.content[:300]!r}")
    return response.content


def bench_graph(sizes, runs: int) -> None:
    client = Client()
    print("### Whole-map JSON: `GET /api/maps/{slug}/graph/`\n")
    print(
        "| statements | links | JSON | gzip | floor (values_list + orjson) "
        "| endpoint, cold cache | ratio | rows to JSON alone (`map_graph_json`) "
        "| before (graph objects + DRF renderer) "
        "| endpoint, cached | gzip, cold | gzip, cached | 304 (If-None-Match) "
        "| queries cold / cached |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        map_ = bench_map(n)
        path = f"/api/maps/{map_.slug}/graph/"
        k = runs if n < 100_000 else 5
        body = get(client, path)
        zipped = get(client, path, HTTP_ACCEPT_ENCODING="gzip")
        assert orjson.loads(gzip.decompress(zipped)) == orjson.loads(body)
        # Alternate floor and endpoint runs, so both see the same machine load.
        floor_times, cold_times = [], []
        for _ in range(k):
            floor_times.append(median_time(lambda m=map_: floor(m), 1))
            cold_times.append(median_time(lambda p=path: get(client, p), 1, before=cache.clear))
        floor_s, cold_s = sorted(floor_times)[k // 2], sorted(cold_times)[k // 2]
        selector_s = median_time(lambda m=map_: selectors.map_graph_json(m), k)
        old_s = median_time(lambda m=map_: before_change(m), k)
        get(client, path)
        cached_s = median_time(lambda p=path: get(client, p), max(k, 10))
        gz_cold = median_time(
            lambda p=path: get(client, p, HTTP_ACCEPT_ENCODING="gzip"), k, before=cache.clear
        )
        get(client, path, HTTP_ACCEPT_ENCODING="gzip")
        gz_cached = median_time(
            lambda p=path: get(client, p, HTTP_ACCEPT_ENCODING="gzip"), max(k, 10)
        )
        not_modified = median_time(
            lambda p=path, tag=f'"{map_.version}"': client.get(p, HTTP_IF_NONE_MATCH=tag), 21
        )
        cache.clear()
        with CaptureQueriesContext(connection) as cold_q:
            get(client, path)
        with CaptureQueriesContext(connection) as cached_q:
            get(client, path)
        print(
            f"| {n:,} | {map_.links.count():,} | {len(body) / 1e6:,.1f} MB "
            f"| {len(zipped) / 1e6:,.2f} MB | {ms(floor_s)} | {ms(cold_s)} "
            f"| {cold_s / floor_s:.2f}× | {ms(selector_s)} ({selector_s / floor_s:.2f}×) "
            f"| {ms(old_s)} | {ms(cached_s)} | {ms(gz_cold)} "
            f"| {ms(gz_cached)} | {ms(not_modified)} | {len(cold_q)} / {len(cached_q)} |",
            flush=True,
        )
    print()


def bench_lists(sizes, runs: int) -> None:
    client = Client()
    print("### Lists: first page (50 rows), by map size\n")
    print(
        "| map statements | `/api/statements/?map=` | `/api/links/?map=` "
        "| `/api/statements/?map=&role=premise` | `/api/maps/` "
        "| last page of `/api/statements/?map=` | queries (each) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        map_ = bench_map(n)
        paths = [
            f"/api/statements/?map={map_.slug}",
            f"/api/links/?map={map_.slug}",
            f"/api/statements/?map={map_.slug}&role=premise",
            "/api/maps/",
            f"/api/statements/?map={map_.slug}&page=last",
        ]
        cells, counts = [], []
        for path in paths:
            get(client, path)
            cells.append(ms(median_time(lambda p=path: get(client, p), runs)))
            with CaptureQueriesContext(connection) as queries:
                get(client, path)
            counts.append(str(len(queries)))
        print(f"| {n:,} | {' | '.join(cells)} | {' / '.join(counts)} |", flush=True)
    print()


def bench_list_querysets(sizes, runs: int) -> None:
    """The list endpoints' querysets as they are, and with changes proposed in
    docs/performance.md, evaluated for one page without HTTP."""
    print("### Lists: the page querysets now and as proposed (ORM only, no HTTP)\n")
    print(
        "| map statements | statements page now | with `map` source text deferred "
        "| deferred, and role flags for the page's ids only (2 queries) "
        "| links count + page now | without `distinct()`, source text deferred |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    heavy = ("map__source_text", "map__summary")
    for n in sizes:
        map_ = bench_map(n)
        statements = (
            Statement.objects.visible_to(None)
            .filter(map=map_)
            .with_role_flags()
            .select_related("map")
            .order_by("id")
        )
        links = (
            Link.objects.visible_to(None)
            .filter(map=map_)
            .select_related("map")
            .prefetch_related(
                Prefetch("premise_rows", queryset=LinkPremise.objects.order_by("position", "id"))
            )
            .order_by("id")
        )
        statements_deferred = statements.defer(*heavy)
        plain_page = (
            Statement.objects.visible_to(None)
            .filter(map=map_)
            .select_related("map")
            .defer(*heavy)
            .order_by("id")
        )

        def page_then_roles(q=plain_page) -> None:
            page = list(q[:50])
            ids = [s.pk for s in page]
            targets = set(
                Link.objects.filter(conclusion_id__in=ids).values_list("conclusion_id", flat=True)
            )
            premises = set(
                LinkPremise.objects.filter(statement_id__in=ids).values_list(
                    "statement_id", flat=True
                )
            )
            for s in page:
                s.is_target, s.is_premise = s.pk in targets, s.pk in premises

        links_now, links_proposed = links.distinct(), links.defer(*heavy)
        cells = [
            median_time(lambda q=statements: list(q[:50]), runs),
            median_time(lambda q=statements_deferred: list(q[:50]), runs),
            median_time(page_then_roles, runs),
            median_time(lambda q=links_now: (q.count(), list(q[:50])), runs),
            median_time(lambda q=links_proposed: (q.count(), list(q[:50])), runs),
        ]
        print(f"| {n:,} | {' | '.join(ms(c) for c in cells)} |", flush=True)
    print()


def bench_diagrams(sizes, runs: int) -> None:
    client = Client()
    print("### Diagrams: `GET /api/maps/{slug}/diagram.svg` (auto engine)\n")
    print("| statements | SVG | cold (empty cache) | cached repeat |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        map_ = bench_map(n)
        path = f"/api/maps/{map_.slug}/diagram.svg"
        k = runs if n < 1_000 else 3
        cold = median_time(lambda p=path: get(client, p), k, before=cache.clear)
        svg = get(client, path)
        cached = median_time(lambda p=path: get(client, p), 20)
        print(f"| {n:,} | {len(svg) / 1e6:,.2f} MB | {ms(cold)} | {ms(cached)} |", flush=True)
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["graph", "lists", "diagrams"], action="append")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (median)")
    args = parser.parse_args(argv)
    parts = args.only or ["graph", "lists", "diagrams"]
    print(f"Machine: {machine()}")
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"Database: {connection.vendor}; cache: {backend}; median of {args.runs} runs "
        "(5 at 100 000 statements)\n"
    )
    if "graph" in parts:
        bench_graph(GRAPH_SIZES, args.runs)
    if "lists" in parts:
        bench_lists(LIST_SIZES, max(args.runs, 15))
        bench_list_querysets(LIST_SIZES, max(args.runs, 9))
    if "diagrams" in parts:
        bench_diagrams(DIAGRAM_SIZES, args.runs)


if __name__ == "__main__":
    main()
