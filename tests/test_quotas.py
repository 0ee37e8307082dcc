"""Quotas: what one user may store (docs/quotas.md). Each write past one is a 403 whose
``quota`` names the setting and ``limit`` its value, and writes nothing; staff are exempt.
"""

from __future__ import annotations

import io

from rest_framework.test import APIClient

from api.models import ArgumentMap, Job, Statement
from api.tasks import run_job
from tests.helpers import snapshot

ARGDOWN = b"[Claim]: The claim.\n  <+ [R1]: One reason.\n  <+ [R2]: Another reason.\n"


def upload(client, content: bytes = ARGDOWN, **fields):
    file = io.BytesIO(content)
    file.name = "map.argdown"
    return client.post("/api/maps/import/", {"file": file, **fields}, format="multipart")


def refused(response, quota: str, limit: int) -> None:
    assert response.status_code == 403, response.content
    body = response.json()
    assert (body["quota"], body["limit"]) == (quota, limit)
    assert quota in body["detail"]


def new_map(client, slug: str):
    return client.post("/api/maps/", {"slug": slug, "title": slug}, format="json")


def test_a_user_past_the_maps_quota_makes_no_map_and_staff_have_none(auth_client, staff, settings):
    settings.ARGMAP_QUOTA_MAPS = 2
    assert new_map(auth_client, "one").status_code == 201
    assert upload(auth_client, slug="two").status_code == 201
    before = snapshot()
    refused(new_map(auth_client, "three"), "ARGMAP_QUOTA_MAPS", 2)
    refused(upload(auth_client, slug="three"), "ARGMAP_QUOTA_MAPS", 2)
    assert snapshot() == before
    # Deleting one makes room again.
    assert auth_client.delete("/api/maps/one/").status_code == 204
    assert new_map(auth_client, "three").status_code == 201

    staff_client = APIClient()
    staff_client.force_authenticate(staff)
    for slug in ("s1", "s2", "s3"):
        assert new_map(staff_client, slug).status_code == 201


def test_a_map_past_its_statements_quota_takes_no_statement(auth_client, settings):
    settings.ARGMAP_QUOTA_STATEMENTS_PER_MAP = 3
    assert upload(auth_client, slug="full").status_code == 201  # 3 statements
    before = snapshot()
    one_more = {"map": "full", "text": "A fourth statement."}
    refused(
        auth_client.post("/api/statements/", one_more, format="json"),
        "ARGMAP_QUOTA_STATEMENTS_PER_MAP",
        3,
    )
    bigger = ARGDOWN + b"  <- [O]: An objection.\n"
    refused(upload(auth_client, bigger, slug="big"), "ARGMAP_QUOTA_STATEMENTS_PER_MAP", 3)
    assert snapshot() == before


def test_a_whole_map_replaced_may_shrink_but_not_grow_past_the_quota(auth_client, settings):
    settings.ARGMAP_QUOTA_STATEMENTS_PER_MAP = 3
    assert upload(auth_client, slug="full").status_code == 201
    response = auth_client.get("/api/maps/full/graph/")
    graph, etag = response.json(), response["ETag"]
    grown = {
        **graph,
        "statements": [*graph["statements"], {**graph["statements"][0], "id": -1, "text": "New."}],
    }
    before = snapshot()
    answer = auth_client.put("/api/maps/full/graph/", grown, format="json", HTTP_IF_MATCH=etag)
    refused(answer, "ARGMAP_QUOTA_STATEMENTS_PER_MAP", 3)
    assert snapshot() == before
    # One statement out and one in: the same size, allowed.
    reason = next(s for s in graph["statements"] if s["role"] == "premise")
    kept = [s for s in graph["statements"] if s["id"] != reason["id"]]
    links = [link for link in graph["links"] if reason["id"] not in link["premises"]]
    swapped = {**graph, "statements": [*kept, {**reason, "id": -1, "text": "New."}], "links": links}
    answer = auth_client.put("/api/maps/full/graph/", swapped, format="json", HTTP_IF_MATCH=etag)
    assert answer.status_code == 200, answer.content


def test_a_user_past_the_statements_quota_in_all_their_maps_adds_none(auth_client, settings):
    settings.ARGMAP_QUOTA_STATEMENTS = 5
    assert upload(auth_client, slug="first").status_code == 201  # 3 of 5
    refused(upload(auth_client, slug="second"), "ARGMAP_QUOTA_STATEMENTS", 5)
    assert not ArgumentMap.objects.filter(slug="second").exists()
    for text in ("Four.", "Five."):
        made = auth_client.post("/api/statements/", {"map": "first", "text": text}, format="json")
        assert made.status_code == 201
    sixth = auth_client.post("/api/statements/", {"map": "first", "text": "Six."}, format="json")
    refused(sixth, "ARGMAP_QUOTA_STATEMENTS", 5)
    assert Statement.objects.filter(map__slug="first").count() == 5


def test_a_map_counts_against_its_owner_whoever_writes(auth_client, staff, settings):
    settings.ARGMAP_QUOTA_STATEMENTS_PER_MAP = 3
    assert upload(auth_client, slug="full").status_code == 201
    staff_client = APIClient()
    staff_client.force_authenticate(staff)
    one_more = {"map": "full", "text": "A fourth statement."}
    refused(
        staff_client.post("/api/statements/", one_more, format="json"),
        "ARGMAP_QUOTA_STATEMENTS_PER_MAP",
        3,
    )


def test_a_big_import_past_the_quota_when_its_rows_are_written_fails_saying_so(
    auth_client, settings, django_capture_on_commit_callbacks
):
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 3
    settings.ARGMAP_QUOTA_STATEMENTS = 5
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        response = upload(auth_client, slug="big")  # 3 of 5, once written
    assert response.status_code == 202
    # Meanwhile another map of the owner's takes 3 of the 5, within its request.
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 100
    assert upload(auth_client, slug="other").status_code == 201
    run_job(response.json()["id"])
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == "failed"
    assert "ARGMAP_QUOTA_STATEMENTS" in job.error
    assert Statement.objects.filter(map__slug="big").count() == 0
