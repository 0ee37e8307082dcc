"""api/cache.py: what a computed result may take of the cache (issue #12, item 5)."""

import pytest
from django.core.cache import cache

from api.cache import cache_bounded_get_or_set, cache_bounded_set


@pytest.fixture
def limits(settings):
    settings.ARGMAP_CACHE_MAX_ENTRY_BYTES = 1_000
    settings.ARGMAP_CACHE_SMALL_ENTRY_BYTES = 100
    settings.ARGMAP_CACHE_MAX_MAP_BYTES = 2_500
    settings.ARGMAP_CACHE_REPEAT_WINDOW = 60
    return settings


def counting(value: bytes):
    calls = []

    def compute() -> bytes:
        calls.append(1)
        return value

    return compute, calls


def test_a_small_result_is_stored_at_once(limits):
    compute, calls = counting(b"x" * 50)
    for _ in range(3):
        assert cache_bounded_get_or_set("k", compute, scope="map:1:v1") == b"x" * 50
    assert len(calls) == 1


def test_a_result_over_the_entry_limit_is_never_stored(limits):
    compute, calls = counting(b"x" * 1_001)
    for _ in range(3):
        cache_bounded_get_or_set("k", compute, scope="map:1:v1")
    assert len(calls) == 3
    assert cache.get("k") is None
    assert not cache.get("cache-bytes:map:1:v1")


def test_a_larger_result_is_stored_only_when_asked_again(limits):
    compute, calls = counting(b"x" * 500)
    cache_bounded_get_or_set("k", compute, scope="map:1:v1")
    assert cache.get("k") is None  # asked once: a sweep of options stores nothing
    cache_bounded_get_or_set("k", compute, scope="map:1:v1")
    assert cache.get("k") == b"x" * 500  # asked twice: kept
    cache_bounded_get_or_set("k", compute, scope="map:1:v1")
    assert len(calls) == 2


def test_one_map_version_takes_at_most_its_share(limits):
    stored = [cache_bounded_set(f"k{i}", b"x" * 90, scope="map:1:v1") for i in range(40)]
    assert stored.count(True) == 2_500 // 90
    assert cache.get("cache-bytes:map:1:v1") <= 2_500
    # Another map (or version) has its own share.
    assert cache_bounded_set("other", b"x" * 90, scope="map:2:v1")


def test_objects_are_measured_as_pickled(limits):
    assert cache_bounded_set("small", {"a": 1}, scope="map:1:v1")
    assert not cache_bounded_set("big", ["x" * 2_000], scope="map:1:v1")


@pytest.mark.django_db
def test_diagrams_stay_within_the_entry_limit(api_client, cats_map, settings):
    key = f"cache-bytes:map:{cats_map.pk}:v{cats_map.version}"
    settings.ARGMAP_CACHE_MAX_ENTRY_BYTES = 10
    for _ in range(2):
        assert api_client.get("/api/maps/cats/diagram.dot?wrap=16").status_code == 200
    assert not cache.get(key)
    settings.ARGMAP_CACHE_MAX_ENTRY_BYTES = 5_000_000
    assert api_client.get("/api/maps/cats/diagram.dot?wrap=16").status_code == 200
    assert cache.get(key) > 10
