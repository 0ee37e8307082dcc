"""Writing through the API: who may write, and every malformed write refused with a 400
that names the field, changing nothing."""

import pytest

from api.models import Link, Statement
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


def test_anonymous_may_read_but_not_write(api_client, cats_map):
    before = snapshot()
    assert api_client.get("/api/statements/").status_code == 200
    response = api_client.post("/api/statements/", {"map": "cats", "text": "anon"}, format="json")
    assert response.status_code in (401, 403)
    assert snapshot() == before


def test_token_authentication_allows_writes(api_client, user, cats_map):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.post("/api/statements/", {"map": "cats", "text": "by token"})
    assert response.status_code == 201, response.json()


def test_session_authentication_needs_csrf(user, cats_map):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password="pw-alice-123")
    response = client.post("/api/statements/", {"map": "cats", "text": "no csrf"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_create_map_statement_and_link(auth_client, db):
    response = auth_client.post(
        "/api/maps/",
        {"slug": "tea", "title": "Tea", "source_text": "Tea is good. It calms."},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 1
    claim = auth_client.post(
        "/api/statements/", {"map": "tea", "text": "Tea is good.", "quote": "Tea is good."}
    ).json()
    assert (claim["quote_start"], claim["quote_end"]) == (0, 12)
    assert claim["role"] == "unlinked"
    reason = auth_client.post("/api/statements/", {"map": "tea", "text": "It calms."}).json()
    link = auth_client.post(
        "/api/links/",
        {"map": "tea", "kind": "support", "premises": [reason["id"]], "conclusion": claim["id"]},
    )
    assert link.status_code == 201, link.json()
    assert link.json()["premises"] == [reason["id"]]
    assert auth_client.get(f"/api/statements/{claim['id']}/").json()["role"] == ("main_conclusion")
    assert auth_client.get("/api/maps/tea/").json()["version"] == 4


def test_patch_and_delete_statement(auth_client, cats_map):
    statement = Statement.objects.create(map=cats_map, text="lonely")
    response = auth_client.patch(f"/api/statements/{statement.pk}/", {"text": "less lonely"})
    assert response.status_code == 200
    assert response.json()["text"] == "less lonely"
    assert auth_client.delete(f"/api/statements/{statement.pk}/").status_code == 204
    assert not Statement.objects.filter(pk=statement.pk).exists()


def test_a_statements_note_is_created_changed_and_checked(auth_client, cats_map):
    created = auth_client.post(
        "/api/statements/", {"map": "cats", "text": "Dogs bark.", "note": "Implied."}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert auth_client.get(f"/api/statements/{pk}/").json()["note"] == "Implied."
    history = Statement.objects.get(pk=pk).history.count()
    same = auth_client.patch(f"/api/statements/{pk}/", {"note": "Implied."}, format="json")
    assert same.status_code == 200
    assert Statement.objects.get(pk=pk).history.count() == history  # nothing changed
    bad = auth_client.patch(f"/api/statements/{pk}/", {"note": "x\x00y"}, format="json")
    assert bad.status_code == 400
    assert "note" in bad.json()["errors"]
    assert Statement.objects.get(pk=pk).note == "Implied."


def test_delete_statement_used_by_links_is_409_naming_them(auth_client, cats_map):
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    response = auth_client.delete(f"/api/statements/{claim.pk}/")
    assert response.status_code == 409
    expected = sorted(Link.objects.filter(conclusion=claim).values_list("pk", flat=True))
    assert response.json()["links"] == expected
    assert Statement.objects.filter(pk=claim.pk).exists()
    assert auth_client.delete(f"/api/statements/{claim.pk}/?cascade=true").status_code == 204
    assert not Link.objects.filter(conclusion=claim).exists()


def test_delete_map(auth_client, cats_map):
    assert auth_client.delete("/api/maps/cats/").status_code == 204
    assert snapshot()[:4] == (0, 0, 0, 0)


def test_if_match_stale_is_412_and_changes_nothing(auth_client, cats_map):
    before = snapshot()
    response = auth_client.post(
        "/api/statements/", {"map": "cats", "text": "late"}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == cats_map.version
    assert snapshot() == before
    current = auth_client.get("/api/maps/cats/")["ETag"]
    ok = auth_client.post(
        "/api/statements/", {"map": "cats", "text": "on time"}, HTTP_IF_MATCH=current
    )
    assert ok.status_code == 201


def test_if_match_malformed_is_400(auth_client, cats_map):
    response = auth_client.patch("/api/maps/cats/", {"title": "x"}, HTTP_IF_MATCH="seven")
    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]


BAD_STATEMENTS = [
    ({"map": "cats", "text": ""}, "text", 400),
    ({"map": "cats", "text": "bell \x07"}, "text", 400),
    ({"map": "cats", "text": "nul \x00 inside"}, "text", 400),
    ({"map": "cats"}, "text", 400),
    ({"text": "x"}, "map", 400),
    ({"map": "cats", "text": "x", "quote": "not in source"}, "quote", 422),
    ({"map": "cats", "text": "x", "quote_start": 3}, "quote_end", 422),
    ({"map": "cats", "text": "x", "quote_start": "a", "quote_end": 4}, "quote_start", 400),
    ({"map": "cats", "text": "x", "base_score": 2}, "base_score", 400),
    ({"map": "cats", "text": "x", "attributed_to": "a" * 500}, "attributed_to", 400),
]


@pytest.mark.parametrize(("payload", "field", "status"), BAD_STATEMENTS)
def test_bad_statement_is_refused_naming_field(auth_client, cats_map, payload, field, status):
    # 400: the schema rules it out; 422: well formed, but the quote is not in the source.
    before = snapshot()
    response = auth_client.post("/api/statements/", payload, format="json")
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["errors"], body
    assert field in body["detail"]
    assert snapshot() == before


def link_payload(case, cats_map, other_map):
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    quiet = Statement.objects.get(map=cats_map, text="Cats are quiet.")
    foreign = other_map.statements.first()
    link = cats_map.links.first()
    base = {"map": "cats", "kind": "support", "premises": [quiet.pk], "conclusion": claim.pk}
    changes = {
        "cross_map_premise": ({"premises": [foreign.pk]}, "premises"),
        "cross_map_conclusion": ({"conclusion": foreign.pk}, "conclusion"),
        "cross_map_target_link": (
            {"conclusion": None, "target_link": other_map.links.first().pk},
            "target_link",
        ),
        "self_support": ({"premises": [claim.pk]}, "premises"),
        "empty_premises": ({"premises": []}, "premises"),
        "missing_premises": ({"premises": None}, "premises"),
        "premises_not_a_list": ({"premises": "1,2"}, "premises"),
        "duplicate_premise": ({"premises": [quiet.pk, quiet.pk]}, "premises"),
        "unknown_premise": ({"premises": [987654]}, "premises"),
        "unknown_conclusion": ({"conclusion": 987654}, "conclusion"),
        "unknown_target_link": ({"conclusion": None, "target_link": 987654}, "target_link"),
        "both_targets": ({"target_link": link.pk}, "conclusion"),
        "neither_target": ({"conclusion": None}, "conclusion"),
        "bad_kind": ({"kind": "maybe"}, "kind"),
        "control_in_scheme": ({"scheme": "a\x1bb"}, "scheme"),
        "negative_id": ({"premises": [-1]}, "premises"),
    }[case]
    payload = {**base, **changes[0]}
    payload = {k: v for k, v in payload.items() if v is not None or k != "premises"}
    return payload, changes[1]


# Each bad link with its status: 400 for what the schema rules out, 404 for an id that
# names nothing in the map (another map's reads the same), 422 for a well formed link that
# breaks a rule of maps.
LINK_CASES = {
    "cross_map_premise": 404,
    "cross_map_conclusion": 404,
    "cross_map_target_link": 404,
    "self_support": 422,
    "empty_premises": 400,
    "missing_premises": 400,
    "premises_not_a_list": 400,
    "duplicate_premise": 400,  # the schema states uniqueItems
    "unknown_premise": 404,
    "unknown_conclusion": 404,
    "unknown_target_link": 404,
    "both_targets": 400,  # the schema states oneOf
    "neither_target": 400,
    "bad_kind": 400,
    "control_in_scheme": 400,
    "negative_id": 400,
}


@pytest.mark.parametrize(("case", "status"), LINK_CASES.items())
def test_bad_link_is_refused_naming_field(auth_client, make_map, case, status):
    cats_map, other_map = make_map("cats"), make_map("dogs")
    payload, field = link_payload(case, cats_map, other_map)
    before = snapshot()
    response = auth_client.post("/api/links/", payload, format="json")
    assert response.status_code == status, response.content
    body = response.json()
    assert any(key.startswith(field) for key in body["errors"]), body
    assert snapshot() == before


def test_bad_link_update_is_422_and_changes_nothing(auth_client, cats_map):
    link = cats_map.links.first()
    before = snapshot()
    response = auth_client.patch(f"/api/links/{link.pk}/", {"target_link": link.pk})
    assert response.status_code == 422
    assert "target_link" in response.json()["errors"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'"string"', b"null", b'{"map": ["cats"], "text": {"a": 1}}'],
)
def test_malformed_json_bodies_are_400(auth_client, cats_map, body):
    before = snapshot()
    response = auth_client.generic(
        "POST", "/api/statements/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert snapshot() == before


def test_map_create_rejects_bad_fields(auth_client, cats_map):
    for payload, field, code in [
        ({"slug": "cats", "title": "dup"}, "slug", 409),  # taken: a conflict
        ({"slug": "bad slug!", "title": "x"}, "slug", 400),
        ({"slug": "ok", "title": ""}, "title", 400),
        ({"slug": "ok", "title": "t\x00"}, "title", 400),
        ({"slug": "ok", "title": "t", "source_date": "yesterday"}, "source_date", 400),
    ]:
        before = snapshot()
        response = auth_client.post("/api/maps/", payload, format="json")
        assert response.status_code == code, (payload, response.content)
        assert field in response.json()["errors"], (payload, response.json())
        assert snapshot() == before
