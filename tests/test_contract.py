"""The OpenAPI schema says what the API accepts: its bounds and patterns are the ones the
code enforces (read from the same definitions), and a request the schema allows is not
refused for a reason the schema does not state (issue: the contract is exact)."""

from __future__ import annotations

import re

import jsonschema
import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from api import diagrams
from api.filters import ordering_pattern
from api.graph.validate import MAX_ID, REQUIRED_TEXT_PATTERN, TEXT_PATTERN
from api.models import ArgumentMap
from api.views import ETAG_PATTERN, IF_MATCH_PATTERN
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_read_limits(settings):
    # Hundreds of generated requests a minute: the read limits are tested elsewhere.
    settings.ARGMAP_THROTTLE_RATES = {**settings.ARGMAP_THROTTLE_RATES, "anon": None, "user": None}


@pytest.fixture
def schema(api_client) -> dict:
    return api_client.get("/api/schema/?format=json").json()


def parameter(schema: dict, path: str, method: str, name: str) -> dict:
    [found] = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return found


@pytest.mark.parametrize("path", ["/api/maps/", "/api/statements/", "/api/links/"])
def test_paging_parameters_declare_the_bounds_the_api_enforces(schema, api_client, path):
    for name in ("page", "page_size"):
        assert parameter(schema, path, "get", name)["schema"]["minimum"] == 1
        assert api_client.get(f"{path}?{name}=0").status_code in (400, 404)
        assert api_client.get(f"{path}?{name}=1").status_code == 200
    # above the maximum, page_size is read as the maximum: accepted, as documented
    size = parameter(schema, path, "get", "page_size")
    assert "maximum" not in size["schema"]
    assert str(settings.ARGMAP_MAX_PAGE_SIZE) in size["description"]
    assert (
        api_client.get(f"{path}?page_size={settings.ARGMAP_MAX_PAGE_SIZE + 1}").status_code == 200
    )


@pytest.mark.parametrize("name", ["premise", "conclusion", "target_link"])
def test_id_filters_declare_their_range(schema, api_client, name):
    bounds = parameter(schema, "/api/links/", "get", name)["schema"]
    assert (bounds["minimum"], bounds["maximum"]) == (1, MAX_ID)
    assert api_client.get(f"/api/links/?{name}=0").status_code == 400
    assert api_client.get(f"/api/links/?{name}=1").status_code == 200


def test_diagram_options_declare_the_bounds_of_diagrams_params(schema, api_client, cats_map):
    path = "/api/maps/{slug}/diagram.{fmt}"
    ranged = [param for param in diagrams.PARAMS if param.kind == "int"]
    assert ranged
    for param in ranged:
        declared = parameter(schema, path, "get", param.name)["schema"]
        assert declared.get("minimum") == param.low
        assert declared.get("maximum") == param.high
        if param.low is not None:
            below = api_client.get(f"/api/maps/cats/diagram.dot?{param.name}={param.low - 1}")
            assert below.status_code == 400
            assert param.name in below.json()["errors"]


def test_a_method_the_endpoint_does_not_take_is_405_whatever_the_query(api_client, cats_map):
    for path in (
        "/api/maps/cats/evaluation/?semantics=grounded",
        "/api/maps/cats/evaluation/?nonsense=1",
        "/api/statements/?page_size=0",
    ):
        response = api_client.generic("TRACE", path)
        assert response.status_code == 405, (path, response.content)
        assert "GET" in response["Allow"]


# If-Match: what the schema's pattern allows is exactly what the API reads as a version
# (or "*"); anything else is a 400 naming the header.
HEADER_PIECES = st.lists(
    st.sampled_from([" ", "\t", "\x0b", "\n", '"', "W/", "*", "7", "12", "x", ",", "w/"]),
    max_size=7,
).map("".join)


@given(value=HEADER_PIECES)
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_if_match_is_read_exactly_as_the_schema_pattern_says(value, auth_client, cats_map):
    # (the map is shared by the examples: a version that matches writes, another is 412)
    response = auth_client.patch(
        "/api/maps/cats/", {"summary": "A summary."}, format="json", HTTP_IF_MATCH=value
    )
    # (the pattern is anchored: as JSON Schema reads it, the whole value must match)
    if re.fullmatch(IF_MATCH_PATTERN, value) is not None:
        assert response.status_code in (200, 412), (value, response.content)
    else:
        assert response.status_code == 400, (value, response.content)
        assert "If-Match" in response.json()["errors"]


def test_the_schema_states_the_if_match_patterns_the_api_uses(schema):
    optional = parameter(schema, "/api/maps/{slug}/", "patch", "If-Match")
    assert optional["schema"] == {
        "type": "string",
        "format": "if-match",
        "pattern": IF_MATCH_PATTERN,
    }
    assert not optional.get("required", False)
    required = parameter(schema, "/api/maps/{slug}/graph/", "put", "If-Match")
    assert required["schema"] == {"type": "string", "format": "etag", "pattern": ETAG_PATTERN}
    assert required["required"] is True
    responses = schema["paths"]["/api/maps/{slug}/graph/"]["put"]["responses"]
    assert {"412", "428"} <= set(responses)


ORDERING_PIECES = st.lists(
    st.sampled_from(["slug", "title", "created_at", "-", ",", " ", "x", "id"]), max_size=6
).map("".join)


@given(value=ORDERING_PIECES)
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_ordering_is_read_exactly_as_the_schema_pattern_says(value, api_client, schema):
    pattern = parameter(schema, "/api/maps/", "get", "ordering")["schema"]["pattern"]
    response = api_client.get("/api/maps/", {"ordering": value})
    if re.fullmatch(pattern, value):
        assert response.status_code == 200, (value, response.content)
    else:
        assert response.status_code == 400, (value, response.content)
        assert "ordering" in response.json()["errors"]


def test_every_list_states_what_it_orders_by(schema):
    for path, fields in (
        ("/api/maps/", ["slug", "title", "created_at", "updated_at"]),
        ("/api/statements/", ["id", "text"]),
        ("/api/links/", ["id", "kind"]),
    ):
        declared = parameter(schema, path, "get", "ordering")
        assert declared["schema"]["pattern"] == ordering_pattern(fields)


def test_a_taken_slug_and_a_duplicate_link_are_conflicts(auth_client, cats_map, schema):
    taken = auth_client.post("/api/maps/", {"slug": "cats", "title": "Again"}, format="json")
    assert taken.status_code == 409
    assert "slug" in taken.json()["errors"]
    link = cats_map.links.filter(kind="support").first()
    body = {
        "map": "cats",
        "kind": "support",
        "premises": list(link.premise_rows.values_list("statement_id", flat=True)),
        "conclusion": link.conclusion_id,
    }
    duplicate = auth_client.post("/api/links/", body, format="json")
    assert duplicate.status_code == 409
    assert f"Link {link.pk}" in duplicate.json()["detail"]
    for path, method in (("/api/maps/", "post"), ("/api/links/", "post")):
        assert "409" in schema["paths"][path][method]["responses"]
    # a field that is merely wrong is still a 400
    bad = auth_client.post("/api/maps/", {"slug": "bad slug!", "title": "x"}, format="json")
    assert bad.status_code == 400


def evaluate(expression, body):
    """An OpenAPI link's runtime expressions against a response body: ``$response.body#/a/0``
    as the value it points to, ``{$response.body#/a}`` within text as text, and so on
    through objects and lists."""
    if isinstance(expression, dict):
        return {key: evaluate(value, body) for key, value in expression.items()}
    if isinstance(expression, list):
        return [evaluate(value, body) for value in expression]
    if not isinstance(expression, str):
        return expression
    if expression.startswith("$response.body#/"):
        found = body
        for key in expression.removeprefix("$response.body#/").split("/"):
            found = found[int(key)] if isinstance(found, list) else found[key]
        return found
    embedded = re.compile(r"\{(\$response\.body#/[^}]*)\}")
    return embedded.sub(lambda match: str(evaluate(match.group(1), body)), expression)


def operations(schema) -> dict[str, tuple[str, str]]:
    return {
        op["operationId"]: (path, method)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


def links_of(schema, path: str, method: str, status: str) -> dict:
    return schema["paths"][path][method]["responses"][status]["links"]


def follow(client, schema, link: dict, answer: dict):
    """Send the request an OpenAPI link describes, from the answer that carries it."""
    path, method = operations(schema)[link["operationId"]]
    headers = {}
    for name, expression in link["parameters"].items() if "parameters" in link else ():
        where, _, key = name.rpartition(".")
        value = str(evaluate(expression, answer))
        if where == "header":
            headers[f"HTTP_{key.upper().replace('-', '_')}"] = value
        else:
            path = path.replace("{" + key + "}", value)
    body = evaluate(link["requestBody"], answer) if "requestBody" in link else None
    return getattr(client, method)(path, body, format="json", **headers)


@pytest.mark.parametrize("who", ["user", "other_user"])
def test_the_links_chain_a_new_maps_first_writes_for_any_user(schema, request, who, cats_map):
    # Any user can follow them, on a map of their own: alice owns cats, bob nothing.
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(who))
    created = client.post("/api/maps/", {"slug": "chained", "title": "Chained"}, format="json")

    fill = links_of(schema, "/api/maps/", "post", "201")["maps_graph_update"]
    filled = follow(client, schema, fill, created.json())
    assert filled.status_code == 200, filled.content
    statements = filled.json()["statements"]
    assert [s["text"] for s in statements] == [
        "A claim.",
        "A reason for the claim.",
        "An objection to the claim.",
    ]
    assert filled.json()["map"]["version"] == created.json()["version"] + 1

    object_to = links_of(schema, "/api/maps/{slug}/graph/", "put", "200")["links_create"]
    objection = follow(client, schema, object_to, filled.json())
    assert objection.status_code == 201, objection.content
    assert (objection.json()["kind"], objection.json()["premises"]) == (
        "oppose",
        [statements[2]["id"]],
    )
    assert objection.json()["conclusion"] == statements[0]["id"]

    # The new link's own operations follow from its creation.
    replace = links_of(schema, "/api/links/", "post", "201")["links_update"]
    assert follow(client, schema, replace, objection.json()).status_code == 200
    graph = client.get("/api/maps/chained/graph/").json()
    assert [link["kind"] for link in graph["links"]] == ["support", "oppose"]


def test_links_chain_a_created_object_to_the_operations_that_take_its_key(
    auth_client, schema, cats_map
):
    created = {
        "/api/maps/": {"slug": "linked", "title": "Linked"},
        "/api/statements/": {"map": "cats", "text": "A linked statement."},
    }
    for collection, body in created.items():
        links = links_of(schema, collection, "post", "201")
        response = auth_client.post(collection, body, format="json")
        assert response.status_code == 201
        reached = 0
        for link in links.values():
            path, method = operations(schema)[link["operationId"]]
            assert path.startswith(collection)
            if method == "get" and path.endswith("}/"):
                assert follow(auth_client, schema, link, response.json()).status_code == 200
                reached += 1
            if method == "put":  # a PUT of the object as it was created, or filling a map
                answer = follow(auth_client, schema, link, response.json())
                assert answer.status_code == 200, (path, answer.content)
                reached += 1
        assert reached >= 2
    maps_links = links_of(schema, "/api/maps/", "post", "201")
    # every operation under a map is reachable from its creation
    under_a_map = {
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/maps/{slug}/")
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert under_a_map <= set(maps_links)


def test_naming_an_object_that_does_not_exist_is_a_404_naming_the_field(auth_client, cats_map):
    # Well formed by the schema, refused for what no schema can state: the object is
    # not there (or not visible). 404, the field named, nothing written.
    for response, field in (
        (auth_client.get("/api/statements/?map=nowhere"), "map"),
        (auth_client.get("/api/links/?map=nowhere"), "map"),
        (auth_client.post("/api/statements/", {"map": "nope", "text": "x"}, format="json"), "map"),
        (auth_client.get("/api/maps/cats/diagram.dot?focus=999999"), "focus"),
    ):
        assert response.status_code == 404, response.content
        assert field in response.json()["errors"]


def test_moving_a_statement_or_link_to_another_map_is_a_conflict(auth_client, cats_map, make_map):
    make_map("dogs")
    statement = cats_map.statements.first()
    link = cats_map.links.first()
    for url in (f"/api/statements/{statement.pk}/", f"/api/links/{link.pk}/"):
        response = auth_client.patch(url, {"map": "dogs"}, format="json")
        assert response.status_code == 409, response.content
        assert "map" in response.json()["errors"]


def test_json_bodies_only_where_the_schema_says_so(auth_client, cats_map, schema):
    # A form's strings cannot carry JSON's types ("0" for is_private): only the import,
    # which takes a file, reads multipart; every other body is JSON, and says so.
    before = ArgumentMap.objects.count()
    response = auth_client.post(
        "/api/maps/", {"slug": "formed", "title": "F", "is_private": "0"}, format="multipart"
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert ArgumentMap.objects.count() == before
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            expected = (
                ["multipart/form-data"] if path == "/api/maps/import/" else ["application/json"]
            )
            assert list(operation["requestBody"]["content"]) == expected, (method, path)


def stated_pattern(declared: dict) -> str:
    """A text field's pattern; a field that may be blank is "the pattern, or empty"."""
    if "oneOf" in declared:
        text, empty = declared["oneOf"]
        assert empty == {"type": "string", "maxLength": 0}
        return text["pattern"]
    return declared["pattern"]


TEXT_PIECES = st.lists(
    st.sampled_from(
        [
            *["a", " ", "\t", "\n", "\r", "\x00", "\x07", "\x1f", "\x7f", "\x85", "é"],
            *["\x9f", "\u3000", "\u00a0", "\x0b", "\ufeff"],
        ]
    ),
    min_size=0,
    max_size=6,
).map("".join)


def schema_allows(declared: dict, value: str) -> bool:
    """Whether a text field's schema (a pattern and length, or "that or empty") allows it."""
    if "oneOf" in declared:
        return any(schema_allows(option, value) for option in declared["oneOf"])
    pattern = declared.get("pattern")
    return (
        (pattern is None or re.fullmatch(pattern, value) is not None)
        and len(value) >= declared.get("minLength", 0)
        and len(value) <= declared.get("maxLength", len(value))
    )


@given(value=TEXT_PIECES, field=st.sampled_from(["text", "note"]))
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_text_is_refused_exactly_where_the_schema_says(value, field, auth_client, cats_map, schema):
    # "text" may not be blank (white space alone is blank); "note" may. Either takes a
    # carriage return (stored as a line break) and no other control character.
    declared = schema["components"]["schemas"]["StatementRequest"]["properties"][field]
    statement = cats_map.statements.first()
    response = auth_client.patch(f"/api/statements/{statement.pk}/", {field: value}, format="json")
    if schema_allows(declared, value):
        assert response.status_code == 200, (value, response.content)
    else:
        assert response.status_code == 400, (value, response.content)
        assert response.json()["errors"][field]  # named (NUL: DRF's own words)


def test_every_text_field_of_a_request_states_the_text_pattern(schema):
    components = schema["components"]["schemas"]
    for component, fields in (
        ("StatementRequest", ["text", "quote", "attributed_to", "note"]),
        ("LinkRequest", ["scheme", "note"]),
        ("ArgumentMapRequest", ["title", "summary", "source_title", "source_author"]),
    ):
        for field in fields:
            declared = components[component]["properties"][field]
            if field in ("text", "title"):  # may not be blank
                assert declared["pattern"] == REQUIRED_TEXT_PATTERN, (component, field)
                assert declared["minLength"] == 1
            else:
                assert stated_pattern(declared) == TEXT_PATTERN, (component, field)


@pytest.mark.parametrize(
    ("component", "field", "limit"),
    [
        ("StatementRequest", "text", "statement.text"),
        ("StatementRequest", "quote", "statement.quote"),
        ("LinkRequest", "scheme", "link.scheme"),
        ("ArgumentMapRequest", "title", "map.title"),
        ("ArgumentMapRequest", "source_url", "map.source_url"),
    ],
)
def test_text_lengths_are_the_settings_limits(schema, settings, component, field, limit):
    declared = schema["components"]["schemas"][component]["properties"][field]
    options = declared.get("oneOf", [declared])
    assert options[0]["maxLength"] == settings.ARGMAP_MAX_LENGTHS[limit]


def test_a_text_at_its_length_limit_is_taken_and_one_more_character_is_not(
    auth_client, cats_map, settings
):
    # Counted as sent, white space included, as the schema's maxLength counts.
    limit = settings.ARGMAP_MAX_LENGTHS["statement.text"]
    statement = cats_map.statements.first()
    url = f"/api/statements/{statement.pk}/"
    assert auth_client.patch(url, {"text": "x" * limit}, format="json").status_code == 200
    response = auth_client.patch(url, {"text": " " + "x" * limit}, format="json")
    assert response.status_code == 400
    assert f"At most {limit} characters" in response.json()["errors"]["text"][0]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org/a?b=c#d", True),
        ("HTTP://example.org", True),
        ("http://localhost:8000/x", True),
        ("https://例え.テスト/パス", True),
        ("", True),
        ("ftp://example.org", False),
        ("https://", False),
        ("https:///path", False),
        (" https://example.org", False),
        ("https://example.org/a b", False),
        ("https://example.org\n", False),
        ("example.org", False),
    ],
)
def test_a_source_url_is_refused_exactly_where_the_schema_pattern_says(
    auth_client, cats_map, schema, url, allowed
):
    declared = schema["components"]["schemas"]["PatchedArgumentMapRequest"]["properties"]
    assert schema_allows(declared["source_url"], url) is allowed
    response = auth_client.patch("/api/maps/cats/", {"source_url": url}, format="json")
    assert response.status_code == (200 if allowed else 400), response.content
    if not allowed:
        assert "source_url" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "typed", "title": "T", "is_private": 0}, "is_private"),
        ({"slug": "typed", "title": 5}, "title"),
        ({"slug": 7, "title": "T"}, "slug"),
        ({"slug": "typed", "title": "T", "source_date": 20190601}, "source_date"),
    ],
)
def test_a_json_body_is_taken_as_the_schema_types_it(auth_client, schema, body, field):
    # DRF would read 0 as false and 5 as "5"; the schema says boolean and string, and a
    # request the schema forbids is refused: 400 naming the field, nothing written.
    before = ArgumentMap.objects.count()
    response = auth_client.post("/api/maps/", body, format="json")
    assert response.status_code == 400, response.content
    declared = schema["components"]["schemas"]["ArgumentMapRequest"]["properties"][field]
    assert declared.get("type", "string") in response.json()["errors"][field][0]
    assert ArgumentMap.objects.count() == before


def test_numbers_and_lists_keep_their_types(auth_client, cats_map):
    statement = cats_map.statements.first()
    version = cats_map.version
    for url, body, field in (
        (f"/api/statements/{statement.pk}/", {"quote_start": "0"}, "quote_start"),
        (f"/api/statements/{statement.pk}/", {"quote_start": 1.5}, "quote_start"),
        (f"/api/statements/{statement.pk}/", {"base_score": "0.5"}, "base_score"),
        (f"/api/statements/{statement.pk}/", {"base_score": True}, "base_score"),
        (f"/api/links/{cats_map.links.first().pk}/", {"premises": [str(statement.pk)]}, "premises"),
        (f"/api/links/{cats_map.links.first().pk}/", {"premises": statement.pk}, "premises"),
    ):
        response = auth_client.patch(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], body
    # A whole number is a number; an integer given as a number with no fraction is not.
    ok = auth_client.patch(f"/api/statements/{statement.pk}/", {"base_score": 1}, format="json")
    assert ok.status_code == 200, ok.content
    cats_map.refresh_from_db()
    assert cats_map.version == version + 1


def test_request_bodies_admit_no_field_they_do_not_list(schema, auth_client, cats_map):
    components = schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            for media in operation["requestBody"]["content"].values():
                name = media["schema"]["$ref"].rsplit("/", 1)[1]
                if name != "GraphRequest":  # the whole-map body: read by api.graph
                    assert components[name]["additionalProperties"] is False, (method, path)
    # As stated: a field the schema does not list is refused, naming it.
    response = auth_client.post("/api/statements/", {"map": "cats", "text": "x", "colour": 1})
    assert response.status_code == 400
    assert "colour" in response.json()["errors"]


def test_the_score_states_its_bounds(schema, auth_client, cats_map):
    declared = schema["components"]["schemas"]["PatchedStatementRequest"]["properties"]
    assert (declared["base_score"]["minimum"], declared["base_score"]["maximum"]) == (0, 1)
    statement = cats_map.statements.first()
    for score, expected in ((0, 200), (1, 200), (1.0001, 400), (-0.0001, 400)):
        response = auth_client.patch(
            f"/api/statements/{statement.pk}/", {"base_score": score}, format="json"
        )
        assert response.status_code == expected, (score, response.content)


@pytest.mark.parametrize("value", ["a b", "ça", "x" * 101, "a/b", "\x00"])
def test_a_map_named_by_what_is_no_slug_is_a_400(auth_client, cats_map, schema, value):
    # A slug no map has is a 404 (test above); what the schema's slug pattern refuses is a
    # 400 on every database (PostgreSQL cannot even look a NUL up).
    declared = schema["components"]["schemas"]["StatementRequest"]["properties"]["map"]
    assert not (re.fullmatch(declared["pattern"], value) and len(value) <= declared["maxLength"])
    body = auth_client.post("/api/statements/", {"map": value, "text": "x"}, format="json")
    query = auth_client.get("/api/links/", {"map": value})
    for response in (body, query):
        assert response.status_code == 400, response.content
        assert "slug" in response.json()["errors"]["map"][0]
    stated = parameter(schema, "/api/links/", "get", "map")["schema"]
    assert stated["pattern"] == declared["pattern"]
    assert stated["maxLength"] == declared["maxLength"]


SEARCH_PIECES = st.lists(
    st.sampled_from(["a", "é", " ", "\t", "\x1c", "\u3000", "\x00", "\x85", "\x07"]), max_size=30
).map("".join)


@given(value=SEARCH_PIECES)
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_search_is_refused_exactly_where_the_schema_says(value, api_client, cats_map, schema):
    # At most ARGMAP_SEARCH_MAX_WORDS words as str.split counts them (control characters
    # that Python counts as white space too), no NUL, at most so many characters.
    declared = parameter(schema, "/api/statements/", "get", "search")["schema"]
    allowed = schema_allows(declared, value)
    assert allowed == (
        value != ""  # an empty parameter is none: a 400 too
        and len(value.split()) <= settings.ARGMAP_SEARCH_MAX_WORDS
        and "\x00" not in value
        and len(value) <= settings.ARGMAP_SEARCH_MAX_LENGTH
    )
    response = api_client.get("/api/statements/", {"search": value})
    assert response.status_code == (200 if allowed else 400), (value, response.content)


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        *[("true", True), ("false", True), ("1", True), ("0", True)],
        *[("yes", False), ("True", False), (" true", False), ("on", False)],
    ],
)
def test_a_query_boolean_is_what_the_schema_calls_one(api_client, cats_map, value, allowed):
    # As OpenAPI clients write a boolean, and nothing else: has_quote, cascade, download.
    for url in ("/api/statements/", "/api/maps/cats/diagram.dot"):
        name = "has_quote" if url == "/api/statements/" else "download"
        response = api_client.get(url, {name: value})
        assert response.status_code == (200 if allowed else 400), (url, value)
        if not allowed:
            assert name in response.json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/statements/?map=",
        "/api/links/?kind=",
        "/api/maps/?page=",
        "/api/statements/?search=",
        "/api/maps/cats/diagram.svg?focus=",
    ],
)
def test_an_empty_query_parameter_is_a_400_naming_it(api_client, cats_map, url):
    # No parameter has "" among its values: it is not quietly read as left out.
    name = url.split("?")[1].rstrip("=")
    response = api_client.get(url)
    assert response.status_code == 400, response.content
    assert name in response.json()["errors"]


def test_diagram_options_that_cannot_go_together_are_a_422(api_client, cats_map):
    # Each option is well formed; together they ask for what cannot be.
    several = api_client.get("/api/maps/cats/diagram.svg?page=slides")
    beyond = api_client.get("/api/maps/cats/diagram.svg?page=slides&slide=40")
    for response in (several, beyond):
        assert response.status_code == 422, response.content
        assert "slide" in response.json()["errors"]
    assert api_client.get("/api/maps/cats/diagram.svg?slide=0").status_code == 400


def test_a_text_file_that_is_not_utf8_is_a_422(auth_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = ArgumentMap.objects.count()
    response = auth_client.post(
        "/api/maps/import/",
        {
            "file": SimpleUploadedFile("m.json", b'{"statements": [], "links": []}'),
            "text": SimpleUploadedFile("t.txt", b"\xff\xfe\x00"),
        },
        format="multipart",
    )
    assert response.status_code == 422, response.content
    assert "text" in response.json()["errors"]
    assert ArgumentMap.objects.count() == before


def test_the_whole_map_body_states_the_keys_the_server_reads(schema):
    from api.graph.graphjson import MAP_KEYS
    from api.graph.validate import (
        OPTIONAL_STATEMENT_KEYS,
        WHOLE_MAP_KEYS,
        WHOLE_MAP_LINK_KEYS,
        WHOLE_MAP_STATEMENT_KEYS,
    )

    components = schema["components"]["schemas"]
    for name, required, optional in (
        ("GraphRequest", WHOLE_MAP_KEYS, ()),
        ("GraphMapRequest", MAP_KEYS, ("is_private",)),
        ("GraphStatementRequest", WHOLE_MAP_STATEMENT_KEYS, (*OPTIONAL_STATEMENT_KEYS, "role")),
        ("GraphLinkRequest", WHOLE_MAP_LINK_KEYS, ()),
    ):
        body = components[name]
        assert body["additionalProperties"] is False, name
        assert set(body["required"]) == set(required), name
        assert set(body["properties"]) == {*required, *optional}, name


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        (lambda b: b.update(colour=1), 400, "/colour"),
        (lambda b: b["statements"][0].update(colour=1), 400, "/statements/0/colour"),
        (lambda b: b["map"].update(slug="dogs"), 409, "map.slug"),
        (lambda b: b["map"].update(slug="not a slug"), 400, "map.slug"),
        (lambda b: b["map"].update(version=-5), 409, "map.version"),
        (lambda b: b["map"].update(version="1"), 400, "map.version"),
        (lambda b: b["map"].update(is_private="yes"), 400, "map.is_private"),
        (lambda b: b["map"].update(source_url="example.org"), 400, "map.source_url"),
        (lambda b: b["statements"][0].update(text="   "), 400, "/statements/0/text"),
        (lambda b: b["statements"][0].update(base_score=1.5), 400, "/statements/0/base_score"),
        (lambda b: b["links"][0].update(premises=[]), 400, "/links/0/premises"),
        (lambda b: b["links"][0].update(premises=[10**9]), 422, "/links/0/premises/0"),
        (
            lambda b: b["links"][0].update(target_link=b["links"][0]["id"]),
            400,
            "/links/0/conclusion",
        ),
    ],
)
def test_a_whole_map_write_is_refused_as_its_schema_says(
    auth_client, cats_map, change, status, field
):
    # 400: the body breaks its schema; 409: it clashes with the map (another slug or
    # version than the map's); 422: well formed, but it breaks a rule of maps.
    response = auth_client.get("/api/maps/cats/graph/")
    body, etag = response.json(), response["ETag"]
    change(body)
    version = cats_map.version
    response = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == status, response.content
    assert field in response.json()["errors"], response.json()
    cats_map.refresh_from_db()
    assert cats_map.version == version


def test_every_text_query_parameter_states_it_is_not_empty_and_holds_no_nul(
    schema, api_client, cats_map
):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for declared in operation.get("parameters", []) if isinstance(operation, dict) else []:
                kind = declared["schema"]
                text = kind.get("type") == "string" and "enum" not in kind
                if declared["in"] == "query" and text:
                    assert kind["minLength"] == 1, (method, path, declared["name"])
                    assert not re.fullmatch(kind["pattern"], "a\x00"), (path, declared)
    # As stated: a NUL in the maps' slug filter is a 400 naming it.
    response = api_client.get("/api/maps/", {"slug": "a\x00"})
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b["links"][0].update(note="x" * 5001), "/links/0/note"),
        (lambda b: b["map"].update(title="\x07"), "map.title"),
        (lambda b: b["links"][0].update(premises=[]), "/links/0/premises"),
        (lambda b: b["map"].update(source_date="AAA"), "map.source_date"),
        (lambda b: b["map"].update(source_date=""), "map.source_date"),
        (
            lambda b: b["links"][0].update(premises=b["links"][0]["premises"] * 2),
            "/links/0/premises",
        ),
        (lambda b: b["links"][0].update(conclusion=None), "/links/0/conclusion"),
    ],
)
def test_a_body_the_schema_rules_out_is_a_400_even_with_a_stale_if_match(
    auth_client, cats_map, change, where
):
    # What the body is by itself is checked before the precondition: a 400, not a 412.
    body = auth_client.get("/api/maps/cats/graph/").json()
    change(body)
    stale = f'"{cats_map.version - 1}"'
    response = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 400, response.content
    assert where in response.json()["errors"]


def test_a_premise_given_twice_is_ruled_out_by_the_schema_and_refused_with_a_400(
    auth_client, cats_map, schema
):
    for component in ("LinkRequest", "PatchedLinkRequest", "GraphLinkRequest"):
        assert schema["components"]["schemas"][component]["properties"]["premises"]["uniqueItems"]
    claim, reason = cats_map.statements.order_by("id").values_list("id", flat=True)[:2]
    before = cats_map.links.count()
    body = {"map": "cats", "kind": "support", "premises": [reason, reason], "conclusion": claim}

    response = auth_client.post("/api/links/", body, format="json")

    assert response.status_code == 400, response.content
    assert f"Statement {reason} appears twice" in response.json()["errors"]["premises"][0]
    assert cats_map.links.count() == before
    link = cats_map.links.first()
    patched = auth_client.patch(
        f"/api/links/{link.pk}/", {"premises": [reason, reason]}, format="json"
    )
    assert patched.status_code == 400


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ({}, "conclusion"),
        ({"conclusion": None, "target_link": None}, "conclusion"),
        ({"conclusion": "CLAIM", "target_link": "LINK"}, "conclusion"),
        ({"conclusion": "CLAIM", "repeat": True}, "premises"),
    ],
)
def test_a_new_link_the_schema_rules_out_is_a_400_even_with_a_stale_if_match(
    auth_client, cats_map, schema, targets, field
):
    claim, reason = cats_map.statements.order_by("id").values_list("id", flat=True)[:2]
    link = cats_map.links.first()
    values = {"CLAIM": claim, "LINK": link.pk}
    body = {"map": "cats", "kind": "oppose", "premises": [reason]}
    body.update({k: values.get(v, v) for k, v in targets.items() if k != "repeat"})
    if targets.get("repeat"):
        body["premises"] = [reason, reason]
    # The schema rules the body out...
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, as_json_schema(schema, "NewLinkRequest"))
    before = snapshot()
    stale = f'"{cats_map.version - 1}"'

    response = auth_client.post("/api/links/", body, format="json", HTTP_IF_MATCH=stale)

    # ...and the server refuses it for what it is, before it looks at the precondition.
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_a_new_link_with_exactly_one_target_is_what_its_schema_states(
    auth_client, cats_map, schema
):
    claim, reason = cats_map.statements.order_by("id").values_list("id", flat=True)[:2]
    link = cats_map.links.first()
    stated = as_json_schema(schema, "NewLinkRequest")
    for targets in ({"conclusion": claim}, {"conclusion": None, "target_link": link.pk}):
        body = {"map": "cats", "kind": "oppose", "premises": [reason], **targets}
        jsonschema.validate(body, stated)
        response = auth_client.post("/api/links/", body, format="json")
        assert response.status_code == 201, response.content
    # The answer is a link, as every link reads.
    created = schema["paths"]["/api/links/"]["post"]["responses"]["201"]["content"]
    assert created["application/json"]["schema"]["$ref"].endswith("/Link")


def as_json_schema(schema: dict, component: str) -> dict:
    """A component of the OpenAPI 3.0 ``schema`` as JSON Schema: ``nullable: true`` is
    ``null`` among its types; ``$ref``s resolve within ``schema``."""

    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        converted = {key: convert(value) for key, value in node.items() if key != "nullable"}
        if node.get("nullable") and "type" in node:
            converted["type"] = [node["type"], "null"]
        elif node.get("nullable"):
            converted = {"anyOf": [converted, {"type": "null"}]}
        return converted

    return {
        **convert(schema["components"]["schemas"][component]),
        "components": convert(schema["components"]),
    }


def test_a_maps_own_url_states_that_its_slug_is_not_a_reserved_one(schema, api_client, db):
    from api.graph.validate import RESERVED_SLUGS

    operations = schema["paths"]["/api/maps/{slug}/"]
    for method in ("get", "put", "patch", "delete"):
        [slug] = [p for p in operations[method]["parameters"] if p["name"] == "slug"]
        pattern = slug["schema"]["pattern"]
        assert re.search(pattern, "import-notes")
        assert re.search(pattern, "imports")
        for reserved in RESERVED_SLUGS:
            assert not re.search(pattern, reserved), (method, pattern)
            # As stated: the path is another endpoint's, which takes only POST.
            answer = getattr(api_client, method)(f"/api/maps/{reserved}/")
            assert answer.status_code == 405, (method, answer.content)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/links/{link}/", {"note": "a\x1db"}, "note"),
        ("/api/links/{link}/", {"scheme": "x" * 10_001}, "scheme"),
        ("/api/statements/{statement}/", {"text": "   "}, "text"),
        ("/api/statements/{statement}/", {"attributed_to": "\x07"}, "attributed_to"),
        ("/api/maps/cats/", {"title": "\x00"}, "title"),
        ("/api/maps/cats/", {"summary": "\x1b[31m"}, "summary"),
    ],
)
def test_text_the_schema_rules_out_is_a_400_even_with_a_stale_if_match(
    auth_client, cats_map, path, body, field
):
    # Text is checked with the body's other faults, before the precondition: a 400 that
    # names the field, not a 412 (release run, seed 4711: a note with a control character).
    where = path.format(link=cats_map.links.first().pk, statement=cats_map.statements.first().pk)
    stale = f'"{cats_map.version - 1}"'
    before = snapshot()

    response = auth_client.patch(where, body, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before
