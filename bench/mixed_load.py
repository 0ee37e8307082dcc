"""Benchmark: reads while a big deck is drawn ("Heavy work off the request", issue 22).

Runs the production setup itself (needs PostgreSQL and Redis on 127.0.0.1): gunicorn with
gunicorn.conf.py, DEBUG off, and one worker of the task queue on Redis
(``bench.hostile_load.production_server``). Then:

- a signed-in user makes a map of ``--statements`` generated statements (1 000) through the
  API and asks for its slide deck: a job (202), followed until it ends;
- meanwhile ``--clients`` anonymous clients (16, each from its own address) read the
  essay's whole graph (``GET /api/maps/{slug}/graph/``) for ``--seconds`` (30), each
  pausing ``--pause`` s between reads (0.6: within the anonymous read limit, 120 a
  minute).

Prints Markdown: the reads' count by status, their median, p95 and max; the deck's time
from request to PDF, its progress as seen, its pages and their size. The figures in
docs/performance.md ("Reads while a deck is drawn") come from it.

    .venv/bin/python bench/mixed_load.py
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import math
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, ms
from bench.hostile_load import ESSAY, fetch, production_server
from scripts.job_kill_check import make_map
from scripts.smoke import call

BROKER = "redis://127.0.0.1:6379/11"
SLUG = "bench-deck"


def follow(base: str, auth: dict[str, str], location: str, limit: float) -> tuple[dict, list]:
    """The job once it ends, and the (seconds, state, done, total) seen on the way."""
    started = time.monotonic()
    seen: list[tuple[float, str, int, int | None]] = []
    while True:
        job = json.loads(call(base, "GET", location, None, auth)[2])
        step = (job["state"], job["progress"]["done"], job["progress"]["total"])
        if not seen or seen[-1][1:] != step:
            seen.append((time.monotonic() - started, *step))
        if job["state"] in ("done", "failed") or time.monotonic() - started > limit:
            return job, seen
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pause", type=float, default=0.6)
    args = parser.parse_args(argv)

    from pypdf import PdfReader

    with production_server(broker_url=BROKER) as (base, token):
        auth = {"Authorization": f"Token {token}"}
        make_map(base, auth, SLUG, args.statements)
        stop = threading.Event()
        reads: list[tuple[int, float]] = []

        def reader(n: int) -> None:
            while not stop.is_set():
                reads.append(
                    fetch(f"{base}/api/maps/{ESSAY}/graph/", {"X-Forwarded-For": f"10.1.0.{n}"})
                )
                stop.wait(args.pause)

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        asked = time.monotonic()
        status, headers, _ = call(
            base, "GET", f"/api/maps/{SLUG}/diagram.pdf?page=slides", None, auth
        )
        job, seen = follow(base, auth, headers["Location"], 600) if status == 202 else ({}, [])
        deck_seconds = time.monotonic() - asked
        pdf = b""
        if job.get("state") == "done":
            pdf = call(base, "GET", urlsplit(job["result"]).path, None, auth)[2]
        stop.wait(max(0.0, args.seconds - (time.monotonic() - asked)))
        stop.set()
        for thread in threads:
            thread.join(timeout=90)

    times = sorted(t for _, t in reads)
    p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
    codes = dict(collections.Counter(code for code, _ in reads))
    pages = PdfReader(io.BytesIO(pdf)).pages if pdf.startswith(b"%PDF") else []
    sizes = collections.Counter((round(p.mediabox.width), round(p.mediabox.height)) for p in pages)
    print(f"Reads while a {args.statements}-statement deck is drawn; {machine()}\n")
    print("| what | figure |")
    print("|---|---|")
    print(f"| the deck's request | {status} |")
    ended = f"{job.get('state')}, {job.get('attempts')} attempt(s) {job.get('error', '')}"
    print(f"| the job | {ended} |")
    print(f"| from request to PDF | {deck_seconds:.1f} s |")
    print(f"| the deck | {len(pages)} slides, {dict(sizes)} pt |")
    progress = ", ".join(f"{s:.0f} s: {state} {done}/{total}" for s, state, done, total in seen)
    print(f"| progress seen | {progress} |")
    print(
        f"| reads of the essay's graph ({args.clients} clients, {args.seconds:g} s) "
        f"| {len(reads)}, by status {codes} |"
    )
    print(f"| reads: median, p95, max | {ms(times[len(times) // 2])}, {ms(p95)}, {ms(times[-1])} |")


if __name__ == "__main__":
    main()
