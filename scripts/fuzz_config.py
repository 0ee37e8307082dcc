"""Write the schemathesis configuration of one caller's release run (scripts/fuzz.sh).

Random slugs and ids name nothing on the server, and a user may change only their own
maps: left to chance, most writes of a run as a non-staff user are 404s and 403s that never
reach the API's rules (schemathesis warns of "missing test data"). So the caller first
makes a map of their own through the API, the way the schema's OpenAPI links chain a new
map's first writes (api.schema.add_workflow_links), and the run draws most of its
slugs and ids from that map:

    python scripts/fuzz_config.py URL TOKEN NAME > caller.toml
    st --config-file caller.toml run URL/api/schema/?format=json ...

The output is ``schemathesis.toml`` (every setting the suite uses) with the hooks' path
made absolute, plus dictionaries of the new map's slug, statement ids and link id, and the
parameters bound to them.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.graph.graphjson import MAP_KEYS  # noqa: E402
from api.schema import STARTER_LINKS, STARTER_STATEMENTS  # noqa: E402

# How often a generated slug or id is replaced by one of the caller's own: most of the
# time, as a write succeeds only when every id it names is in a map of the caller's; the
# rest stay random, and the negative cases are not touched.
OWN = 0.8


def call(url: str, token: str, method: str, path: str, body: dict, **headers: str) -> dict:
    request = urllib.request.Request(
        url + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            **headers,
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def own_map(url: str, token: str, name: str) -> dict:
    """A new map of the caller's, filled as the schema's links fill one; its graph."""
    created = call(url, token, "POST", "/api/maps/", {"slug": name, "title": f"Fuzz {name}"})
    graph = {
        "map": {key: created[key] for key in (*MAP_KEYS, "is_private")},
        "statements": STARTER_STATEMENTS,
        "links": STARTER_LINKS,
    }
    return call(
        url,
        token,
        "PUT",
        f"/api/maps/{name}/graph/",
        graph,
        **{"If-Match": f'"{created["version"]}"'},
    )


def toml_value(value) -> str:
    return json.dumps(value)  # strings, numbers and lists of them read the same in TOML


def config(graph: dict) -> str:
    slug = graph["map"]["slug"]
    statements = [s["id"] for s in graph["statements"]]
    links = [link["id"] for link in graph["links"]]
    base = (ROOT / "schemathesis.toml").read_text()
    hooks = ROOT / "clients" / "schemathesis_hooks.py"
    base = base.replace(
        'hooks = "clients/schemathesis_hooks.py"', f"hooks = {toml_value(str(hooks))}"
    )

    def bind(dictionary: str) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {OWN} }}'

    return f"""{base}
# The caller's own map ({slug}), made by scripts/fuzz_config.py.
[dictionaries.own-map]
values = {toml_value([slug])}

[dictionaries.own-statements]
values = {toml_value(statements)}

# A path's id is text of digits (its schema says so).
[dictionaries.own-statements-in-path]
values = {toml_value([str(pk) for pk in statements])}

[dictionaries.own-links-in-path]
values = {toml_value([str(pk) for pk in links])}

[parameters]
"path.slug" = {bind("own-map")}
"query.map" = {bind("own-map")}
"body.map" = {bind("own-map")}

[[operations]]
include-path-regex = "^/api/statements/"

[operations.parameters]
"path.id" = {bind("own-statements-in-path")}

[[operations]]
include-path-regex = "^/api/links/"

[operations.parameters]
"path.id" = {bind("own-links-in-path")}
"body.premises[*]" = {bind("own-statements")}
"body.conclusion" = {bind("own-statements")}
"""


def main() -> None:
    url, token, name = sys.argv[1:4]
    print(config(own_map(url.rstrip("/"), token, name)))


if __name__ == "__main__":
    main()
