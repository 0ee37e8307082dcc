#!/usr/bin/env bash
# Release check of the API's contract (docs/api.md, "Checking the contract"): schemathesis
# with every check and the stateful phase, with a random seed (the suite's are fixed),
# against a fresh server holding the essay, as a staff user, a map's owner, another user
# and no one. Each caller but no one first makes a map of their own through the API, and
# the run draws most of its slugs and ids from it (scripts/fuzz_config.py). Exits non-zero
# if any run finds a failure.
#
#   make fuzz                       # a dev server on SQLite, a random seed
#   SEED=42 make fuzz               # that seed again
#   SERVER=gunicorn make fuzz       # as in production: gunicorn, PostgreSQL, Redis, DEBUG off
#   URL=http://host:8000 make fuzz  # a server already running (its tokens: TOKENS below)
#
#   CALLERS="other" SEED=42 make fuzz   # one caller's run again
#   ARGMAP_FUZZ_LOG=/tmp/calls.log make fuzz   # every call's phase, operation and status
#
# With URL set, TOKENS names the callers' tokens: "staff=KEY owner=KEY other=KEY".
# SERVER=gunicorn uses the PostgreSQL database argmap_fuzz (made afresh) on 127.0.0.1:5432
# and Redis database 14 on 127.0.0.1:6379, as scripts/smoke_gunicorn.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ST=.venv/bin/st
SEED=${SEED:-$RANDOM$RANDOM}
EXAMPLES=${EXAMPLES:-30}
PORT=${PORT:-8765}
WORK=$(mktemp -d)
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${URL:-}" ]; then
    URL="http://127.0.0.1:$PORT"
    if [ "${SERVER:-runserver}" = gunicorn ]; then
        export DATABASE_URL=postgres://postgres@127.0.0.1:5432/argmap_fuzz
        export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14}
        export DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
        # Plain HTTP on the loopback: no TLS front here to redirect to.
        export DJANGO_SECURE_SSL_REDIRECT=0
        export DJANGO_SECRET_KEY
        DJANGO_SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')
        export GUNICORN_BIND=127.0.0.1:$PORT GUNICORN_ACCESSLOG=/dev/null
        psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS argmap_fuzz" postgres
        psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE argmap_fuzz" postgres
        redis-cli -n 14 flushdb >/dev/null 2>&1 || true
    else
        export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3"
    fi
    export ARGMAP_THROTTLE_ANON=100000/min ARGMAP_THROTTLE_USER=100000/min
    export ARGMAP_THROTTLE_RENDER_ANON=100000/min ARGMAP_THROTTLE_RENDER_ALL_ANON=100000/min
    export ARGMAP_THROTTLE_RENDER_USER=100000/min
    # Every map's handouts and decks are jobs (docs/jobs.md): each caller's own maps make
    # one (scripts/fuzz_config.py), and the OpenAPI links from a 202 lead to more.
    export ARGMAP_JOB_MIN_STATEMENTS=2
    $PY manage.py migrate --noinput -v0
    $PY manage.py load_essay -v0
    TOKENS=$($PY manage.py shell -v0 -c '
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from tests.helpers import build_map
staff = User.objects.create_superuser("fuzz-staff", password="x")
owner = User.objects.create_user("fuzz-owner", password="x")
other = User.objects.create_user("fuzz-other", password="x")
build_map("cats", owner=owner)
build_map("secret", owner=owner, is_private=True)
print(" ".join(f"{n}={Token.objects.create(user=u).key}" for n, u in
      (("staff", staff), ("owner", owner), ("other", other))))
' | tail -n 1)
    if [ "${SERVER:-runserver}" = gunicorn ]; then
        .venv/bin/gunicorn -c gunicorn.conf.py argmap.wsgi >"$WORK/server.log" 2>&1 &
    else
        $PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
    fi
    SERVER_PID=$!
    for _ in $(seq 60); do
        curl -sf "$URL/api/maps/" >/dev/null && break
        sleep 0.5
    done
fi

echo "schemathesis against $URL, seed $SEED, $EXAMPLES examples per operation"
failed=0
for caller in ${CALLERS:-staff owner other anonymous}; do
    auth=()
    key=-  # no one
    if [ "$caller" != anonymous ]; then
        key=$(tr ' ' '\n' <<<"$TOKENS" | sed -n "s/^$caller=//p")
        auth=(-H "Authorization: Token $key")
    fi
    echo "== as $caller"
    # Maps of the caller's own (as no one: the public maps) for most slugs and ids, and
    # the examples per operation (more for link writes): scripts/fuzz_config.py.
    $PY scripts/fuzz_config.py "$URL" "$key" "fuzz-$caller-$SEED" "$EXAMPLES" \
        >"$WORK/$caller.toml"
    config=(--config-file "$WORK/$caller.toml")
    # scripts/fuzz_hooks.py reads it too (the caller's objects in every phase), and the
    # server and the caller's token (to make half the If-Match headers current).
    hooks_env=(ARGMAP_FUZZ_CONFIG="$WORK/$caller.toml" ARGMAP_FUZZ_SEED="$SEED"
        ARGMAP_FUZZ_URL="$URL" ARGMAP_FUZZ_TOKEN="$key")
    if ! env "${hooks_env[@]}" timeout 900 "$ST" "${config[@]}" run \
        "$URL/api/schema/?format=json" -c all "${auth[@]}" --seed "$SEED" --max-failures 50 \
        --no-color; then
        failed=1
    fi
done
if [ "$failed" = 1 ] && [ -n "$SERVER_PID" ]; then
    # The server's side of a failure (a 500's traceback) is in its log, gone at exit.
    echo "== the server's tracebacks"
    grep -B2 -A80 "Traceback" "$WORK/server.log" | tail -n 300 || echo "(none logged)"
fi
exit $failed
