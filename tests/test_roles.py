"""The role rule (main conclusion, intermediate conclusion, premise, unlinked): the rule
itself, ``api.graph.model.role_of``, and every place that derives a role, checked
against it: the graph, the fast graph JSON, the model's ``role``, the ``role`` filter in
the database and the statement list."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings

from api import selectors, services
from api.graph.model import (
    ROLE_FLAGS,
    ArgumentGraph,
    Role,
    compute_roles,
    linked_roles,
    role_of,
)
from api.models import Statement as StatementRow
from tests.helpers import build_map, graphs


@pytest.mark.parametrize(
    ("is_target", "is_premise", "role"),
    [
        (True, False, Role.MAIN_CONCLUSION),
        (True, True, Role.INTERMEDIATE_CONCLUSION),
        (False, True, Role.PREMISE),
        (False, False, Role.UNLINKED),
    ],
)
def test_role_of_is_the_rule(is_target, is_premise, role):
    assert role_of(is_target=is_target, is_premise=is_premise) is role
    assert ROLE_FLAGS[role] == (is_target, is_premise)


def test_role_flags_cover_every_role_once():
    assert set(ROLE_FLAGS) == set(Role)
    assert len(set(ROLE_FLAGS.values())) == len(Role)


@settings(max_examples=80, deadline=None)
@given(graphs())
def test_compute_roles_applies_role_of_to_every_statement(graph: ArgumentGraph):
    targets = {link.conclusion for link in graph.links if link.conclusion is not None}
    premises = {p for link in graph.links for p in link.premises}
    expected = {
        s.id: role_of(is_target=s.id in targets, is_premise=s.id in premises)
        for s in graph.statements
    }
    assert compute_roles(graph.statements, graph.links) == expected
    assert graph.roles == expected
    linked = linked_roles(targets, premises)
    assert set(linked) == targets | premises
    assert all(linked.get(i, Role.UNLINKED) is role for i, role in expected.items())


@pytest.fixture
def every_role_map(db, user):
    """The cats map, with an intermediate conclusion and an unlinked statement added: all
    four roles, and an undercutter (whose target is a link, not a statement)."""
    map_ = build_map(owner=user)
    quiet = map_.statements.get(text="Cats are quiet.")
    why = services.statement_create(map_=map_, text="Cats sleep all day.")
    services.link_create(map_=map_, kind="support", premises=[why], conclusion=quiet)
    services.statement_create(map_=map_, text="Dogs exist.")
    map_.refresh_from_db()
    return map_


def test_every_reader_of_roles_agrees_with_the_rule(every_role_map, api_client):
    map_ = every_role_map
    graph = selectors.map_graph_get(map_)
    expected = {s.id: graph.role(s.id).value for s in graph.statements}
    assert set(expected.values()) == {role.value for role in Role}
    assert expected[map_.statements.get(text="Cats are quiet.").pk] == "intermediate_conclusion"

    fast = orjson.loads(selectors.map_graph_json(map_))
    assert {s["id"]: s["role"] for s in fast["statements"]} == expected

    rows = StatementRow.objects.filter(map=map_)
    assert {s.pk: s.role for s in rows} == expected  # one query per statement
    assert {s.pk: s.role for s in rows.with_role_flags()} == expected  # annotated
    for role in Role:
        chosen = set(rows.with_role(role.value).values_list("pk", flat=True))
        assert chosen == {pk for pk, r in expected.items() if r == role.value}

    listed = api_client.get(f"/api/statements/?map={map_.slug}&page_size=100").json()
    assert {s["id"]: s["role"] for s in listed["results"]} == expected
    for role in Role:
        page = api_client.get(f"/api/statements/?map={map_.slug}&role={role.value}").json()
        assert {s["id"] for s in page["results"]} == {
            pk for pk, r in expected.items() if r == role.value
        }
