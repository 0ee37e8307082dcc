"""Benchmark: what a hostile client's requests cost the service ("Hold under hostile load").

Run from the repository root, on the database to measure (PostgreSQL is what production
runs; unset, the bench SQLite file of ``bench/common.py``):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/hostile_load.py search

``search``: ``GET /api/statements/?search=`` over ``bench-10000`` and ``bench-20000``
(imported first by ``bench/load_maps.py``'s ``load_map`` unless there) and whatever else
the database holds: one rare word, one common word, the most words allowed
(``ARGMAP_SEARCH_MAX_WORDS``), the longest search allowed, and the 1 000-word, 4 KB search
that answered 500 on SQLite and took 5.5 s on PostgreSQL before the caps. Median of
``--runs`` through Django's test Client, with the status code.

``pages``: the coaches' page of ``bench-20000`` as served, and with every page bound
(``ARGMAP_PAGE_*``) lifted, as one request built it before: status, size and median time.

Prints Markdown; the figures in docs/performance.md ("Hostile load") come from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median_time, ms, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from api.models import Statement  # noqa: E402
from bench.load_maps import load_map  # noqa: E402

# Words of the generated maps' sentences (bench/generate.py), each in many statements.
COMMON_WORDS = ["treaty", "peace", "islands", "Russia", "Japan"]
COMMON_WORDS += ["China", "sovereignty", "the", "of", "and"]


def search(runs: int) -> None:
    call_command("migrate", verbosity=0)
    for n in (10_000, 20_000):
        print(f"<!-- {load_map(n)[1]} -->")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE api_statement")
    total = Statement.objects.count()
    client = Client()
    most = settings.ARGMAP_SEARCH_MAX_WORDS
    longest = settings.ARGMAP_SEARCH_MAX_LENGTH
    common = COMMON_WORDS[0]
    cases = [
        ("one rare word", "zqxjv"),
        ("one common word", common),
        (f"{most} common words (the most allowed)", " ".join(COMMON_WORDS[:most])),
        (f"{most} one-letter words (no trigram to look up)", " ".join("etaoinshrd"[:most])),
        (f"one word of {longest} characters (the longest allowed)", "q" * longest),
        ("1 000 words, 4 KB (refused)", " ".join(["sovereignty"] * 1000)[:4000]),
    ]
    print(f"Statement search over {total:,} statements, {connection.vendor}; {machine()}\n")
    print("| search | status | median |")
    print("|---|---|---|")
    for name, query in cases:
        status = []

        def call(query=query, status=status) -> None:
            status.append(client.get("/api/statements/", {"search": query}).status_code)

        seconds = median_time(call, runs)
        print(f"| {name} | {status[-1]} | {ms(seconds)} |")


def pages(runs: int) -> None:
    """A coaches' page of the 20 000-statement map, as served now and with every page
    bound lifted (what one request built before)."""
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    print(f"<!-- {load_map(20_000)[1]} -->")
    client = Client()
    unbounded = {
        "ARGMAP_PAGE_STATEMENTS": 10**9,
        "ARGMAP_PAGE_LINKS_PER_STATEMENT": 10**9,
        "ARGMAP_PAGE_MAX_ESSAY_CHARS": 10**12,
        "ARGMAP_PAGE_MAX_FOCUS_CHOICES": 10**9,
    }
    print(f"The page of bench-20000 (20 000 statements), {connection.vendor}; {machine()}\n")
    print("| page | status | size | median |")
    print("|---|---|---|---|")
    for name, overrides in (("bounded (now)", {}), ("every bound lifted (before)", unbounded)):
        with override_settings(**overrides):
            sizes = []

            def call(sizes=sizes) -> None:
                response = client.get("/maps/bench-20000/")
                sizes.append((response.status_code, len(response.content)))

            seconds = median_time(call, runs)
        status, size = sizes[-1]
        print(f"| {name} | {status} | {size / 1e6:.2f} MB | {ms(seconds)} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["search", "pages"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.what == "search":
        search(args.runs)
    elif args.what == "pages":
        pages(args.runs)


if __name__ == "__main__":
    main()
