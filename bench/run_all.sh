#!/usr/bin/env bash
# Rerun every figure in docs/performance.md, from the repository root:
#
#     bash bench/run_all.sh            # prints Markdown; also kept in bench/out/results.md
#
# Installs the benchmark tools first (bench/requirements.txt into .venv, the pinned
# Argdown CLI into bench/node), then runs each script. Needs PostgreSQL on 127.0.0.1:5432
# (user postgres, trust; ARGMAP_BENCH_PG to change) and Redis on 127.0.0.1:6379 (database
# 14 is emptied). About 15 minutes on 2 CPUs. SQLite figures use bench/out/bench.sqlite3;
# PostgreSQL ones the databases argmap_bench and argmap_load, made afresh and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PG=${ARGMAP_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=redis://127.0.0.1:6379/14
OUT=bench/out
mkdir -p "$OUT"

.venv/bin/pip install --quiet -r bench/requirements.txt
(cd bench/node && npm ci --no-audit --no-fund --silent)

pg() {  # pg create|drop NAME
    "$PY" - "$PG" "$1" "$2" <<'PYEOF'
import sys, psycopg
url, action, name = sys.argv[1:]
with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if action == "create":
        conn.execute(f'CREATE DATABASE "{name}"')
PYEOF
}
flush_redis() { "$PY" -c "import redis; redis.Redis.from_url('$REDIS').flushdb()"; }

{
    echo "# Benchmark run $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "## SQLite (bench/out/bench.sqlite3), local-memory cache"
    echo
    rm -f "$OUT/bench.sqlite3"  # a fresh database: the imports below are timed too
    "$PY" bench/load_maps.py 30 1000 3000 10000 100000
    echo
    "$PY" bench/bench_api.py
    echo "## Diagrams: DOT generation and layout by engine"
    echo
    "$PY" bench/bench_diagram.py
    echo
    echo "## argmap against the Argdown CLI"
    echo
    "$PY" bench/bench_argdown.py
    echo
    echo "## Evaluation on a budget: the hostile family, old search against the solver"
    echo
    "$PY" bench/hostile_evaluation.py --pairs 16 32 64 --cap 120 --random 300
    echo
    echo "## Imports on SQLite"
    echo
    "$PY" bench/bench_import.py --profile
    "$PY" bench/bench_kialo.py
    echo
    echo "## PostgreSQL, Redis cache"
    echo
    pg create argmap_bench
    flush_redis
    export DATABASE_URL="$PG/argmap_bench"
    "$PY" bench/load_maps.py 1000 10000 100000
    REDIS_URL=$REDIS "$PY" bench/bench_api.py --only graph --only lists
    "$PY" bench/bench_import.py
    unset DATABASE_URL
    pg drop argmap_bench
    flush_redis
    echo
    echo "## Load test: gunicorn, 2 workers, PostgreSQL, Redis"
    echo
    "$PY" bench/load_test.py
} 2>&1 | tee "$OUT/results.md"
