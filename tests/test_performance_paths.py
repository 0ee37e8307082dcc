"""The fast whole-map path (``GET /api/maps/{slug}/graph/``): same JSON as the graph
objects give, served from the cache on a repeat, gzipped for clients that accept it,
in a constant number of queries. Behaviour only; the timings are in bench/."""

from __future__ import annotations

import gc
import gzip

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import selectors, services
from api.graph import graphjson
from api.models import ArgumentMap, Statement
from bench.generate import generate_graph, with_source_text
from tests.helpers import build_map

pytestmark = pytest.mark.django_db


def expected(map_) -> dict:
    map_.refresh_from_db()
    return graphjson.to_dict(selectors.map_graph_get(map_))


@pytest.fixture
def rich_map(user):
    """Co-premises (three, written out of id order), an objection and an undercutter,
    quotes, attributions, unicode, an unlinked statement, an intermediate conclusion and
    every map field set."""
    map_ = build_map(slug="rich", owner=user)
    services.map_update(
        map_=map_,
        summary="Résumé — 猫は良いペットです",
        source_title="Über Katzen",
        source_author="Kozyrev",
        source_date="2019-06-20",
        source_url="https://example.com/cats",
    )
    claim = Statement.objects.get(map=map_, text="Cats are good pets.")
    texts = (
        "猫は静かです。",
        "القطط نظيفة",
        'Emoji 🐈 and "quotes", \\ backslash, <b>tags</b> & ampersands',
        "Line\nbreak and\ttab, U+2028 \u2028 here",
    )
    made = [
        services.statement_create(map_=map_, text=t, attributed_to="Путин" if i else "")
        for i, t in enumerate(texts)
    ]
    # Premise order is position, not id: the last made statement comes first.
    services.link_create(
        map_=map_, kind="support", premises=[made[2], made[0], made[1]], conclusion=claim
    )
    services.link_create(
        map_=map_,
        kind="support",
        premises=[made[3]],
        conclusion=made[0],
        scheme="argument from expert opinion",
        note="ノート",
    )
    services.statement_create(map_=map_, text="Nobody links to me.", quote="A scratching post")
    map_.refresh_from_db()
    return map_


def test_fast_path_is_exactly_the_graph_objects_json(rich_map):
    data = orjson.loads(selectors.map_graph_json(rich_map))
    assert data == expected(rich_map)
    roles = {s["role"] for s in data["statements"]}
    assert roles == {"main_conclusion", "intermediate_conclusion", "premise", "unlinked"}
    assert any(link["target_link"] is not None for link in data["links"])
    assert any(len(link["premises"]) == 3 for link in data["links"])
    assert data["map"]["source_date"] == "2019-06-20"


def test_graph_endpoint_returns_the_same_json(api_client, rich_map):
    response = api_client.get("/api/maps/rich/graph/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["ETag"] == f'"{rich_map.version}"'
    assert response.json() == expected(rich_map)
    # JSON keys in the documented order, as before.
    assert list(response.json()) == ["map", "statements", "links"]


def test_fast_path_on_an_imported_generated_map(api_client, db):
    graph = with_source_text(generate_graph(300, seed=3))
    map_ = services.map_import(graph=graph, slug="generated")
    assert any(s.quote for s in graph.statements)
    response = api_client.get("/api/maps/generated/graph/")
    assert response.json() == expected(map_)
    assert len(response.json()["statements"]) == 300


def test_repeat_request_is_served_from_the_cache(api_client, rich_map, monkeypatch):
    calls = []
    real = selectors.map_graph_json

    def counting(map_):
        calls.append(map_.pk)
        return real(map_)

    monkeypatch.setattr(selectors, "map_graph_json", counting)
    first = api_client.get("/api/maps/rich/graph/")
    second = api_client.get("/api/maps/rich/graph/")
    assert first.content == second.content
    assert len(calls) == 1

    # A write bumps the version: the next read is computed afresh and shows the change.
    services.statement_create(map_=rich_map, text="A new reason.")
    third = api_client.get("/api/maps/rich/graph/")
    assert len(calls) == 2
    assert "A new reason." in {s["text"] for s in third.json()["statements"]}
    assert third["ETag"] == f'"{rich_map.version + 1}"'
    assert third.json() == expected(rich_map)


def test_cache_key_names_map_and_version(rich_map):
    key = selectors.map_graph_cache_key(rich_map)
    assert f":{rich_map.pk}:{rich_map.version}:" in key
    assert key != selectors.map_graph_cache_key(rich_map, gzipped=True)


def test_large_response_is_gzipped_for_clients_that_accept_it(api_client, db):
    map_ = services.map_import(graph=with_source_text(generate_graph(500, seed=1)), slug="big")
    plain = api_client.get("/api/maps/big/graph/")
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]

    zipped = api_client.get("/api/maps/big/graph/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert len(zipped.content) < len(plain.content) / 3
    assert orjson.loads(gzip.decompress(zipped.content)) == plain.json() == expected(map_)

    # The gzipped body has a weak tag (another encoding of the same version); either tag
    # still gets 304.
    assert zipped["ETag"] == f'W/"{map_.version}"'
    for tag in (zipped["ETag"], plain["ETag"]):
        again = api_client.get(
            "/api/maps/big/graph/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=tag
        )
        assert again.status_code == 304


@pytest.mark.parametrize("accept_encoding", ["", "gzip"])
def test_graph_query_count_is_constant_cold_and_cached(api_client, make_map, accept_encoding):
    make_map("small", n_reasons=1)
    make_map("large", n_reasons=60)
    cold, cached = [], []
    for slug in ("small", "large"):
        for counts in (cold, cached):
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(
                    f"/api/maps/{slug}/graph/", HTTP_ACCEPT_ENCODING=accept_encoding
                )
                assert response.status_code == 200
            counts.append(len(queries))
    assert cold[0] == cold[1] <= 4
    assert cached[0] == cached[1] < cold[0]


def test_cached_bytes_do_not_leak_a_private_map(api_client, auth_client, user):
    build_map(slug="secret", owner=user, is_private=True)
    assert auth_client.get("/api/maps/secret/graph/").status_code == 200  # now cached
    assert api_client.get("/api/maps/secret/graph/").status_code == 404
    assert api_client.get("/api/maps/secret/graph/", HTTP_ACCEPT_ENCODING="gzip").status_code == 404


def test_graph_endpoint_is_still_documented_by_graph_serializer(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    get = schema["paths"]["/api/maps/{slug}/graph/"]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/Graph")


def test_fast_path_on_an_empty_map_and_across_chunks(db, monkeypatch):
    empty = services.map_create(slug="empty", title="Nothing yet")
    assert orjson.loads(selectors.map_graph_json(empty)) == expected(empty)
    map_ = services.map_import(graph=with_source_text(generate_graph(60, seed=4)), slug="chunked")
    monkeypatch.setattr(selectors, "_CHUNK", 7)  # many chunks, the last one short
    assert orjson.loads(selectors.map_graph_json(map_)) == expected(map_)


def test_row_chunks_apply_django_converters(rich_map, monkeypatch):
    # created_at needs a converter on SQLite (text to datetime); the graph's columns don't.
    monkeypatch.setattr(selectors, "_CHUNK", 1)
    queryset = ArgumentMap.objects.order_by("id").values_list("id", "created_at", "source_date")
    rows = [row for chunk in selectors._row_chunks(queryset) for row in chunk]
    assert rows == list(queryset)
    assert all(isinstance(row, tuple) for row in rows)


def test_graph_json_leaves_the_garbage_collector_alone(cats_map, monkeypatch):
    # The collector is the whole process's: gunicorn's threads share it, so a request
    # must never switch it off and on.
    def refuse():
        raise AssertionError("map_graph_json toggled the garbage collector")

    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "enable", refuse)
    assert orjson.loads(selectors.map_graph_json(cats_map)) == expected(cats_map)


def test_graph_rows_come_through_client_side_cursors():
    # iterator() on PostgreSQL would otherwise declare a server-side cursor WITH HOLD,
    # which made the whole-map JSON 1.3 to 1.7 times slower (docs/performance.md).
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
