"""A fault in Redis or the database is not an outage (issue "Hold under hostile load", item 4).

With the caches on a Redis that cannot be reached, reads and writes go on (results are
computed afresh), rate limits hold per process, a warning is logged at most once a minute,
and once Redis is back the caches are used again without a restart. These tests run a
Redis server of their own (``redis-server`` on a free port), which they stop and start.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time

import pytest
import redis

from argmap.cache import HEALTH
from tests.helpers import free_port, resilient_redis_cache

LOGGER = "argmap.cache"
WAIT = 10  # seconds for a Redis server to start or stop


def caches_on(port: int, retry_after: float = 5) -> dict:
    """The production CACHES (argmap/settings.py) on a Redis at ``port``."""
    url = f"redis://127.0.0.1:{port}/0"
    return {
        alias: resilient_redis_cache(url, fallback, RETRY_AFTER=retry_after)
        for alias, fallback in (("default", "bypass"), ("counters", "local"))
    }


class RedisServer:
    """A ``redis-server`` of the test's own, on ``port``, that can be stopped and started."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None
        self.client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + WAIT
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=WAIT)
            self.process = None
        self.client.connection_pool.disconnect()

    def keys(self) -> int:
        return self.client.dbsize()


@pytest.fixture(autouse=True)
def _fresh_health():
    HEALTH.down_until.clear()
    HEALTH.warned_at.clear()
    yield
    HEALTH.down_until.clear()
    HEALTH.warned_at.clear()


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_reads_and_writes_go_on_with_redis_unreachable(
    settings, api_client, auth_client, cats_map, caplog
):
    settings.CACHES = caches_on(free_port())  # nothing listens there
    caplog.set_level(logging.WARNING, logger=LOGGER)
    base = f"/api/maps/{cats_map.slug}"
    for url in (
        f"{base}/graph/",
        f"{base}/graph/",
        f"/api/statements/?map={cats_map.slug}&search=cats",
        f"{base}/evaluation/?semantics=grounded",
        f"{base}/diagram.dot",
        "/",
        f"/maps/{cats_map.slug}/",
    ):
        response = api_client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
    created = auth_client.post("/api/statements/", {"map": cats_map.slug, "text": "Dogs bark."})
    assert created.status_code == 201, created.content
    graph = api_client.get(f"{base}/graph/").json()
    assert "Dogs bark." in {s["text"] for s in graph["statements"]}  # nothing stale
    # One warning for all of that: Redis is left alone for RETRY_AFTER after a failure.
    [warning] = warnings(caplog)
    assert "unreachable" in warning
    assert "rate limits hold per process" in warning


def test_rate_limits_hold_per_process_while_redis_is_unreachable(settings, api_client, cats_map):
    settings.CACHES = caches_on(free_port())
    settings.ARGMAP_THROTTLE_RATES = {**settings.ARGMAP_THROTTLE_RATES, "anon": "3/min"}
    codes = [api_client.get("/api/maps/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_warning_at_most_once_a_minute_while_redis_stays_down(settings, api_client, db, caplog):
    settings.CACHES = caches_on(free_port(), retry_after=0)  # tried again on every call
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for _ in range(5):
        assert api_client.get("/api/maps/").status_code == 200
    assert len(warnings(caplog)) == 1


def test_the_caches_come_back_with_redis_without_a_restart(
    settings, api_client, cats_map, redis_server, caplog
):
    settings.CACHES = caches_on(redis_server.port, retry_after=0.2)
    caplog.set_level(logging.WARNING, logger=LOGGER)
    url = f"/api/maps/{cats_map.slug}/graph/"
    assert api_client.get(url).status_code == 200
    assert redis_server.keys() > 0  # the graph JSON and the rate counters are in Redis

    redis_server.stop()
    assert api_client.get(url).status_code == 200
    assert "unreachable" in warnings(caplog)[-1]

    redis_server.start()
    assert redis_server.keys() == 0  # a fresh server: nothing kept
    time.sleep(0.3)  # past RETRY_AFTER
    assert api_client.get(url).status_code == 200
    assert redis_server.keys() > 0  # in use again, the same process, no restart
    assert warnings(caplog)[-1].endswith("is reachable again.")


# --- the database: a PostgreSQL restart is a 503 for the requests it catches -----------------


def test_a_request_that_loses_the_database_is_a_503_not_a_500(
    client, api_client, cats_map, monkeypatch, caplog
):
    from django.db import OperationalError

    from api.models import ArgumentMapQuerySet

    def lost(self, user):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(ArgumentMapQuerySet, "visible_to", lost)
    response = api_client.get(f"/api/maps/{cats_map.slug}/graph/")
    assert response.status_code == 503
    assert "not reachable" in response.json()["detail"]
    assert response["Retry-After"] == "5"
    page = client.get(f"/maps/{cats_map.slug}/")
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert any("answered 503" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    assert api_client.get(f"/api/maps/{cats_map.slug}/graph/").status_code == 200
