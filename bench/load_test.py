"""Load test: requests per second and 95th-percentile latency of the read endpoints, with
two gunicorn workers on PostgreSQL and Redis, driven by locust. Traffic goes to
127.0.0.1 only, and every run is bounded in time and in requests.

Run from the repository root (needs ``pip install -r bench/requirements.txt``):

    .venv/bin/python bench/load_test.py                   # 20 s per endpoint, 8 users
    .venv/bin/python bench/load_test.py --seconds 10 --users 4

What it does:

1. creates a fresh PostgreSQL database (``argmap_load`` on ``$ARGMAP_BENCH_PG``, default
   ``postgres://postgres@127.0.0.1:5432``), migrates it and imports the bench maps of
   30, 1 000, 3 000 and 10 000 statements (``bench/load_maps.py``); empties Redis
   database 14;
2. starts ``gunicorn -c gunicorn.conf.py argmap.wsgi`` on 127.0.0.1:8811 with 2 workers
   (``gunicorn.conf.py``'s 2 threads each), ``DJANGO_DEBUG=0``, that database,
   ``REDIS_URL=redis://127.0.0.1:6379/14`` and rate limits of 1 000 000/min;
3. GETs each URL once (so graph JSON and diagrams are in the cache, as they are for a
   map that is read more than once), then runs locust headless against each URL in turn
   (``bench/locustfile.py``: closed loop, no wait), and prints a Markdown table from
   locust's CSV statistics;
4. stops gunicorn and drops the database.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import redis

from bench.common import OUT, ROOT, machine

PG = os.environ.get("ARGMAP_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = "argmap_load"
REDIS_URL = "redis://127.0.0.1:6379/14"
BIND = "127.0.0.1:8811"
PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent

# (label, path, Accept-Encoding)
SCENARIOS = (
    ("whole map, 1 000 statements", "/api/maps/bench-1000/graph/", "gzip"),
    ("whole map, 10 000 statements", "/api/maps/bench-10000/graph/", "gzip"),
    ("whole map, 10 000 statements, no gzip", "/api/maps/bench-10000/graph/", ""),
    ("statements, first page, 10 000-statement map", "/api/statements/?map=bench-10000", "gzip"),
    ("links, first page, 10 000-statement map", "/api/links/?map=bench-10000", "gzip"),
    ("map list", "/api/maps/", "gzip"),
    ("diagram SVG, 30 statements (cached)", "/api/maps/bench-30/diagram.svg", "gzip"),
    ("diagram SVG, 1 000 statements (cached)", "/api/maps/bench-1000/diagram.svg", "gzip"),
    ("diagram SVG, 3 000 statements (cached)", "/api/maps/bench-3000/diagram.svg", "gzip"),
)


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GUNICORN_BIND=BIND,
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESSLOG=str(OUT / "gunicorn-access.log"),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="load-test-only-not-a-secret",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=REDIS_URL,
        ARGMAP_THROTTLE_ANON="1000000/min",
        ARGMAP_THROTTLE_USER="1000000/min",
    )
    return env


def fresh_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def wait_until_up(process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see gunicorn.log")
        try:
            with urllib.request.urlopen(f"http://{BIND}/api/maps/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def warm(path: str) -> int:
    """GET once (twice for gzip) so the caches hold the answer; return the body size."""
    size = 0
    for encoding in ("identity", "gzip"):
        request = urllib.request.Request(
            f"http://{BIND}{path}", headers={"Accept-Encoding": encoding}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            body = response.read()
            if encoding == "identity":
                size = len(body)
    return size


def run_locust(path: str, encoding: str, users: int, seconds: int, max_requests: int) -> dict:
    prefix = OUT / "locust" / path.strip("/").replace("/", "_").replace("?", "_")
    prefix = prefix.with_name(prefix.name + ("-gzip" if encoding else "-identity"))
    prefix.parent.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        LOCUST_PATH=path,
        LOCUST_ACCEPT_ENCODING=encoding,
        LOCUST_MAX_REQUESTS=str(max_requests),
    )
    subprocess.run(
        [
            str(VENV_BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            f"http://{BIND}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        timeout=seconds + 60,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{prefix}.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    return rows[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="run time per endpoint")
    parser.add_argument("--users", type=int, default=8, help="concurrent locust users")
    parser.add_argument("--max-requests", type=int, default=50_000, help="per endpoint")
    args = parser.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    env = server_env()
    fresh_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run(
        [PYTHON, str(ROOT / "bench" / "load_maps.py"), "30", "1000", "3000", "10000"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 (open while gunicorn runs)
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "argmap.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(server)
        print(f"Machine: {machine()}")
        print(
            f"gunicorn: 2 workers × 2 threads on {BIND}; PostgreSQL; Redis cache; locust "
            f"{args.users} users, closed loop, {args.seconds} s per endpoint "
            f"(at most {args.max_requests:,} requests); locust runs on the same 2 CPUs\n"
        )
        print(
            "| endpoint | Accept-Encoding | body | requests | failures | requests/s "
            "| median | 95th percentile |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for label, path, encoding in SCENARIOS:
            size = warm(path)
            stats = run_locust(path, encoding, args.users, args.seconds, args.max_requests)
            print(
                f"| {label} (`{path}`) | {encoding or 'none'} | {size / 1e6:.2f} MB "
                f"| {int(stats['Request Count']):,} | {int(stats['Failure Count']):,} "
                f"| {float(stats['Requests/s']):,.0f} | {stats['50%']} ms "
                f"| {stats['95%']} ms |",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        drop_database()
        redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
