"""A renamed map keeps its old URLs: they answer a permanent redirect (308 in the API, 301
for the coaches' page) to the same URL under the new slug, for whoever may see the map,
until a map takes the old slug again."""

import pytest
from rest_framework.test import APIClient

from api import services
from api.models import FormerSlug

pytestmark = pytest.mark.django_db


def rename(client, old: str, new: str) -> None:
    response = client.patch(f"/api/maps/{old}/", {"slug": new}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/maps/{slug}/",
        "/api/maps/{slug}/graph/",
        "/api/maps/{slug}/evaluation/?semantics=grounded",
        "/api/maps/{slug}/diagram.dot?depth=2",
        "/api/maps/{slug}/export.argdown",
    ],
)
def test_the_old_url_redirects_to_the_same_url_under_the_new_slug(auth_client, cats_map, path):
    rename(auth_client, "cats", "felines")

    response = auth_client.get(path.format(slug="cats"))

    assert response.status_code == 308
    assert response["Location"] == path.format(slug="felines")
    assert response.json()["slug"] == "felines"
    assert "'cats' is now 'felines'" in response.json()["detail"]
    assert auth_client.get(response["Location"]).status_code == 200


def test_a_write_to_the_old_url_is_redirected_and_changes_nothing(auth_client, cats_map):
    rename(auth_client, "cats", "felines")
    version = auth_client.get("/api/maps/felines/").json()["version"]

    response = auth_client.patch("/api/maps/cats/", {"title": "Dogs"}, format="json")

    assert response.status_code == 308
    assert response["Location"] == "/api/maps/felines/"
    moved = auth_client.get("/api/maps/felines/").json()
    assert (moved["title"], moved["version"]) == ("Map cats", version)
    # Sent again where it points, the same write succeeds.
    assert auth_client.patch(response["Location"], {"title": "Dogs"}, format="json").json()[
        "title"
    ] == ("Dogs")


def test_a_private_maps_old_slug_answers_others_as_an_unused_slug(make_map, user, other_user):
    make_map("diary", is_private=True)
    owner = APIClient()
    owner.force_authenticate(user)
    rename(owner, "diary", "journal")
    other = APIClient()
    other.force_authenticate(other_user)

    hidden = other.get("/api/maps/diary/graph/")
    unused = other.get("/api/maps/never-used/graph/")

    assert hidden.status_code == unused.status_code == 404
    assert hidden.json()["detail"] == unused.json()["detail"].replace("never-used", "diary")
    assert "Location" not in hidden
    assert APIClient().get("/api/maps/diary/").status_code == 404
    assert owner.get("/api/maps/diary/")["Location"] == "/api/maps/journal/"


def test_every_former_slug_leads_to_the_map_now(auth_client, cats_map):
    rename(auth_client, "cats", "felines")
    rename(auth_client, "felines", "kittens")

    for old in ("cats", "felines"):
        assert auth_client.get(f"/api/maps/{old}/graph/")["Location"] == "/api/maps/kittens/graph/"


def test_renaming_back_takes_the_slug_back(auth_client, cats_map):
    rename(auth_client, "cats", "felines")
    rename(auth_client, "felines", "cats")

    assert auth_client.get("/api/maps/cats/").status_code == 200
    assert auth_client.get("/api/maps/felines/")["Location"] == "/api/maps/cats/"
    assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["felines"]


def test_a_new_map_takes_over_a_former_slug(auth_client, cats_map):
    rename(auth_client, "cats", "felines")

    created = auth_client.post("/api/maps/", {"slug": "cats", "title": "New cats"}, format="json")

    assert created.status_code == 201
    assert auth_client.get("/api/maps/cats/").json()["title"] == "New cats"
    assert auth_client.get("/api/maps/felines/").json()["title"] == "Map cats"
    assert not FormerSlug.objects.exists()


def test_deleting_the_map_ends_its_redirects(auth_client, cats_map):
    rename(auth_client, "cats", "felines")
    version = auth_client.get("/api/maps/felines/").json()["version"]

    deleted = auth_client.delete("/api/maps/felines/", HTTP_IF_MATCH=f'"{version}"')

    assert deleted.status_code == 204
    assert auth_client.get("/api/maps/cats/").status_code == 404


def test_a_change_that_keeps_the_slug_leaves_no_former_slug(auth_client, cats_map):
    rename(auth_client, "cats", "cats")
    auth_client.patch("/api/maps/cats/", {"title": "Cats again"}, format="json")

    assert not FormerSlug.objects.exists()
    assert auth_client.get("/api/maps/cats/").json()["version"] == cats_map.version + 1


def test_a_free_slug_is_no_renamed_maps_former_slug(auth_client, cats_map):
    rename(auth_client, "cats", "felines")

    assert services.map_free_slug("cats") == "cats-2"


def test_the_coaches_page_redirects_permanently(client, cats_map, user):
    client.force_login(user)
    services.map_update(map_=cats_map, slug="felines")

    response = client.get("/maps/cats/?depth=2")

    assert response.status_code == 301
    assert response["Location"] == "/maps/felines/?depth=2"
    assert client.get("/maps/nobody/").status_code == 404
    # and its download page (a handout or deck that may be a job) likewise
    download = client.get("/maps/cats/diagram.pdf?page=slides")
    assert download.status_code == 301
    assert download["Location"] == "/maps/felines/diagram.pdf?page=slides"
    assert client.get("/maps/nobody/diagram.pdf?page=slides").status_code == 404


def test_the_schema_documents_the_redirect_on_every_map_url(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    by_slug = [
        operation
        for path, item in schema["paths"].items()
        if "{slug}" in path
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert len(by_slug) == 9  # the four of a map, graph (GET, PUT), diagram, export, evaluation
    for operation in by_slug:
        moved = operation["responses"]["308"]
        assert "Location" in moved["headers"], operation["operationId"]
    assert not any(
        "308" in operation.get("responses", {})
        for path, item in schema["paths"].items()
        if "{slug}" not in path
        for operation in item.values()
        if isinstance(operation, dict)
    )
