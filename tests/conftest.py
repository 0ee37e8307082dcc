"""Fixtures: API clients for each kind of user, and small maps built through the services
(the same path the API and admin take). Helpers that are not fixtures live in
``tests/helpers.py``."""

from __future__ import annotations

import functools
import subprocess

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from api.models import ArgumentMap
from tests.helpers import build_map


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher is slow on purpose; tests create users by the dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _render_throttles_out_of_the_way(settings):
    # Tests draw dozens of diagrams in a minute (Hypothesis, hundreds); the render
    # throttles are tested on their own (tests/test_render_limits.py) with their rates.
    settings.ARGMAP_THROTTLE_RATES = {
        **settings.ARGMAP_THROTTLE_RATES,
        **dict.fromkeys(("render_anon", "render_all_anon", "render_user"), "100000/min"),
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and rendered diagrams must not leak from one test to the next.
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def cats_map(db, user) -> ArgumentMap:
    """A public map owned by ``user`` (alice)."""
    return build_map(owner=user)


@pytest.fixture
def make_map(db, user):
    """Build maps owned by ``user`` unless told otherwise."""
    return functools.partial(build_map, owner=user)


@pytest.fixture
def graphviz_started(monkeypatch) -> list[subprocess.Popen]:
    """The Graphviz programs ``api.graph.render`` starts, as it starts them."""
    from api.graph import render

    found: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        found.append(process)
        return process

    monkeypatch.setattr(render.subprocess, "Popen", popen)
    return found
