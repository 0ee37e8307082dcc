"""Diagram endpoints: formats, options, errors, headers, caching, hostile text, the
admin preview, ``export_diagram`` and life without Graphviz."""

import io
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import diagrams, services
from api.graph import render as graph_render
from api.models import ArgumentMap, Statement
from api.render_slots import render_slot
from tests.dot_helpers import graph_attributes, nodes

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
    assert graph_attributes(plain)["rankdir"] == "BT"
    assert (
        graph_attributes(api_client.get(f"{URL}.dot?direction=LR").content.decode())["rankdir"]
        == "LR"
    )
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
    # a focus on a statement the map does not have: 404 naming it
    missing = api_client.get(f"{URL}.svg?focus=999999")
    assert missing.status_code == 404
    assert "focus" in missing.json()["errors"]
    assert api_client.get("/api/maps/nope/diagram.svg").status_code == 404


def test_private_map_diagram_is_404_for_others(api_client, make_map):
    make_map("secret", is_private=True)
    assert api_client.get("/api/maps/secret/diagram.dot").status_code == 404


@needs_dot
def test_etag_and_cache(api_client, cats_map, monkeypatch):
    calls = []
    real_render = graph_render.render
    monkeypatch.setattr(
        graph_render, "render", lambda *a, **k: calls.append(1) or real_render(*a, **k)
    )
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

    monkeypatch.setattr(graph_render, "render", slow)
    monkeypatch.setattr(diagrams, "graphviz_available", lambda engine="dot": True)
    response = api_client.get(f"{URL}.svg")
    assert response.status_code == 422
    assert "focus" in response.json()["detail"]


@needs_dot
def test_busy_renderers_answer_503_with_retry_after(api_client, cats_map, settings):
    settings.ARGMAP_RENDER_QUEUE_TIMEOUT = 0
    settings.ARGMAP_MAX_CONCURRENT_RENDERS = 1
    with render_slot():  # the one slot, taken
        response = api_client.get(f"{URL}.svg")
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "All 1 diagram renderers of the service are busy" in detail
    assert "ARGMAP_MAX_CONCURRENT_RENDERS" in detail
    assert int(response["Retry-After"]) >= 1
    assert api_client.get(f"{URL}.svg").status_code == 200  # the slot is free again


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
    # numbered boxes, as the admin's rows are numbered
    assert '<img src="/api/maps/cats/diagram.svg?legend=1&amp;numbers=1"' in page
    assert client.get("/api/maps/cats/diagram.svg?legend=1&numbers=1").status_code in (200, 503)


@needs_dot
def test_export_diagram_command(tmp_path, cats_map):
    out = tmp_path / "cats.pdf"
    call_command("export_diagram", "cats", "-o", str(out), "--page", "a4", "--legend")
    assert out.read_bytes().startswith(b"%PDF")
    dot = tmp_path / "cats.dot"
    call_command("export_diagram", "cats", "-o", str(dot), "--direction", "LR")
    assert graph_attributes(dot.read_text())["rankdir"] == "LR"


class Terminal(io.StringIO):
    """What a terminal's stderr would hold."""

    def isatty(self) -> bool:
        return True


@needs_dot
def test_export_diagram_shows_the_pages_laid_out_on_a_terminal(tmp_path, cats_map, settings):
    out = tmp_path / "cats.pdf"
    terminal, log = Terminal(), io.StringIO()
    call_command("export_diagram", "cats", "-o", str(out), "--page", "slides", stderr=terminal)
    # The bar counts pages up to all of them; in a log, nothing of it.
    assert re.search(r"(\d+)/\1 \[", terminal.getvalue()), terminal.getvalue()
    assert "page" in terminal.getvalue()
    call_command("export_diagram", "cats", "-o", str(out), "--page", "a4", stderr=log)
    assert log.getvalue() == ""
    # Off any request, the command may spend what a job may, not what a request may.
    settings.ARGMAP_RENDER_REQUEST_RUNS = 1
    call_command("export_diagram", "cats", "-o", str(out), "--page", "a3")
    assert out.read_bytes().startswith(b"%PDF")
    settings.ARGMAP_JOB_RENDER_RUNS = 1
    with pytest.raises(CommandError, match="ARGMAP_JOB_RENDER_RUNS"):
        call_command("export_diagram", "cats", "-o", str(out), "--page", "letter")


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


# --- pages, slides, numbers, focus (issue: diagrams a coach can print and project) --------

needs_poppler = pytest.mark.skipif(
    shutil.which("dot") is None or shutil.which("pdfinfo") is None,
    reason="needs Graphviz and poppler-utils",
)
ESSAY = "/api/maps/kozyrev-2019-russo-japanese-peace-treaty/diagram"


@pytest.fixture
def essay_map(db):
    call_command("load_essay", verbosity=0)
    return ArgumentMap.objects.get(slug="kozyrev-2019-russo-japanese-peace-treaty")


def pdf_page_sizes(content: bytes, tmp_path) -> list[tuple[float, float]]:
    path = tmp_path / "d.pdf"
    path.write_bytes(content)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(path)], capture_output=True, text=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


@needs_poppler
def test_a_small_map_on_a4_is_one_true_a4_page(api_client, cats_map, tmp_path):
    response = api_client.get(f"{URL}.pdf?page=a4")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="cats-a4.pdf"'
    assert "X-Diagram-Notice" not in response
    sizes = pdf_page_sizes(response.content, tmp_path)
    assert len(sizes) == 1
    assert sorted(sizes[0]) == pytest.approx([595.276, 841.89], abs=0.01)


@needs_poppler
def test_the_essay_as_slides_and_one_slide_as_png(api_client, essay_map, tmp_path):
    deck = api_client.get(f"{ESSAY}.pdf?page=slides&numbers=1")
    assert deck.status_code == 200
    sizes = pdf_page_sizes(deck.content, tmp_path)
    assert len(sizes) > 1
    assert set(sizes) == {(960.0, 540.0)}
    png = api_client.get(f"{ESSAY}.png?slide=1&numbers=1")
    assert png.status_code == 200
    assert struct.unpack(">II", png.content[16:24]) == (960, 540)
    dot = api_client.get(f"{ESSAY}.dot?page=slides&slide=1&numbers=1").content.decode()
    # The main conclusion's step opens the deck (with whatever else shares the slide).
    label = graph_attributes(dot)["label"]
    assert re.match(r"#\d+ with its direct reasons and objections", label), label
    assert re.search(r" \(slide 1 of \d+\)$", label), label
    assert api_client.get(f"{ESSAY}.png?slide=99").json()["errors"]["slide"]


@pytest.mark.parametrize("fmt", ["svg", "png", "dot"])
def test_pages_as_svg_png_or_dot_need_a_slide_number(api_client, cats_map, fmt):
    response = api_client.get(f"{URL}.{fmt}?page=a4")
    assert response.status_code == 422
    assert "slide" in response.json()["errors"]


@needs_dot
def test_a_map_too_big_for_the_page_limit_is_422_saying_so(api_client, essay_map, settings):
    settings.ARGMAP_DIAGRAM_MAX_PAGES = 3
    response = api_client.get(f"{ESSAY}.pdf?page=a4")
    assert response.status_code == 422
    assert "too big for readable pages" in response.json()["detail"]


@needs_dot
def test_a_page_cut_into_tiles_says_so_in_a_header(api_client, cats_map):
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    text = " ".join(f"word{i}" for i in range(100))
    premises = [Statement.objects.create(map=cats_map, text=text) for _ in range(10)]
    services.link_create(map_=cats_map, kind="support", premises=premises, conclusion=claim)
    response = api_client.get(f"{URL}.pdf?page=slides&wrap=60")
    assert response.status_code == 200
    assert "cut into" in response["X-Diagram-Notice"]


def test_numbers_put_every_statement_number_in_its_box(api_client, cats_map):
    found = nodes(api_client.get(f"{URL}.dot?numbers=1").content.decode())
    for statement in cats_map.statements.all():
        assert found[f"s{statement.pk}"]["label"].startswith(f"#{statement.pk} ")


def test_focus_draws_every_statement_as_the_whole_map_does(api_client, essay_map):
    whole = nodes(api_client.get(f"{ESSAY}.dot?numbers=1").content.decode())
    ids = list(essay_map.statements.order_by("pk").values_list("pk", flat=True))
    for focus in (ids[10], ids[15], ids[24]):
        focused = nodes(
            api_client.get(f"{ESSAY}.dot?numbers=1&focus={focus}&depth=1").content.decode()
        )
        statements = [name for name in focused if name.startswith("s")]
        assert len(statements) > 2
        for name in statements:
            expected = dict(whole[name])
            if name == f"s{focus}":
                expected["peripheries"] = "2"
            assert focused[name] == expected


def test_focus_on_a_1500_link_undercutter_chain(api_client, cats_map):
    from api.models import Link, LinkPremise

    first = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    statements = Statement.objects.bulk_create(
        [Statement(map=cats_map, text=f"u{i}") for i in range(1501)]
    )
    base = Link.objects.create(map=cats_map, kind="support", conclusion=first)
    LinkPremise.objects.create(link=base, statement=statements[0], position=0)
    target = base
    for statement in statements[1:]:
        target = Link.objects.create(map=cats_map, kind="oppose", target_link=target)
        LinkPremise.objects.create(link=target, statement=statement, position=0)
    services.map_bump_version(cats_map)
    response = api_client.get(f"{URL}.dot?focus={statements[-1].pk}&depth=1")
    assert response.status_code == 200
    assert f"s{statements[0].pk} " in response.content.decode()


@needs_dot
def test_export_diagram_writes_to_standard_output(cats_map, capsysbinary):
    call_command("export_diagram", "cats", "-o", "-", "--format", "dot", "--numbers")
    out = capsysbinary.readouterr().out
    assert out.startswith(b"digraph argmap {")
    assert b"#" in out


def test_export_diagram_to_a_missing_folder_is_a_clean_error(tmp_path, cats_map):
    with pytest.raises(CommandError, match="No folder"):
        call_command("export_diagram", "cats", "-o", str(tmp_path / "nope" / "x.svg"))
    with pytest.raises(CommandError, match="format"):
        call_command("export_diagram", "cats", "-o", "-")


def test_export_diagram_shade_matches_the_api(tmp_path, cats_map, api_client):
    out = tmp_path / "cats.dot"
    call_command("export_diagram", "cats", "-o", str(out), "--shade", "grounded", "--legend")
    api = api_client.get(f"{URL}.dot?shade=grounded&legend=1").content.decode()
    assert out.read_text() == api
    assert "legend_extra0" in api


@needs_poppler
def test_export_diagram_pages_and_slides(tmp_path, essay_map):
    out = tmp_path / "deck.pdf"
    call_command(
        "export_diagram",
        "kozyrev-2019-russo-japanese-peace-treaty",
        "-o",
        str(out),
        "--page",
        "slides",
        "--numbers",
    )
    assert set(pdf_page_sizes(out.read_bytes(), tmp_path)) == {(960.0, 540.0)}
    one = tmp_path / "one.png"
    call_command(
        "export_diagram",
        "kozyrev-2019-russo-japanese-peace-treaty",
        "-o",
        str(one),
        "--slide",
        "2",
    )
    assert struct.unpack(">II", one.read_bytes()[16:24]) == (960, 540)
