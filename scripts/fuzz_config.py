"""Write the schemathesis configuration of one caller's release run (scripts/fuzz.sh).

Random slugs and ids name nothing on the server, and a user may change only their own
maps: left to chance, most writes of a run as a non-staff user are 404s and 403s that never
reach the API's rules (schemathesis warns of "missing test data"). So the caller first
makes maps of their own through the API, one filled the way the schema's OpenAPI links
chain a new map's first writes (api.schema.add_workflow_links), and the run draws most of
its slugs and ids from them:

    python scripts/fuzz_config.py URL TOKEN NAME EXAMPLES > caller.toml
    python scripts/fuzz_config.py URL - anonymous EXAMPLES > anonymous.toml  # as no one
    st --config-file caller.toml run URL/api/schema/?format=json ...

The output is ``schemathesis.toml`` (every setting the suite uses) with the hooks' path
made absolute, plus dictionaries of the new maps' slugs and ids and the parameters bound
to them, and the number of examples per operation (more for link writes, ``LINK_WRITES``).
Deletions, and the writes that rename or replace a whole map, draw from objects of their
own (``BINDINGS``): run early, they would otherwise leave the rest nothing. Where the
server makes the filled map's deck a job (docs/jobs.md), the job operations follow that
job. As no one (TOKEN ``-``), the run draws its slugs from the public maps, and follows a
job drawing the deck of the biggest one that can be drawn (anyone may follow a public
map's job).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.graph.graphjson import MAP_KEYS  # noqa: E402
from api.schema import STARTER_LINKS, STARTER_STATEMENTS  # noqa: E402
from scripts import smoke  # noqa: E402

# How often a generated slug or id is replaced by one of the caller's own: most of the
# time, as a write succeeds only when every id it names is in a map of the caller's; the
# rest stay random, and the negative cases are not touched.
OWN = 0.8


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def call(url: str, token: str, method: str, path: str, body: dict, **headers: str) -> dict:
    """The JSON answer of one request as the caller (``scripts.smoke.call``); exits saying
    what was refused."""
    status, _, content = smoke.call(url, method, path, body, {**auth(token), **headers})
    if status >= 400:
        sys.exit(f"fuzz_config: {method} {path} answered {status}: {content[:300]!r}")
    return json.loads(content)


# Beside the schema's starter map, statements and links that only deletions draw from, so
# that deleting them leaves the rest of the run its data: enough for each phase that
# deletes (coverage and fuzzing: scripts/fuzz_hooks.py shares them out) to delete some.
SPARE_STATEMENTS = [
    {**STARTER_STATEMENTS[0], "id": number, "text": f"A statement to delete ({number})."}
    for number in range(4, 10)
]
SPARE_LINKS = [
    {**STARTER_LINKS[0], "id": 2, "kind": "oppose", "premises": [3], "conclusion": 1},
    {**STARTER_LINKS[0], "id": 3, "kind": "support", "premises": [3], "conclusion": 2},
    {**STARTER_LINKS[0], "id": 4, "kind": "oppose", "premises": [2], "conclusion": 3},
    {**STARTER_LINKS[0], "id": 5, "kind": "support", "premises": [1], "conclusion": 2},
]
# Maps that only DELETE /api/maps/{slug}/ draws from, one for each phase that deletes.
DOOMED_MAPS = 2


def own_maps(url: str, token: str, name: str) -> tuple[dict, dict, list[str]]:
    """New maps of the caller's: one filled as the schema's links fill a map (plus spare
    statements and links), as its graph; an empty one, as created, for the operations that
    rename or replace a whole map; and the slugs of ``DOOMED_MAPS`` to delete."""
    created = call(url, token, "POST", "/api/maps/", {"slug": name, "title": f"Fuzz {name}"})
    graph = {
        "map": {key: created[key] for key in (*MAP_KEYS, "is_private")},
        "statements": STARTER_STATEMENTS + SPARE_STATEMENTS,
        "links": STARTER_LINKS + SPARE_LINKS,
    }
    filled = call(
        url,
        token,
        "PUT",
        f"/api/maps/{name}/graph/",
        graph,
        **{"If-Match": f'"{created["version"]}"'},
    )
    spare = call(
        url, token, "POST", "/api/maps/", {"slug": f"{name}-spare", "title": f"Fuzz {name} (spare)"}
    )
    doomed = [
        call(url, token, "POST", "/api/maps/", {"slug": slug, "title": f"Fuzz {slug}"})["slug"]
        for slug in (f"{name}-doomed-{n}" for n in range(1, DOOMED_MAPS + 1))
    ]
    return filled, spare, doomed


def own_job(url: str, token: str, name: str) -> str | None:
    """The id of a job drawing the filled map's deck, if the server makes it a job (its
    ``ARGMAP_JOB_MIN_STATEMENTS`` is at most the map's size: scripts/fuzz.sh sets it so);
    None if it draws the deck in the request."""
    status, _, content = smoke.call(
        url, "GET", f"/api/maps/{name}/diagram.pdf?page=slides", None, auth(token)
    )
    if status == 202:
        return json.loads(content)["id"]
    if status != 200:
        sys.exit(f"fuzz_config: the deck of {name} answered {status}: {content[:300]!r}")
    return None


def public_job(url: str, public: list[str]) -> str | None:
    """As no one: a job drawing a public map's deck that did not fail, trying the maps in
    order (the runs before, as other callers, may have left some that cannot be drawn).
    None if no map's deck is a job."""
    for slug in public:
        status, _, content = smoke.call(
            url, "GET", f"/api/maps/{slug}/diagram.pdf?page=slides", None, {}
        )
        if status != 202:
            continue
        job = json.loads(content)["id"]
        status, _, content = smoke.call(url, "GET", f"/api/jobs/{job}/", None, {})
        if status == 200 and json.loads(content)["state"] != "failed":
            return job
    return None


def toml_value(value) -> str:
    return json.dumps(value)  # strings, numbers and lists of them read the same in TOML


# Which of the caller's objects each operation draws from (operation id: parameter:
# dictionary; or always the filled map's claim, CLAIM, its reason, REASON, or its reason and
# objection, PREMISES); every other slug, ?map= and body "map" is the filled map.
CLAIM, REASON, PREMISES = object(), object(), object()
KEPT, DELETED = len(STARTER_STATEMENTS), len(SPARE_STATEMENTS)
BINDINGS: dict[str, dict[str, object]] = {
    **{
        operation: {"path.slug": "spare-map"}
        for operation in ("maps_update", "maps_partial_update", "maps_graph_update")
    },
    "maps_destroy": {"path.slug": "doomed-maps"},
    **{
        operation: {"path.id": "own-statements-in-path"}
        for operation in ("statements_retrieve", "statements_update", "statements_partial_update")
    },
    "statements_destroy": {"path.id": "spare-statements-in-path"},
    # A new link: the reason and the objection against the claim (a link needs one target
    # and no premise twice, and a dictionary holds no lists). TOML has no null to clear the
    # other target: scripts/fuzz_hooks.py clears a new link's.
    "links_create": {"body.premises": PREMISES, "body.conclusion": CLAIM},
    # A replaced link: the reason alone for the claim. Were it the new link's premises,
    # every replacement after the first new link would be refused as that link's duplicate.
    "links_update": {
        "path.id": "own-links-in-path",
        "body.premises": REASON,
        "body.conclusion": CLAIM,
    },
    # (Premises drawn one by one from a dictionary could repeat one: a 400 sent as valid.)
    "links_partial_update": {
        "path.id": "own-links-in-path",
        "body.premises": PREMISES,
        "body.conclusion": "own-statements",
    },
    "links_retrieve": {"path.id": "own-links-in-path"},
    "links_destroy": {"path.id": "spare-links-in-path"},
}


# A link is written only when its body names premises and a target in the caller's map and
# repeats no other link, which few generated bodies do. These operations get this many
# times the examples, so the run reaches their rules.
LINK_WRITES = ("links_create", "links_update", "links_partial_update")
LINK_EXAMPLES = 5


def config(
    graph: dict, spare: dict, doomed: list[str], examples: int = 30, job: str | None = None
) -> str:
    statements = [s["id"] for s in graph["statements"]]
    links = [link["id"] for link in graph["links"]]
    dictionaries = {
        "own-map": [graph["map"]["slug"]],
        "spare-map": [spare["slug"]],
        "doomed-maps": doomed,
        "own-statements": statements[:KEPT],
        # A path's id is text of digits (its schema says so).
        "own-statements-in-path": [str(pk) for pk in statements[:KEPT]],
        "spare-statements-in-path": [str(pk) for pk in statements[KEPT:]],
        "own-links-in-path": [str(pk) for pk in links[: len(STARTER_LINKS)]],
        "spare-links-in-path": [str(pk) for pk in links[len(STARTER_LINKS) :]],
    }
    bindings = dict(BINDINGS)
    if job is not None:  # the job operations follow the caller's job
        dictionaries["own-jobs"] = [job]
        bindings.update(JOB_BINDINGS)
    fixed = {CLAIM: statements[0], REASON: statements[1:2], PREMISES: statements[1:KEPT]}
    about = f"The caller's own maps ({graph['map']['slug']})"
    return _toml(about, dictionaries, bindings, fixed, examples)


JOB_BINDINGS: dict[str, dict[str, object]] = {
    operation: {"path.job_id": "own-jobs"}
    for operation in ("jobs_retrieve", "jobs_result_retrieve")
}


def anonymous_config(public: list[str], job: str | None, examples: int = 30) -> str:
    """The configuration of a run as no one: the public maps for every slug, and a job
    drawing one of them (anyone may follow a public map's job)."""
    dictionaries = {"own-map": public}
    bindings: dict[str, dict[str, object]] = {}
    if job is not None:
        dictionaries["own-jobs"] = [job]
        bindings.update(JOB_BINDINGS)
    return _toml(f"The public maps ({', '.join(public)})", dictionaries, bindings, {}, examples)


def public_maps(url: str) -> list[str]:
    """The slugs of the maps anyone may read (the first page of the list), the one with
    the most statements first: its deck is the one most sure to be a job. (The runs
    before this one, as other callers, leave maps of their own, some of them empty.)"""
    status, _, content = smoke.call(url, "GET", "/api/maps/", None, {})
    if status != 200:
        sys.exit(f"fuzz_config: the list of maps answered {status}")
    public = [m for m in json.loads(content)["results"] if not m["is_private"]]
    return [m["slug"] for m in sorted(public, key=lambda m: -m["statement_count"])]


def _toml(
    about: str,
    dictionaries: dict[str, list],
    bindings: dict[str, dict[str, object]],
    fixed: dict[object, object],
    examples: int,
) -> str:
    base = (ROOT / "schemathesis.toml").read_text()
    # The suite's hooks and the release run's own (scripts/fuzz_hooks.py imports them).
    hooks = ROOT / "scripts" / "fuzz_hooks.py"
    base = base.replace(
        'hooks = "clients/schemathesis_hooks.py"', f"hooks = {toml_value(str(hooks))}"
    )

    def bind(dictionary: str) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {OWN} }}'

    lines = [base, f"# {about}, by scripts/fuzz_config.py."]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {toml_value(values)}", ""]
    lines += ["[generation]", f"max-examples = {examples}", "", "[parameters]"]
    lines += [f'"{key}" = {bind("own-map")}' for key in ("path.slug", "query.map", "body.map")]
    for operation, parameters in bindings.items():
        lines += ["", "[[operations]]", f'include-operation-id = "{operation}"']
        lines += ["", "[operations.parameters]"]
        lines += [
            f'"{key}" = {toml_value(fixed[source]) if source in fixed else bind(str(source))}'
            for key, source in parameters.items()
        ]
        if operation in LINK_WRITES:
            lines += ["", "[operations.generation]", f"max-examples = {examples * LINK_EXAMPLES}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    url, token, name, examples = sys.argv[1:5]
    url = url.rstrip("/")
    if token == "-":  # no one: the public maps
        public = public_maps(url)
        print(anonymous_config(public, public_job(url, public), examples=int(examples)), end="")
        return
    graph, spare, doomed = own_maps(url, token, name)
    job = own_job(url, token, name)
    print(config(graph, spare, doomed, examples=int(examples), job=job), end="")


if __name__ == "__main__":
    main()
