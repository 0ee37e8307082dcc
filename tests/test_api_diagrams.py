"""Diagram endpoints: formats, options, errors, headers, caching, hostile text, the
admin preview, ``export_diagram`` and life without Graphviz."""

import shutil
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import diagrams, services
from api.models import Statement

pytestmark = pytest.mark.django_db

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
SVG = "{http://www.w3.org/2000/svg}"
URL = "/api/maps/cats/diagram"


def svg_texts(content: bytes) -> str:
    root = ET.fromstring(content)
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@needs_dot
@pytest.mark.parametrize(
    ("fmt", "media_type", "magic"),
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
        ("pdf", "application/pdf", b"%PDF"),
        ("dot", "text/vnd.graphviz; charset=utf-8", b"digraph"),
    ],
)
def test_each_format(api_client, cats_map, fmt, media_type, magic):
    response = api_client.get(f"{URL}.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"] == media_type
    assert response.content.startswith(magic)
    assert response["Content-Disposition"] == f'inline; filename="cats.{fmt}"'
    assert response["X-Content-Type-Options"] == "nosniff"


@needs_dot
def test_svg_shows_the_map_and_has_a_sandbox_policy(api_client, cats_map):
    response = api_client.get(f"{URL}.svg")
    text = svg_texts(response.content)
    for statement in cats_map.statements.all():
        assert statement.text.split()[0] in text
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_download_is_an_attachment(api_client, cats_map):
    claim = cats_map.statements.first().pk
    response = api_client.get(f"{URL}.dot?download=1&focus={claim}&depth=1")
    assert response["Content-Disposition"] == f'attachment; filename="cats-focus-{claim}.dot"'


def test_options_change_the_dot(api_client, cats_map):
    plain = api_client.get(f"{URL}.dot").content.decode()
    assert 'rankdir="BT"' in plain
    assert 'rankdir="LR"' in api_client.get(f"{URL}.dot?direction=LR").content.decode()
    with_quotes = api_client.get(f"{URL}.dot?quotes=1").content.decode()
    assert "they scratch furniture" in with_quotes
    assert "they scratch furniture" not in plain
    assert "cluster_legend" in api_client.get(f"{URL}.dot?legend=true").content.decode()
    assert "cluster_legend" not in plain


def test_focus_draws_the_neighbourhood(api_client, cats_map):
    post = Statement.objects.get(map=cats_map, text__startswith="A scratching post")
    extra = Statement.objects.get(map=cats_map, text="Extra reason 1.")
    dot = api_client.get(f"{URL}.dot?focus={post.pk}&depth=1").content.decode()
    assert f"s{post.pk} " in dot
    assert "Extra reason 1." not in dot
    assert f"s{extra.pk} " not in dot
    whole = api_client.get(f"{URL}.dot").content.decode()
    assert "Extra reason 1." in whole


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("direction=sideways", "direction"),
        ("wrap=5", "wrap"),
        ("wrap=abc", "wrap"),
        ("depth=-1", "depth"),
        ("focus=0", "focus"),
        ("focus=999999", "focus"),
        ("page=a0", "page"),
        ("quotes=maybe", "quotes"),
        ("engine=neato", "engine"),
        ("colour=red", "colour"),
    ],
)
def test_invalid_option_is_400_naming_it(api_client, cats_map, query, field):
    response = api_client.get(f"{URL}.svg?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


def test_unknown_format_and_map_are_404(api_client, cats_map):
    assert api_client.get(f"{URL}.gif").status_code == 404
    assert api_client.get("/api/maps/nope/diagram.svg").status_code == 404


def test_private_map_diagram_is_404_for_others(api_client, make_map):
    make_map("secret", is_private=True)
    assert api_client.get("/api/maps/secret/diagram.dot").status_code == 404


@needs_dot
def test_etag_and_cache(api_client, cats_map, monkeypatch):
    calls = []
    real_render = diagrams.render
    monkeypatch.setattr(diagrams, "render", lambda *a, **k: calls.append(1) or real_render(*a, **k))
    first = api_client.get(f"{URL}.svg?legend=1")
    assert first.status_code == 200
    etag = first["ETag"]
    again = api_client.get(f"{URL}.svg?legend=1")
    assert again.content == first.content
    assert len(calls) == 1  # the repeat came from the cache
    assert api_client.get(f"{URL}.svg?legend=1", HTTP_IF_NONE_MATCH=etag).status_code == 304
    other = api_client.get(f"{URL}.svg?legend=0")
    assert other["ETag"] != etag
    services.statement_create(map_=cats_map, text="A new reason.")
    changed = api_client.get(f"{URL}.svg?legend=1", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "A new reason." in svg_texts(changed.content)
    assert len(calls) == 3


def test_without_graphviz_images_are_503_and_dot_works(api_client, cats_map, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    for fmt in ("svg", "png", "pdf"):
        response = api_client.get(f"{URL}.{fmt}")
        assert response.status_code == 503
        assert "apt-get install graphviz" in response.json()["detail"]
    assert api_client.get(f"{URL}.dot").status_code == 200


def test_too_slow_layout_is_422_suggesting_focus(api_client, cats_map, settings, monkeypatch):
    from api.graph.render import RenderTimeout

    def slow(*args, **kwargs):
        raise RenderTimeout("too slow")

    monkeypatch.setattr(diagrams, "render", slow)
    monkeypatch.setattr(diagrams, "graphviz_available", lambda engine="dot": True)
    response = api_client.get(f"{URL}.svg")
    assert response.status_code == 422
    assert "focus" in response.json()["detail"]


def test_busy_renderers_answer_503(api_client, cats_map, settings, monkeypatch):
    settings.ARGMAP_RENDER_QUEUE_TIMEOUT = 0
    monkeypatch.setattr(diagrams, "graphviz_available", lambda engine="dot": True)
    slots = diagrams._render_slots()
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        response = api_client.get(f"{URL}.svg")
        assert response.status_code == 503
        assert "busy" in response.json()["detail"]
    finally:
        for _ in range(taken):
            slots.release()


HOSTILE = [
    '"]; evil [label="x',
    "back\\slash \\N \\G \\l \\\\",
    '<img src="/etc/passwd"/>',
    '<<table href="javascript:alert(1)">>',
    "<script>alert(1)</script>",
    "line\nbreak",
    "nul\x00inside",
    "x" * 10_000,
    "الحرية والعدالة",
    "日本とロシアの平和条約",
]


def assert_inert(content: bytes) -> ET.Element:
    root = ET.fromstring(content)
    for element in root.iter():
        assert not element.tag.endswith("script")
        assert not element.tag.endswith("image")
        assert not element.tag.endswith("foreignObject")
        for name, value in element.attrib.items():
            assert "javascript:" not in value.lower()
            assert not (name.endswith("href") and not value.startswith("#"))
    return root


@needs_dot
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_through_the_endpoint(api_client, cats_map, text):
    # The API refuses NUL and PostgreSQL cannot store it; tests/graph/test_dot.py renders it.
    stored = text.replace("\x00", "")
    statement = Statement.objects.create(map=cats_map, text=stored, attributed_to=stored[:100])
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    services.link_create(map_=cats_map, kind="oppose", premises=[statement], conclusion=claim)
    response = api_client.get(f"{URL}.svg?quotes=1&legend=1")
    assert response.status_code == 200
    assert_inert(response.content)
    shown = svg_texts(response.content)
    visible = stored.split()[0][:30] if stored.split() else ""
    assert visible.replace("\\", "")[:10] in shown.replace("\\", "")


@needs_dot
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
# No NUL (PostgreSQL refuses it) and no lone surrogate (no database can store one).
@given(
    text=st.text(
        st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
        min_size=1,
        max_size=300,
    )
)
def test_any_statement_text_renders_inert_svg(api_client, cats_map, text):
    # Written past the services on purpose: the renderer must cope with any stored text.
    statement = Statement.objects.filter(map=cats_map).order_by("pk")[1]
    Statement.objects.filter(pk=statement.pk).update(text=text, attributed_to=text[:50])
    services.map_bump_version(cats_map)
    response = api_client.get(f"{URL}.svg")
    assert response.status_code == 200
    assert_inert(response.content)


def test_admin_change_page_shows_the_diagram(client, staff, cats_map):
    client.force_login(staff)
    page = client.get(f"/admin/api/argumentmap/{cats_map.pk}/change/").content.decode()
    assert '<img src="/api/maps/cats/diagram.svg?legend=1"' in page
    assert client.get("/api/maps/cats/diagram.svg?legend=1").status_code in (200, 503)


@needs_dot
def test_export_diagram_command(tmp_path, cats_map):
    out = tmp_path / "cats.pdf"
    call_command("export_diagram", "cats", "-o", str(out), "--page", "a4", "--legend")
    assert out.read_bytes().startswith(b"%PDF")
    dot = tmp_path / "cats.dot"
    call_command("export_diagram", "cats", "-o", str(dot), "--direction", "LR")
    assert 'rankdir="LR"' in dot.read_text()


def test_export_diagram_command_errors(tmp_path, cats_map):
    with pytest.raises(CommandError, match="--wrap"):
        call_command("export_diagram", "cats", "-o", str(tmp_path / "x.svg"), "--wrap", "3")
    with pytest.raises(CommandError, match="format"):
        call_command("export_diagram", "cats", "-o", str(tmp_path / "x.txt"))
    with pytest.raises(CommandError, match="No map"):
        call_command("export_diagram", "nope", "-o", str(tmp_path / "x.svg"))


def test_diagram_is_in_the_openapi_schema(api_client, db):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/maps/{slug}/diagram.{fmt}"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"direction", "focus", "depth", "wrap", "quotes", "legend", "fmt"} <= names
    assert {"image/svg+xml", "image/png", "application/pdf", "text/vnd.graphviz"} <= set(
        operation["responses"]["200"]["content"]
    )
