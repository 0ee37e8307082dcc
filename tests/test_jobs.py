"""Jobs: a big map's handout or deck is drawn off the request (docs/jobs.md).

The tests run the task queue as ``make run`` does (no broker: a task runs where it is
sent), with the threshold lowered so that a small map's deck is "big". The real broker and
a live worker are exercised by scripts/smoke_gunicorn.sh in CI.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from api import services
from api.models import Job, JobState
from api.tasks import run_job
from tests.helpers import build_map, snapshot

DECK = "/api/maps/cats/diagram.pdf?page=slides"
HANDOUT = "/api/maps/cats/diagram.pdf?page=a4"


@pytest.fixture(autouse=True)
def _small_maps_are_big(settings):
    settings.ARGMAP_JOB_MIN_STATEMENTS = 5


def ask(client: APIClient, url: str, capture) -> tuple:
    """The answer to ``url``, the job's task run as the transaction commits."""
    with capture(execute=True):
        response = client.get(url)
    return response


def test_a_big_maps_deck_is_a_job_that_ends_with_the_pdf(
    api_client, cats_map, django_capture_on_commit_callbacks
):
    response = ask(api_client, DECK, django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == f"/api/jobs/{job['id']}/"
    assert (job["map"], job["map_version"]) == ("cats", cats_map.version)
    assert job["state"] == "queued"
    assert job["result"] is None

    followed = api_client.get(response["Location"]).json()
    assert followed["state"] == "done", followed
    assert followed["error"] == ""
    assert followed["attempts"] == 1
    # Progress counted in pages: all of them laid out.
    assert followed["progress"]["total"] >= 1
    assert followed["progress"]["done"] == followed["progress"]["total"]
    result = api_client.get(followed["result"])
    assert result.status_code == 200
    assert result["Content-Type"] == "application/pdf"
    assert result.content.startswith(b"%PDF")
    assert result["Content-Disposition"] == 'attachment; filename="cats-slides.pdf"'

    # The same request again: the same job's result, drawn once.
    again = api_client.get(DECK)
    assert again.status_code == 200
    assert again.content == result.content
    assert Job.objects.count() == 1


def test_a_small_maps_deck_and_any_single_image_stay_in_the_request(api_client, cats_map, settings):
    settings.ARGMAP_JOB_MIN_STATEMENTS = 8  # cats has 7 statements
    deck = api_client.get(DECK)
    assert deck.status_code == 200
    assert deck.content.startswith(b"%PDF")
    settings.ARGMAP_JOB_MIN_STATEMENTS = 5
    image = api_client.get("/api/maps/cats/diagram.svg")
    assert image.status_code == 200
    assert Job.objects.count() == 0


def test_a_private_maps_job_is_seen_only_by_those_who_see_the_map(
    user, other_user, staff, make_map, django_capture_on_commit_callbacks
):
    make_map("cats", is_private=True)
    owner = APIClient()
    owner.force_authenticate(user)
    accepted = ask(owner, DECK, django_capture_on_commit_callbacks)
    assert accepted.status_code == 202
    where = accepted["Location"]
    job = Job.objects.get()

    for who in (other_user, None):
        client = APIClient()
        if who is not None:
            client.force_authenticate(who)
        for url in (where, f"{where}result/"):
            answer = client.get(url)
            assert answer.status_code == 404, (who, url)
            assert answer.json()["detail"] == f"No job {job.pk}."
    admin = APIClient()
    admin.force_authenticate(staff)
    assert admin.get(where).json()["state"] == "done"
    assert owner.get(f"{where}result/").content.startswith(b"%PDF")


def test_a_job_id_that_names_no_job_is_a_404_and_unknown_parameters_a_400(api_client, db):
    assert api_client.get(f"/api/jobs/{uuid.uuid4()}/").status_code == 404
    assert api_client.get("/api/jobs/not-a-job/").status_code == 404
    job = Job.objects.create(map=build_map(), map_version=1, fmt="pdf", key="k", requester="x")
    answer = api_client.get(f"/api/jobs/{job.pk}/?colour=red")
    assert answer.status_code == 400
    assert "colour" in answer.json()["errors"]


def test_unfinished_jobs_are_bounded_per_user_and_in_all(auth_client, cats_map, settings, user):
    # The jobs are not run here (no commit callbacks): they stay queued.
    settings.ARGMAP_JOBS_PER_USER = 1
    assert auth_client.get(DECK).status_code == 202
    before = snapshot(), Job.objects.count()

    full = auth_client.get(HANDOUT)

    assert full.status_code == 429
    assert full.json()["limit"] == "ARGMAP_JOBS_PER_USER"
    assert "1 jobs running already" in full.json()["detail"]
    assert int(full["Retry-After"]) >= 1
    assert (snapshot(), Job.objects.count()) == before
    # The same request again is the job already there, not another.
    assert auth_client.get(DECK).status_code == 202

    settings.ARGMAP_JOBS_PER_USER = 5
    settings.ARGMAP_JOBS_TOTAL = 1
    others = APIClient()  # someone else, signed out
    refused = others.get(HANDOUT)
    assert refused.status_code == 429
    assert refused.json()["limit"] == "ARGMAP_JOBS_TOTAL"
    assert Job.objects.count() == 1


def test_a_job_that_cannot_be_drawn_fails_saying_why(
    api_client, cats_map, settings, django_capture_on_commit_callbacks
):
    settings.ARGMAP_JOB_RENDER_RUNS = 1  # a job's budget: one Graphviz run
    accepted = ask(api_client, DECK, django_capture_on_commit_callbacks)
    job = api_client.get(accepted["Location"]).json()

    assert job["state"] == "failed"
    assert "needs more than one diagram may spend on layout" in job["error"]
    assert "1 Graphviz runs: ARGMAP_JOB_RENDER_SECONDS, ARGMAP_JOB_RENDER_RUNS" in job["error"]
    assert job["result"] is None
    result = api_client.get(f"{accepted['Location']}result/")
    assert result.status_code == 409
    assert "failed" in result.json()["detail"]
    # Asked again: the refusal, kept for the map's version like a diagram, and no new job.
    again = api_client.get(DECK)
    assert again.status_code == 422
    assert again.json()["detail"] == job["error"]
    assert Job.objects.count() == 1


def test_a_job_not_done_has_no_result_yet(api_client, cats_map):
    accepted = api_client.get(DECK)  # queued, not run
    result = api_client.get(f"{accepted['Location']}result/")
    assert result.status_code == 409
    assert "is queued" in result.json()["detail"]


def test_a_job_whose_worker_was_lost_runs_again_then_gives_up(cats_map, settings):
    settings.ARGMAP_JOB_ATTEMPTS = 2
    job, created = services.job_for(
        map_=cats_map, fmt="pdf", params={"page": "slides"}, key="k", requester="user:1"
    )
    assert created
    # A worker took it, then died: the job stays "running" and its message is delivered
    # again (acks_late), to another worker, which runs it as a second attempt.
    services.job_start(job_id=job.pk)
    run_job(str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 2)

    lost, _ = services.job_for(
        map_=cats_map, fmt="pdf", params={"page": "a4"}, key="k2", requester="user:1"
    )
    services.job_start(job_id=lost.pk)
    services.job_start(job_id=lost.pk)  # lost twice
    run_job(str(lost.pk))
    lost.refresh_from_db()
    assert lost.state == JobState.FAILED
    assert lost.error == "Given up after 2 tries (ARGMAP_JOB_ATTEMPTS)."


def test_a_job_for_a_version_the_map_left_fails_asking_again(cats_map, api_client):
    accepted = api_client.get(DECK)  # queued, not run
    services.map_update(map_=cats_map, title="Renamed")

    run_job(accepted.json()["id"])

    job = api_client.get(accepted["Location"]).json()
    assert job["state"] == "failed"
    assert "ask for it again" in job["error"]


def test_without_a_broker_a_new_job_is_done_by_the_time_it_answers(transactional_db, api_client):
    # As under `make run`: the job runs as the request's transaction commits.
    build_map("cats")

    accepted = api_client.get(DECK)

    assert accepted.status_code == 202
    job = accepted.json()
    assert job["state"] == "done"
    assert job["result"].endswith(f"/api/jobs/{job['id']}/result/")
    # Asked again, the drawing itself.
    again = api_client.get(DECK)
    assert again.status_code == 200
    assert again.content == api_client.get(job["result"]).content


def test_the_schema_links_a_job_from_its_202_to_its_result(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    diagram = schema["paths"]["/api/maps/{slug}/diagram.{fmt}"]["get"]["responses"]["202"]
    assert diagram["content"]["application/json"]["schema"]["$ref"].endswith("/Job")
    assert "Location" in diagram["headers"]
    assert diagram["links"]["jobs_retrieve"]["parameters"] == {"job_id": "$response.body#/id"}
    followed = schema["paths"]["/api/jobs/{job_id}/"]["get"]["responses"]["200"]
    assert followed["links"]["jobs_result_retrieve"]["parameters"] == {
        "job_id": "$response.body#/id"
    }
    result = schema["paths"]["/api/jobs/{job_id}/result/"]["get"]
    assert [p["name"] for p in result["parameters"] if p["in"] == "path"] == ["job_id"]
    assert "application/json" in result["responses"]["409"]["content"]


def test_only_a_handout_or_deck_counts_the_maps_statements(api_client, cats_map):
    # Whether a request is a job is asked of pages only: a single image costs no count.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url, counted in (("/api/maps/cats/diagram.dot", False), (DECK, True)):
        with CaptureQueriesContext(connection) as queries:
            api_client.get(url)
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert bool(counts) == counted, (url, counts)


def test_one_job_draws_a_diagram_however_many_ask_at_once(cats_map, monkeypatch):
    from django.db import IntegrityError, transaction

    from api.services import jobs

    def ask(requester: str):
        return services.job_for(
            map_=cats_map, fmt="pdf", params={"page": "slides"}, key="k", requester=requester
        )

    first, created = ask("user:1")
    assert created
    # A second request that looked before the first one's job was there: its own job would
    # break the constraint, so it is given the first one's.
    real = jobs._same_job
    looks: list[str] = []

    def not_seen_yet(map_, key):
        looks.append(key)
        return None if len(looks) == 1 else real(map_, key)

    monkeypatch.setattr(jobs, "_same_job", not_seen_yet)
    second, created = ask("user:2")
    assert (second.pk, created) == (first.pk, False)
    assert Job.objects.count() == 1
    # The database holds the rule itself; a failed job may be followed by a new one.
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(map=cats_map, map_version=cats_map.version, fmt="pdf", key="k")
    Job.objects.filter(pk=first.pk).update(state=JobState.FAILED)
    monkeypatch.setattr(jobs, "_same_job", real)
    again, created = ask("user:1")
    assert created
    assert again.pk != first.pk


def test_a_jobs_progress_never_goes_back(cats_map):
    # Pages numbered anew are drawn again (api.graph.paging): told again, they do not
    # take the bar back.
    from api.services import jobs

    job, _ = services.job_for(
        map_=cats_map, fmt="pdf", params={"page": "slides"}, key="k", requester="user:1"
    )
    jobs.job_start(job_id=job.pk)
    jobs.job_progress(job=job, done=176, total=212)
    jobs.job_progress(job=job, done=32, total=212)
    job.refresh_from_db()
    assert (job.pages_done, job.pages_total) == (176, 212)
    jobs.job_progress(job=job, done=212, total=212)
    job.refresh_from_db()
    assert job.pages_done == 212
