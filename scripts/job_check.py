"""Check a job end to end on a running service with a live worker (scripts/smoke_gunicorn.sh).

    python scripts/job_check.py URL [TOKEN]

Asks for the essay's slide deck, which the server must hand to a job (run it with
``ARGMAP_JOB_MIN_STATEMENTS`` below the essay's 41 statements, and a worker of the task
queue: ``celery -A argmap worker``), follows the job until it ends (at most 180 s), and
downloads its PDF. With a TOKEN, also imports the essay's map (its JSON export) as a new
map, which the server must hand to a job too (``ARGMAP_IMPORT_JOB_MIN_STATEMENTS`` below
41), and checks the job's report and the map it wrote. Exits non-zero, saying what went
wrong, if any step does.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.smoke import SLUG, call, expect

WAIT = 180  # seconds the job may take, queue included
POLL = 0.5


def follow(base: str, location: str, headers: dict[str, str], what: str) -> dict:
    """The job at ``location`` once it has ended (done, its progress complete), within
    ``WAIT`` s."""
    started = time.monotonic()
    states: list[str] = []
    while True:
        status, _, body = call(base, "GET", location, headers=headers)
        if status != 200:
            sys.exit(f"smoke: FAILED: following the job at {location} answered {status}: {body!r}")
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
        f"the job counted its {what} ({progress['done']} of {progress['total']})",
    )
    print(f"smoke: the job took {time.monotonic() - started:.1f} s")
    return job


def deck(base: str) -> None:
    status, headers, body = call(base, "GET", f"/api/maps/{SLUG}/diagram.pdf?page=slides")
    expect(status == 202, f"a big deck is a job (202 Accepted; got {status})")
    job = follow(base, headers["Location"], {}, "pages")
    status, headers, body = call(base, "GET", urlsplit(job["result"]).path)
    expect(status == 200 and body.startswith(b"%PDF"), "the job's result is the deck's PDF")


def multipart(fields: dict[str, tuple[str, bytes] | str]) -> tuple[bytes, str]:
    """A multipart/form-data body of text fields and (file name, content) files."""
    boundary = f"argmap-{secrets.token_hex(12)}"
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            filename, content = value
            head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n".encode() + content + b"\r\n")
        else:
            head = f'Content-Disposition: form-data; name="{name}"'
            parts.append(f"--{boundary}\r\n{head}\r\n\r\n{value}\r\n".encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def big_import(base: str, token: str) -> None:
    auth = {"Authorization": f"Token {token}"}
    status, _, exported = call(base, "GET", f"/api/maps/{SLUG}/export.json", headers=auth)
    expect(status == 200, f"the essay's map exports as JSON ({status})")
    essay = json.loads(exported)
    rows = {"statements": len(essay["statements"]), "links": len(essay["links"])}
    slug = f"smoke-import-{secrets.token_hex(4)}"
    body, content_type = multipart({"file": ("essay.json", exported), "slug": slug})
    request = urllib.request.Request(f"{base}/api/maps/import/", data=body, method="POST")
    for key, value in {**auth, "Content-Type": content_type, "X-Forwarded-Proto": "https"}.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, answer = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, answer = error.code, dict(error.headers), error.read()
    expect(status == 202, f"a big import is a job (202 Accepted; got {status}: {answer[:200]!r})")
    job = follow(base, headers["Location"], auth, "rows")
    status, _, report = call(base, "GET", urlsplit(job["result"]).path, headers=auth)
    imported = json.loads(report)["imported"] if status == 200 else None
    expect(imported == rows, f"the job's result is the import's report ({status}: {imported})")
    status, _, graph = call(base, "GET", f"/api/maps/{slug}/graph/", headers=auth)
    written = json.loads(graph) if status == 200 else {"statements": [], "links": []}
    counts = {"statements": len(written["statements"]), "links": len(written["links"])}
    expect(counts == rows, f"the worker wrote the file's statements and links ({counts})")


def main(base: str, token: str | None) -> None:
    deck(base)
    if token:
        big_import(base, token)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2] if len(sys.argv) > 2 else None)
