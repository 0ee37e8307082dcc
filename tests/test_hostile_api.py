"""The hostile-input corpus through HTTP: every file ends in a result or a clear 4xx, never
a 500, and a refused request changes nothing. Work is bounded through the import budget
(``ARGMAP_IMPORT_MAX_STEPS``): a limit in proportion to the file is enough, so a reader
gone quadratic would answer 400 here."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from api.models import ArgumentMap, Statement
from tests import hostile_corpus as corpus
from tests.helpers import build_map, snapshot

pytestmark = pytest.mark.django_db

HOSTILE = Path(__file__).parent / "data" / "hostile"
DEPTH_MESSAGE = "nested too deeply: more than 100 levels (the ARGMAP_MAX_NESTING limit)"


def upload(client, name: str, content: bytes, **fields):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/maps/import/", {"file": file, **fields}, format="multipart")


def put_graph(client, slug: str, body: bytes | str):
    etag = client.get(f"/api/maps/{slug}/graph/")["ETag"]
    return client.put(
        f"/api/maps/{slug}/graph/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )


# ----------------------------------------------------------------- imports, bounded work


@pytest.mark.parametrize("opener", ["{", "["])
def test_32000_openers_import_within_a_linear_budget(auth_client, settings, opener):
    text = "[A]: a claim\n  <+ [B]: a reason\n\n" + corpus.argdown_flood(opener, 32_000) + "\n"
    settings.ARGMAP_IMPORT_MAX_STEPS = 6 * len(text)
    response = upload(auth_client, "flood.argdown", text.encode())
    assert response.status_code == 201, response.json()
    assert response.json()["imported"] == {"statements": 2, "links": 1}
    assert response.json()["left_out"] == {"untitled paragraph": 1}


def test_import_over_the_step_budget_is_422_naming_it_and_writes_nothing(auth_client, settings):
    settings.ARGMAP_IMPORT_MAX_STEPS = 10_000
    before = snapshot()
    response = upload(auth_client, "flood.argdown", corpus.argdown_flood("{", 32_000).encode())
    assert response.status_code == 422
    assert "ARGMAP_IMPORT_MAX_STEPS" in response.json()["detail"]
    assert "10,000 steps" in response.json()["detail"]
    assert snapshot() == before


def test_aif_orphan_chain_imports_within_a_linear_budget(auth_client, settings):
    content = json.dumps(corpus.aif_orphan_chain(16_000)).encode()
    settings.ARGMAP_IMPORT_MAX_STEPS = len(content)
    response = upload(auth_client, "orphans.json", content)
    assert response.status_code == 201, response.json()
    assert response.json()["left_out"] == {"CA": 16_000, "RA": 1}


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("deep.json", corpus.deep_json(50_000), 1),
        ("deep-map.json", corpus.deep_graph_json(50_000), 1),
        ("deep-data.argdown", corpus.argdown_deep_data(50_000), 1),
        ("deep-front.argdown", corpus.argdown_deep_front_matter(50_000), 4),
    ],
)
def test_deeply_nested_imports_are_422_saying_so(auth_client, name, content, line):
    before = snapshot()
    response = upload(auth_client, name, content.encode())
    assert response.status_code == 422, response.content
    assert DEPTH_MESSAGE in response.json()["detail"]
    assert response.json()["line"] == line
    assert snapshot() == before


def test_import_with_lone_surrogates_stores_them_stripped(auth_client, api_client):
    response = upload(auth_client, "s.json", (HOSTILE / "surrogates.json").read_bytes(), slug="s")
    assert response.status_code == 201, response.json()
    texts = [s["text"] for s in api_client.get("/api/maps/s/graph/").json()["statements"]]
    assert texts == [
        "A claim  with a lone low surrogate.",
        "A pair \U0001f600 stays, a lone high one  goes.",
    ]


# ------------------------------------------------------------------- JSON request bodies


def test_deep_graph_put_is_400_and_changes_nothing(auth_client, user):
    build_map(owner=user)
    before = snapshot()
    version = ArgumentMap.objects.get(slug="cats").version
    response = put_graph(auth_client, "cats", corpus.deep_graph_json(50_000))
    assert response.status_code == 400
    assert DEPTH_MESSAGE in response.json()["detail"]
    assert "line 1, column" in response.json()["detail"]
    assert snapshot() == before
    assert ArgumentMap.objects.get(slug="cats").version == version


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/maps/"), ("patch", "/api/maps/cats/"), ("post", "/api/statements/")],
)
def test_every_json_body_has_its_depth_checked(auth_client, user, method, path):
    build_map(owner=user)
    response = getattr(auth_client, method)(
        path, corpus.deep_json(50_000), content_type="application/json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert DEPTH_MESSAGE in response.json()["detail"]


def test_malformed_json_body_is_still_a_400(auth_client, user):
    build_map(owner=user)
    response = auth_client.post("/api/maps/", b'{"slug": ', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


# ---------------------------------------------------------- a 120-deep undercutter chain


@pytest.fixture
def chain_map(auth_client):
    content = json.dumps(corpus.graph_chain(120)).encode()
    response = upload(auth_client, "chain.json", content, slug="chain")
    assert response.status_code == 201, response.json()
    return "chain"


def test_120_deep_undercutter_chain_shows_on_the_coaches_page(client, chain_map):
    response = client.get(f"/maps/{chain_map}/")
    assert response.status_code == 200
    html = response.content.decode()
    # Undercutter 1 is listed among the objections, the 119 below it as its thread.
    pattern = r'class="reply reply--oppose[^"]*" data-depth="(\d+)"'
    assert [int(depth) for depth in re.findall(pattern, html)] == list(range(1, 120))
    assert 'reply--indent-6" data-depth="119"' in html
    assert "(reply at level 119)" in html
    assert "Statement 122." in html


@pytest.mark.parametrize("fmt", ["json", "aif", "argdown"])
def test_120_deep_chain_exports_and_reimports(api_client, auth_client, chain_map, fmt):
    assert api_client.get(f"/api/maps/{chain_map}/graph/").status_code == 200
    exported = api_client.get(f"/api/maps/{chain_map}/export.{fmt}")
    assert exported.status_code == 200
    name = "copy.argdown" if fmt == "argdown" else "copy.json"
    response = upload(auth_client, name, exported.content, slug="copy")
    assert response.status_code == 201, response.json()
    assert response.json()["imported"] == {"statements": 122, "links": 121}
    assert response.json()["notes"] == []


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_120_deep_chain_draws(api_client, chain_map):
    assert api_client.get(f"/api/maps/{chain_map}/diagram.svg").status_code == 200
    # The map's first statement, whatever id the database gave it (PostgreSQL's ids do
    # not start again at 1 in each test).
    first = Statement.objects.filter(map__slug=chain_map).order_by("pk").first()
    assert first is not None
    response = api_client.get(f"/api/maps/{chain_map}/diagram.svg?focus={first.pk}")
    assert response.status_code == 200


# ----------------------------------------------------------------- what pages send


def test_html_pages_send_a_content_security_policy(client, admin_client, user):
    build_map(owner=user)
    for page in (client.get("/"), client.get("/maps/cats/"), admin_client.get("/admin/")):
        assert page.status_code == 200
        policy = page["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert b'http-equiv="Content-Security-Policy"' not in page.content
    assert "Content-Security-Policy" not in client.get("/api/maps/")


def test_pages_show_user_text_without_bidi_overrides_or_zero_width_spaces(client, auth_client):
    response = upload(
        auth_client, "bidi.argdown", (HOSTILE / "bidi.argdown").read_bytes(), slug="bidi"
    )
    assert response.status_code == 201, response.json()
    for page in ("/", "/maps/bidi/"):
        html = client.get(page).content.decode()
        assert "Bidi txet desrever title" in html
        for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060":
            assert ch not in html, (page, hex(ord(ch)))
    html = client.get("/maps/bidi/").content.decode()
    assert "The file is safe.pnggnp.exe and admin wrote it." in html


def test_1500_link_chain_exports_and_reimports(api_client, auth_client):
    content = json.dumps(corpus.graph_chain(1_500)).encode()
    assert upload(auth_client, "chain.json", content, slug="long").status_code == 201
    for fmt in ("json", "aif", "argdown"):
        exported = api_client.get(f"/api/maps/long/export.{fmt}")
        assert exported.status_code == 200
        name = "copy.argdown" if fmt == "argdown" else "copy.json"
        response = upload(auth_client, name, exported.content, slug=f"copy-{fmt}")
        assert response.status_code == 201, response.json()
        assert response.json()["imported"] == {"statements": 1_502, "links": 1_501}
        assert response.json()["notes"] == []
