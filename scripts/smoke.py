"""Exercise a running argmap over HTTP as a client would: `python scripts/smoke.py URL TOKEN`.

CI runs it against gunicorn on PostgreSQL and Redis (scripts/smoke_gunicorn.sh). Exits
non-zero, saying what failed, at the first broken expectation.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

SLUG = "kozyrev-2019-russo-japanese-peace-treaty"


def call(base: str, method: str, path: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("X-Forwarded-Proto", "https")  # as the TLS-terminating proxy would
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def expect(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"smoke: FAILED: {message}")
    print(f"smoke: ok: {message}")


def main(base: str, token: str) -> None:
    auth = {"Authorization": f"Token {token}"}
    status, _, body = call(base, "GET", "/api/maps/")
    expect(status == 200 and SLUG in body.decode(), "the essay's map is listed")

    status, headers, body = call(base, "GET", f"/api/maps/{SLUG}/graph/")
    graph = json.loads(body)
    source = graph["map"]["source_text"]
    expect(status == 200 and len(graph["statements"]) >= 25, "the whole graph is served")
    expect(
        all(source[s["quote_start"] : s["quote_end"]] == s["quote"] for s in graph["statements"]),
        "every quote is verbatim at its offsets",
    )
    etag = headers.get("ETag")
    status, _, _ = call(base, "GET", f"/api/maps/{SLUG}/graph/", headers={"If-None-Match": etag})
    expect(status == 304, "If-None-Match answers 304")

    status, _, body = call(
        base, "POST", "/api/statements/", {"map": SLUG, "text": ""}, headers=auth
    )
    expect(status == 400 and "text" in json.loads(body)["errors"], "an empty text is a 400")
    status, _, _ = call(base, "POST", "/api/statements/", {"map": SLUG, "text": "anon"})
    expect(status == 401, "an anonymous write is a 401")

    status, _, body = call(
        base, "POST", "/api/maps/", {"slug": "smoke", "title": "Smoke"}, headers=auth
    )
    expect(status == 201, "a signed-in user creates a map")
    status, headers, _ = call(base, "GET", "/api/maps/smoke/")
    stale = {"If-Match": '"999"', **auth}
    status, _, _ = call(
        base, "POST", "/api/statements/", {"map": "smoke", "text": "x"}, headers=stale
    )
    expect(status == 412, "a stale If-Match is a 412")
    fresh = {"If-Match": headers["ETag"], **auth}
    status, _, body = call(
        base, "POST", "/api/statements/", {"map": "smoke", "text": "x"}, headers=fresh
    )
    expect(status == 201, "a fresh If-Match writes")
    status, _, _ = call(base, "DELETE", "/api/maps/smoke/", headers=auth)
    expect(status == 204, "the owner deletes the map")

    status, _, body = call(base, "GET", "/api/docs/")
    expect(status == 200, "the API docs page is served")
    status, _, body = call(
        base, "GET", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"
    )
    expect(status == 200 and len(body) > 1000, "static files are served (whitenoise)")
    status, _, _ = call(base, "GET", "/api/schema/")
    expect(status == 200, "the OpenAPI schema is served")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
