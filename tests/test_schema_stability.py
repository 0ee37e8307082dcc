"""The API's contract does not lose anything without saying so (docs/api.md, "Versions").

``tests/data/schema/openapi.json`` is the schema as last published. The current schema must
still have every operation, parameter and field of it, with the same type, and no
constraint of it may tighten (a higher minimum, a lower maximum, a shorter maxLength, an
enum value gone, another pattern, a parameter or field that became required). Each
exception must be listed in docs/api.md's "Removed or tightened" list, as the line that
``differences`` prints for it. Additions need nothing. After a release, refresh the copy:
``.venv/bin/python manage.py spectacular --format openapi-json --file
tests/data/schema/openapi.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import data_file

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = data_file("schema/openapi.json")
DOCS = ROOT / "docs" / "api.md"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def _operations(schema: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    }


def _type(schema: dict) -> str | None:
    """The type of a schema, or the one type all of its ``oneOf`` options share."""
    types = {option.get("type") for option in schema.get("oneOf", [])}
    return schema.get("type") or (types.pop() if len(types) == 1 else None)


def _loosened_or_same(where: str, old: dict, new: dict) -> Iterator[str]:
    """What ``new`` (a parameter's or property's schema) tightens of ``old``. A field that
    may be blank is stated as "this or empty" (``oneOf``): its first option is compared."""
    if "oneOf" in old and _type(old) == "string" and "oneOf" not in new:
        old = old["oneOf"][0]
    elif "oneOf" in new and _type(new) == "string":
        old = old["oneOf"][0] if "oneOf" in old else old
        new = new["oneOf"][0]
    if _type(old) != _type(new) or old.get("$ref") != new.get("$ref"):
        was, now = _type(old) or old.get("$ref"), _type(new) or new.get("$ref")
        yield f"{where}: type {was} is now {now}"
    for key in ("minimum", "minLength", "minItems"):
        if key in new and new[key] > old.get(key, float("-inf")):
            yield f"{where}: {key} raised to {new[key]}"
    for key in ("maximum", "maxLength", "maxItems"):
        if key in new and new[key] < old.get(key, float("inf")):
            yield f"{where}: {key} lowered to {new[key]}"
    if "enum" in old and set(old["enum"]) - set(new.get("enum", old["enum"])):
        gone = sorted(map(str, set(old["enum"]) - set(new["enum"])))
        yield f"{where}: enum lost {', '.join(gone)}"
    if "enum" in new and "enum" not in old:
        yield f"{where}: enum added"
    if new.get("uniqueItems") and not old.get("uniqueItems"):
        yield f"{where}: items now unique"
    if new.get("pattern") != old.get("pattern") and "pattern" in new:
        yield f"{where}: pattern is now {new['pattern']}"


def _schema_of(component: dict, schemas: dict) -> dict:
    ref = component.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], component) if ref else component


def _request_body(operation: dict) -> str | None:
    """The component an operation's JSON request body is, if it is one."""
    content = operation.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def _one_of(body: dict) -> list[dict]:
    """The options of an object's ``oneOf``, stated by itself or within its ``allOf``."""
    return [option for part in (body, *body.get("allOf", [])) for option in part.get("oneOf", [])]


def _body_differences(
    where: str, body: dict, current: dict, old_schemas: dict, new_schemas: dict, request=True
) -> Iterator[str]:
    """What the object schema ``current`` lost or tightened of ``body``."""
    if (
        current.get("additionalProperties") is False
        and body.get("additionalProperties") is not False
    ):
        yield f"{where}: admits no other field"
    required = set(current.get("required", [])) - set(body.get("required", []))
    if request and required:
        yield f"{where}: now required {', '.join(sorted(required))}"
    if request and _one_of(current) and not _one_of(body):
        names = [name for option in _one_of(current) for name in option.get("required", [])]
        yield f"{where}: now one of {', '.join(names)}"
    for field, field_schema in body.get("properties", {}).items():
        if field not in current.get("properties", {}):
            yield f"removed: {where} field {field}"
            continue
        yield from _loosened_or_same(
            f"{where} field {field}",
            _schema_of(field_schema, old_schemas),
            _schema_of(current["properties"][field], new_schemas),
        )


def differences(old: dict, new: dict) -> list[str]:
    """One line for each thing of ``old`` that ``new`` lost or tightened."""
    found: list[str] = []
    new_operations = _operations(new)
    for name, operation in _operations(old).items():
        current = new_operations.get(name)
        if current is None:
            found.append(f"removed: {name}")
            continue
        params = {(p["in"], p["name"]): p for p in current.get("parameters", [])}
        for parameter in operation.get("parameters", []):
            key = (parameter["in"], parameter["name"])
            where = f"{name} {parameter['in']} parameter {parameter['name']}"
            if key not in params:
                found.append(f"removed: {where}")
                continue
            if params[key].get("required") and not parameter.get("required"):
                found.append(f"{where}: now required")
            found.extend(
                _loosened_or_same(where, parameter.get("schema", {}), params[key].get("schema", {}))
            )
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for name, operation in _operations(old).items():
        current = new_operations.get(name)
        was, now = _request_body(operation), _request_body(current or {})
        if was and now and was != now and was in old_schemas and now in new_schemas:
            # The operation takes a body of another component: that is compared in full.
            found.extend(
                _body_differences(
                    f"{name} request body",
                    old_schemas[was],
                    new_schemas[now],
                    old_schemas,
                    new_schemas,
                )
            )
    for component, body in old_schemas.items():
        if component not in new_schemas:
            found.append(f"removed: component {component}")
            continue
        found.extend(
            _body_differences(
                f"component {component}",
                body,
                new_schemas[component],
                old_schemas,
                new_schemas,
                request=component.endswith("Request"),
            )
        )
    return found


ANNOUNCING = ("Removed or tightened", "Stated as enforced")


def announced() -> set[str]:
    """The lines of docs/api.md's "Removed or tightened" list (breaking changes) and its
    "Stated as enforced" list (constraints the server always applied, newly stated)."""
    text = DOCS.read_text("utf-8")
    lines: set[str] = set()
    for heading in ANNOUNCING:
        section = re.search(rf"^### {heading}\n(.*?)(?=^#|\Z)", text, re.M | re.S)
        assert section is not None, f"docs/api.md has no '### {heading}' section"
        lines.update(re.findall(r"^ *- `([^`]+)`$", section.group(1), re.M))
    return lines


@pytest.mark.django_db
def test_nothing_published_disappears_or_tightens_unannounced(api_client):
    published = json.loads(PUBLISHED.read_text("utf-8"))
    current = api_client.get("/api/schema/?format=json").json()
    unannounced = [line for line in differences(published, current) if line not in announced()]
    assert unannounced == [], (
        "The schema lost or tightened these since tests/data/schema/openapi.json; list each "
        "in docs/api.md under 'Removed or tightened' (and bump the major version), or put "
        "it back:\n" + "\n".join(unannounced)
    )


def test_the_comparison_sees_a_removal_and_a_tightening():
    published = json.loads(PUBLISHED.read_text("utf-8"))
    changed = json.loads(PUBLISHED.read_text("utf-8"))
    del changed["paths"]["/api/links/"]["get"]
    [page_size] = [
        p for p in changed["paths"]["/api/maps/"]["get"]["parameters"] if p["name"] == "page_size"
    ]
    page_size["schema"]["minimum"] = 5
    statement = changed["components"]["schemas"]["StatementRequest"]
    del statement["properties"]["note"]
    statement["properties"]["text"]["maxLength"] = 10
    graph_link = changed["components"]["schemas"]["GraphLinkRequest"]
    graph_link["allOf"] = [{"oneOf": [{"required": ["conclusion"]}, {"required": ["target_link"]}]}]
    found = differences(published, changed)
    assert "removed: GET /api/links/" in found
    assert "GET /api/maps/ query parameter page_size: minimum raised to 5" in found
    assert "removed: component StatementRequest field note" in found
    assert "component StatementRequest field text: maxLength lowered to 10" in found
    assert "component GraphLinkRequest: now one of conclusion, target_link" in found
    assert differences(published, published) == []
