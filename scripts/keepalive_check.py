"""Check that no request is lost while gunicorn recycles its workers (scripts/smoke_gunicorn.sh).

Clients that keep their connections open (HTTP/1.1 keep-alive, as every HTTP library does)
send requests one after another while the workers restart after ``max_requests``. Each
request must get an answer: a worker that stops may close a kept-alive connection, but only
after answering with ``Connection: close``, never by resetting the connection under a
request already sent (gunicorn before 27.0.1 did: its issue 3038).

    python scripts/keepalive_check.py URL [SESSIONS] [REQUESTS]

Sends SESSIONS × REQUESTS requests (reads of the maps, and an anonymous write, refused
with a 401 so that nothing is stored), reconnecting only when the server says ``Connection:
close``. Prints what it sent and exits non-zero naming the first lost request.
"""

from __future__ import annotations

import http.client
import sys
import threading
from urllib.parse import urlsplit

TIMEOUT = 10  # seconds for each connection and answer
# As behind the TLS front that production has (DJANGO_DEBUG=0 redirects plain HTTP).
HEADERS = {"Content-Type": "application/json", "X-Forwarded-Proto": "https"}


def session(host: str, port: int, requests: int, answered: list[int], lost: list[str]) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    for number in range(requests):
        if number % 2:
            method, path, body = "POST", "/api/links/", b"{}"
        else:
            method, path, body = "GET", "/api/maps/?page_size=1", None
        try:
            conn.request(method, path, body=body, headers=HEADERS)
            answer = conn.getresponse()
            answer.read()
        except (OSError, http.client.HTTPException) as exc:
            lost.append(f"{method} {path}: {exc!r}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
            continue
        answered.append(answer.status)
        if answer.will_close:
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    conn.close()


def main() -> int:
    url = urlsplit(sys.argv[1])
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    answered: list[int] = []
    lost: list[str] = []
    threads = [
        threading.Thread(
            target=session, args=(url.hostname, url.port or 80, requests, answered, lost)
        )
        for _ in range(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * requests)
    unexpected = sorted({status for status in answered if status not in (200, 401)})
    print(
        f"keepalive_check: {len(answered)} of {sessions * requests} requests answered, "
        f"{len(lost)} lost, other statuses: {unexpected or 'none'}"
    )
    if lost:
        print(f"keepalive_check: first lost: {lost[0]}", file=sys.stderr)
    return 1 if lost or unexpected or len(answered) != sessions * requests else 0


if __name__ == "__main__":
    sys.exit(main())
