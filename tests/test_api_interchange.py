"""Interchange through the API and the commands: import, export, whole-map replace."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from api import services
from api.graph.formats import read_map
from api.models import ArgumentMap, LinkPremise, Statement
from api.selectors import map_graph_get
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
def test_bad_files_are_422_pointing_at_the_fault(auth_client, cats_map, name, content, where):
    # The upload is well formed; what the file holds is beyond the schema: 422.
    before = snapshot()
    response = upload(auth_client, name, content)
    assert response.status_code == 422, response.content
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


def test_import_slug_taken_is_a_409_conflict(auth_client, cats_map):
    response = upload(auth_client, "x.argdown", b"[A]: a statement\n", slug="cats")
    assert response.status_code == 409
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
    body["statements"].append(
        {
            "id": -1,
            "text": "Cats purr.",
            "quote": "",
            "quote_start": None,
            "quote_end": None,
            "attributed_to": "",
            "base_score": 0.5,
        }
    )
    body["links"].append(
        {
            "id": -7,
            "kind": "support",
            "premises": [-1],
            "conclusion": claim["id"],
            "target_link": None,
            "scheme": "",
            "note": "",
        }
    )
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
    ("change", "pointer", "status"),
    [
        # 400: the shape the schema states; 422: a well formed map that breaks a rule.
        (lambda b: b["statements"][0].update(text=""), "/statements/0/text", 400),
        (lambda b: b["links"][0].update(premises=[999_999]), "/links/0/premises/0", 422),
        (lambda b: b["links"][0].update(kind="maybe"), "/links/0/kind", 400),
        (
            lambda b: b["statements"][1].update(quote="words not in the source"),
            "/statements/1/quote",
            422,
        ),
        (lambda b: b["links"].__setitem__(0, "oops"), "/links/0", 400),
        (lambda b: b.pop("statements"), "/statements", 400),
    ],
)
def test_put_graph_rejects_bad_graph_and_changes_nothing(
    auth_client, cats_map, change, pointer, status
):
    response = auth_client.get("/api/maps/cats/graph/")
    body, etag = response.json(), response["ETag"]
    change(body)
    before = snapshot()
    response = auth_client.put("/api/maps/cats/graph/", body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == status, response.content
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
    call_command("import_map", str(DATA / "aif"), str(DATA / "argdown" / "examples"), stdout=out)
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


# --- Kialo, microtexts, SADFace; detection; the import service ------------------------


@pytest.mark.parametrize(
    ("path", "statements", "links", "left_out"),
    [
        ("kialo/school-start.txt", 8, 9, {}),
        ("microtexts/micro_b001.xml", 5, 3, {}),
        ("microtexts/own_school_start.xml", 7, 5, {}),
        ("sadface/bridge.json", 9, 6, {"scheme": 1, "source that does not match its resource": 1}),
    ],
)
def test_import_new_formats_through_the_api(auth_client, user, path, statements, links, left_out):
    content = (DATA / path).read_bytes()
    response = upload(auth_client, "upload", content)  # no telling suffix: the content decides
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["imported"] == {"statements": statements, "links": links}
    assert body["left_out"] == left_out
    map_ = ArgumentMap.objects.get(slug=body["map"]["slug"])
    assert map_.statements.count() == statements
    assert map_.links.count() == links
    for quote, start, end in map_.statements.exclude(quote_start=None).values_list(
        "quote", "quote_start", "quote_end"
    ):
        assert map_.source_text[start:end] == quote


def test_microtext_import_keeps_id_topic_and_stance(auth_client):
    body = upload(auth_client, "micro_b001.xml", (DATA / "microtexts/micro_b001.xml").read_bytes())
    map_ = ArgumentMap.objects.get(slug=body.json()["map"]["slug"])
    assert map_.slug == "micro_b001"
    assert map_.source_title == "micro_b001"
    assert "waste_separation" in map_.summary
    assert "Stance: pro" in map_.summary


def test_kialo_thesis_is_the_one_main_conclusion(api_client, auth_client):
    body = upload(auth_client, "k.txt", (DATA / "kialo/phones.txt").read_bytes()).json()
    slug = body["map"]["slug"]
    assert body["map"]["title"] == "Should phones be banned in class?"
    mains = api_client.get(f"/api/statements/?map={slug}&role=main_conclusion").json()
    assert [s["text"] for s in mains["results"]] == ["Phones should be banned in class."]


def test_format_field_forces_a_format(auth_client, db):
    kialo = (DATA / "kialo/phones.txt").read_bytes()
    before = snapshot()
    response = upload(auth_client, "phones.txt", kialo, format="argdown")
    assert response.status_code == 422
    assert "Argdown" in response.json()["detail"]
    assert snapshot() == before
    assert upload(auth_client, "phones.txt", kialo, format="kialo").status_code == 201
    response = upload(auth_client, "phones.txt", kialo, format="yaml")
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


@pytest.mark.parametrize(
    "content",
    [b"myhost\n", b'{"name": "not a map"}', b"<html><body>hi</body></html>", b"\x00\xff"],
)
def test_a_file_that_is_no_map_is_refused_and_writes_nothing(auth_client, cats_map, content):
    before = snapshot()
    response = upload(auth_client, "upload.txt", content)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    for name in ("AIF JSON", "Argdown", "Kialo text export", "SADFace JSON", "microtexts"):
        assert name in detail
    assert snapshot() == before


@pytest.mark.parametrize("fmt", ["kialo", "sadface"])
def test_new_exports_are_served_and_read_back(api_client, auth_client, cats_map, fmt):
    original = api_client.get("/api/maps/cats/graph/").json()
    response = api_client.get(f"/api/maps/cats/export.{fmt}")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="cats.{fmt}.{"txt" if fmt == "kialo" else "json"}"'
    )
    again = api_client.get(f"/api/maps/cats/export.{fmt}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    imported = upload(auth_client, "copy", response.content, slug="copy")
    assert imported.status_code == 201, imported.json()
    copy = api_client.get("/api/maps/copy/graph/").json()
    if fmt == "sadface":  # everything comes back
        assert shape(copy) == shape(original)
        for key in ("title", "summary", "source_text", "source_title", "source_author"):
            assert copy["map"][key] == original["map"][key]
        quotes = {(s["text"], s["quote"], s["quote_start"]) for s in original["statements"]}
        assert {(s["text"], s["quote"], s["quote_start"]) for s in copy["statements"]} == quotes
    else:  # the tree's statements and their stances; quotes are dropped, as the note says
        assert {s["text"] for s in copy["statements"]} <= {
            s["text"] for s in original["statements"]
        }
        assert "Kialo cannot hold" in response.content.decode()


def test_export_formats_are_in_the_schema(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    path = next(p for p in schema["paths"] if p.endswith("/export.{fmt}"))
    fmt = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "fmt")
    assert set(fmt["schema"]["enum"]) == {"aif", "argdown", "json", "kialo", "sadface"}
    body = schema["components"]["schemas"]
    request = next(v for k, v in body.items() if k.startswith("ImportRequest"))
    ref = request["properties"]["format"]["allOf"][0]["$ref"]
    assert set(body[ref.rsplit("/", 1)[1]]["enum"]) == {
        "aif",
        "argdown",
        "json",
        "kialo",
        "microtexts",
        "sadface",
    }


def test_import_service_is_the_one_flow(user, db):
    report = services.import_file(
        name="micro_b002.xml",
        data=(DATA / "microtexts/micro_b002.xml").read_bytes(),
        owner=user,
        source_text=(DATA / "microtexts/micro_b002.txt").read_text("utf-8"),
    )
    assert report.map.owner == user
    assert report.map.source_text == (DATA / "microtexts/micro_b002.txt").read_text("utf-8")
    assert (report.statements, report.links) == (5, 4)
    again = services.import_file(
        name="micro_b002.xml", data=(DATA / "microtexts/micro_b002.xml").read_bytes()
    )
    assert again.map.slug == "micro_b002-2"


def test_import_map_reads_a_corpus_folder_with_its_text_files(tmp_path, db):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_map", str(DATA / "microtexts"), stdout=out, stderr=err)
    xml = sorted((DATA / "microtexts").glob("*.xml"))
    assert ArgumentMap.objects.count() == len(xml)  # the .txt files are the texts, not maps
    for path in xml:
        map_ = ArgumentMap.objects.get(slug=path.stem)
        text = path.with_suffix(".txt")
        if text.exists():
            assert map_.source_text == text.read_text("utf-8")
        for quote, start, end in map_.statements.values_list("quote", "quote_start", "quote_end"):
            assert map_.source_text[start:end] == quote
    assert err.getvalue() == ""  # no progress bar when standard error is not a terminal


def test_import_map_refuses_a_file_with_no_argument_and_goes_on(tmp_path, db):
    (tmp_path / "a-hostname.txt").write_text("myhost\n")
    (tmp_path / "b-broken.xml").write_text("<arggraph id='x'><edu id='e1'>A.</edu>")
    (tmp_path / "c-good.txt").write_bytes((DATA / "kialo/phones.txt").read_bytes())
    (tmp_path / "d-surrogate.json").write_text(
        '{"statements": [{"id": 1, "text": "bad \\ud800 text"}], "links": []}'
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"\d of 4 files could not be imported"):
        call_command("import_map", str(tmp_path), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "a-hostname.txt" in text
    assert "tried" in text
    assert "b-broken.xml" in text
    assert ArgumentMap.objects.filter(title="Should phones be banned in class?").exists()


def test_import_map_format_option_and_a_single_junk_file(tmp_path, db):
    junk = tmp_path / "hostname"
    junk.write_text("myhost\n")
    with pytest.raises(CommandError, match="1 of 1 files"):
        call_command("import_map", str(junk), stdout=io.StringIO(), stderr=io.StringIO())
    assert not ArgumentMap.objects.exists()
    kialo = tmp_path / "phones.data"
    kialo.write_bytes((DATA / "kialo/phones.txt").read_bytes())
    with pytest.raises(CommandError):
        call_command(
            "import_map",
            str(kialo),
            "--format",
            "argdown",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    call_command("import_map", str(kialo), "--format", "kialo", stdout=io.StringIO())
    assert ArgumentMap.objects.count() == 1


@pytest.mark.parametrize("fmt", ["kialo", "sadface"])
def test_export_map_command_new_formats(cats_map, fmt):
    out = io.StringIO()
    call_command("export_map", "cats", "--format", fmt, stdout=out)
    result = read_map(out.getvalue().encode())
    assert {s.text for s in result.graph.statements} <= set(
        cats_map.statements.values_list("text", flat=True)
    )


def map_content(slug: str) -> tuple[list, list]:
    """A map's statements and links by content, ids left out (a link's target link by the
    link's own content, found by walking the chain of targets)."""
    graph = map_graph_get(ArgumentMap.objects.get(slug=slug))
    text = {
        s.id: (s.text, s.quote, s.quote_start, s.attributed_to, s.base_score)
        for s in graph.statements
    }

    def key(link):
        chain = []
        while link is not None:
            chain.append((link.kind, tuple(text[p] for p in link.premises), link.scheme, link.note))
            if link.target_link is None:
                chain.append(text[link.conclusion])
            link = graph.link(link.target_link) if link.target_link else None
        return repr(chain)

    return sorted(text.values()), sorted(key(link) for link in graph.links)


def test_sadface_round_trip_of_the_essay_is_unchanged(api_client, auth_client):
    call_command("load_essay", stdout=io.StringIO())
    slug = ArgumentMap.objects.get().slug
    exported = api_client.get(f"/api/maps/{slug}/export.sadface")
    assert exported.status_code == 200
    response = upload(auth_client, "essay.json", exported.content)
    assert response.status_code == 201, response.json()
    copy = response.json()["map"]["slug"]
    assert copy == f"{slug}-2"  # the slug travels in the document id, and was taken
    assert response.json()["left_out"] == {}
    assert map_content(copy) == map_content(slug)
    original, again = ArgumentMap.objects.get(slug=slug), ArgumentMap.objects.get(slug=copy)
    for field in ("title", "summary", "source_title", "source_author", "source_date"):
        assert getattr(again, field) == getattr(original, field)
    assert again.source_text == original.source_text


def test_a_microtext_uploaded_with_its_text_quotes_the_text(auth_client):
    xml = (DATA / "microtexts/own_school_start.xml").read_bytes()
    text = (DATA / "microtexts/own_school_start.txt").read_bytes()
    response = auth_client.post(
        "/api/maps/import/",
        {"file": io.BytesIO(xml), "text": io.BytesIO(text)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    map_ = ArgumentMap.objects.get(slug=response.json()["map"]["slug"])
    assert map_.source_text == text.decode()
    bad = auth_client.post(
        "/api/maps/import/",
        {"file": io.BytesIO(xml), "text": io.BytesIO(b"\xff\xfe bad")},
        format="multipart",
    )
    assert bad.status_code == 422
    assert "text" in bad.json()["errors"]
    assert ArgumentMap.objects.count() == 1


class Terminal(io.StringIO):
    """What a terminal's stderr would hold."""

    def isatty(self) -> bool:
        return True


def big_map_file(tmp_path, statements: int):
    """A whole-map JSON file of generated statements (no quotes: no source text)."""
    from api.graph.graphjson import to_dict
    from bench.generate import generate_graph

    graph = to_dict(generate_graph(statements))
    for statement in graph["statements"]:
        statement.update(quote="", quote_start=None, quote_end=None)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(graph))
    return path, len(graph["statements"]) + len(graph["links"])


def test_a_big_import_tells_the_rows_written_as_it_goes(tmp_path, db):
    path, rows = big_map_file(tmp_path, 1200)
    told: list[tuple[int, int]] = []
    report = services.import_file(
        name=path.name, data=path.read_bytes(), slug="big", progress=lambda *d: told.append(d)
    )
    assert report.statements == 1200
    # After each batch of 500 rows: statements, then links; only forward, to all of them.
    assert len(told) >= rows // 500
    assert {total for _, total in told} == {rows}
    assert [done for done, _ in told] == sorted({done for done, _ in told})
    assert told[-1] == (rows, rows)


def test_import_map_shows_the_rows_written_on_a_terminal(tmp_path, db):
    path, rows = big_map_file(tmp_path, 600)
    terminal, log = Terminal(), io.StringIO()
    call_command("import_map", str(path), "--slug", "big", stdout=io.StringIO(), stderr=terminal)
    assert f"{rows}/{rows}" in terminal.getvalue(), terminal.getvalue()
    assert "row" in terminal.getvalue()
    call_command("import_map", str(path), "--slug", "big-2", stdout=io.StringIO(), stderr=log)
    assert log.getvalue() == ""
    assert ArgumentMap.objects.get(slug="big-2").statements.count() == 600
