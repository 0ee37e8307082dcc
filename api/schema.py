"""OpenAPI additions: the error shape every operation may answer with."""

from __future__ import annotations

import re
from typing import Any

from api.graph.validate import (
    MAP_URL_SLUG_PATTERN,
    MAX_SLUG_LENGTH,
    QUERY_TEXT_PATTERN,
    SLUG_PATTERN,
)

# A map named by its slug (a body's "map", the filter ?map=).
SLUG_SCHEMA = {"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_SLUG_LENGTH}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, naming the field."},
        "errors": {
            "type": "object",
            "description": "For 400s: each field at fault with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail"],
    "additionalProperties": True,
}

COMMON = {
    "400": "Invalid input; `errors` names each field at fault.",
    "401": "Authentication needed.",
    "403": (
        "Not allowed: only the map's owner and staff change it; or, for a write, it would "
        "pass a storage quota (`quota` names the setting, `limit` its value)."
    ),
    "404": (
        "No such object, or not visible to you: in the path, or named by a parameter or "
        "a body field (`errors` names it)."
    ),
    "429": "Too many requests; see Retry-After.",
}
WRITES = {
    "409": (
        "Conflict with what is stored: the slug is taken, the link duplicates another "
        "(named), or other links still use this object (their ids in `links`)."
    ),
    "412": "If-Match names a version that is no longer current.",
    "422": (
        "Well formed, but it breaks a rule of maps (the quote is not in the source text; a "
        "link needs exactly one target; undercutters may not form a cycle...), or the "
        "uploaded file cannot be read as a map; `errors` names the field (or the place)."
    ),
    "413": "Request body too large.",
}


UNPROCESSABLE_READ = (
    "The options are each well formed but cannot be met together (several pages as one "
    "image, a slide past the last), or the map is too big for them; `detail` says why."
)
RESERVED_SLUG = (
    "The slug `import` is reserved (the slug's pattern rules it out): `/api/maps/import/` "
    "takes only POST."
)
PRECONDITION_REQUIRED = "If-Match is missing: a write that replaces the whole map needs it."
MOVED = (
    "The map was renamed: this slug is one it had before. `Location` is the same URL under "
    "its slug now (`slug`); repeat the request there (308 keeps the method and body)."
)
JOB_NOT_DONE = "The job is not done (queued or running), or it failed: `detail` says which."
LOCATION_HEADER = {
    "Location": {
        "description": "The same URL under the map's slug now.",
        "schema": {"type": "string"},
    }
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: document the error responses, that reads
    need no authentication, 428 where If-Match is required, and the redirect from a
    renamed map's former slug."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(COMMON)
            if method in {"post", "put", "patch", "delete"}:
                codes.update(WRITES)
            else:
                # Anyone may read: an empty requirement means no authentication.
                security = operation.setdefault("security", [])
                if {} not in security:
                    security.append({})
            if path == "/api/maps/{slug}/":
                # The path is another endpoint's for a reserved slug: only POST there.
                codes["405"] = RESERVED_SLUG
                for parameter in operation.get("parameters", []):
                    if (parameter["in"], parameter["name"]) == ("path", "slug"):
                        parameter["schema"]["pattern"] = MAP_URL_SLUG_PATTERN
            if path.endswith(("/diagram.{fmt}", "/evaluation/")):
                codes["422"] = UNPROCESSABLE_READ
            if any(
                p.get("in") == "header" and p.get("name") == "If-Match" and p.get("required")
                for p in operation.get("parameters", [])
            ):
                codes["428"] = PRECONDITION_REQUIRED
            if "{slug}" in path:
                codes["308"] = MOVED
            if path == "/api/jobs/{job_id}/result/":
                codes["409"] = JOB_NOT_DONE
            for code, description in codes.items():
                response: dict[str, Any] = {"description": description}
                if code == "308":
                    response["headers"] = LOCATION_HEADER
                response["content"] = {"application/json": {"schema": ref}}
                operation["responses"].setdefault(code, response)
    return result


# A collection's POST creates an object; these operations take its key in their path.
_MEMBER_PATH = re.compile(r"\{(?P<param>\w+)\}/")


def _component(schema: dict, result: dict) -> dict:
    return result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def _as_answered(body: dict, answer: dict, result: dict) -> dict:
    """A body (schema ``body``) of the object as ``answer`` gave it: each field the body
    takes that the answer holds."""
    fields = _component(body, result).get("properties", {})
    answered = _component(answer["content"]["application/json"]["schema"], result)
    return {
        name: f"$response.body#/{name}" for name in fields if name in answered.get("properties", {})
    }


LOCATION_JOB_HEADER = {
    "Location": {"description": "The job's URL (`/api/jobs/{id}/`).", "schema": {"type": "string"}}
}


def _as_created(operation: dict, created: dict, result: dict) -> dict:
    """A PUT body of the object as the creation answered it: each field the PUT takes."""
    return _as_answered(
        operation["requestBody"]["content"]["application/json"]["schema"], created, result
    )


def add_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: OpenAPI links from each creating POST (201) of
    a collection (``/api/maps/``) to every operation under a member of it
    (``/api/maps/{slug}/...``), its path parameter taken from the created object (the
    ``slug``, or ``id`` for ``{id}``), so clients and test tools can chain them."""
    paths = result.get("paths", {})
    for path, path_item in paths.items():
        created = path_item.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        links = {}
        for other, other_item in paths.items():
            if not other.startswith(path):
                continue
            member = _MEMBER_PATH.match(other[len(path) :])
            if member is None:
                continue
            param = member.group("param")
            field = "id" if param in ("id", "pk") else param
            for method, operation in other_item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    link = {
                        "operationId": operation["operationId"],
                        "parameters": {param: f"$response.body#/{field}"},
                        "description": f"{method.upper()} {other} of the created object.",
                    }
                    if method == "put" and other.endswith(f"{{{param}}}/"):
                        # Replacing the object: with what it holds (as the creation
                        # answered it), so the write can succeed.
                        link["requestBody"] = _as_created(operation, created, result)
                    links[operation["operationId"]] = link
        if links:
            created["links"] = links
    return result


def state_query_rules(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: every query parameter that takes text says it
    may not be empty (``minLength: 1``), as ``api.views.check_no_empty_params`` refuses an
    empty one, and, unless it states its own pattern, that it holds no NUL
    (``QUERY_TEXT_PATTERN``), as Django's forms refuse one."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                text = schema.get("type") == "string" and "enum" not in schema
                if parameter.get("in") == "query" and text:
                    schema.setdefault("minLength", 1)
                    schema.setdefault("pattern", QUERY_TEXT_PATTERN)
    return result


# The first writes of a new map, as OpenAPI links from its creation, so that generated
# clients and test tools (as any user: the map is theirs) can chain them: one whole-map PUT
# that fills it with a claim, a reason for it and an objection to it, the reason linked to
# the claim, sent with the version the creation answered; then the objection linked to the
# claim (POST /api/links/), whose 201 links on to that link's own operations.
STARTER_STATEMENTS = [
    {
        "id": number,
        "text": text,
        "quote": "",
        "quote_start": None,
        "quote_end": None,
        "attributed_to": "",
        "base_score": 0.5,
        "note": "",
    }
    for number, text in (
        (1, "A claim."),
        (2, "A reason for the claim."),
        (3, "An objection to the claim."),
    )
]
STARTER_LINKS = [
    {
        "id": 1,
        "kind": "support",
        "premises": [2],
        "conclusion": 1,
        "target_link": None,
        "scheme": "",
        "note": "",
    }
]
OBJECTION_TO_LINK = {
    "operationId": "links_create",
    "requestBody": {
        "map": "$response.body#/map/slug",
        "kind": "oppose",
        "premises": ["$response.body#/statements/2/id"],
        "conclusion": "$response.body#/statements/0/id",
    },
    "description": "Link the objection to the claim (POST /api/links/).",
}


def add_job_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: an answer that is a job (202 Accepted) links
    to the job (``GET /api/jobs/{job_id}/``), and the job to its result, so that clients
    and test tools can follow one."""
    job = "#/components/schemas/Job"
    paths = result.get("paths", {})
    for path_item in paths.values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            accepted = operation.get("responses", {}).get("202", {})
            if accepted.get("content", {}).get("application/json", {}).get("schema") == {
                "$ref": job
            }:
                accepted.setdefault("headers", {}).update(LOCATION_JOB_HEADER)
                accepted.setdefault("links", {})["jobs_retrieve"] = {
                    "operationId": "jobs_retrieve",
                    "parameters": {"job_id": "$response.body#/id"},
                    "description": "Follow the job.",
                }
    followed = paths.get("/api/jobs/{job_id}/", {}).get("get", {}).get("responses", {})
    if "200" in followed:
        followed["200"].setdefault("links", {})["jobs_result_retrieve"] = {
            "operationId": "jobs_result_retrieve",
            "parameters": {"job_id": "$response.body#/id"},
            "description": "The job's result, once it is done.",
        }
    return result


def add_workflow_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook (after ``add_links``): the created map's link
    to its whole-map PUT carries a starter map and the If-Match of the created version, and
    that PUT's 200 links to a new link between two of the statements it wrote."""
    paths = result.get("paths", {})
    created = paths.get("/api/maps/", {}).get("post", {}).get("responses", {}).get("201", {})
    replace = paths.get("/api/maps/{slug}/graph/", {}).get("put", {})
    fill = created.get("links", {}).get(replace.get("operationId"))
    if fill is None:
        return result
    body = _component(replace["requestBody"]["content"]["application/json"]["schema"], result)
    fill["parameters"]["header.If-Match"] = '"{$response.body#/version}"'
    fill["requestBody"] = {
        "map": _as_answered(body["properties"]["map"], created, result),
        "statements": STARTER_STATEMENTS,
        "links": STARTER_LINKS,
    }
    fill["description"] = (
        "Fill the created map: a claim, a reason for it (linked) and an objection, in one "
        "whole-map PUT of the version created."
    )
    replace["responses"]["200"].setdefault("links", {})["links_create"] = OBJECTION_TO_LINK
    return result
