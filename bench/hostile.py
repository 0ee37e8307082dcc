"""Benchmark: the importers on hostile files, at n, 2n and 4n, in seconds and budget steps.

Run from the repository root:

    .venv/bin/python bench/hostile.py            # the readers, then the API (SQLite)
    .venv/bin/python bench/hostile.py --quick    # smaller n, one run each

The files are those of the regression corpus (``tests/hostile_corpus.py``): Argdown
floods of openers that never close (``{``, ``[``, ``<``, ``@[``, ``#(``, and ``{"``
whose quoting differs from brace to brace), an AIF chain of CA nodes that are all
orphans, JSON nested 50 000 deep and more, and large but flat whole-map JSON.

1. The readers (``formats.read_map``, plain Python): the best seconds of ``--runs``, the
   steps the import budget counted, how the time and the steps grow from n to 4n
   (linear: 4x; quadratic: 16x), and the outcome (statements read, or the 400's reason).
2. Through the API (Django's test Client, the bench database as ``bench/common.py``
   says): ``POST /api/maps/import/`` of 32 000 ``{`` and ``[`` alone (refused: a file
   that starts so is JSON, or holds no statement), of an Argdown claim followed by
   32 000, 64 000 and 128 000 of them (imported), of the 16 000-CA AIF chain, and
   ``PUT .../graph/`` of a body nested 50 000 deep, with the status code.

Prints Markdown; the figures in docs/performance.md ("Hostile input") come from it.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from api.graph.budget import Budget  # noqa: E402
from api.graph.errors import FormatError  # noqa: E402
from api.graph.formats import read_map  # noqa: E402
from api.models import ArgumentMap  # noqa: E402
from tests import hostile_corpus as corpus  # noqa: E402

# name, format, n, make(n) -> the file's text
CASES: list[tuple[str, str, int, Callable[[int], str]]] = [
    *(
        (f"Argdown `{o}` flood", "argdown", 16_000, lambda n, o=o: corpus.argdown_flood(o, n))
        for o in corpus.ARGDOWN_OPENERS
    ),
    ('Argdown `{"` flood', "argdown", 16_000, corpus.argdown_quoted_braces),
    ("Argdown data block nested n deep", "argdown", 50_000, corpus.argdown_deep_data),
    ("Argdown front matter nested n deep", "argdown", 50_000, corpus.argdown_deep_front_matter),
    (
        "AIF chain of n orphan CA nodes",
        "aif",
        4_000,
        lambda n: json.dumps(corpus.aif_orphan_chain(n)),
    ),
    ("JSON arrays nested n deep", "json", 50_000, corpus.deep_json),
    ("whole-map JSON, n statements", "json", 2_500, corpus.graph_flat),
]


def best_time(function: Callable[[], object], runs: int) -> float:
    """The fastest of ``runs`` calls, in seconds: on a shared machine the other runs
    measure the neighbours (the step counts are the figures that do not move)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def read_once(fmt: str, content: bytes) -> tuple[int, str]:
    budget = Budget(
        max_steps=settings.ARGMAP_IMPORT_MAX_STEPS, max_depth=settings.ARGMAP_MAX_NESTING
    )
    try:
        result = read_map(content, fmt=fmt, budget=budget)
    except FormatError as exc:
        return budget.used, f"400: {exc.message[:60]}…"
    return budget.used, f"{len(result.graph.statements)} statements"


def readers(runs: int, scale: float) -> None:
    print("| file | n | size | time | steps | time ×, steps × (from n) | outcome |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, fmt, n0, make in CASES:
        n0 = max(int(n0 * scale), 10)
        first: tuple[float, int] | None = None
        for n in (n0, 2 * n0, 4 * n0):
            content = make(n).encode()
            used, outcome = read_once(fmt, content)
            seconds = best_time(lambda f=fmt, c=content: read_once(f, c), runs)
            growth = ""
            if first is None:
                first = (seconds, used)
            else:
                growth = f"{seconds / first[0]:.1f}, {used / first[1]:.1f}"
            print(
                f"| {name} | {n:,} | {len(content) / 1000:,.0f} KB | {seconds * 1000:,.0f} ms "
                f"| {used:,} | {growth} | {outcome} |"
            )


def api(runs: int) -> None:
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-hostile")
    client = Client()
    client.force_login(user)

    def upload(name: str, content: bytes) -> int:
        slug = f"hostile-{uuid.uuid4().hex[:12]}"
        file = io.BytesIO(content)
        file.name = name
        response = client.post("/api/maps/import/", {"file": file, "slug": slug})
        ArgumentMap.objects.filter(slug=slug).delete()
        return response.status_code

    print("| request | size | time | status |")
    print("|---|---:|---:|---:|")
    claim = "[A]: a claim\n  <+ [B]: a reason\n\n"
    floods = [
        (f"import {n:,} `{o}` alone".replace(",", "\u202f"), "f.argdown", (o * n).encode())
        for o in ("{", "[")
        for n in (32_000,)
    ] + [
        (
            "import a claim, then " + f"{n:,} `{o}`".replace(",", "\u202f"),
            "f.argdown",
            (claim + o * n + "\n").encode(),
        )
        for o in ("{", "[")
        for n in (32_000, 64_000, 128_000)
    ]
    for label, name, content in (
        *floods,
        (
            "import AIF, 16 000 orphan CA nodes",
            "o.json",
            json.dumps(corpus.aif_orphan_chain(16_000)).encode(),
        ),
        ("import JSON nested 50 000 deep", "d.json", corpus.deep_json(50_000).encode()),
    ):
        status = upload(name, content)
        seconds = best_time(lambda n=name, c=content: upload(n, c), runs)
        print(f"| {label} | {len(content) / 1000:,.0f} KB | {seconds * 1000:,.0f} ms | {status} |")
    slug = f"hostile-{uuid.uuid4().hex[:12]}"
    ArgumentMap.objects.create(slug=slug, title="PUT target", owner=user)
    body = corpus.deep_graph_json(50_000)

    def put() -> int:
        etag = client.get(f"/api/maps/{slug}/graph/")["ETag"]
        response = client.put(
            f"/api/maps/{slug}/graph/", body, content_type="application/json", HTTP_IF_MATCH=etag
        )
        return response.status_code

    status = put()
    seconds = best_time(put, runs)
    print(
        f"| PUT graph, body nested 50 000 deep | {len(body) / 1000:,.0f} KB "
        f"| {seconds * 1000:,.0f} ms | {status} |"
    )
    ArgumentMap.objects.filter(slug=slug).delete()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="n / 4 and one run")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    print(f"Machine: {machine()}\n")
    print(
        f"Limits: ARGMAP_IMPORT_MAX_STEPS = {settings.ARGMAP_IMPORT_MAX_STEPS:,}, "
        f"ARGMAP_MAX_NESTING = {settings.ARGMAP_MAX_NESTING}; best of {runs} runs.\n"
    )
    print("### The readers\n")
    readers(runs, 0.25 if args.quick else 1.0)
    print("\n### Through the API\n")
    api(runs)


if __name__ == "__main__":
    main()
