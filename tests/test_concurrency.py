"""No lost updates: concurrent writers on PostgreSQL, each with the version it read.

SQLite serialises writers by locking the whole file, so these run on PostgreSQL only
(CI runs the suite there too)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from api.models import ArgumentMap, Statement

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def run_threads(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_same_version_writers_exactly_one_wins(make_map, user):
    map_ = make_map("race")
    etag = f'"{map_.version}"'
    before = Statement.objects.filter(map=map_).count()

    def write(i: int) -> int:
        response = client_for(user).post(
            "/api/statements/", {"map": "race", "text": f"writer {i}"}, HTTP_IF_MATCH=etag
        )
        return response.status_code

    codes = run_threads(8, write)
    assert sorted(codes) == [201] + [412] * 7
    assert Statement.objects.filter(map=map_).count() == before + 1
    map_.refresh_from_db()
    assert map_.version == int(etag.strip('"')) + 1


def test_writers_that_retry_on_412_lose_nothing(make_map, user):
    map_ = make_map("retry")
    before_count = Statement.objects.filter(map=map_).count()
    before_version = map_.version
    per_writer = 5

    def write(i: int) -> int:
        client = client_for(user)
        written = 0
        while written < per_writer:
            etag = client.get("/api/maps/retry/")["ETag"]
            response = client.post(
                "/api/statements/",
                {"map": "retry", "text": f"writer {i} #{written}"},
                HTTP_IF_MATCH=etag,
            )
            assert response.status_code in (201, 412), response.content
            written += response.status_code == 201
        return written

    results = run_threads(6, write)
    total = sum(results)
    assert total == 6 * per_writer
    assert Statement.objects.filter(map=map_).count() == before_count + total
    assert ArgumentMap.objects.get(pk=map_.pk).version == before_version + total


def test_unconditional_concurrent_writes_all_land(make_map, user):
    map_ = make_map("plain")
    before_version = map_.version

    def write(i: int) -> int:
        client = client_for(user)
        return sum(
            client.post("/api/statements/", {"map": "plain", "text": f"{i}/{k}"}).status_code == 201
            for k in range(5)
        )

    total = sum(run_threads(6, write))
    assert total == 30
    # The version is bumped under a row lock: every write counted once.
    assert ArgumentMap.objects.get(pk=map_.pk).version == before_version + total
