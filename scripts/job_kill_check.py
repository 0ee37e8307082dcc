"""Check that a job survives its worker being killed (scripts/smoke_gunicorn.sh).

    python scripts/job_kill_check.py URL TOKEN WORKER_PID

Makes a map of 300 generated statements through the API (as TOKEN's user), asks for its
slide deck (a job), and as soon as the job runs kills the worker's pool process that runs
it (SIGKILL, as the kernel's OOM killer would), WORKER_PID being the main process of
``celery -A argmap worker``. The job must then run again and end with its PDF, one attempt
more (docs/jobs.md, "Workers lost"), within 180 s: never left "running". Exits non-zero,
saying what went wrong, if any step does.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.graphjson import MAP_KEYS, to_dict
from bench.generate import generate_graph
from scripts.smoke import call, expect

SLUG = "smoke-killed-worker"
STATEMENTS = 300  # a deck of some seconds: time to find the job running
WAIT = 180  # seconds the job may take, both attempts included
POLL = 0.05


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        # "pid (name) state ppid ...": the name may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def make_map(base: str, auth: dict[str, str], slug: str, statements: int) -> None:
    """A map of ``statements`` generated statements (``bench.generate``), made through the
    API by the user of ``auth``."""
    status, _, body = call(base, "POST", "/api/maps/", {"slug": slug, "title": slug}, auth)
    expect(status == 201, f"a map made to draw ({status})")
    created = json.loads(body)
    graph = to_dict(generate_graph(statements))
    graph["map"] = {key: created[key] for key in (*MAP_KEYS, "is_private")}
    for statement in graph["statements"]:  # generated quotes, from no source text
        statement.update(quote="", quote_start=None, quote_end=None)
    headers = {**auth, "If-Match": f'"{created["version"]}"'}
    status, _, body = call(base, "PUT", f"/api/maps/{slug}/graph/", graph, headers)
    stored = status == 200
    expect(stored, f"its {statements} statements stored" + ("" if stored else f": {body!r}"))


def main(base: str, token: str, worker: int) -> None:
    auth = {"Authorization": f"Token {token}"}
    make_map(base, auth, SLUG, STATEMENTS)
    started = time.monotonic()
    status, headers, _ = call(base, "GET", f"/api/maps/{SLUG}/diagram.pdf?page=slides", None, auth)
    expect(status == 202, f"the deck is a job (202 Accepted; got {status})")
    location = headers["Location"]

    def job() -> dict:
        return json.loads(call(base, "GET", location, None, auth)[2])

    while (state := job())["state"] != "running":
        if state["state"] in ("done", "failed") or time.monotonic() - started > WAIT:
            sys.exit(f"smoke: FAILED: the job never ran where it could be killed: {state}")
        time.sleep(POLL)
    pool = children(worker)
    expect(len(pool) == 1, f"the worker has one pool process ({pool})")
    os.kill(pool[0], signal.SIGKILL)
    print(f"smoke: killed the worker's pool process {pool[0]} while the job ran")

    while (state := job())["state"] not in ("done", "failed"):
        if time.monotonic() - started > WAIT:
            sys.exit(f"smoke: FAILED: the job is still {state['state']} after {WAIT} s: {state}")
        time.sleep(0.5)
    expect(
        state["state"] == "done" and state["attempts"] == 2,
        f"the job ran again and ended ({state['state']}, {state['attempts']} attempts) "
        f"{state['error']}",
    )
    status, _, body = call(base, "GET", urlsplit(state["result"]).path, None, auth)
    expect(status == 200 and body.startswith(b"%PDF"), "the job's result is the deck's PDF")
    print(f"smoke: the job, killed once, took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3]))
