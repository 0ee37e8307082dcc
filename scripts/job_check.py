"""Check a job end to end on a running service with a live worker (scripts/smoke_gunicorn.sh).

    python scripts/job_check.py URL

Asks for the essay's slide deck, which the server must hand to a job (run it with
``ARGMAP_JOB_MIN_STATEMENTS`` below the essay's 41 statements, and a worker of the task
queue: ``celery -A argmap worker``), follows the job until it ends (at most 180 s), and
downloads its PDF. Exits non-zero, saying what went wrong, if any step does.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.smoke import SLUG, call, expect

WAIT = 180  # seconds the job may take, queue included
POLL = 0.5


def main(base: str) -> None:
    started = time.monotonic()
    status, headers, body = call(base, "GET", f"/api/maps/{SLUG}/diagram.pdf?page=slides")
    expect(status == 202, f"a big deck is a job (202 Accepted; got {status})")
    location = headers["Location"]
    states: list[str] = []
    while True:
        status, _, body = call(base, "GET", location)
        job = json.loads(body)
        if not states or states[-1] != job["state"]:
            states.append(job["state"])
        if job["state"] in ("done", "failed"):
            break
        if time.monotonic() - started > WAIT:
            sys.exit(f"smoke: FAILED: the job is still {job['state']} after {WAIT} s: {job}")
        time.sleep(POLL)
    steps = " -> ".join(states)
    expect(job["state"] == "done", f"the worker ends the job ({steps}) {job['error']}")
    progress = job["progress"]
    expect(
        progress["total"] and progress["done"] == progress["total"],
        f"the job counted its pages ({progress['done']} of {progress['total']})",
    )
    status, headers, body = call(base, "GET", urlsplit(job["result"]).path)
    expect(status == 200 and body.startswith(b"%PDF"), "the job's result is the deck's PDF")
    print(f"smoke: the job took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
