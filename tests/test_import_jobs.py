"""Big imports are jobs: the file is read and checked, and its map made, within the request
(202); a worker writes its statements and links, and the job's result is the report an
import within the request gives (docs/jobs.md, "Big imports").

The tests run the task queue as ``make run`` does (no broker: a task runs where it is
sent), with the threshold lowered so that a small file is "big".
"""

from __future__ import annotations

import io

import pytest

from api.models import ArgumentMap, Job, JobState, Link, Statement
from api.services import graphs, jobs
from api.tasks import run_job
from tests.helpers import snapshot

# A claim, five reasons for it and an objection: 7 statements, 6 links.
ARGDOWN = (
    "[Claim]: The claim.\n"
    + "".join(f"  <+ [R{i}]: Reason number {i}.\n" for i in range(5))
    + "  <- [O]: An objection.\n"
).encode()
ROWS = 7 + 6


@pytest.fixture(autouse=True)
def _small_files_are_big(settings):
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 7


def upload(client, content: bytes = ARGDOWN, name: str = "big.argdown", **fields):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/maps/import/", {"file": file, **fields}, format="multipart")


def imported(client, capture, **fields):
    """The answer to an upload, the job's task run as the transaction commits."""
    with capture(execute=True):
        return upload(client, **fields)


def test_a_big_import_is_a_job_whose_result_is_the_import_report(
    auth_client, user, settings, django_capture_on_commit_callbacks
):
    response = imported(auth_client, django_capture_on_commit_callbacks, slug="big")

    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == f"/api/jobs/{job['id']}/"
    assert (job["kind"], job["map"], job["state"], job["result"]) == (
        "import",
        "big",
        "queued",
        None,
    )

    followed = auth_client.get(response["Location"]).json()
    assert followed["state"] == "done", followed
    assert followed["progress"] == {"done": ROWS, "total": ROWS}
    result = auth_client.get(followed["result"])
    assert result.status_code == 200
    report = result.json()
    map_ = ArgumentMap.objects.get(slug="big")
    assert result["ETag"] == f'"{map_.version}"'
    assert report["map"]["slug"] == "big"
    assert report["map"]["statement_count"] == 7
    assert report["imported"] == {"statements": 7, "links": 6}
    assert map_.owner == user
    assert Job.objects.get(pk=job["id"]).upload is None  # the file is not kept once written
    # The rows were written after the map was made: a version later than the empty map's.
    assert map_.version == job["map_version"] + 1

    # The same file within a request (threshold up): the same report and the same map.
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 8
    direct = upload(auth_client, slug="small")
    assert direct.status_code == 201
    body = direct.json()
    assert {k: body[k] for k in ("imported", "left_out", "notes")} == {
        k: report[k] for k in ("imported", "left_out", "notes")
    }
    graph = auth_client.get("/api/maps/big/graph/").json()
    again = auth_client.get("/api/maps/small/graph/").json()
    assert sorted(s["text"] for s in graph["statements"]) == sorted(
        s["text"] for s in again["statements"]
    )
    assert sorted(link["kind"] for link in graph["links"]) == ["oppose"] + ["support"] * 5


def test_a_file_below_the_threshold_is_imported_within_the_request(auth_client, settings):
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 8
    response = upload(auth_client)
    assert response.status_code == 201
    assert Job.objects.count() == 0


def test_a_big_file_that_is_refused_writes_nothing_and_makes_no_job(auth_client, cats_map):
    before = snapshot()
    broken = upload(auth_client, format="json")  # Argdown read as JSON
    assert broken.status_code == 422  # a file that is not a map
    taken = upload(auth_client, slug="cats")
    assert taken.status_code == 409
    assert "slug" in taken.json()["errors"]
    assert snapshot() == before
    assert Job.objects.count() == 0


def test_past_the_job_limits_a_big_import_is_a_429_that_writes_nothing(auth_client, settings):
    settings.ARGMAP_JOBS_PER_USER = 0
    response = upload(auth_client)
    assert response.status_code == 429
    assert response.json()["limit"] == "ARGMAP_JOBS_PER_USER"
    assert not ArgumentMap.objects.exists()
    assert Job.objects.count() == 0


def test_a_private_imports_job_is_seen_only_by_its_owner(
    auth_client, other_user, api_client, django_capture_on_commit_callbacks
):
    response = imported(auth_client, django_capture_on_commit_callbacks, is_private=True)
    location = response["Location"]
    assert auth_client.get(location).status_code == 200
    api_client.force_authenticate(other_user)
    for url in (location, f"{location}result/"):
        refused = api_client.get(url)
        assert refused.status_code == 404
        assert refused.json()["detail"].startswith("No job")


def test_a_map_changed_before_its_rows_are_written_keeps_its_change_and_the_job_fails(
    auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        response = upload(auth_client, slug="big")
    job_id = response.json()["id"]
    assert auth_client.get("/api/maps/big/").json()["statement_count"] == 0
    changed = auth_client.patch("/api/maps/big/", {"title": "Mine now"}, format="json")
    assert changed.status_code == 200

    run_job(job_id)

    job = auth_client.get(f"/api/jobs/{job_id}/").json()
    assert job["state"] == "failed"
    assert "The map changed while the file waited to be imported" in job["error"]
    assert "import the file again" in job["error"]
    assert Job.objects.get(pk=job_id).upload is None
    assert Statement.objects.count() == 0
    assert ArgumentMap.objects.get(slug="big").title == "Mine now"


def test_a_fault_mid_write_leaves_no_rows_and_fails_the_job(
    auth_client, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = upload(auth_client, slug="big")
    job_id = response.json()["id"]
    real = graphs._write_links

    def fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the worker's database went away")

    monkeypatch.setattr(graphs, "_write_links", fail)
    with pytest.raises(RuntimeError):
        run_job(job_id)
    failed = Job.objects.get(pk=job_id)
    assert failed.state == JobState.FAILED
    assert "failed to import this file" in failed.error
    assert failed.upload is None  # failed for good: the file is not kept
    assert Statement.objects.count() == 0  # one transaction
    assert Link.objects.count() == 0
    assert ArgumentMap.objects.get(slug="big").version == failed.map_version


def test_a_worker_lost_mid_write_leaves_the_job_to_another_which_writes_every_row_once(
    auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = upload(auth_client, slug="big")
    job_id = response.json()["id"]
    # A worker took the job and died within its transaction (rolled back): the message
    # comes back, and another worker runs the job as a new attempt.
    taken = jobs.job_start(job_id=job_id)
    assert taken is not None
    assert taken.attempts == 1
    run_job(job_id)
    done = Job.objects.get(pk=job_id)
    assert (done.state, done.attempts) == (JobState.DONE, 2)
    assert Statement.objects.count() == 7
    assert Link.objects.count() == 6
