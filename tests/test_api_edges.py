"""The API at its edges (issue: nothing lost, nothing silently ignored).

Each refused request is a 4xx in the one error shape that names what is wrong and
changes nothing (rows, history, versions: ``snapshot``); each write that changes nothing
keeps the version, the ETag and the history.
"""

from __future__ import annotations

import copy
import io
import json
from unittest import mock

import pytest
from django.db import IntegrityError
from django.db.models import QuerySet

from api import services
from api.models import ArgumentMap, Link, Statement
from api.views import accepts_gzip
from tests.helpers import snapshot

GRAPH = "/api/maps/cats/graph/"
HUGE = 99999999999999999999999


def assert_error(response, status: int, *names: str) -> dict:
    """The response has ``status`` and the error shape, and names each of ``names``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "errors"}, body
    text = json.dumps(body)
    for name in names:
        assert name in text, (name, body)
    return body


def read_graph(client) -> tuple[dict, str]:
    response = client.get(GRAPH)
    return response.json(), response["ETag"]


def put_graph(client, body, etag):
    return client.put(GRAPH, body, format="json", HTTP_IF_MATCH=etag)


# --- whole-map PUT: every key, no other, and an empty write writes nothing -----------------


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda b: b.pop("links"), "/links"),
        (lambda b: b.pop("statements"), "/statements"),
        (lambda b: b.pop("map"), "/map"),
        (lambda b: b["map"].pop("title"), "/map/title"),
        (lambda b: b["statements"][0].pop("quote"), "/statements/0/quote"),
        (lambda b: b["statements"][1].pop("attributed_to"), "/statements/1/attributed_to"),
        (lambda b: b["links"][0].pop("note"), "/links/0/note"),
        (lambda b: b["links"][1].pop("target_link"), "/links/1/target_link"),
        (lambda b: b.update(extra=1), "/extra"),
        (lambda b: b["map"].update(colour="red"), "/map/colour"),
        (lambda b: b["statements"][0].update(qoute="x"), "/statements/0/qoute"),
        (lambda b: b["links"][0].update(sheme="x"), "/links/0/sheme"),
        (lambda b: b["statements"][0].update(role="boss"), "/statements/0/role"),
    ],
)
def test_graph_put_needs_every_key_and_no_other(auth_client, cats_map, change, pointer):
    body, etag = read_graph(auth_client)
    change(body)
    before = snapshot()
    response = put_graph(auth_client, body, etag)
    errors = assert_error(response, 400, pointer)["errors"]
    assert pointer in errors
    assert "Invalid request body" in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [("version", 99, "If-Match"), ("slug", "dogs", "PATCH")],
)
def test_graph_put_refuses_changed_slug_or_version(auth_client, cats_map, key, value, says):
    body, etag = read_graph(auth_client)
    body["map"][key] = value
    before = snapshot()
    # Another slug or version than the map's clashes with it: 409.
    assert_error(put_graph(auth_client, body, etag), 409, f"map.{key}", says)
    assert snapshot() == before


def test_identical_graph_put_changes_no_version_etag_or_history(auth_client, cats_map):
    body, etag = read_graph(auth_client)
    before = snapshot()
    response = put_graph(auth_client, copy.deepcopy(body), etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] == etag
    assert snapshot() == before
    # A statement's role, sent back as read, is accepted and ignored.
    assert read_graph(auth_client) == (body, etag)


def test_graph_put_may_leave_out_a_statements_note_and_keeps_a_sent_one(auth_client, cats_map):
    # ``note`` came after the first clients: a write without it is read as no note.
    body, etag = read_graph(auth_client)
    assert {s["note"] for s in body["statements"]} == {""}
    body["statements"][0]["note"] = "A tension to teach."
    del body["statements"][1]["note"]
    response = put_graph(auth_client, body, etag)
    assert response.status_code == 200, response.content
    notes = [s["note"] for s in read_graph(auth_client)[0]["statements"]]
    assert notes[0] == "A tension to teach."
    assert set(notes[1:]) == {""}


def test_graph_put_writes_only_what_changed(auth_client, cats_map):
    body, etag = read_graph(auth_client)
    body["statements"][1]["text"] = "Cats are very quiet."
    histories = {s.pk: s.history.count() for s in Statement.objects.all()}
    link_history = Link.history.count()
    response = put_graph(auth_client, body, etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    changed = body["statements"][1]["id"]
    for statement in Statement.objects.all():
        grew = statement.history.count() - histories[statement.pk]
        assert grew == (1 if statement.pk == changed else 0), statement
    assert Link.history.count() == link_history  # the links were left alone


def test_graph_put_refuses_a_duplicate_link_naming_both(auth_client, cats_map):
    body, etag = read_graph(auth_client)
    original = next(link for link in body["links"] if len(link["premises"]) == 2)
    copy_ = dict(original, id=-1, premises=list(reversed(original["premises"])))
    body["links"].append(copy_)
    before = snapshot()
    response = put_graph(auth_client, body, etag)
    assert_error(response, 422, f"Link -1 duplicates link {original['id']}")
    assert snapshot() == before


def test_graph_put_may_set_is_private_but_not_unknown_map_fields(auth_client, cats_map):
    body, etag = read_graph(auth_client)
    body["map"]["is_private"] = True
    assert put_graph(auth_client, body, etag).status_code == 200
    cats_map.refresh_from_db()
    assert cats_map.is_private


def test_graph_put_with_a_reversed_undercutter_chain_deeper_than_the_recursion_limit(
    auth_client, cats_map
):
    body, etag = read_graph(auth_client)
    premise = body["statements"][-1]["id"]
    base = body["links"][0]["id"]
    depth = 1500  # _links_in_target_order recursed once per level: a 500 before
    chain = [
        {
            "id": -i,
            "kind": "oppose",
            "premises": [premise],
            "conclusion": None,
            "target_link": base if i == 1 else -(i - 1),
            "scheme": "",
            "note": "",
        }
        for i in range(1, depth + 1)
    ]
    body["links"].extend(reversed(chain))
    response = put_graph(auth_client, body, etag)
    assert response.status_code == 200, response.content[:300]
    assert cats_map.links.count() == len(body["links"])


def test_graph_put_with_huge_new_ids_is_no_500(auth_client, cats_map):
    body, etag = read_graph(auth_client)
    new = dict(body["statements"][0], id=HUGE, text="Huge.", quote="")
    new.update(quote_start=None, quote_end=None)
    body["statements"].append(new)
    claim = body["statements"][0]["id"]
    link = {"id": HUGE, "kind": "support", "premises": [HUGE], "conclusion": claim}
    body["links"].append({**link, "target_link": None, "scheme": "", "note": ""})
    response = put_graph(auth_client, body, etag)
    assert response.status_code == 200, response.content
    made = Statement.objects.get(text="Huge.")
    assert made.pk < HUGE
    assert Link.objects.filter(premise_rows__statement=made).count() == 1


# --- PUT and PATCH that change nothing ------------------------------------------------------


def _one(client, path):
    response = client.get(path)
    return response.json()


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("kind", ["map", "statement", "link"])
def test_a_get_body_sent_back_changes_nothing(auth_client, cats_map, method, kind):
    path = {
        "map": "/api/maps/cats/",
        "statement": f"/api/statements/{cats_map.statements.first().pk}/",
        "link": f"/api/links/{cats_map.links.first().pk}/",
    }[kind]
    body = _one(auth_client, path)
    before = snapshot()
    response = getattr(auth_client, method)(path, body, format="json")
    assert response.status_code == 200, response.content
    assert snapshot() == before
    map_ = auth_client.get("/api/maps/cats/")
    assert map_["ETag"] == f'"{cats_map.version}"'


def test_a_real_change_still_bumps_the_version(auth_client, cats_map):
    statement = cats_map.statements.first()
    response = auth_client.patch(
        f"/api/statements/{statement.pk}/", {"text": "Changed."}, format="json"
    )
    assert response.status_code == 200
    cats_map.refresh_from_db()
    assert cats_map.version == ArgumentMap.objects.get(pk=cats_map.pk).version
    assert statement.history.count() == 2


def test_map_source_text_is_kept_exactly(auth_client, cats_map):
    text = cats_map.source_text + "\n\n  "
    response = auth_client.patch("/api/maps/cats/", {"source_text": text}, format="json")
    assert response.status_code == 200
    assert ArgumentMap.objects.get(pk=cats_map.pk).source_text == text


# --- unknown and read-only fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "name", "hint"),
    [
        ("post", "/api/maps/", {"slug": "x", "title": "X", "titel": "Y"}, "titel", "title"),
        ("patch", "/api/maps/cats/", {"sumary": "Y"}, "sumary", "summary"),
        ("post", "/api/statements/", {"map": "cats", "text": "X.", "qoute": "y"}, "qoute", "quote"),
        ("patch", "statement", {"qoute": "y"}, "qoute", "quote"),
        (
            "post",
            "/api/links/",
            {"map": "cats", "kind": "support", "premises": [1], "conclusion": 2, "sheme": ""},
            "sheme",
            "scheme",
        ),
        ("patch", "link", {"notes": "y"}, "notes", "note"),
    ],
)
def test_unknown_fields_are_named(auth_client, cats_map, method, path, body, name, hint):
    if path == "statement":
        path = f"/api/statements/{cats_map.statements.first().pk}/"
    if path == "link":
        path = f"/api/links/{cats_map.links.first().pk}/"
    before = snapshot()
    errors = assert_error(getattr(auth_client, method)(path, body, format="json"), 400)["errors"]
    assert name in errors
    assert f"Did you mean {hint!r}?" in errors[name][0]
    assert snapshot() == before


def test_unknown_import_option_is_named(auth_client, db):
    upload = io.BytesIO(b"[A]: Cats are good.\n  + [B]: Cats are quiet.\n")
    upload.name = "cats.argdown"
    response = auth_client.post(
        "/api/maps/import/", {"file": upload, "titel": "x"}, format="multipart"
    )
    assert_error(response, 400, "titel")
    assert not ArgumentMap.objects.exists()


@pytest.mark.parametrize(
    ("path", "field", "value", "says"),
    [
        ("/api/maps/cats/", "owner", "bob", "admin"),
        ("/api/maps/cats/", "version", 99, "If-Match"),
        ("/api/maps/cats/", "statement_count", 0, "counted"),
        ("statement", "role", "unlinked", "derived"),
        ("statement", "id", 12345, "server"),
        ("link", "id", 12345, "server"),
    ],
)
def test_read_only_fields_with_another_value_are_refused(
    auth_client, cats_map, path, field, value, says
):
    if path == "statement":
        statement = next(s for s in cats_map.statements.all() if s.role != "unlinked")
        path = f"/api/statements/{statement.pk}/"
    if path == "link":
        path = f"/api/links/{cats_map.links.first().pk}/"
    before = snapshot()
    body = assert_error(auth_client.patch(path, {field: value}, format="json"), 400, field)
    assert "Cannot be set here" in body["errors"][field][0]
    assert says in body["errors"][field][0]
    assert snapshot() == before


def test_read_only_field_on_create_is_refused(auth_client, cats_map):
    response = auth_client.post(
        "/api/statements/", {"map": "cats", "text": "X.", "id": 5}, format="json"
    )
    assert_error(response, 400, "id")


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/statements/?has_quote=maybe", "has_quote"),
        ("/api/statements/?ordering=bogus", "ordering"),
        ("/api/links/?ordering=-nothing", "ordering"),
        ("/api/statements/?page_size=abc", "page_size"),
        ("/api/statements/?page_size=0", "page_size"),
        ("/api/statements/?page_size=-1", "page_size"),
        ("/api/maps/?search=cats", "search"),
        ("/api/links/?search=cats", "search"),
        ("/api/statements/?colour=red", "colour"),
        ("/api/statements/?role=bogus", "role"),
        ("/api/maps/cats/?expand=1", "expand"),
        ("/api/maps/cats/graph/?bogus=1", "bogus"),
        ("/api/maps/cats/evaluation/?semantic=stable", "semantic"),
        (f"/api/links/?premise={HUGE}", "premise"),
        (f"/api/links/?conclusion={HUGE}", "conclusion"),
        (f"/api/links/?target_link={HUGE}", "target_link"),
        ("/api/links/?premise=abc", "premise"),
        ("/api/maps/cats/export.json?pretty=1", "pretty"),
        ("/api/maps/cats/diagram.dot?colour=red", "colour"),
    ],
)
def test_bad_query_parameters_are_named(api_client, cats_map, path, name):
    assert_error(api_client.get(path), 400, name)


def test_good_query_parameters_still_work(api_client, cats_map):
    quoted = api_client.get("/api/statements/?has_quote=true&ordering=-text&page_size=1")
    assert quoted.status_code == 200
    assert quoted.json()["count"] == 2
    assert api_client.get("/api/maps/?format=json&ordering=-title").status_code == 200
    assert api_client.get("/api/statements/?page_size=100000").status_code == 200  # capped


def test_cascade_must_be_a_boolean(auth_client, cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    before = snapshot()
    response = auth_client.delete(f"/api/statements/{claim.pk}/?cascade=maybe")
    assert_error(response, 400, "cascade")
    assert snapshot() == before
    assert auth_client.delete(f"/api/statements/{claim.pk}/?cascade=false").status_code == 409
    assert snapshot() == before


def test_delete_takes_no_other_parameter(auth_client, cats_map):
    link = cats_map.links.first()
    before = snapshot()
    assert_error(auth_client.delete(f"/api/links/{link.pk}/?cascad=true"), 400, "cascad")
    assert snapshot() == before


# --- duplicate links ----------------------------------------------------------------------------


def test_a_duplicate_link_is_refused_in_either_premise_order(auth_client, cats_map):
    pair = next(link for link in cats_map.links.all() if link.premise_rows.count() == 2)
    premises = [row.statement_id for row in pair.premise_rows.order_by("position")]
    before = snapshot()
    for order in (premises, list(reversed(premises))):
        body = {
            "map": "cats",
            "kind": "support",
            "premises": order,
            "conclusion": pair.conclusion_id,
        }
        response = auth_client.post("/api/links/", body, format="json")
        assert_error(response, 409, f"Link {pair.pk} already has")
    assert snapshot() == before
    # Another kind, or a premise fewer, is another link.
    body = {"map": "cats", "kind": "oppose", "premises": premises, "conclusion": pair.conclusion_id}
    assert auth_client.post("/api/links/", body, format="json").status_code == 201
    body = {"map": "cats", "kind": "support", "premises": premises[:1]}
    body["conclusion"] = pair.conclusion_id
    assert auth_client.post("/api/links/", body, format="json").status_code == 201


def test_a_link_changed_into_a_duplicate_is_refused(auth_client, cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    first, second = (
        cats_map.links.filter(conclusion=claim, kind="support")
        .exclude(premise_rows__position=1)
        .order_by("pk")[:2]
    )
    premises = list(first.premise_rows.values_list("statement_id", flat=True))
    before = snapshot()
    response = auth_client.patch(f"/api/links/{second.pk}/", {"premises": premises}, format="json")
    assert_error(response, 409, f"Link {first.pk}")
    assert snapshot() == before


def test_importers_merge_duplicate_links_and_say_so(auth_client, db):
    whole = {
        "map": {"title": "Dup"},
        "statements": [
            {"id": 1, "text": "Claim."},
            {"id": 2, "text": "A."},
            {"id": 3, "text": "B."},
        ],
        "links": [
            {"id": 1, "kind": "support", "premises": [2, 3], "conclusion": 1},
            {"id": 2, "kind": "support", "premises": [3, 2], "conclusion": 1, "note": "again"},
            {"id": 3, "kind": "oppose", "premises": [3], "target_link": 2},
        ],
    }
    upload = io.BytesIO(json.dumps(whole).encode())
    upload.name = "dup.json"
    response = auth_client.post("/api/maps/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert any("Link 2 duplicated link 1" in note for note in body["notes"])
    map_ = ArgumentMap.objects.get(slug=body["map"]["slug"])
    links = {link.kind: link for link in map_.links.all()}
    assert len(links) == 2
    assert map_.links.count() == 2
    assert links["oppose"].target_link == links["support"]  # the undercutter follows
    assert links["support"].note == "again"


# --- ids out of range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "field", "value"),
    [
        ("post", "premises", [HUGE]),
        ("post", "conclusion", HUGE),
        ("post", "target_link", HUGE),
        ("patch", "premises", [HUGE]),
        ("patch", "conclusion", HUGE),
        ("patch", "target_link", HUGE),
    ],
)
def test_huge_ids_in_a_link_are_400(auth_client, cats_map, method, field, value):
    claim = cats_map.statements.get(text="Cats are good pets.")
    quiet = cats_map.statements.get(text="Cats are quiet.")
    before = snapshot()
    if method == "post":
        body = {"map": "cats", "kind": "support", "premises": [quiet.pk], "conclusion": claim.pk}
        body[field] = value
        if field == "target_link":
            body["conclusion"] = None
        response = auth_client.post("/api/links/", body, format="json")
    else:
        link = cats_map.links.first()
        response = auth_client.patch(f"/api/links/{link.pk}/", {field: value}, format="json")
    assert_error(response, 400, field)
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_huge_ids_in_urls_are_json_404(auth_client, cats_map, method):
    response = getattr(auth_client, method)(f"/api/statements/{HUGE}/", {}, format="json")
    assert_error(response, 404)


# --- one error shape; messages ------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/maps/cats/nothing/", "/api/x"])
def test_unknown_api_paths_are_json_404(api_client, cats_map, debug, path):
    assert_error(api_client.get(path), 404, "Not found")


def test_a_missing_final_slash_redirects_reads_and_names_writes(auth_client, cats_map, debug):
    response = auth_client.get("/api/maps?ordering=slug")
    assert response.status_code == 301
    assert response["Location"] == "/api/maps/?ordering=slug"
    assert_error(auth_client.post("/api/maps", {}, format="json"), 404, "/api/maps/")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/maps/dogs/", "No map with slug 'dogs'."),
        ("/api/maps/dogs/graph/", "No map with slug 'dogs'."),
        ("/api/maps/dogs/evaluation/", "No map with slug 'dogs'."),
        ("/api/maps/dogs/diagram.dot", "No map with slug 'dogs'."),
        ("/api/maps/dogs/export.json", "No map with slug 'dogs'."),
        ("/api/statements/999999/", "No statement with id '999999'."),
        ("/api/links/999999/", "No link with id '999999'."),
    ],
)
def test_not_found_says_what_was_looked_for(api_client, db, path, message):
    assert assert_error(api_client.get(path), 404)["detail"] == message


@pytest.mark.parametrize("body", ["{oops", "[1, 2", ""])
def test_malformed_json_has_the_error_shape(auth_client, cats_map, body):
    before = snapshot()
    response = auth_client.generic(
        "POST", "/api/statements/", body, content_type="application/json"
    )
    if body:
        assert_error(response, 400, "body", "JSON parse error")
    else:
        assert_error(response, 400)
    assert snapshot() == before


def test_other_errors_have_the_shape_too(api_client, auth_client, cats_map):
    assert_error(api_client.post("/api/statements/", {}, format="json"), 401)
    assert_error(auth_client.put(GRAPH, {}, format="json"), 428)
    assert_error(auth_client.post("/api/maps/cats/graph/", {}, format="json"), 405)


def test_in_use_messages_count_right(auth_client, cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    scratch = cats_map.statements.get(text="Cats scratch furniture.")
    many = auth_client.delete(f"/api/statements/{claim.pk}/").json()["detail"]
    assert "is used by links " in many
    one = auth_client.delete(f"/api/statements/{scratch.pk}/").json()["detail"]
    objection = Link.objects.get(premise_rows__statement=scratch)
    assert f"is used by link {objection.pk}." in one
    attacked = auth_client.delete(f"/api/links/{objection.pk}/").json()["detail"]
    assert f"is attacked by link {objection.undercutters.get().pk}." in attacked


# --- private maps leak nothing -----------------------------------------------------------------


def test_a_private_slug_filters_as_an_unknown_one(api_client, other_user, make_map):
    make_map("secret", is_private=True)
    api_client.force_authenticate(other_user)
    for path in ("/api/statements/?map={}", "/api/links/?map={}", "/api/maps/?slug={}"):
        private = api_client.get(path.format("secret"))
        unknown = api_client.get(path.format("nowhere"))
        assert private.status_code == unknown.status_code
        assert private.content.replace(b"secret", b"X") == unknown.content.replace(b"nowhere", b"X")
    response = api_client.get("/api/statements/?map=secret")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found. map: No map with slug 'secret'."


def test_a_private_map_in_a_body_reads_as_unknown(api_client, other_user, make_map):
    make_map("secret", is_private=True)
    api_client.force_authenticate(other_user)
    answers = []
    for slug in ("secret", "nowhere"):
        response = api_client.post("/api/statements/", {"map": slug, "text": "X."}, format="json")
        assert_error(response, 404, f"No map with slug '{slug}'.")
        answers.append(response.content.replace(slug.encode(), b"X"))
    assert answers[0] == answers[1]


def test_a_premise_from_a_private_map_reads_as_unknown(api_client, other_user, make_map):
    secret = make_map("secret", is_private=True)
    mine = make_map("mine", owner=other_user)
    api_client.force_authenticate(other_user)
    target = mine.statements.first().pk
    hidden = secret.statements.first().pk
    missing = 10**9
    answers = []
    for premise in (hidden, missing):
        body = {"map": "mine", "kind": "support", "premises": [premise], "conclusion": target}
        response = api_client.post("/api/links/", body, format="json")
        assert_error(response, 404, f"No statement {premise} in this map.")
        answers.append(response.content.replace(str(premise).encode(), b"N"))
    assert answers[0] == answers[1]


# --- limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field", "key"),
    [
        ("/api/statements/", "text", "statement.text"),
        ("/api/statements/", "quote", "statement.quote"),
        ("/api/statements/", "attributed_to", "statement.attributed_to"),
        ("/api/links/", "note", "link.note"),
        ("/api/links/", "scheme", "link.scheme"),
        ("/api/maps/cats/", "title", "map.title"),
        ("/api/maps/cats/", "summary", "map.summary"),
    ],
)
def test_texts_past_their_limit_are_400(auth_client, cats_map, settings, path, field, key):
    limit = settings.ARGMAP_MAX_LENGTHS[key]
    if path == "/api/statements/":
        path = f"/api/statements/{cats_map.statements.first().pk}/"
    elif path == "/api/links/":
        path = f"/api/links/{cats_map.links.first().pk}/"
    before = snapshot()
    response = auth_client.patch(path, {field: "x" * (limit + 1)}, format="json")
    assert_error(response, 400, field, f"At most {limit} characters")
    assert snapshot() == before
    if field != "quote":  # a quote must also be in the source text
        assert auth_client.patch(path, {field: "x" * limit}, format="json").status_code == 200


def test_limits_are_settings_and_bind_whole_map_writes(auth_client, cats_map, settings):
    settings.ARGMAP_MAX_LENGTHS = {**settings.ARGMAP_MAX_LENGTHS, "statement.text": 10}
    body, etag = read_graph(auth_client)
    body["statements"][0]["text"] = "Eleven char"
    assert_error(put_graph(auth_client, body, etag), 400, "/statements/0/text", "At most 10")
    statement = cats_map.statements.first()
    response = auth_client.patch(
        f"/api/statements/{statement.pk}/", {"text": "Eleven char"}, format="json"
    )
    assert_error(response, 400, "text", "At most 10")


# --- history from the first version ------------------------------------------------------------


def test_an_import_writes_history_for_every_row(auth_client, db):
    upload = io.BytesIO(b"[A]: Cats are good.\n  + [B]: Cats are quiet.\n  - [C]: They scratch.\n")
    upload.name = "cats.argdown"
    response = auth_client.post("/api/maps/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    map_ = ArgumentMap.objects.get()
    assert map_.history.count() == 1
    for model in (Statement, Link):
        rows = model.objects.filter(map=map_)
        assert rows.count() > 0
        for row in rows:
            assert [h.history_type for h in row.history.all()] == ["+"]
    premises = [row for link in map_.links.all() for row in link.premise_rows.all()]
    assert all(row.history.count() == 1 for row in premises)


def test_maps_made_through_the_api_have_history(auth_client, db):
    auth_client.post("/api/maps/", {"slug": "new", "title": "New"}, format="json")
    auth_client.post("/api/statements/", {"map": "new", "text": "A claim."}, format="json")
    assert ArgumentMap.objects.get(slug="new").history.count() == 1
    assert Statement.objects.get().history.count() == 1


# --- races, encodings, the schema ---------------------------------------------------------------


def test_a_create_racing_for_the_same_slug_is_400(db):
    # The other create commits between our checks (ours, then full_clean's) and our insert.
    with (
        mock.patch.object(QuerySet, "exists", side_effect=[False, False, True]),
        mock.patch.object(ArgumentMap, "save", side_effect=IntegrityError("unique slug")),
        pytest.raises(services.common.ValidationError) as exc_info,
    ):
        services.map_create(slug="cats", title="Cats")
    assert exc_info.value.message_dict == {"slug": ["A map with slug 'cats' already exists."]}


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, deflate", False),
        ("deflate", False),
        ("", False),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=bogus", False),
        ("x-gzip", True),
    ],
)
def test_accepts_gzip(header, gzip):
    assert accepts_gzip(header) is gzip


def test_graph_honours_gzip_q0(api_client, cats_map):
    refused = api_client.get(GRAPH, HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in refused
    assert json.loads(refused.content)["map"]["slug"] == "cats"
    assert api_client.get(GRAPH, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


def test_schema_says_reads_are_anonymous_and_graph_put_needs_if_match(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path, item in paths.items():
        if "get" in item:
            assert {} in item["get"]["security"], path
        for method in ("post", "put", "patch", "delete"):
            if method in item:
                assert {} not in item[method].get("security", []), (path, method)
    put = paths["/api/maps/{slug}/graph/"]["put"]
    assert "428" in put["responses"]
    if_match = next(p for p in put["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    assert if_match["schema"]["pattern"]


@pytest.mark.parametrize("where", ["statement", "map", "link"])
def test_lone_surrogates_are_400_not_500(auth_client, cats_map, where):
    body, etag = read_graph(auth_client)
    if where == "statement":
        body["statements"][0]["text"] = "bad \ud800 text"
    elif where == "map":
        body["map"]["summary"] = "bad \udfff"
    else:
        body["links"][0]["note"] = "\ud83d"
    before = snapshot()
    response = auth_client.generic(
        "PUT", GRAPH, json.dumps(body), content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 400, "lone surrogate")
    assert snapshot() == before


def test_json_nested_too_deeply_is_400(auth_client, cats_map):
    _, etag = read_graph(auth_client)
    deep = "[" * 50_000 + "]" * 50_000
    before = snapshot()
    response = auth_client.generic(
        "PUT", GRAPH, deep, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert_error(response, 400, "nested too deeply")
    assert snapshot() == before


def test_the_import_slug_is_reserved(auth_client, cats_map):
    # Taken by the import endpoint: a conflict, as a slug another map has.
    response = auth_client.post("/api/maps/", {"slug": "import", "title": "X"}, format="json")
    assert_error(response, 409, "reserved")
    assert_error(auth_client.patch("/api/maps/cats/", {"slug": "import"}, format="json"), 409)
    assert services.map_free_slug("import.json") == "import-2"


@pytest.mark.parametrize("path", ["/api/maps/a%0A/graph/", "/api/maps/%F1%A0%BA%B3/", "/api/x%0Ay"])
def test_a_path_no_route_takes_is_a_json_404(api_client, db, path):
    # Also with a line break in it, which "." in a URL pattern would not match (the HTML
    # page of Django's resolver would answer).
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
