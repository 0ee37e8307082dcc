"""Interchange through the API and the commands: import, export, whole-map replace."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from api.graph.formats import read_map
from api.models import ArgumentMap, LinkPremise, Statement
from tests.helpers import AIF_SAMPLES, ARGDOWN_SAMPLES, DATA, snapshot

pytestmark = pytest.mark.django_db

SAMPLE_FILES = [*AIF_SAMPLES, *ARGDOWN_SAMPLES]


def upload(client, name: str, content: bytes, **fields):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/maps/import/", {"file": file, **fields}, format="multipart")


def shape(graph_json: dict):
    """A map's content without ids: statements by text, links by texts."""
    text = {s["id"]: s["text"] for s in graph_json["statements"]}
    link_key = {}
    for link in graph_json["links"]:
        link_key[link["id"]] = (link["kind"], tuple(text[p] for p in link["premises"]))
    links = set()
    for link in graph_json["links"]:
        target = text[link["conclusion"]] if link["conclusion"] else link_key[link["target_link"]]
        links.add((*link_key[link["id"]], target))
    statements = sorted((s["text"], s["attributed_to"]) for s in graph_json["statements"])
    return statements, links


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_import_every_sample(auth_client, user, path):
    expected = read_map(path.read_bytes(), filename=path.name)
    response = upload(auth_client, path.name, path.read_bytes())
    assert response.status_code == 201, response.json()
    body = response.json()
    map_ = ArgumentMap.objects.get(slug=body["map"]["slug"])
    assert map_.owner == user
    assert body["imported"] == {
        "statements": len(expected.graph.statements),
        "links": len(expected.graph.links),
    }
    assert body["left_out"] == expected.left_out
    assert map_.statements.count() == len(expected.graph.statements)
    assert map_.links.count() == len(expected.graph.links)
    assert LinkPremise.objects.filter(link__map=map_).count() == sum(
        len(link.premises) for link in expected.graph.links
    )


@pytest.mark.parametrize("fmt", ["json", "aif", "argdown"])
def test_export_then_import_keeps_every_statement_and_link(api_client, auth_client, cats_map, fmt):
    original = api_client.get("/api/maps/cats/graph/").json()
    response = api_client.get(f"/api/maps/cats/export.{fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="cats.')
    imported = upload(
        auth_client,
        f"copy.{'argdown' if fmt == 'argdown' else 'json'}",
        response.content,
        slug="copy",
    )
    assert imported.status_code == 201, imported.json()
    copy = api_client.get("/api/maps/copy/graph/").json()
    assert shape(copy) == shape(original)


def test_json_export_is_the_graph(api_client, cats_map):
    exported = json.loads(api_client.get("/api/maps/cats/export.json").content)
    assert exported == api_client.get("/api/maps/cats/graph/").json()


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.json", b'{"nodes": [{"nodeID": 1}], "edges": []}', {"pointer": "/nodes/0/type"}),
        ("bad.json", b'{"nodes": [', {"line": 1, "column": 12}),
        ("bad.argdown", b"[A]: x\n  + <B>: y\n   -- \n", {"line": 3}),
        ("bad.json", b'{"statements": [{"id": 1}]}', {"pointer": "/statements/0/text"}),
        (
            "bad.json",
            b'{"statements": [{"id": 1, "text": "a"}], "links": [{"id": 1, "kind": "support",'
            b' "premises": [1], "conclusion": 1}]}',
            {"pointer": "/links/0/premises"},
        ),
        ("bad.json", b"\xff\xfe", {"line": 1}),
    ],
)
def test_bad_files_are_400_pointing_at_the_fault(auth_client, cats_map, name, content, where):
    before = snapshot()
    response = upload(auth_client, name, content)
    assert response.status_code == 400, response.content
    body = response.json()
    for key, value in where.items():
        assert body[key] == value, body
        assert str(value) in body["detail"]
    assert snapshot() == before


def test_import_needs_a_file_and_a_signed_in_user(api_client, auth_client, db):
    assert upload(api_client, "x.json", b"{}").status_code == 401
    response = auth_client.post("/api/maps/import/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_import_too_large_is_413(auth_client, settings, db):
    settings.ARGMAP_MAX_REQUEST_BYTES = 200
    response = upload(auth_client, "big.argdown", b"[A]: " + b"x" * 500)
    assert response.status_code == 413
    assert not ArgumentMap.objects.exists()


def test_import_slug_taken_is_400(auth_client, cats_map):
    response = upload(auth_client, "x.argdown", b"[A]: a statement\n", slug="cats")
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]


# --- PUT /graph/ ------------------------------------------------------------------------


def test_put_graph_needs_if_match(auth_client, cats_map):
    body = auth_client.get("/api/maps/cats/graph/").json()
    before = snapshot()
    assert auth_client.put("/api/maps/cats/graph/", body, format="json").status_code == 428
    stale = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert snapshot() == before


def test_put_graph_replaces_keeping_known_ids(auth_client, cats_map):
    response = auth_client.get("/api/maps/cats/graph/")
    body, etag = response.json(), response["ETag"]
    claim = next(s for s in body["statements"] if s["role"] == "main_conclusion")
    dropped = next(s for s in body["statements"] if s["text"] == "Extra reason 1.")
    body["statements"] = [s for s in body["statements"] if s["id"] != dropped["id"]]
    body["links"] = [link for link in body["links"] if dropped["id"] not in link["premises"]]
    claim["text"] = "Cats are excellent pets."
    body["statements"].append({"id": -1, "text": "Cats purr."})
    body["links"].append({"id": -7, "kind": "support", "premises": [-1], "conclusion": claim["id"]})
    body["map"]["title"] = "Cats, revised"
    response = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    result = response.json()
    assert response["ETag"] == f'"{result["map"]["version"]}"'
    assert result["map"]["title"] == "Cats, revised"
    texts = {s["id"]: s["text"] for s in result["statements"]}
    assert texts[claim["id"]] == "Cats are excellent pets."
    assert dropped["id"] not in texts
    purr = next(i for i, t in texts.items() if t == "Cats purr.")
    assert purr > 0
    assert any(
        link["premises"] == [purr] and link["conclusion"] == claim["id"] for link in result["links"]
    )
    kept_links = {link["id"] for link in body["links"] if link["id"] > 0}
    assert kept_links <= {link["id"] for link in result["links"]}
    statement = Statement.objects.get(pk=claim["id"])
    assert statement.history.first().text == "Cats are excellent pets."


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda b: b["statements"][0].update(text=""), "/statements/0/text"),
        (lambda b: b["links"][0].update(premises=[999_999]), "/links/0/premises/0"),
        (lambda b: b["links"][0].update(kind="maybe"), "/links/0/kind"),
        (
            lambda b: b["statements"][1].update(quote="words not in the source"),
            "/statements/1/quote",
        ),
        (lambda b: b["links"].__setitem__(0, "oops"), "/links/0"),
        (lambda b: b.pop("statements"), "/statements"),
    ],
)
def test_put_graph_rejects_bad_graph_and_changes_nothing(auth_client, cats_map, change, pointer):
    response = auth_client.get("/api/maps/cats/graph/")
    body, etag = response.json(), response["ETag"]
    change(body)
    before = snapshot()
    response = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400, response.content
    assert pointer in response.json()["errors"], response.json()
    assert snapshot() == before


def test_put_graph_by_another_user_is_403(api_client, other_user, cats_map):
    api_client.force_authenticate(other_user)
    response = api_client.get("/api/maps/cats/graph/")
    put = api_client.put(
        "/api/maps/cats/graph/", response.json(), format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert put.status_code == 403


# --- commands -----------------------------------------------------------------------------


def test_import_map_command_reads_a_directory(capsys):
    out = io.StringIO()
    call_command("import_map", str(DATA / "aif"), str(DATA / "argdown"), stdout=out)
    files = list(SAMPLE_FILES)
    assert ArgumentMap.objects.count() == len(files)
    expected = [read_map(p.read_bytes(), filename=p.name) for p in files]
    statements = sum(len(r.graph.statements) for r in expected)
    links = sum(len(r.graph.links) for r in expected)
    text = out.getvalue()
    assert (
        f"Imported {len(files)} of {len(files)} files: {statements} statements, "
        f"{links} links." in text
    )
    assert "Left out" in text
    assert Statement.objects.count() == statements


def test_import_map_command_reports_bad_files(tmp_path, db):
    good = tmp_path / "good.argdown"
    good.write_text("[A]: Cats are good.\n  + [B]: Cats are quiet.\n")
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [{"nodeID": 1}], "edges": []}')
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 files"):
        call_command("import_map", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "/nodes/0/type" in err.getvalue()
    assert ArgumentMap.objects.count() == 1


def test_export_map_command(tmp_path, cats_map):
    out = tmp_path / "cats.argdown"
    call_command("export_map", "cats", "--format", "argdown", "-o", str(out), stderr=io.StringIO())
    assert "Cats are good pets." in out.read_text()
    with pytest.raises(CommandError, match="No map"):
        call_command("export_map", "nope")
