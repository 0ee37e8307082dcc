"""Schemathesis against a live server (over HTTP, as clients send requests), with every
check it has and the settings of ``schemathesis.toml`` (as ``st run`` reads them): every
documented operation with generated input (examples, coverage and fuzzing), and the
stateful phase that chains operations through the schema's OpenAPI links, each as four
callers: a staff user, the owner of a map, another user and no one. No 5xx; every answer
conforms to the schema; what the schema allows is accepted and what it forbids refused.

The seeds here are fixed (``derandomize``) so that the suite is repeatable; `make fuzz`
runs the same against a live server with a random seed, for release checks.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import schemathesis
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from rest_framework.authtoken.models import Token

import clients.schemathesis_hooks  # noqa: F401  (the If-Match formats' generators)
from api.models import ArgumentMap, Job
from argmap.wsgi import application
from scripts import fuzz_config
from tests.helpers import build_map

# Loaded at import: the schema view needs no database. (schemathesis' lazy
# ``from_fixture`` loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CALLERS = ("staff", "owner", "other", "anonymous")


@pytest.fixture
def maps(transactional_db, user):
    """The essay (staff's), and a public and a private map of the owner's (alice)."""
    call_command("load_essay", verbosity=0)
    build_map("cats", owner=user)
    build_map("secret", owner=user, is_private=True)


@pytest.fixture
def restore_maps(maps, tmp_path):
    """Puts the maps back as ``maps`` made them (ids included): each stateful scenario then
    starts from the same server state, as Hypothesis needs to replay one."""
    saved = tmp_path / "maps.json"
    call_command(
        "dumpdata",
        "api.ArgumentMap",
        "api.Statement",
        "api.Link",
        "api.LinkPremise",
        output=str(saved),
        verbosity=0,
    )

    def restore() -> None:
        ArgumentMap.objects.all().delete()  # their statements, links and former slugs too
        call_command("loaddata", str(saved), verbosity=0)

    return restore


@pytest.fixture
def headers(request, maps, staff, user, other_user) -> dict[str, str]:
    """The Authorization header of the caller the test is parametrized with."""
    account = {"staff": staff, "owner": user, "other": other_user, "anonymous": None}[request.param]
    # Uncompressed answers: the graph's gzip (tested in test_api_edges) reached the
    # stateful checks here still compressed, which `st run` against a server does not see.
    plain = {"Accept-Encoding": "identity"}
    if account is None:
        return plain
    return {**plain, "Authorization": f"Token {Token.objects.create(user=account).key}"}


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.ARGMAP_THROTTLE_RATES = dict.fromkeys(settings.ARGMAP_THROTTLE_RATES)


@pytest.mark.parametrize("headers", CALLERS, indirect=True)
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation(case, headers, live_server):
    # Every check schemathesis.toml enables.
    case.call_and_validate(base_url=live_server.url, headers=headers, timeout=60)


@pytest.mark.parametrize("headers", CALLERS, indirect=True)
def test_chained_operations(headers, live_server, restore_maps):
    # Creations chained to their uses by the schema's links (a map to its statements,
    # graph, diagrams; a statement list to a new link...), as each caller.
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def teardown(self):
            restore_maps()

        def get_call_kwargs(self, case):
            return {"base_url": live_server.url, "headers": headers, "timeout": 60}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # The caller's credentials go to the checks too, as call_and_validate passes
            # them: the authentication checks then know what to leave out.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=12,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )


def test_the_release_runs_config_draws_from_maps_of_the_callers_own(live_server, maps, other_user):
    # scripts/fuzz_config.py makes the maps through the API, one filled as the schema's
    # links fill one, and binds the run's slugs and ids to them.
    token = Token.objects.create(user=other_user).key
    graph, spare, doomed = fuzz_config.own_maps(live_server.url, token, "fuzz-other")
    # Its deck is a job where the server makes it one, and the job operations follow it.
    with override_settings(ARGMAP_JOB_MIN_STATEMENTS=2):
        job = fuzz_config.own_job(live_server.url, token, "fuzz-other")
    assert Job.objects.filter(pk=job, map__slug="fuzz-other").exists()
    with override_settings(ARGMAP_JOB_MIN_STATEMENTS=1000):
        assert fuzz_config.own_job(live_server.url, token, "fuzz-other") is None
    written = fuzz_config.config(graph, spare, doomed, job=job)

    made = ArgumentMap.objects.get(slug="fuzz-other")
    spare = ArgumentMap.objects.get(slug="fuzz-other-spare")
    assert doomed == ["fuzz-other-doomed-1", "fuzz-other-doomed-2"]
    owners = {m.owner for m in ArgumentMap.objects.filter(slug__startswith="fuzz-other")}
    assert (made.owner, spare.owner, owners) == (other_user, other_user, {other_user})
    statements = sorted(made.statements.values_list("id", flat=True))
    links = sorted(made.links.values_list("id", flat=True))
    assert (len(statements), len(links)) == (9, 5)
    loaded = schemathesis.config.SchemathesisConfig.from_str(written)
    assert {name: [e.value for e in d.entries] for name, d in loaded.dictionaries.items()} == {
        "own-map": ["fuzz-other"],
        "spare-map": ["fuzz-other-spare"],
        "doomed-maps": doomed,
        "own-statements": statements[:3],
        "own-statements-in-path": [str(pk) for pk in statements[:3]],
        "spare-statements-in-path": [str(pk) for pk in statements[3:]],
        "own-links-in-path": [str(links[0])],
        "spare-links-in-path": [str(pk) for pk in links[1:]],
        "own-jobs": [job],
    }
    # Deleting draws from the spare objects only; deleting a map, from the spare map.
    settings_ = tomllib.loads(written)
    scoped = {
        entry["include-operation-id"]: {
            key: binding["dictionary"] if isinstance(binding, dict) else binding
            for key, binding in entry["parameters"].items()
        }
        for entry in settings_["operations"]
    }
    assert scoped["statements_destroy"] == {"path.id": "spare-statements-in-path"}
    assert scoped["links_destroy"] == {"path.id": "spare-links-in-path"}
    assert scoped["maps_destroy"] == {"path.slug": "doomed-maps"}
    assert scoped["maps_update"] == {"path.slug": "spare-map"}
    assert scoped["statements_update"] == {"path.id": "own-statements-in-path"}
    assert scoped["jobs_retrieve"] == scoped["jobs_result_retrieve"] == {"path.job_id": "own-jobs"}
    # A partial update's premises: the reason and the objection, never one twice.
    assert scoped["links_partial_update"]["body.premises"] == statements[1:3]
    # A new link: the reason and the objection against the claim (one target, no repeats).
    assert scoped["links_create"] == {
        "body.premises": statements[1:3],
        "body.conclusion": statements[0],
    }
    # A replaced link: the reason alone for the claim. With the new link's premises, every
    # replacement after the first new link would be refused as its duplicate.
    assert scoped["links_update"] == {
        "path.id": "own-links-in-path",
        "body.premises": statements[1:2],
        "body.conclusion": statements[0],
    }
    # Link writes get more examples: a generated body seldom names one target.
    examples = {
        entry["include-operation-id"]: entry["generation"]["max-examples"]
        for entry in settings_["operations"]
        if "generation" in entry
    }
    assert settings_["generation"]["max-examples"] == 30
    assert examples == dict.fromkeys(fuzz_config.LINK_WRITES, 150)
    project = loaded.projects.default
    # Everything schemathesis.toml sets still holds, the hooks found from anywhere.
    assert "308" in project.checks.negative_data_rejection.expected_statuses
    assert Path(project.hooks).is_file()

    # As no one: the public maps for every slug, and a job of the first one to follow.
    # The biggest first (the essay's 41 statements, then the maps of 9, 7, 0...).
    public = fuzz_config.public_maps(live_server.url)
    assert "secret" not in public
    assert public[:2] == ["kozyrev-2019-russo-japanese-peace-treaty", "fuzz-other"]
    with override_settings(ARGMAP_JOB_MIN_STATEMENTS=2):
        public_job = fuzz_config.public_job(live_server.url, public)
    assert Job.objects.get(pk=public_job).map.slug == public[0]
    # A failed job is not followed: asked again, the deck is a new job.
    Job.objects.filter(pk=public_job).update(state="failed")
    with override_settings(ARGMAP_JOB_MIN_STATEMENTS=2):
        assert fuzz_config.public_job(live_server.url, public[:1]) != public_job
    anonymous = tomllib.loads(fuzz_config.anonymous_config(public, public_job))
    assert anonymous["dictionaries"]["own-map"]["values"] == public
    assert anonymous["dictionaries"]["own-jobs"]["values"] == [public_job]
    assert anonymous["parameters"]["path.slug"]["dictionary"] == "own-map"
    assert {e["include-operation-id"] for e in anonymous["operations"]} == {
        "jobs_retrieve",
        "jobs_result_retrieve",
    }


def test_the_release_runs_link_writes_name_one_target():
    # fuzz_config sets a new or replaced link's conclusion; scripts/fuzz_hooks.py then
    # clears a generated target_link, so that a body generated valid is sent valid.
    from scripts import fuzz_hooks

    two = {"map": "m", "kind": "oppose", "premises": [2], "conclusion": 1, "target_link": 7}
    for method, path, where in (
        ("POST", "/api/links/", {}),
        ("PUT", "/api/links/{id}/", {"id": "1"}),
    ):
        case = schema[path][method].Case(
            path_parameters=where, body=dict(two), media_type="application/json"
        )
        fuzz_hooks.before_call(None, case, {})
        assert case.body == {**two, "target_link": None}, method
    # One target: as generated; and a partial update, which may change either alone.
    one = {"map": "m", "kind": "oppose", "premises": [2], "conclusion": 1}
    create = schema["/api/links/"]["POST"].Case(body=dict(one))
    fuzz_hooks.before_call(None, create, {})
    assert create.body == one
    patch = schema["/api/links/{id}/"]["PATCH"].Case(path_parameters={"id": "1"}, body=dict(two))
    fuzz_hooks.before_call(None, patch, {})
    assert patch.body == two


def test_the_release_run_draws_the_callers_objects_in_every_phase_and_not_what_is_gone():
    # scripts/fuzz_hooks.py gives the coverage phase the caller's objects (schemathesis
    # draws from dictionaries only when fuzzing), and keeps deleted and renamed ones out.
    import random

    from scripts.fuzz_hooks import OwnObjects

    graph = {
        "map": {"slug": "mine"},
        "statements": [{"id": pk} for pk in range(11, 20)],
        "links": [{"id": pk} for pk in range(21, 26)],
    }
    own = OwnObjects(tomllib.loads(fuzz_config.config(graph, {"slug": "mine-spare"}, ["d1", "d2"])))
    rng = random.Random(1)

    def pick(operation, method, parameter, phase, generated, location="path"):
        return own.pick(operation, method, location, parameter, phase, generated, rng)

    # The coverage phase: the caller's objects, by operation, or the filled map for a slug.
    assert pick("statements_retrieve", "GET", "id", "coverage", "0") in {"11", "12", "13"}
    assert pick("maps_retrieve", "GET", "slug", "coverage", "a") == "mine"
    assert pick("maps_destroy", "DELETE", "slug", "coverage", "a") == "d1"
    # The fuzzing phase keeps what schemathesis drew, own or not; stateful is left alone.
    assert pick("statements_retrieve", "GET", "id", "fuzzing", "12") == "12"
    assert pick("statements_retrieve", "GET", "id", "fuzzing", "999") == "999"
    assert pick("statements_retrieve", "GET", "id", "stateful", "0") == "0"

    # Deletions: each phase has its share of the spares, and a deleted one is not drawn.
    spares = ["14", "15", "16", "17", "18", "19"]
    deleted = []
    for _ in range(3):
        chosen = pick("statements_destroy", "DELETE", "id", "coverage", "0")
        assert chosen in spares[0::2]
        assert chosen not in deleted
        own.answered("statements_destroy", "DELETE", {"id": chosen}, 204, None)
        deleted.append(chosen)
    # The coverage phase's share used up: it names one already gone, leaving the rest.
    assert pick("statements_destroy", "DELETE", "id", "coverage", "0") in deleted
    # Fuzzing: a drawn spare that is gone becomes one of its own share.
    assert pick("statements_destroy", "DELETE", "id", "fuzzing", deleted[0]) in spares[1::2]
    # A refused deletion deletes nothing.
    own.answered("statements_destroy", "DELETE", {"id": "15"}, 412, {"detail": "stale"})
    assert "15" in own.live["spare-statements-in-path"]

    # A renamed map is drawn by its new slug, in both phases; a refused rename changes nothing.
    own.answered("maps_update", "PUT", {"slug": "mine-spare"}, 400, {"slug": ["bad"]})
    assert pick("maps_partial_update", "PATCH", "slug", "coverage", "a") == "mine-spare"
    own.answered("maps_update", "PUT", {"slug": "mine-spare"}, 200, {"slug": "renamed"})
    assert pick("maps_partial_update", "PATCH", "slug", "coverage", "a") == "renamed"
    assert pick("maps_graph_update", "PUT", "slug", "fuzzing", "mine-spare") == "renamed"
    own.answered("maps_graph_update", "PUT", {"slug": "renamed"}, 200, {"map": {"slug": "again"}})
    assert pick("maps_update", "PUT", "slug", "coverage", "a") == "again"
    # A deletion or a rename never names another of the caller's objects, whatever
    # schemathesis drew (it also draws ids and slugs from the answers it has seen).
    assert pick("maps_destroy", "DELETE", "slug", "fuzzing", "mine") == "d2"
    assert pick("statements_destroy", "DELETE", "id", "fuzzing", "11") in spares[1::2]
    assert pick("maps_update", "PUT", "slug", "fuzzing", "mine") == "again"
    assert pick("maps_partial_update", "PATCH", "slug", "fuzzing", "d1") == "again"
    # A read or an update in place may name any of them.
    assert pick("statements_update", "PUT", "id", "fuzzing", "14") == "14"
    # With nothing of its own left, a deletion names one already gone.
    own.answered("maps_destroy", "DELETE", {"slug": "d1"}, 204, None)
    own.answered("maps_destroy", "DELETE", {"slug": "d2"}, 204, None)
    assert pick("maps_destroy", "DELETE", "slug", "fuzzing", "mine") == "d1"
    assert pick("maps_destroy", "DELETE", "slug", "coverage", "mine") == "d1"
    # Bodies and queries of the coverage phase: the caller's map, where the type fits.
    assert pick("statements_create", "POST", "map", "coverage", "x", "body") == "mine"
    assert pick("statements_list", "GET", "map", "coverage", "x", "query") == "mine"
    graph_body_map = {"slug": "x", "title": "y"}
    assert pick("maps_graph_update", "PUT", "map", "coverage", graph_body_map, "body") == (
        graph_body_map
    )
    assert pick("statements_create", "POST", "map", "fuzzing", "x", "body") == "x"
    # Other answers that name a map rename nothing: a job (its "map" is a slug), a read.
    own.answered("maps_diagram._retrieve", "GET", {"slug": "mine"}, 202, {"map": "mine"})
    own.answered("maps_retrieve", "GET", {"slug": "mine"}, 200, {"slug": "mine", "map": "x"})
    assert pick("maps_retrieve", "GET", "slug", "coverage", "a") == "mine"


def test_the_release_run_sends_current_preconditions_half_the_time(
    live_server, cats_map, user, monkeypatch
):
    # scripts/fuzz_hooks.py makes a positive case's If-Match current: "*" where the schema
    # allows it, else (a whole map replaced) the map's ETag, with its slug and version as
    # read in the body. Here every time (the share set to 1).
    from scripts import fuzz_hooks

    token = Token.objects.create(user=user).key
    monkeypatch.setenv("ARGMAP_FUZZ_URL", live_server.url)
    monkeypatch.setenv("ARGMAP_FUZZ_TOKEN", token)
    monkeypatch.setattr(fuzz_hooks, "CURRENT_VERSION", 1.0)
    stale = '"999"'
    body = {"map": {"slug": "x", "version": 999, "title": "T"}, "statements": [], "links": []}
    replace = schema["/api/maps/{slug}/graph/"]["PUT"].Case(
        path_parameters={"slug": "cats"}, headers={"If-Match": stale}, body=body
    )
    fuzz_hooks.current_preconditions(None, replace, {})
    assert replace.headers["If-Match"] == f'"{cats_map.version}"'
    assert replace.body["map"] == {"slug": "cats", "version": cats_map.version, "title": "T"}
    patch = schema["/api/statements/{id}/"]["PATCH"].Case(
        path_parameters={"id": "1"}, headers={"If-Match": stale}, body={"text": "t"}
    )
    fuzz_hooks.current_preconditions(None, patch, {})
    assert patch.headers["If-Match"] == "*"
    # Never: the other half, and outside a release run (no server named).
    monkeypatch.setattr(fuzz_hooks, "CURRENT_VERSION", 0.0)
    kept = schema["/api/statements/{id}/"]["PATCH"].Case(
        path_parameters={"id": "1"}, headers={"If-Match": stale}, body={"text": "t"}
    )
    fuzz_hooks.current_preconditions(None, kept, {})
    monkeypatch.setattr(fuzz_hooks, "CURRENT_VERSION", 1.0)
    monkeypatch.delenv("ARGMAP_FUZZ_URL")
    fuzz_hooks.current_preconditions(None, kept, {})
    assert kept.headers["If-Match"] == stale
