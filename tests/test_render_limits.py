"""Renders have their own throttle and a cap across all workers (issue "Hold under hostile
load", item 1).

- A render (a diagram not in the cache) counts against ``ARGMAP_THROTTLE_RENDER_ANON`` per
  anonymous client, ``ARGMAP_THROTTLE_RENDER_ALL_ANON`` for all anonymous clients
  together and ``ARGMAP_THROTTLE_RENDER_USER`` per signed-in user; past one, a 429 with
  ``Retry-After`` naming it. A cached diagram and an ordinary read are not renders.
- At most ``ARGMAP_MAX_CONCURRENT_RENDERS`` renders at once across every worker, counted
  in Redis; a slot held by a worker that died expires; without Redis the cap holds per
  process. Past it, a 503 with ``Retry-After``.
"""

from __future__ import annotations

import shutil
import socket
import time

import pytest
import redis

from api import render_slots
from api.render_slots import SLOTS_KEY, render_slot
from argmap.cache import HEALTH
from tests.helpers import free_port, resilient_redis_cache

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")

URL = "/api/maps/cats/diagram"
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.ARGMAP_THROTTLE_RATES = {**settings.ARGMAP_THROTTLE_RATES, **rates}

    return set_rates


def test_renders_per_anonymous_client_are_throttled_not_cached_diagrams_or_reads(
    api_client, cats_map, rates
):
    rates(render_anon="2/min")
    assert api_client.get(f"{URL}.svg?wrap=20").status_code == 200
    assert api_client.get(f"{URL}.svg?wrap=21").status_code == 200
    refused = api_client.get(f"{URL}.svg?wrap=22")
    assert refused.status_code == 429
    assert "ARGMAP_THROTTLE_RENDER_ANON" in refused.json()["detail"]
    assert "2/min" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    # Drawn already: served from the cache, not a render.
    assert api_client.get(f"{URL}.svg?wrap=20").status_code == 200
    # DOT needs no Graphviz, and reads are not renders.
    assert api_client.get(f"{URL}.dot?wrap=22").status_code == 200
    assert api_client.get("/api/maps/cats/graph/").status_code == 200


def test_all_anonymous_clients_together_have_one_render_quota(api_client, cats_map, rates):
    rates(render_all_anon="2/min")
    codes = [
        api_client.get(f"{URL}.svg?wrap={20 + n}", REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    refused = api_client.get(f"{URL}.svg?wrap=30", REMOTE_ADDR="10.0.0.9")
    assert "ARGMAP_THROTTLE_RENDER_ALL_ANON" in refused.json()["detail"]


def test_a_signed_in_user_has_a_render_quota_of_their_own(api_client, auth_client, cats_map, rates):
    rates(render_user="1/min", render_all_anon="1/min")
    assert auth_client.get(f"{URL}.svg?wrap=20").status_code == 200
    refused = auth_client.get(f"{URL}.svg?wrap=21")
    assert refused.status_code == 429
    assert "ARGMAP_THROTTLE_RENDER_USER" in refused.json()["detail"]
    # Anonymous clients are counted apart from the user.
    assert api_client.get(f"{URL}.svg?wrap=22").status_code == 200


# --- the cap across workers -----------------------------------------------------------------


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def shared_slots(settings):
    """The "counters" cache on the Redis at 127.0.0.1:6379 (db 14), as in production, and
    a client to look at the slots as another worker would."""
    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {**settings.CACHES, "counters": resilient_redis_cache(REDIS_URL, "local")}
    settings.ARGMAP_MAX_CONCURRENT_RENDERS = 1
    settings.ARGMAP_RENDER_QUEUE_TIMEOUT = 0
    HEALTH.down_until.clear()
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(SLOTS_KEY)
    yield client
    client.delete(SLOTS_KEY)


def test_a_render_slot_taken_by_another_worker_is_taken_for_all(api_client, cats_map, shared_slots):
    # Another worker (another process) holds the one slot: this one must wait, then 503.
    shared_slots.zadd(SLOTS_KEY, {"another-worker": time.time() + 60})
    response = api_client.get(f"{URL}.svg")
    assert response.status_code == 503
    assert "ARGMAP_MAX_CONCURRENT_RENDERS" in response.json()["detail"]
    assert response["Retry-After"]
    shared_slots.zrem(SLOTS_KEY, "another-worker")
    assert api_client.get(f"{URL}.svg").status_code == 200
    assert shared_slots.zcard(SLOTS_KEY) == 0  # given back after the render


def test_a_slot_of_a_worker_that_died_expires(api_client, cats_map, shared_slots):
    shared_slots.zadd(SLOTS_KEY, {"killed-worker": time.time() - 1})  # past its expiry
    assert api_client.get(f"{URL}.svg").status_code == 200
    assert shared_slots.zcard(SLOTS_KEY) == 0


def test_a_slot_is_held_in_redis_while_rendering(cats_map, shared_slots):
    with render_slot():
        assert shared_slots.zcard(SLOTS_KEY) == 1
        with pytest.raises(render_slots.NoRenderSlot), render_slot():
            pass
    assert shared_slots.zcard(SLOTS_KEY) == 0


def test_a_slot_is_a_lease_renewed_while_its_render_lasts(cats_map, shared_slots, monkeypatch):
    # A holder renews its slot while it renders; a holder killed mid-render stops renewing
    # it, and the slot is free a lease later rather than after the render's whole budget.
    monkeypatch.setattr(render_slots, "LEASE", 0.6)
    with render_slot(seconds=300):
        time.sleep(1.5)  # more than twice the lease
        [(_, expiry)] = shared_slots.zrange(SLOTS_KEY, 0, -1, withscores=True)
        assert time.time() < expiry <= time.time() + 0.6
        with pytest.raises(render_slots.NoRenderSlot), render_slot():
            pass
    assert shared_slots.zcard(SLOTS_KEY) == 0
    shared_slots.zadd(SLOTS_KEY, {"killed-worker": time.time() + 0.6})  # its last renewal
    with pytest.raises(render_slots.NoRenderSlot), render_slot():
        pass
    time.sleep(0.7)
    with render_slot():
        assert shared_slots.zcard(SLOTS_KEY) == 1


def test_without_redis_the_cap_holds_per_process(api_client, cats_map, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {**settings.CACHES, "counters": resilient_redis_cache(dead, "local")}
    settings.ARGMAP_MAX_CONCURRENT_RENDERS = 1
    settings.ARGMAP_RENDER_QUEUE_TIMEOUT = 0
    try:
        with render_slot():
            assert api_client.get(f"{URL}.svg").status_code == 503
        assert api_client.get(f"{URL}.svg").status_code == 200
    finally:
        HEALTH.down_until.clear()
        HEALTH.warned_at.clear()
