#!/usr/bin/env bash
# Run argmap as in production (DJANGO_DEBUG=0, gunicorn, PostgreSQL, Redis) on this
# machine, and exercise it over HTTP with scripts/smoke.py. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${SMOKE_PORT:-8765}
DB=argmap_smoke
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY
DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export GUNICORN_BIND=127.0.0.1:$PORT GUNICORN_WORKERS=2 GUNICORN_ACCESSLOG=/dev/null

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" postgres
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres
# A fresh cache too: rate limits counted by an earlier run (or stage) do not carry over.
fresh_cache() { $PY -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'; }
fresh_cache
$PY manage.py check --deploy --fail-level WARNING
$PY manage.py migrate --noinput -v0
$PY manage.py load_essay
$PY manage.py collectstatic --noinput -v0
DJANGO_SUPERUSER_PASSWORD=smoke-pass-123 $PY manage.py createsuperuser --noinput \
  --username smoke --email smoke@example.com
token=$($PY manage.py drf_create_token smoke | awk '{print $3}')

pid=
serve() {  # start gunicorn and wait until it answers
  .venv/bin/gunicorn -c gunicorn.conf.py argmap.wsgi &
  pid=$!
  for _ in $(seq 50); do
    curl -fs -o /dev/null -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT/api/" && return
    sleep 0.2
  done
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT

serve
$PY scripts/smoke.py "http://127.0.0.1:$PORT" "$token"
stop

# A fault in Redis is not an outage: the same client flow with the caches on a port
# where nothing listens (argmap/cache.py).
echo "smoke: again, with REDIS_URL where no Redis listens"
REDIS_URL=redis://127.0.0.1:1/0 serve
$PY scripts/smoke.py "http://127.0.0.1:$PORT" "$token"
stop

# Workers recycled under clients that keep their connections open lose no request: each
# worker restarts after 25 requests (gunicorn's max_requests) while four keep-alive
# clients send 600 (scripts/keepalive_check.py).
echo "smoke: workers recycling every 25 requests under keep-alive clients"
recycled=$(mktemp)
ARGMAP_THROTTLE_ANON=100000/min GUNICORN_MAX_REQUESTS=25 GUNICORN_MAX_REQUESTS_JITTER=0 \
  serve 2>"$recycled"
$PY scripts/keepalive_check.py "http://127.0.0.1:$PORT" 4 150
stop
restarts=$(grep -c "Autorestarting worker" "$recycled" || true)
rm -f "$recycled"
echo "smoke: $restarts worker restarts during the check"
[ "$restarts" -ge 10 ] || { echo "smoke: expected at least 10 worker restarts" >&2; exit 1; }

# A big deck is drawn, and a big file imported, by a worker of the task queue on Redis
# (docs/jobs.md): the essay's deck and its JSON export count as big here
# (ARGMAP_JOB_MIN_STATEMENTS, ARGMAP_IMPORT_JOB_MIN_STATEMENTS), and one worker runs apart.
echo "smoke: jobs run by a live worker of the task queue"
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/12} ARGMAP_JOB_MIN_STATEMENTS=10
export ARGMAP_IMPORT_JOB_MIN_STATEMENTS=10
$PY -c 'import os, redis; redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()'
fresh_cache  # the stage above sent 600 requests past the usual rate limits
worker_log=$(mktemp)
.venv/bin/celery -A argmap worker --concurrency 1 --loglevel INFO >"$worker_log" 2>&1 &
worker=$!
stop_worker() { kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; }
trap 'stop; stop_worker' EXIT
serve
if ! timeout 420 $PY scripts/job_check.py "http://127.0.0.1:$PORT" "$token"; then
  echo "smoke: the worker's log:" >&2
  tail -n 40 "$worker_log" >&2
  exit 1
fi
# A worker's pool process killed mid-job (as the OOM killer would): the job runs again.
echo "smoke: a job whose worker is killed while it runs"
if ! timeout 240 $PY scripts/job_kill_check.py "http://127.0.0.1:$PORT" "$token" "$worker"; then
  echo "smoke: the worker's log:" >&2
  tail -n 40 "$worker_log" >&2
  exit 1
fi
stop
stop_worker
rm -f "$worker_log"
