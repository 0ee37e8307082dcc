"""A map's own fields and its counts, each listed or computed in one place: the fields are
``api.graph.MapInfo``'s (``graphjson.MAP_KEYS``), the editable ones ``services.MAP_FIELDS``
made from them; the counts are ``ArgumentMap.objects.with_counts()``."""

from __future__ import annotations

import datetime
import io
from dataclasses import fields

import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from api import selectors, services
from api.graph import MapInfo
from api.graph.graphjson import MAP_KEYS
from api.models import ArgumentMap
from api.serializers import ArgumentMapSerializer, GraphMapSerializer
from tests.helpers import snapshot


def test_map_keys_are_the_fields_of_map_info_in_the_api_order():
    assert tuple(f.name for f in fields(MapInfo)) == MAP_KEYS
    assert MAP_KEYS == (
        "slug",
        "title",
        "summary",
        "source_title",
        "source_author",
        "source_date",
        "source_url",
        "source_text",
        "version",
    )


def test_editable_fields_are_the_map_keys_but_slug_and_version_plus_privacy():
    assert (*MAP_KEYS[1:-1], "is_private") == services.MAP_FIELDS
    model_fields = {f.name for f in ArgumentMap._meta.get_fields()}
    assert set(MAP_KEYS) | {"is_private"} <= model_fields


def test_serializers_show_every_map_field():
    # The graph JSON's map object is documented field for field (and a write may send
    # is_private); the map resource has the editable fields, the slug and the version.
    assert tuple(GraphMapSerializer().fields) == (*MAP_KEYS, "is_private")
    assert set(ArgumentMapSerializer().fields) >= {"slug", "version", *services.MAP_FIELDS}


def test_map_info_get_reads_every_map_key(db):
    map_ = services.map_create(
        slug="full",
        title="Full",
        summary="S",
        source_title="T",
        source_author="A",
        source_date=datetime.date(2019, 6, 1),
        source_url="https://example.org/",
        source_text="Text.",
    )
    info = selectors.map_info_get(map_)
    assert info == MapInfo(
        slug="full",
        title="Full",
        summary="S",
        source_title="T",
        source_author="A",
        source_date="2019-06-01",
        source_url="https://example.org/",
        source_text="Text.",
        version=map_.version,
    )


def test_admin_list_counts_are_with_counts(make_map, staff):
    make_map("one", n_reasons=0)
    make_map("two", n_reasons=3)
    request = RequestFactory().get("/admin/api/argumentmap/")
    request.user = staff
    admin = site._registry[ArgumentMap]
    shown = {
        m.slug: (admin.statement_count(m), admin.link_count(m)) for m in admin.get_queryset(request)
    }
    counted = {m.slug: (m.n_statements, m.n_links) for m in ArgumentMap.objects.with_counts()}
    assert shown == counted == {"one": (5, 3), "two": (8, 6)}


def test_slugs_that_differ_only_in_case_never_stand_side_by_side(auth_client, user, cats_map):
    # cats_map is "cats". Creating, importing or renaming to another case of it is the
    # same conflict as the slug itself; a map may change its own slug's case.
    before = snapshot()
    made = auth_client.post("/api/maps/", {"slug": "Cats", "title": "T"}, format="json")
    assert made.status_code == 409
    assert "already exists" in made.json()["errors"]["slug"][0]
    file = io.BytesIO(b"[A]: A claim.\n")
    file.name = "a.argdown"
    imported = auth_client.post(
        "/api/maps/import/", {"file": file, "slug": "CATS"}, format="multipart"
    )
    assert imported.status_code == 409
    assert snapshot() == before
    assert (
        auth_client.post("/api/maps/", {"slug": "dogs", "title": "D"}, format="json").status_code
        == 201
    )
    renamed = auth_client.patch("/api/maps/dogs/", {"slug": "cAts"}, format="json")
    assert renamed.status_code == 409
    assert services.map_free_slug("Cats") == "cats-2"
    cats_map.owner = user
    cats_map.save()
    own_case = auth_client.patch("/api/maps/cats/", {"slug": "Cats"}, format="json")
    assert own_case.status_code == 200, own_case.content
    # The database holds the rule too, for writes that race.
    with pytest.raises(IntegrityError), transaction.atomic():
        ArgumentMap.objects.create(slug="CATS", title="T")
