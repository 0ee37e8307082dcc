"""Ownership and privacy: every endpoint called as anonymous, another user, the owner and
staff, on a public and on a private map."""

import pytest
from rest_framework.test import APIClient

from api.models import ArgumentMap, Link, Statement

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "other", "owner", "staff"]

# Read endpoints of one map (formatted with the slug); more join as features land.
MAP_READS = [
    "/api/maps/{slug}/",
    "/api/maps/{slug}/graph/",
    "/api/maps/{slug}/diagram.dot",
    "/api/maps/{slug}/export.json",
    "/api/maps/{slug}/export.aif",
    "/api/maps/{slug}/export.argdown",
]


@pytest.fixture
def clients(user, other_user, staff):
    made = {"anonymous": APIClient()}
    for name, who in (("other", other_user), ("owner", user), ("staff", staff)):
        made[name] = APIClient()
        made[name].force_authenticate(who)
    return made


@pytest.fixture
def maps(make_map):
    return {"public": make_map("public"), "private": make_map("private", is_private=True)}


def can_see(actor: str, visibility: str) -> bool:
    return visibility == "public" or actor in {"owner", "staff"}


def can_edit(actor: str) -> bool:
    return actor in {"owner", "staff"}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("path", MAP_READS)
def test_map_reads(clients, maps, actor, visibility, path):
    response = clients[actor].get(path.format(slug=visibility))
    assert response.status_code == (200 if can_see(actor, visibility) else 404)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("kind", ["statements", "links"])
@pytest.mark.parametrize("visibility", ["public", "private"])
def test_item_detail_reads(clients, maps, actor, kind, visibility):
    model = Statement if kind == "statements" else Link
    item = model.objects.filter(map=maps[visibility]).first()
    response = clients[actor].get(f"/api/{kind}/{item.pk}/")
    assert response.status_code == (200 if can_see(actor, visibility) else 404)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("path", ["/api/maps/", "/api/statements/", "/api/links/"])
def test_lists_hide_private_maps_from_others(clients, maps, actor, path):
    results = clients[actor].get(f"{path}?page_size=500").json()["results"]
    if path == "/api/maps/":
        slugs = {m["slug"] for m in results}
    else:
        slugs = {item["map"] for item in results}
    assert ("private" in slugs) == can_see(actor, "private")
    assert "public" in slugs


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", ["public", "private"])
def test_map_writes(clients, maps, actor, visibility):
    client = clients[actor]
    path = f"/api/maps/{visibility}/"
    response = client.patch(path, {"title": "renamed"})
    # Anonymous writes are refused before the map is looked up (401 for every slug, so
    # nothing leaks); a signed-in user does not see a private map at all (404).
    expected = (
        200
        if can_edit(actor)
        else 401
        if actor == "anonymous"
        else 404
        if not can_see(actor, visibility)
        else 403
    )
    assert response.status_code == expected
    changed = ArgumentMap.objects.get(slug=visibility).title == "renamed"
    assert changed == (expected == 200)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("visibility", ["public", "private"])
def test_statement_and_link_writes(clients, maps, actor, visibility):
    client = clients[actor]
    map_ = maps[visibility]
    statement = map_.statements.first()
    link = map_.links.first()
    ok = can_edit(actor)
    hidden = not can_see(actor, visibility)
    expected = 200 if ok else 401 if actor == "anonymous" else 404 if hidden else 403

    response = client.patch(f"/api/statements/{statement.pk}/", {"text": "edited"})
    assert response.status_code == expected
    response = client.patch(f"/api/links/{link.pk}/", {"scheme": "edited"})
    assert response.status_code == expected

    response = client.post("/api/statements/", {"map": visibility, "text": "new"})
    if actor == "anonymous":
        assert response.status_code == 401
    elif ok:
        assert response.status_code == 201
    elif hidden:
        # A private map is not even named: its slug is unknown to this user (404).
        assert response.status_code == 404
        assert "map" in response.json()["errors"]
    else:
        assert response.status_code == 403
    assert Statement.objects.filter(map=map_, text="new").exists() == ok
    assert Statement.objects.filter(pk=statement.pk, text="edited").exists() == ok


def test_new_map_is_owned_by_its_creator(clients, user):
    response = clients["owner"].post("/api/maps/", {"slug": "mine", "title": "Mine"})
    assert response.status_code == 201
    assert response.json()["owner"] == user.username
    assert ArgumentMap.objects.get(slug="mine").owner == user
    other = clients["other"].patch("/api/maps/mine/", {"title": "theirs"})
    assert other.status_code == 403


def test_anonymous_cannot_create_maps(clients, db):
    response = clients["anonymous"].post("/api/maps/", {"slug": "x", "title": "X"})
    assert response.status_code == 401
    assert not ArgumentMap.objects.exists()
