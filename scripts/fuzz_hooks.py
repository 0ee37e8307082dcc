"""Schemathesis hooks of the release run (scripts/fuzz.sh): the suite's hooks
(``clients/schemathesis_hooks.py``); one that keeps the caller's new links valid; and two
that give the run's path parameters the caller's own objects where schemathesis does not.

**Own objects in every phase.** ``scripts/fuzz_config.py`` binds parameters to the
caller's objects with dictionaries. Schemathesis 4.32 draws from them in its fuzzing phase
only: in the coverage phase every slug and id it sends names nothing, and an operation
that meets only 404s there is reported as "missing test data". So, given the run's
configuration (``ARGMAP_FUZZ_CONFIG``, set by scripts/fuzz.sh), ``before_call`` puts the
caller's objects in the valid paths, queries and bodies of the coverage phase, and
``after_call`` keeps track of what is gone: a deleted object is not drawn again, in either
phase, and a renamed map is drawn by its new slug. Deletions draw from spare objects
shared out between the two phases, so that the coverage phase leaves the fuzzing phase
some to delete; and an operation that deletes or renames never names another of the
caller's objects (schemathesis also draws ids from the answers it has seen: one run
deleted the caller's filled map, and every operation after it met 404s).

**Current preconditions.** A write's ``If-Match`` is valid by the schema whatever version
it names, and only the server knows the current one: drawn from the header's pattern, it
is stale nearly always, and such a write is a 412 before its body is read. One run
replaced no whole map (``PUT /api/maps/{slug}/graph/``, where the header is required) in
any phase, and the random slugs' 404s among its 412s read as "missing test data". So half
of the positive cases that send ``If-Match`` send a current one, as a client that has
just read the map does: ``*`` ("whatever the version is") where the schema allows it, and
otherwise (replacing a whole map) the map's ETag, read from the server
(``ARGMAP_FUZZ_URL`` and ``ARGMAP_FUZZ_TOKEN``, set by scripts/fuzz.sh), with the body's
``map.slug`` and ``map.version`` as read (the API requires them sent back unchanged: any
other is a 409). The other half keep what was generated, and the 412s.

``scripts/fuzz_config.py`` sets the conclusion of every new or replaced link to the
caller's claim, so that most links the run writes can be stored. A link names exactly one
target (for a new link, the schema's ``oneOf`` says so): where the generated body named a
``target_link`` too, setting the conclusion gave it two, a request the schema forbids (or,
replacing a link, one refused with a 422) sent as a valid one. This hook takes the
generated ``target_link`` out of such a body, as long as it was generated valid; a body
generated to break the schema is sent as generated.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clients.schemathesis_hooks  # noqa: F401  (the If-Match formats' generators)

# The writes whose conclusion scripts/fuzz_config.py sets: a new link, and a link replaced.
LINK_WRITES = ("POST /api/links/", "PUT /api/links/{id}/")


@schemathesis.hook
def before_call(ctx, case, kwargs) -> None:
    meta = case.meta
    if case.operation.label not in LINK_WRITES or (
        meta and meta.is_negative_at(ParameterLocation.BODY)
    ):
        return
    body = case.body
    if isinstance(body, dict) and None not in (body.get("conclusion"), body.get("target_link")):
        case.body = {**body, "target_link": None}


# The phases that draw path parameters from the caller's objects, in the order they run;
# deletions in each draw from their share of the spare objects.
PHASES = (TestPhase.COVERAGE, TestPhase.FUZZING)


class OwnObjects:
    """The caller's objects that parameters are bound to, from the run's configuration
    (``scripts/fuzz_config.config``): which dictionary each (location, parameter) draws
    from, and which of the dictionaries' objects are still there."""

    def __init__(self, config: dict) -> None:
        self.dictionaries = {
            name: list(entry["values"]) for name, entry in config.get("dictionaries", {}).items()
        }
        self.live = {name: list(values) for name, values in self.dictionaries.items()}
        self.everywhere = self._bindings(config.get("parameters", {}))
        self.by_operation = {
            entry["include-operation-id"]: self._bindings(entry.get("parameters", {}))
            for entry in config.get("operations", [])
        }

    @staticmethod
    def _bindings(parameters: dict) -> dict[tuple[str, str], str]:
        """(location, parameter) -> dictionary, of a ``[parameters]`` table."""
        return {
            tuple(key.split(".", 1)): binding["dictionary"]
            for key, binding in parameters.items()
            if isinstance(binding, dict) and "dictionary" in binding
        }

    def dictionary(self, operation: str, location: str, parameter: str) -> str | None:
        key = (location, parameter)
        return self.by_operation.get(operation, {}).get(key, self.everywhere.get(key))

    def pick(
        self,
        operation: str,
        method: str,
        location: str,
        parameter: str,
        phase: str,
        generated,
        rng,
    ):
        """The value to send for a parameter generated valid.

        In the coverage phase, one of the caller's objects (schemathesis applies
        dictionaries only when fuzzing); in the fuzzing phase, what it drew, unless that
        names an object that is gone. A deletion draws from its phase's share of what is
        left. An operation that deletes or renames (DELETE, or a map's PUT or PATCH) names
        only objects of its own dictionary: another of the caller's objects it would
        name, drawn from the responses seen, is replaced, or the rest of the run would
        lose it. With nothing of its own left, it names one already gone. Unbound
        parameters, and values of another type than the dictionary's, are kept."""
        name = self.dictionary(operation, location, parameter)
        if name is None or phase not in PHASES:
            return generated
        live = self.live[name]
        if any(not isinstance(generated, type(value)) for value in self.dictionaries[name]):
            return generated
        gone = generated in self.dictionaries[name] and generated not in live
        destroys = location == "path" and (
            method == "DELETE" or (method in ("PUT", "PATCH") and parameter == "slug")
        )
        elsewhere = any(generated in values for other, values in self.live.items() if other != name)
        if phase == TestPhase.FUZZING and not gone and not (destroys and elsewhere):
            return generated
        choices = live
        if method == "DELETE" and location == "path":
            share = PHASES.index(phase)
            mine = [v for v in self.dictionaries[name][share :: len(PHASES)] if v in live]
            choices = mine or ([] if phase == TestPhase.COVERAGE else live)
        if choices:
            return rng.choice(choices)
        if destroys:
            return next((v for v in self.dictionaries[name] if v not in live), generated)
        return generated

    def answered(self, operation: str, method: str, path: dict, status: int, body) -> None:
        """Keep track of an answer: a deleted object is gone; a renamed map goes by its
        new slug."""
        if not 200 <= status < 300:
            return
        for parameter, value in path.items():
            name = self.dictionary(operation, "path", parameter)
            if name is None or value not in self.live[name]:
                continue
            live = self.live[name]
            if method == "DELETE":
                live.remove(value)
            elif method in ("PUT", "PATCH") and parameter == "slug" and isinstance(body, dict):
                # A map (PUT or PATCH /api/maps/{slug}/) or a whole map's graph (its "map").
                inner = body.get("map")
                slug = (inner if isinstance(inner, dict) else body).get("slug")
                if isinstance(slug, str) and slug != value:
                    live[live.index(value)] = slug
                    self.dictionaries[name].append(slug)


# With ARGMAP_FUZZ_LOG set (a file's path), every call is written there as a line: the
# phase, the operation, the method, the path's parameters and the status, to tell why an
# operation got the answers it did (scripts/fuzz.sh passes it on; see its header).
LOG = os.environ.get("ARGMAP_FUZZ_LOG")


def _own_objects() -> OwnObjects | None:
    where = os.environ.get("ARGMAP_FUZZ_CONFIG")
    return OwnObjects(tomllib.loads(Path(where).read_text())) if where else None


OWN = _own_objects()
RNG = random.Random(os.environ.get("ARGMAP_FUZZ_SEED"))


def _operation_id(case) -> str:
    return case.operation.definition.raw.get("operationId", "")


@schemathesis.hook("before_call")
def own_objects_in_parameters(ctx, case, kwargs) -> None:
    meta = case.meta
    if OWN is None or meta is None:
        return
    operation, method, phase = _operation_id(case), case.method.upper(), meta.phase.name
    places = (
        (ParameterLocation.PATH, "path", case.path_parameters),
        (ParameterLocation.QUERY, "query", case.query),
        (ParameterLocation.BODY, "body", case.body),
    )
    for location, where, values in places:
        if not isinstance(values, dict) or meta.is_negative_at(location):
            continue
        if where != "path" and phase != TestPhase.COVERAGE:
            continue  # schemathesis draws these from the dictionaries itself when fuzzing
        for parameter, value in list(values.items()):
            generated = str(value) if where == "path" else value
            picked = OWN.pick(operation, method, where, parameter, phase, generated, RNG)
            if picked != generated:
                values[parameter] = picked


# The share of positive cases whose If-Match is made current (see the module's docstring).
CURRENT_VERSION = 0.5


def _current_map(slug: str) -> tuple[str, dict] | None:
    """The ETag and the fields of the map ``slug`` as the caller reads it now, or None (no
    server given, or the map is not there to read)."""
    url, token = os.environ.get("ARGMAP_FUZZ_URL"), os.environ.get("ARGMAP_FUZZ_TOKEN", "-")
    if not url or token == "-":
        return None
    request = urllib.request.Request(f"{url}/api/maps/{slug}/", method="GET")
    request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("ETag", ""), json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


@schemathesis.hook("before_call")
def current_preconditions(ctx, case, kwargs) -> None:
    meta = case.meta
    headers = case.headers
    if not os.environ.get("ARGMAP_FUZZ_URL") or not headers or "If-Match" not in headers:
        return  # not a release run, or no precondition to make current
    negative = meta is not None and meta.is_negative_at(ParameterLocation.HEADER)
    if negative or RNG.random() >= CURRENT_VERSION:
        return
    declared = next(
        (
            parameter.get("schema", {}).get("pattern", "")
            for parameter in case.operation.definition.raw.get("parameters", [])
            if parameter.get("in") == "header" and parameter.get("name") == "If-Match"
        ),
        "",
    )
    if re.fullmatch(declared, "*"):
        headers["If-Match"] = "*"
        return
    slug = (case.path_parameters or {}).get("slug")
    current = _current_map(str(slug)) if slug is not None else None
    if current is None:
        return
    etag, fields = current
    headers["If-Match"] = etag
    body = case.body
    if (
        isinstance(body, dict)
        and isinstance(body.get("map"), dict)
        and not (meta is not None and meta.is_negative_at(ParameterLocation.BODY))
    ):
        body["map"] = {**body["map"], "slug": fields["slug"], "version": fields["version"]}


@schemathesis.hook
def after_call(ctx, case, response) -> None:
    if LOG:
        meta = case.meta
        with open(LOG, "a") as log:
            log.write(
                f"{meta.phase.name if meta else '-'} {_operation_id(case)} "
                f"{'negative' if meta and meta.generation.mode.name == 'NEGATIVE' else 'positive'} "
                f"{case.method.upper()} {dict(case.path_parameters or {})} "
                f"{response.status_code}\n"
            )
    if OWN is None:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    OWN.answered(
        _operation_id(case),
        case.method.upper(),
        {k: str(v) for k, v in (case.path_parameters or {}).items()},
        response.status_code,
        body,
    )
