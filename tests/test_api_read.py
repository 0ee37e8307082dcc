"""Reading the API: maps, the whole-map graph, statement and link lists with filters."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import services
from api.models import Link, Statement

pytestmark = pytest.mark.django_db


def test_map_list_shows_counts_without_source_text(api_client, cats_map):
    response = api_client.get("/api/maps/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["slug"] == "cats"
    assert item["statement_count"] == cats_map.statements.count()
    assert item["link_count"] == cats_map.links.count()
    assert "source_text" not in item
    assert item["graph_url"].endswith("/api/maps/cats/graph/")


def test_map_detail_has_source_text_and_etag(api_client, cats_map):
    response = api_client.get("/api/maps/cats/")
    assert response.status_code == 200
    assert response.json()["source_text"] == cats_map.source_text
    assert response["ETag"] == f'"{cats_map.version}"'


def test_unknown_map_is_404_with_json(api_client, db):
    response = api_client.get("/api/maps/nope/graph/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_graph_returns_whole_map_in_design_shape(api_client, cats_map):
    response = api_client.get("/api/maps/cats/graph/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"map", "statements", "links"}
    assert data["map"]["version"] == cats_map.version
    assert data["map"]["source_text"] == cats_map.source_text
    by_id = {s["id"]: s for s in data["statements"]}
    assert len(by_id) == cats_map.statements.count()
    for s in data["statements"]:
        assert set(s) >= {
            "id",
            "text",
            "quote",
            "quote_start",
            "quote_end",
            "attributed_to",
            "role",
        }
        if s["quote_start"] is not None:
            assert cats_map.source_text[s["quote_start"] : s["quote_end"]] == s["quote"]
    roles = {s["text"]: s["role"] for s in data["statements"]}
    assert roles["Cats are good pets."] == "main_conclusion"
    assert roles["Cats are quiet."] == "premise"
    undercut = next(link for link in data["links"] if link["target_link"] is not None)
    assert undercut["kind"] == "oppose"
    assert undercut["conclusion"] is None
    co = next(link for link in data["links"] if len(link["premises"]) == 2)
    quiet, clean = (
        Statement.objects.get(text=t).pk for t in ("Cats are quiet.", "Cats are clean.")
    )
    assert co["premises"] == [quiet, clean]


def test_graph_if_none_match_gets_304(api_client, cats_map):
    etag = api_client.get("/api/maps/cats/graph/")["ETag"]
    assert api_client.get("/api/maps/cats/graph/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.statement_create(map_=cats_map, text="new")
    assert api_client.get("/api/maps/cats/graph/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_graph_query_count_is_constant(api_client, make_map):
    make_map("small", n_reasons=1)
    make_map("large", n_reasons=40)
    counts = []
    for slug in ("small", "large"):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(f"/api/maps/{slug}/graph/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 4


@pytest.mark.parametrize("path", ["/api/statements/", "/api/links/", "/api/maps/"])
def test_list_query_count_is_constant(api_client, make_map, path):
    make_map("small", n_reasons=1)
    with CaptureQueriesContext(connection) as small:
        api_client.get(path)
    make_map("large", n_reasons=30)
    with CaptureQueriesContext(connection) as large:
        api_client.get(path)
    assert len(small) == len(large)


def test_statement_filters(api_client, make_map):
    make_map("one")
    make_map("two")

    def ids(query):
        response = api_client.get(f"/api/statements/?{query}")
        assert response.status_code == 200, response.json()
        return {s["id"] for s in response.json()["results"]}

    one = set(Statement.objects.filter(map__slug="one").values_list("pk", flat=True))
    assert ids("map=one&page_size=100") == one
    claim = Statement.objects.get(map__slug="one", text="Cats are good pets.")
    assert ids("map=one&role=main_conclusion") == {claim.pk}
    premises = ids("map=one&role=premise")
    assert claim.pk not in premises
    assert len(premises) == 6
    assert ids("map=one&search=scratch") == set(
        Statement.objects.filter(map__slug="one", text__icontains="scratch").values_list(
            "pk", flat=True
        )
    )
    quoted = ids("map=one&has_quote=true")
    assert quoted == set(
        Statement.objects.filter(map__slug="one", quote_start__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert ids("map=one&has_quote=false") == one - quoted
    assert ids("map=one&attributed_to=vets") == set(
        Statement.objects.filter(map__slug="one", attributed_to="Vets").values_list("pk", flat=True)
    )


def test_statement_filter_rejects_unknown_role(api_client, cats_map):
    response = api_client.get("/api/statements/?role=boss")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_link_filters(api_client, make_map):
    make_map("one")
    make_map("two")
    claim = Statement.objects.get(map__slug="one", text="Cats are good pets.")
    quiet = Statement.objects.get(map__slug="one", text="Cats are quiet.")

    def ids(query):
        response = api_client.get(f"/api/links/?{query}")
        assert response.status_code == 200, response.json()
        return {link["id"] for link in response.json()["results"]}

    one = set(Link.objects.filter(map__slug="one").values_list("pk", flat=True))
    assert ids("map=one") == one
    assert ids("map=one&kind=oppose") == set(
        Link.objects.filter(map__slug="one", kind="oppose").values_list("pk", flat=True)
    )
    assert ids(f"premise={quiet.pk}") == set(
        Link.objects.filter(premise_rows__statement=quiet).values_list("pk", flat=True)
    )
    assert ids(f"conclusion={claim.pk}") == set(
        Link.objects.filter(conclusion=claim).values_list("pk", flat=True)
    )


def test_pagination_page_size_and_maximum(api_client, make_map, settings):
    make_map("big", n_reasons=20)
    total = Statement.objects.count()
    page = api_client.get("/api/statements/?page_size=5").json()
    assert page["count"] == total
    assert len(page["results"]) == 5
    assert page["next"] is not None
    settings.ARGMAP_MAX_PAGE_SIZE = 7
    capped = api_client.get("/api/statements/?page_size=1000").json()
    assert len(capped["results"]) == 7
    assert api_client.get("/api/statements/?page=999").status_code == 404


def test_schema_and_docs_are_served(api_client, db):
    schema = api_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/maps/", "/api/maps/{slug}/graph/", "/api/statements/", "/api/links/"):
        assert path in paths
    params = {p["name"] for p in paths["/api/statements/"]["get"]["parameters"]}
    assert {"map", "role", "search", "has_quote", "page", "page_size"} <= params
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_browsable_api_root(api_client, db):
    response = api_client.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"/api/maps/" in response.content


def test_list_roles_match_the_derived_roles(api_client, cats_map):
    from api.selectors import map_graph_get

    expected = {
        s.id: role.value
        for s, role in (
            (s, map_graph_get(cats_map).role(s.id)) for s in map_graph_get(cats_map).statements
        )
    }
    listed = api_client.get("/api/statements/?map=cats&page_size=100").json()["results"]
    assert {s["id"]: s["role"] for s in listed} == expected
    assert set(expected.values()) >= {"main_conclusion", "premise"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/maps/cats/graph/",
        "/api/maps/cats/evaluation/",
        "/api/maps/cats/export.json",
        "/api/maps/cats/diagram.dot",
    ],
)
def test_if_none_match_is_read_as_rfc_9110_says_on_every_route(api_client, cats_map, path):
    # One reading of the header (api.views.not_modified) for every route that answers 304:
    # a list of entity tags, compared weakly, or "*". A tag buried in other text is no tag.
    etag = api_client.get(path)["ETag"]
    assert etag.startswith('"')
    weak = f"W/{etag}"
    for header in (etag, weak, f'"0", {etag}', f' {weak} ,"9"', "*"):
        answer = api_client.get(path, HTTP_IF_NONE_MATCH=header)
        assert answer.status_code == 304, header
        assert answer["ETag"] == etag
    for header in (f"xx{etag}xx", f"{etag}x", '"0"', etag.strip('"'), f'W/{etag[:-1]}9"', ""):
        assert api_client.get(path, HTTP_IF_NONE_MATCH=header).status_code == 200, header


@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ("/api/statements/?page=\uff11", 404, None),  # a full-width 1
        ("/api/statements/?page_size=\uff15", 400, "page_size"),
        ("/api/links/?conclusion=\uff11", 400, "conclusion"),
        ("/api/links/?premise=1.0", 400, "premise"),
        ("/api/links/?premise=1_0", 400, "premise"),
        ("/api/maps/cats/diagram.dot?focus=1&depth=\uff15", 400, "depth"),
        ("/api/maps/cats/diagram.dot?focus=%201", 400, "focus"),
        ("/api/maps/cats/diagram.pdf?page=slides&slide=\u0661", 400, "slide"),  # Arabic-Indic 1
    ],
)
def test_a_number_in_a_query_is_ascii_digits(api_client, cats_map, query, status, named):
    # Python's int() reads other scripts' digits, white space and underscores; a query's
    # number is ASCII digits alone (api.graph.validate.whole_number), as the schema's
    # "integer" says.
    response = api_client.get(query)
    assert response.status_code == status, response.content
    if named:
        assert named in response.json()["errors"]


def test_ascii_numbers_in_queries_still_work(api_client, cats_map):
    assert api_client.get("/api/statements/?page=1&page_size=2").status_code == 200
    first = Statement.objects.filter(map=cats_map).order_by("id").first()
    assert api_client.get(f"/api/links/?premise={first.pk}").status_code == 200
    focus = f"/api/maps/cats/diagram.dot?focus={first.pk}&depth=2"
    assert api_client.get(focus).status_code == 200
