"""Tests of api.graph.paging: handouts and slide decks with real page sizes and readable text.

The planner is tested with a made-up ``fits``; the pages are rendered with the real ``dot``
and measured with poppler-utils (``pdfinfo`` for page sizes, ``pdftotext -bbox`` for the
height of every word), as a printer or a projector would see them.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess

import pytest

from api.graph import paging
from api.graph.dot import KEY_CHARS, PAGES, DiagramOptions, key_dot
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Role, Statement
from api.graph.paging import (
    SIZES,
    TooManyPages,
    key_parts,
    page_image_dot,
    paginate,
    plan,
)
from api.graph.render import render
from bench.generate import fixture_graph, generate_graph

needs_tools = pytest.mark.skipif(
    shutil.which("dot") is None or shutil.which("pdftotext") is None,
    reason="needs Graphviz and poppler-utils (apt install graphviz poppler-utils)",
)
# pdftotext's word box is the font's ascent to descent: 1.163 times the font size for
# Helvetica, so a word of 8 pt text is 9.3 pt high.
WORD_HEIGHT_PER_POINT = 1.163


def render_pdf(dot: str) -> bytes:
    return render(dot, "pdf")


def render_plain(dot: str) -> bytes:
    return render(dot, "plain")


def page_sizes(pdf: bytes, tmp_path) -> list[tuple[float, float]]:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    ]


def words(pdf: bytes, tmp_path) -> list[tuple[str, float]]:
    """(word, height in points) for every word on every page."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (text, float(y_max) - float(y_min))
        for y_min, y_max, text in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
            html,
        )
    ]


def is_size(actual: tuple[float, float], name: str) -> bool:
    width, height = PAGES[name]
    return any(
        abs(actual[0] - w) < 0.5 and abs(actual[1] - h) < 0.5
        for w, h in ((width, height), (height, width))
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


# --- planning (no Graphviz) ----------------------------------------------------------------


def count_fits(limit: int):
    """A page holds ``limit`` statements."""
    return lambda part: len(part.statements) <= limit


def test_a_map_that_fits_is_one_whole_page():
    graph = fixture_graph()
    parts = plan(graph, count_fits(1000))
    assert [part.kind for part in parts] == ["whole"]
    assert parts[0].statements == {s.id for s in graph.statements}


@pytest.mark.parametrize("limit", [4, 6, 9, 15])
def test_every_statement_is_owned_by_exactly_one_page_and_every_link_is_drawn(limit):
    graph = fixture_graph()
    parts = plan(graph, count_fits(limit))
    owners = [sid for part in parts for sid in part.owned]
    assert sorted(owners) == sorted(s.id for s in graph.statements)
    drawn = set().union(*(part.links for part in parts))
    assert drawn == {link.id for link in graph.links}
    for part in parts:  # a drawn link has all its statements on the page
        for link_id in part.links:
            link = graph.link(link_id)
            assert set(link.premises) <= part.statements
            assert link.conclusion is None or link.conclusion in part.statements


def recommendation(graph: ArgumentGraph) -> int:
    """The essay's closing recommendation: of its main conclusions, the one with the most
    argued under it (the thesis among it), where a deck and a handout begin."""
    [sid] = [s.id for s in graph.statements if s.quote.startswith("Prime Minister Abe should")]
    assert graph.roles[sid] is Role.MAIN_CONCLUSION
    return sid


def test_the_first_page_is_the_main_conclusion_with_its_direct_reasons_and_objections():
    graph = fixture_graph()
    main = recommendation(graph)
    first = plan(graph, count_fits(12))[0]
    direct = {link.id for link in graph.links if link.conclusion == main}
    assert direct <= first.links
    assert main in first.owned
    assert first.titles[0] == f"#{main} with its direct reasons and objections"


def test_of_several_main_conclusions_the_one_with_most_argued_under_it_comes_first():
    # #1 has one reason; #3 has a chain of three under it. A plan starts with #3.
    statements = tuple(Statement(i, f"s{i}") for i in range(1, 7))
    links = (
        Link(1, Kind.SUPPORT, (2,), conclusion=1),
        Link(2, Kind.SUPPORT, (4,), conclusion=3),
        Link(3, Kind.SUPPORT, (5,), conclusion=4),
        Link(4, Kind.OPPOSE, (6,), conclusion=5),
    )
    graph = ArgumentGraph(map=MapInfo(slug="m", title="M"), statements=statements, links=links)
    parts = plan(graph, count_fits(4))
    assert parts[0].root == 3, [part.titles for part in parts]
    assert [part.root for part in parts].index(1) > 0


def test_a_claim_with_too_many_reasons_spreads_them_over_pages():
    statements = (Statement(1, "claim"), *tuple(Statement(i, f"r{i}") for i in range(2, 12)))
    links = tuple(Link(i, Kind.SUPPORT, (i + 1,), conclusion=1) for i in range(1, 11))
    graph = ArgumentGraph(map=MapInfo(slug="m", title="M"), statements=statements, links=links)
    parts = plan(graph, count_fits(4))
    assert [part.titles for part in parts] == [
        [f"#1 with its direct reasons and objections ({n} of 4)"] for n in range(1, 5)
    ]
    assert sum(len(part.links) for part in parts) == 10


def test_planning_a_big_map_walks_it_without_recursion():
    graph = generate_graph(2000)
    calls = []

    def fits(part):
        calls.append(part)
        return len(part.statements) <= 12

    parts = plan(graph, fits)
    assert sorted(sid for part in parts for sid in part.owned) == list(range(1, 2001))
    assert len(calls) < 6 * len(graph.links)  # bounded: a few tries per link


# --- pages measured with poppler-utils -----------------------------------------------------


@pytest.fixture(scope="module")
def essay():
    return fixture_graph()


@pytest.fixture(scope="module")
def handouts(essay):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    return {
        name: paginate(
            essay,
            DiagramOptions(numbers=True, wrap=24),
            name,
            render_pdf,
            render_plain=render_plain,
        )
        for name in ("a4", "a3", "letter")
    }


@pytest.fixture(scope="module")
def deck(essay):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    return paginate(
        essay,
        DiagramOptions(numbers=True, wrap=20),
        "slides",
        render_pdf,
        render_plain=render_plain,
    )


@needs_tools
@pytest.mark.parametrize("name", ["a4", "a3", "letter"])
def test_handout_pages_are_exactly_the_paper_size_with_text_of_at_least_8_pt(
    handouts, name, tmp_path
):
    paged = handouts[name]
    sizes = page_sizes(paged.pdf, tmp_path)
    assert len(sizes) == paged.page_count > 1
    assert all(is_size(size, name) for size in sizes), sizes
    heights = [height for _, height in words(paged.pdf, tmp_path)]
    assert len(heights) > 300
    assert min(heights) >= 8 * WORD_HEIGHT_PER_POINT - 0.05
    assert percentile(heights, 0.1) >= 7


@needs_tools
def test_the_a4_handout_is_a_few_pages_opening_with_an_overview(handouts, tmp_path):
    paged = handouts["a4"]
    assert paged.page_count <= 10  # the overview, its key, and the argument's parts
    assert paged.pages[0].part.kind == "overview"
    assert paged.notices == []
    text = " ".join(word for word, _ in words(paged.pdf, tmp_path))
    assert "Overview: every statement by number" in text
    assert re.search(r"reasons: p\. \d", text)  # a link that crosses pages says where


def page_text(pdf: bytes, page: int, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@needs_tools
@pytest.mark.parametrize("name", ["a4", "a3", "letter"])
def test_the_overview_is_followed_by_its_key_number_to_first_words(handouts, essay, name, tmp_path):
    paged = handouts[name]
    assert [page.part.kind for page in paged.pages[:2]] == ["overview", "key"]
    assert "key on the next page" in " ".join(page_text(paged.pdf, 1, tmp_path).split())
    key = page_text(paged.pdf, 2, tmp_path)
    assert "Key to the overview" in " ".join(key.split())
    entries = dict(re.findall(r"^\s*#(\d+) (.+?)\s*$", key, re.M))
    assert sorted(int(n) for n in entries) == sorted(s.id for s in essay.statements)
    for statement in essay.statements:
        shown = entries[str(statement.id)]
        # the statement's first words, cut at a word boundary with an ellipsis
        assert statement.text.startswith(shown.removesuffix("…")), (shown, statement.text)
        assert shown.endswith("…") or shown == statement.text
        assert len(shown) <= KEY_CHARS


def test_a_long_key_is_cut_into_pages_in_number_order_every_number_once():
    parts = key_parts([9, 3, 1, 7, 5, 2, 8, 4, 6, 10, 11], per_page=4, rows=2)
    assert [sorted(part.statements) for part in parts] == [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11],
    ]
    assert {part.kind for part in parts} == {"key"}
    assert {part.rows for part in parts} == {2}


def test_the_key_escapes_statement_text_for_graphviz():
    dot = key_dot(
        [(1, 'Quote " and back\\slash \\l and <b>tag</b> & co')],
        rows=5,
        heading="Key",
        min_font=8,
    )
    label = re.search(r'label="(#1 .*?)\\l"', dot).group(1)
    assert '\\"' in label  # the quote escaped
    assert "\\\\slash" in label
    assert "\\\\l" in label
    assert "&amp;" in label


@needs_tools
def test_every_statement_number_is_printed(handouts, essay, tmp_path):
    printed = {word for word, _ in words(handouts["a4"].pdf, tmp_path)}
    for statement in essay.statements:
        assert f"#{statement.id}" in printed


@needs_tools
def test_slides_are_16_9_with_text_of_at_least_12_pt(deck, tmp_path):
    sizes = page_sizes(deck.pdf, tmp_path)
    assert len(sizes) == deck.page_count > 1
    assert set(sizes) == {(960.0, 540.0)}
    heights = [height for _, height in words(deck.pdf, tmp_path)]
    assert min(heights) >= 12 * WORD_HEIGHT_PER_POINT - 0.05


@needs_tools
def test_the_first_slide_is_the_main_conclusion_with_its_direct_reasons(deck, essay, tmp_path):
    # The first slides show the main conclusion with its direct reasons and objections: on
    # one slide when they fit at 12 pt, else on consecutive slides, "(1 of n)" first.
    main = recommendation(essay)
    title = f"#{main} with its direct reasons and objections"
    pages = []
    for page in deck.pages:
        if not page.part.titles[0].startswith(title):
            break
        pages.append(page)
    assert pages, deck.pages[0].part.titles
    direct = [link for link in essay.links if link.conclusion == main]
    assert {link.id for link in direct} <= set().union(*(page.part.links for page in pages))
    text = ""
    for page in pages:
        path = tmp_path / "first.pdf"
        path.write_bytes(page.pdf)
        text += subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    for link in direct:
        for premise in link.premises:
            assert f"#{premise}" in text


@needs_tools
def test_one_slide_as_png_and_svg_is_exactly_960_by_540(deck):
    page = deck.pages[0]
    png = render(page_image_dot(page), "png")
    assert struct.unpack(">II", png[16:24]) == (960, 540)
    svg = render(page_image_dot(page), "svg").decode()
    assert re.search(r'<svg width="960pt" height="540pt"', svg)


@needs_tools
def test_a_part_too_big_for_a_page_is_cut_into_tiles_not_shrunk(tmp_path):
    text = " ".join(f"word{i}" for i in range(120))
    statements = (Statement(1, "claim"), *tuple(Statement(i, text) for i in range(2, 14)))
    links = (Link(1, Kind.SUPPORT, tuple(range(2, 14)), conclusion=1),)  # 12 co-premises
    graph = ArgumentGraph(map=MapInfo(slug="m", title="M"), statements=statements, links=links)
    paged = paginate(graph, DiagramOptions(wrap=60), "slides", render_pdf)
    assert any("cut into" in notice for notice in paged.notices)
    sizes = page_sizes(paged.pdf, tmp_path)
    assert set(sizes) == {(960.0, 540.0)}
    assert len(sizes) == paged.page_count > 1
    heights = [height for _, height in words(paged.pdf, tmp_path)]
    assert min(heights) >= 12 * WORD_HEIGHT_PER_POINT - 0.05


@needs_tools
def test_layout_work_is_bounded_by_the_page_budget(essay, monkeypatch):
    calls = []

    def counted(dot: str) -> bytes:
        calls.append(dot)
        return render_pdf(dot)

    # The essay's handout takes fewer runs than the budget of 10 pages; with a smaller
    # budget, the runs stop at it.
    paginate(essay, DiagramOptions(wrap=24), "a4", counted, max_pages=10)
    assert 0 < len(calls) <= paging.layout_runs(10)
    needed = len(calls)
    monkeypatch.setattr(paging, "layout_runs", lambda max_pages: needed - 1)
    calls.clear()
    with pytest.raises(TooManyPages, match=f"more layout work than {needed - 1} Graphviz runs"):
        paginate(essay, DiagramOptions(wrap=24), "a4", counted, max_pages=10)
    assert len(calls) == needed - 1


@needs_tools
def test_too_many_pages_says_how_many(essay):
    with pytest.raises(TooManyPages, match=r"needs \d+ A4 pages; the limit is 6"):
        paginate(
            essay,
            DiagramOptions(wrap=24),
            "a4",
            render_pdf,
            render_plain=render_plain,
            max_pages=6,
        )


def test_page_sizes_are_the_papers():
    assert SIZES["a4"].width == pytest.approx(595.276)
    assert SIZES["a4"].height == pytest.approx(841.89)
    assert (SIZES["letter"].width, SIZES["letter"].height) == (612.0, 792.0)
    assert (SIZES["slides"].width, SIZES["slides"].height) == (960.0, 540.0)
    assert SIZES["a4"].min_scale == pytest.approx(8 / 12)
    assert SIZES["slides"].min_scale == 1


def test_a_map_whose_text_alone_needs_too_many_pages_is_refused_before_any_layout():
    graph = generate_graph(1000)
    calls = []
    with pytest.raises(TooManyPages, match=r"needs about \d+ A4 pages or more; the limit is 10"):
        paginate(graph, DiagramOptions(), "a4", calls.append, max_pages=10)
    assert calls == []


@needs_tools
def test_sizes_measured_in_batches_are_the_pdf_page_sizes(essay):
    from api.graph.paging import _pdf_size, _plain_sizes, overview_part, part_dot

    size = SIZES["a4"]
    dots = [
        part_dot(essay, part, DiagramOptions(wrap=24), size, {}, "Heading")
        for part in [*plan(essay, count_fits(8))[:4], overview_part(essay)]
    ]
    batch = _plain_sizes(render("".join(dots), "plain"))
    one_by_one = [_pdf_size(render(dot, "pdf")) for dot in dots]
    assert len(batch) == len(dots)
    for (width, height), (pdf_w, pdf_h) in zip(batch, one_by_one, strict=True):
        assert width == pytest.approx(pdf_w, abs=1.5)
        assert height == pytest.approx(pdf_h, abs=1.5)


@needs_tools
@pytest.mark.parametrize("size", ["slides", "a4"])
@pytest.mark.parametrize("legend", [False, True])
def test_an_empty_maps_pages_are_its_title_alone(tmp_path, size, legend):
    # Found by the release run (gunicorn): an empty map's deck with a legend planned an
    # overview of no statement, whose key of no entries divided by zero (a 500).
    graph = ArgumentGraph(map=MapInfo(slug="m", title="Nothing yet"), statements=(), links=())
    paged = paginate(graph, DiagramOptions(legend=legend), size, render_pdf)
    assert paged.page_count == 1
    assert len(page_sizes(paged.pdf, tmp_path)) == 1
    assert "Nothing yet" in " ".join(word for word, _ in words(paged.pdf, tmp_path))
