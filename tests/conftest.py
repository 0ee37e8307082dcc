"""Shared fixtures: API clients for each kind of user, and small maps built through the
services (the same path the API and admin take)."""

from __future__ import annotations

import functools

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import services
from api.models import ArgumentMap, Link, LinkPremise, Statement

SOURCE = (
    "Cats are good pets. They are quiet and clean. "
    "But they scratch furniture. A scratching post solves that."
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher is slow on purpose; tests create users by the dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and rendered diagrams must not leak from one test to the next.
    cache.clear()
    yield
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


def build_map(
    slug: str = "cats", n_reasons: int = 2, owner=None, is_private: bool = False
) -> ArgumentMap:
    """A small map: a claim, reasons (one pair of co-premises), an objection and an
    undercutter. ``n_reasons`` extra single-premise reasons make it bigger."""
    map_ = services.map_create(
        slug=slug, title=f"Map {slug}", source_text=SOURCE, owner=owner, is_private=is_private
    )
    claim = services.statement_create(
        map_=map_, text="Cats are good pets.", quote="Cats are good pets."
    )
    quiet = services.statement_create(map_=map_, text="Cats are quiet.")
    clean = services.statement_create(map_=map_, text="Cats are clean.")
    scratch = services.statement_create(
        map_=map_, text="Cats scratch furniture.", quote="they scratch furniture"
    )
    post = services.statement_create(
        map_=map_, text="A scratching post solves scratching.", attributed_to="Vets"
    )
    services.link_create(map_=map_, kind="support", premises=[quiet, clean], conclusion=claim)
    objection = services.link_create(map_=map_, kind="oppose", premises=[scratch], conclusion=claim)
    services.link_create(map_=map_, kind="oppose", premises=[post], target_link=objection)
    for i in range(n_reasons):
        reason = services.statement_create(map_=map_, text=f"Extra reason {i}.")
        services.link_create(map_=map_, kind="support", premises=[reason], conclusion=claim)
    map_.refresh_from_db()
    return map_


@pytest.fixture
def cats_map(db, user) -> ArgumentMap:
    """A public map owned by ``user`` (alice)."""
    return build_map(owner=user)


@pytest.fixture
def make_map(db, user):
    """Build maps owned by ``user`` unless told otherwise."""
    return functools.partial(build_map, owner=user)


def snapshot() -> tuple:
    """Everything a refused (or empty) write must leave as it was: row counts, history
    rows and map versions."""
    models = (ArgumentMap, Statement, Link, LinkPremise)
    return (
        *(model.objects.count() for model in models),
        *(model.history.model.objects.count() for model in models),
        list(ArgumentMap.objects.order_by("pk").values_list("version", flat=True)),
    )
