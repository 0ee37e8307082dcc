"""A client generated from the schema by an established generator (openapi-python-client,
pinned in requirements-dev.txt, with clients/openapi-python-client.yaml) runs the README's
write flow against a live server: create a map, add statements and a link, read the graph,
get a diagram, and get the clear errors of a duplicate link and of a stale If-Match."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "clients" / "openapi-python-client.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The package the generator makes from the live server's schema, imported."""
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=60) as r:
        (tmp_path / "openapi.json").write_bytes(r.read())
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "argmap_client"),
            "--config",
            str(CONFIG),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("argmap_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [
            n for n in sys.modules if n == "argmap_client" or n.startswith("argmap_client.")
        ]:
            del sys.modules[name]


def test_a_generated_client_runs_the_write_flow(generated_client, live_server, user):
    from argmap_client.api.links import links_create
    from argmap_client.api.maps import (
        maps_create,
        maps_diagram_retrieve,
        maps_graph_retrieve,
        maps_partial_update,
    )
    from argmap_client.api.statements import statements_create
    from argmap_client.models import (
        ArgumentMapRequest,
        Error,
        NewLinkRequest,
        PatchedArgumentMapRequest,
        StatementRequest,
    )
    from argmap_client.models.link_kind_enum import LinkKindEnum
    from argmap_client.models.maps_diagram_retrieve_fmt import MapsDiagramRetrieveFmt

    token = Token.objects.create(user=user).key
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token", timeout=60
    )
    slug = f"client-{uuid.uuid4().hex[:8]}"

    made = maps_create.sync_detailed(
        client=client, body=ArgumentMapRequest(slug=slug, title="Made by a generated client")
    )
    assert made.status_code == 201
    assert made.parsed.slug == slug
    claim = statements_create.sync(
        client=client, body=StatementRequest(map_=slug, text="Cats are good pets.")
    )
    reason = statements_create.sync(
        client=client, body=StatementRequest(map_=slug, text="Cats are quiet.")
    )
    body = NewLinkRequest(
        map_=slug, kind=LinkKindEnum.SUPPORT, premises=[reason.id], conclusion=claim.id
    )
    link = links_create.sync_detailed(client=client, body=body)
    assert link.status_code == 201

    graph = maps_graph_retrieve.sync_detailed(slug, client=client)
    assert graph.status_code == 200
    assert sorted(s.text for s in graph.parsed.statements) == [
        "Cats are good pets.",
        "Cats are quiet.",
    ]
    [drawn] = graph.parsed.links
    assert (drawn.premises, drawn.conclusion) == ([reason.id], claim.id)
    etag = graph.headers["etag"]

    diagram = maps_diagram_retrieve.sync_detailed(slug, MapsDiagramRetrieveFmt.SVG, client=client)
    assert diagram.status_code == 200
    assert b"<svg" in diagram.parsed.payload.read()

    duplicate = links_create.sync_detailed(client=client, body=body)
    assert duplicate.status_code == 409
    assert isinstance(duplicate.parsed, Error)
    assert f"Link {link.parsed.id} already has" in duplicate.parsed.detail

    stale = maps_partial_update.sync_detailed(
        slug, client=client, body=PatchedArgumentMapRequest(title="Renamed"), if_match='"1"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Error)
    assert "stale" in stale.parsed.detail
    fresh = maps_partial_update.sync_detailed(
        slug,
        client=client,
        body=PatchedArgumentMapRequest(title="Renamed"),
        if_match=etag.removeprefix("W/"),
    )
    assert fresh.status_code == 200
    assert json.loads(fresh.content)["title"] == "Renamed"
