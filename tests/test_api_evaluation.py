"""The evaluation endpoint and evaluation-shaded diagrams."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import evaluation_service, services
from api.exceptions import exception_handler
from api.graph.evaluation import UnknownSemantics
from api.graph.evaluation import evaluate as graph_evaluate
from api.graph.shading import IN_FILL, OUT_FILL, UNDECIDED_FILL, strength_fill
from api.models import Statement
from tests.graph.hostile import hostile_graph

pytestmark = pytest.mark.django_db


def labels(response) -> dict[str, str]:
    text = {s.pk: s.text for s in Statement.objects.all()}
    return {
        text[item["id"]]: item.get("label", item.get("strength"))
        for item in response.json()["statements"]
    }


def test_grounded_by_default_with_reasons(api_client, cats_map):
    response = api_client.get("/api/maps/cats/evaluation/")
    assert response.status_code == 200
    body = response.json()
    assert body["semantics"] == "grounded"
    assert body["version"] == cats_map.version
    assert body["extensions"] == 1
    got = labels(response)
    # The objection (scratching) is undercut by the scratching post, so the claim stands.
    assert got["Cats are good pets."] == "in"
    assert got["Cats scratch furniture."] == "in"
    objection = next(
        link
        for link in body["links"]
        if link["id"] == cats_map.links.get(kind="oppose", conclusion__isnull=False).pk
    )
    assert objection["label"] == "out"
    assert objection["why"] == [cats_map.links.get(target_link__isnull=False).pk]


def test_an_unanswered_objection_makes_the_claim_out(auth_client, cats_map):
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    rebuttal = services.statement_create(map_=cats_map, text="Cats cause allergies.")
    link = services.link_create(map_=cats_map, kind="oppose", premises=[rebuttal], conclusion=claim)
    response = auth_client.get("/api/maps/cats/evaluation/?semantics=grounded")
    item = next(s for s in response.json()["statements"] if s["id"] == claim.pk)
    assert item == {"id": claim.pk, "label": "out", "why": [link.pk]}


def test_even_cycle_preferred_and_stable_and_odd_cycle(auth_client, cats_map):
    a = services.statement_create(map_=cats_map, text="A.")
    b = services.statement_create(map_=cats_map, text="B.")
    services.link_create(map_=cats_map, kind="oppose", premises=[a], conclusion=b)
    services.link_create(map_=cats_map, kind="oppose", premises=[b], conclusion=a)
    for semantics in ("grounded", "preferred", "stable"):
        body = auth_client.get(f"/api/maps/cats/evaluation/?semantics={semantics}").json()
        got = {s["id"]: s["label"] for s in body["statements"]}
        assert got[a.pk] == got[b.pk] == "undecided"
        assert body["extensions"] == (1 if semantics == "grounded" else 2)
    c = services.statement_create(map_=cats_map, text="C.")
    d = services.statement_create(map_=cats_map, text="D.")
    e = services.statement_create(map_=cats_map, text="E.")
    for x, y in ((c, d), (d, e), (e, c)):
        services.link_create(map_=cats_map, kind="oppose", premises=[x], conclusion=y)
    body = auth_client.get("/api/maps/cats/evaluation/?semantics=stable").json()
    assert body["extensions"] == 0
    assert body["statements"] == []
    assert "no stable labelling" in body["detail"]


def test_dfquad_strengths_follow_base_scores(auth_client, cats_map):
    body = auth_client.get("/api/maps/cats/evaluation/?semantics=dfquad").json()
    assert body["converged"] is True
    strengths = labels(auth_client.get("/api/maps/cats/evaluation/?semantics=dfquad"))
    assert all(0.0 <= v <= 1.0 for v in strengths.values())
    quiet = Statement.objects.get(map=cats_map, text="Cats are quiet.")
    assert strengths["Cats are quiet."] == pytest.approx(0.5)
    before = strengths["Cats are good pets."]
    response = auth_client.patch(f"/api/statements/{quiet.pk}/", {"base_score": 1.0})
    assert response.status_code == 200
    clean = Statement.objects.get(map=cats_map, text="Cats are clean.")
    auth_client.patch(f"/api/statements/{clean.pk}/", {"base_score": 1.0})
    after = labels(auth_client.get("/api/maps/cats/evaluation/?semantics=dfquad"))
    assert after["Cats are good pets."] > before


def test_invalid_semantics_is_400(api_client, cats_map):
    response = api_client.get("/api/maps/cats/evaluation/?semantics=bogus")
    assert response.status_code == 400
    assert "semantics" in response.json()["errors"]


def test_evaluation_etag_and_constant_queries(api_client, make_map):
    make_map("small", n_reasons=1)
    make_map("large", n_reasons=30)
    counts = []
    for slug in ("small", "large"):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(f"/api/maps/{slug}/evaluation/?semantics=preferred")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    etag = response["ETag"]
    again = api_client.get(
        "/api/maps/large/evaluation/?semantics=preferred", HTTP_IF_NONE_MATCH=etag
    )
    assert again.status_code == 304


def test_essay_map_evaluates(api_client, db):
    call_command("load_essay", verbosity=0)
    slug = "kozyrev-2019-russo-japanese-peace-treaty"
    for semantics in ("grounded", "preferred", "stable", "dfquad"):
        response = api_client.get(f"/api/maps/{slug}/evaluation/?semantics={semantics}")
        assert response.status_code == 200
        assert len(response.json()["statements"]) == Statement.objects.count()


def test_diagram_shaded_by_labels_and_strengths(api_client, cats_map):
    plain = api_client.get("/api/maps/cats/diagram.dot?legend=1").content.decode()
    shaded = api_client.get("/api/maps/cats/diagram.dot?shade=grounded&legend=1").content.decode()
    assert IN_FILL in shaded
    assert IN_FILL not in plain
    assert "in: stands (grounded)" in shaded
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    rebuttal = services.statement_create(map_=cats_map, text="Cats cause allergies.")
    services.link_create(map_=cats_map, kind="oppose", premises=[rebuttal], conclusion=claim)
    shaded = api_client.get("/api/maps/cats/diagram.dot?shade=grounded").content.decode()
    claim_line = next(
        line for line in shaded.splitlines() if line.strip().startswith(f"s{claim.pk} ")
    )
    assert OUT_FILL in claim_line
    strengths = api_client.get("/api/maps/cats/diagram.dot?shade=dfquad&legend=1")
    assert "strength 0: defeated" in strengths.content.decode()
    assert api_client.get("/api/maps/cats/diagram.dot?shade=nope").status_code == 400
    assert UNDECIDED_FILL.startswith("#")


def test_strength_fill_runs_from_out_through_white_to_in():
    assert strength_fill(0.0) == OUT_FILL
    assert strength_fill(0.5) == "#FFFFFF"
    assert strength_fill(1.0) == IN_FILL


def test_evaluation_in_openapi_schema(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/maps/{slug}/evaluation/"]["get"]
    semantics = next(p for p in operation["parameters"] if p["name"] == "semantics")
    assert set(semantics["schema"]["enum"]) == {"grounded", "preferred", "stable", "dfquad"}


# ---------------------------------------------------------------------------------------
# Hostile maps: bounded work, and every answer (a refusal too) cached per map version


@pytest.fixture
def hostile_map(user):
    # A claim and 16 rebutting pairs all tied to it: 2**16 - 1 stable labellings.
    return services.map_import(graph=hostile_graph(16), slug="hostile", owner=user)


@pytest.fixture
def evaluations_run(monkeypatch):
    """Count the evaluations actually computed (not served from the cache)."""
    calls = []

    def counting(graph, semantics, **kwargs):
        calls.append(semantics)
        return graph_evaluate(graph, semantics, **kwargs)

    monkeypatch.setattr(evaluation_service, "evaluate", counting)
    return calls


@pytest.mark.parametrize("semantics", ["stable", "preferred"])
def test_hostile_knot_is_answered_and_then_served_from_the_cache(
    api_client, hostile_map, evaluations_run, semantics
):
    url = f"/api/maps/hostile/evaluation/?semantics={semantics}"
    first = api_client.get(url)
    assert first.status_code == 200
    body = first.json()
    assert body["extensions_exact"] is False
    assert body["extensions"] > 1000
    claim = next(s for s in body["statements"] if s["label"] == "out")
    assert Statement.objects.get(pk=claim["id"]).text == "z"
    assert {s["label"] for s in body["statements"]} == {"out", "undecided"}
    second = api_client.get(url)
    assert second.json() == body
    assert evaluations_run == [semantics]


def test_past_the_budget_a_422_names_the_limit_and_is_cached(
    api_client, hostile_map, evaluations_run, settings
):
    settings.ARGMAP_EVALUATION_BUDGET = 50_000
    for _ in range(3):
        response = api_client.get("/api/maps/hostile/evaluation/?semantics=stable")
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert "budget of 50000 steps" in detail
        assert "ARGMAP_EVALUATION_BUDGET" in detail
        assert "semantics=grounded" in detail
    # The shaded diagram asks for the same evaluation: refused from the cache too.
    shaded = api_client.get("/api/maps/hostile/diagram.dot?shade=stable")
    assert shaded.status_code == 422
    assert "ARGMAP_EVALUATION_BUDGET" in shaded.json()["detail"]
    assert evaluations_run == ["stable"]
    # An edit makes a new version, evaluated afresh.
    services.statement_create(map_=hostile_map, text="A new thought.")
    assert api_client.get("/api/maps/hostile/evaluation/?semantics=stable").status_code == 422
    assert evaluations_run == ["stable", "stable"]


def test_unknown_semantics_from_the_service_is_a_400():
    response = exception_handler(UnknownSemantics("unknown semantics 'ideal'"), {})
    assert response.status_code == 400
    assert response.data["errors"] == {"semantics": ["unknown semantics 'ideal'"]}
