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

``renders`` (needs PostgreSQL and Redis on 127.0.0.1, and runs gunicorn itself): ten
anonymous clients, from ten addresses, ask for renders with ever new options (A4
handouts with quotes, slides past the last) for ``--seconds`` while a signed-in user reads
the essay's graph every half second; then the reads' median, p95 and max, the render
answers by status, the ``dot`` processes left, and a refusal that needs layout asked
twice.

Prints Markdown; the figures in docs/performance.md ("Hostile load") come from it.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import math
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine, median_time, ms, setup_django

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


ESSAY = "kozyrev-2019-russo-japanese-peace-treaty"


@contextlib.contextmanager
def production_server(
    port: int = 8790,
    redis_url: str = "redis://127.0.0.1:6379/13",
    *,
    broker_url: str | None = None,
):
    """gunicorn with gunicorn.conf.py, DEBUG off, PostgreSQL (a fresh database
    ``argmap_hostile``) and Redis (db 13), the essay loaded, one proxy trusted (so the
    clients can be told apart by X-Forwarded-For); yields its URL and a user's token.
    With ``broker_url`` (a Redis database, emptied first), jobs go to one worker of the
    task queue started beside it (``celery -A argmap worker``), as docs/deploy.md runs."""
    python = str(ROOT / ".venv" / "bin" / "python")
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/argmap_hostile",
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-not-a-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "ARGMAP_NUM_PROXIES": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "/dev/null",
    }
    for name in ("ARGMAP_THROTTLE_ANON", "ARGMAP_THROTTLE_USER"):
        env.pop(name, None)  # the production limits, not the benchmarks' lifted ones
    if broker_url is not None:
        env["CELERY_BROKER_URL"] = broker_url

    def run(*args: str) -> str:
        return subprocess.run(
            args, env=env, check=True, capture_output=True, text=True, timeout=300, cwd=ROOT
        ).stdout

    run(
        "psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS argmap_hostile"
    )
    run("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE argmap_hostile")
    run("redis-cli", "-u", redis_url, "FLUSHDB")
    if broker_url is not None:
        run("redis-cli", "-u", broker_url, "FLUSHDB")
    run(python, "manage.py", "migrate", "-v0")
    run(python, "manage.py", "load_essay")
    run(python, "manage.py", "shell", "-c", CREATE_READER)
    token = run(python, "manage.py", "drf_create_token", "reader").split()[2]
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "argmap.wsgi"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    if broker_url is not None:
        worker = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "argmap", "worker", "-c", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if fetch(base + "/api/")[0] == 200:
                    break
            time.sleep(0.2)
        yield base, token
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


CREATE_READER = (
    "from django.contrib.auth import get_user_model; "
    "get_user_model().objects.create_user('reader', password='bench-pass-123')"
)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, float]:
    """Status and seconds of one GET (a refused request is an answer too)."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def dot_processes() -> int:
    done = subprocess.run(["pgrep", "-c", "-x", "dot"], capture_output=True, text=True)
    return int(done.stdout.strip() or 0)


def renders(seconds: int) -> None:
    """Ten anonymous clients (ten addresses) ask for renders with ever new options while
    a signed-in user reads the essay's graph every half second."""
    with production_server() as (base, token):
        essay = f"{base}/api/maps/{ESSAY}"
        stop = threading.Event()
        reads: list[tuple[int, float]] = []
        answers: collections.Counter[int] = collections.Counter()

        def reader() -> None:
            while not stop.is_set():
                reads.append(fetch(f"{essay}/graph/", {"Authorization": f"Token {token}"}))
                stop.wait(0.5)

        def attacker(n: int) -> None:
            k = 0
            while not stop.is_set():
                k += 1
                wrap = 16 + (n * 37 + k) % 45
                url = f"{essay}/diagram.pdf?page=a4&quotes=1&wrap={wrap}"
                if k % 3 == 0:
                    url = f"{essay}/diagram.svg?slide={(n + k) % 40 + 1}&wrap={wrap}"
                status, _ = fetch(url, {"X-Forwarded-For": f"10.0.0.{n}"})
                answers[status] += 1

        threads = [threading.Thread(target=reader)]
        threads += [threading.Thread(target=attacker, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
        after = dot_processes()
        # As the signed-in user: the anonymous render quota is spent by now.
        signed_in = {"Authorization": f"Token {token}"}
        first = fetch(f"{essay}/diagram.svg?slide=50&wrap=33", signed_in)
        second = fetch(f"{essay}/diagram.svg?slide=50&wrap=33", signed_in)
    times = sorted(t for _, t in reads)
    p95 = times[max(0, math.ceil(0.95 * len(times)) - 1)]
    codes = collections.Counter(status for status, _ in reads)
    print(f"Renders under attack for {seconds} s; {machine()}\n")
    print("| what | figure |")
    print("|---|---|")
    print(f"| reads of the essay's graph (signed in, every 0.5 s) | {len(reads)}, {dict(codes)} |")
    print(f"| reads: median, p95, max | {ms(times[len(times) // 2])}, {ms(p95)}, {ms(times[-1])} |")
    print(
        f"| render requests by 10 anonymous clients, by status | {dict(sorted(answers.items()))} |"
    )
    print(f"| `dot` processes once the clients stopped | {after} |")
    print(
        f"| a refusal that needs layout (slide=50), asked twice | {first[0]} in {ms(first[1])}, "
        f"then {second[0]} in {ms(second[1])} |"
    )


def outages(seconds: int) -> None:
    """Reads and writes go on while Redis goes away and comes back, and while PostgreSQL
    restarts: a signed-in client reads the essay's graph and adds a statement to a map of
    its own in turn, ten times a second, through each phase; answers by status and what was
    written. Redis is a server of this benchmark's own (a free port), PostgreSQL the
    machine's (``pg_ctlcluster``: run it as root, on a machine where a restart is fine)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    redis_command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    redis_server = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        with production_server(redis_url=f"redis://127.0.0.1:{port}/0") as (base, token):
            auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            create = urllib.request.Request(
                f"{base}/api/maps/", data=b'{"slug": "mine", "title": "Mine"}', headers=auth
            )
            urllib.request.urlopen(create, timeout=30).read()
            phase = ["Redis up"]
            stop = threading.Event()
            seen: collections.Counter[tuple[str, str, int]] = collections.Counter()
            written = [0]

            def client() -> None:
                n = 0
                while not stop.is_set():
                    status, _ = fetch(f"{base}/api/maps/{ESSAY}/graph/", auth)
                    seen[(phase[0], "read", status)] += 1
                    n += 1
                    body = f'{{"map": "mine", "text": "Statement {n}."}}'.encode()
                    write = urllib.request.Request(
                        f"{base}/api/statements/", data=body, headers=auth, method="POST"
                    )
                    try:
                        with urllib.request.urlopen(write, timeout=30) as response:
                            status = response.status
                    except urllib.error.HTTPError as error:
                        status = error.code
                    except OSError:
                        status = 0  # no answer at all
                    written[0] += status == 201
                    seen[(phase[0], "write", status)] += 1
                    stop.wait(0.1)  # within the user's read limit (1 200/min)

            thread = threading.Thread(target=client)
            thread.start()
            for name, action in (
                ("Redis down", redis_server.kill),
                ("Redis back", lambda: None),
                ("PostgreSQL restarting", restart_postgresql),
                ("after the restart", lambda: None),
            ):
                time.sleep(seconds)
                if name == "Redis back":
                    redis_server.wait()
                    redis_server = subprocess.Popen(redis_command, stdout=subprocess.DEVNULL)
                phase[0] = name
                action()
            time.sleep(seconds)
            stop.set()
            thread.join(timeout=60)
            count = urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}/api/statements/?map=mine&page_size=1", headers=auth
                ),
                timeout=30,
            ).read()
    finally:
        redis_server.kill()
    print(f"Reads and writes through outages, {seconds} s a phase; {machine()}\n")
    print("| phase | what | status | answers |")
    print("|---|---|---|---|")
    for (name, what, status), n in seen.items():
        print(f"| {name} | {what} | {status} | {n} |")
    held = json.loads(count)["count"]
    verdict = "nothing lost" if held == written[0] else "MISMATCH"
    print(f"\n{written[0]} statements written (201); the map holds {held}: {verdict}.")


def restart_postgresql() -> None:
    cluster = next(Path("/etc/postgresql").iterdir()).name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
        check=True,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["search", "pages", "renders", "outages"])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.what == "search":
        search(args.runs)
    elif args.what == "pages":
        pages(args.runs)
    elif args.what == "renders":
        renders(args.seconds)
    elif args.what == "outages":
        outages(args.seconds)


if __name__ == "__main__":
    main()
