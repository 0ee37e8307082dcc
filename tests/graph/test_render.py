"""Tests of api.graph.render: running Graphviz with limits and without file access.

Tests that need the real Graphviz are skipped when ``dot`` is not installed; the others use
small fake programs put first on PATH.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import xml.etree.ElementTree as ET

import pytest

from api.graph import render as render_module
from api.graph.dot import DiagramOptions, to_dot
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.render import (
    SFDP_THRESHOLD,
    BudgetSpent,
    GraphvizNotInstalled,
    LayoutSession,
    RenderBudget,
    RenderError,
    RenderFailed,
    RenderTimeout,
    RenderTooLarge,
    choose_engine,
    engine_arguments,
    graphviz_available,
    render,
)

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz `dot` is not installed (apt install graphviz)"
)
needs_sfdp = pytest.mark.skipif(
    shutil.which("sfdp") is None, reason="Graphviz `sfdp` is not installed (apt install graphviz)"
)

SMALL_DOT = 'digraph { a [label="hello"]; b; a -> b }'


def fake_program(monkeypatch, directory, name: str, script: str) -> None:
    """Put a shell script called ``name`` first on PATH (system tools stay reachable)."""
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", os.pathsep.join([str(directory), "/usr/bin", "/bin"]))


def big_graph(n: int) -> ArgumentGraph:
    statements = tuple(Statement(i, f"statement number {i} " * 3) for i in range(1, n + 1))
    links = tuple(
        Link(
            i,
            Kind.SUPPORT if i % 7 else Kind.OPPOSE,
            (i + 1, (i * 7) % n + 1),
            conclusion=i // 2 + 1,
        )
        for i in range(1, n)
        if (i * 7) % n + 1 not in (i + 1, i // 2 + 1)
    )
    return ArgumentGraph(map=MapInfo(slug="big", title="Big"), statements=statements, links=links)


# --- with the real Graphviz ----------------------------------------------------------------


@needs_dot
def test_render_svg_is_xml():
    root = ET.fromstring(render(SMALL_DOT, "svg"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


@needs_dot
def test_render_png_and_pdf_have_their_magic_numbers():
    assert render(SMALL_DOT, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert render(SMALL_DOT, "pdf").startswith(b"%PDF")


@needs_dot
def test_render_plain_lays_out_every_graph_it_is_given():
    plain = render(SMALL_DOT + SMALL_DOT, "plain").decode()
    assert plain.count("\ngraph ") + plain.startswith("graph ") == 2
    assert plain.count("stop") == 2


@needs_sfdp
def test_render_with_sfdp():
    dot = to_dot(big_graph(30))
    root = ET.fromstring(render(dot, "svg", engine="sfdp"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


@needs_dot
def test_render_reports_graphviz_errors():
    with pytest.raises(RenderError, match="syntax error"):
        render("digraph { a -> ", "svg")


@needs_dot
def test_render_stops_at_the_time_limit():
    dot = to_dot(big_graph(1500))
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"longer than 0\.2 s"):
        render(dot, "svg", timeout=0.2)
    assert time.monotonic() - started < 10  # killed, not waited for


@needs_dot
def test_render_stops_at_the_size_limit():
    assert len(render(SMALL_DOT, "svg")) > 500
    with pytest.raises(RenderTooLarge, match="500 bytes"):
        render(SMALL_DOT, "svg", max_output_bytes=500)


@needs_dot
def test_render_does_not_load_image_files(tmp_path):
    picture = tmp_path / "secret.png"
    picture.write_bytes(render(SMALL_DOT, "png"))
    dot = f'digraph {{ a [image="{picture}", label=""]; b [shapefile="{picture}"] }}'
    for fmt in ("svg", "png"):
        output = render(dot, fmt)  # Graphviz warns and draws no picture
        assert str(picture).encode() not in output
    root = ET.fromstring(render(dot, "svg"))
    assert not [e for e in root.iter() if e.tag.endswith("image")]


@needs_dot
def test_render_does_not_load_image_files_from_html_labels(tmp_path):
    picture = tmp_path / "secret.png"
    picture.write_bytes(render(SMALL_DOT, "png"))
    dot = f'digraph {{ a [label=<<TABLE><TR><TD><IMG SRC="{picture}"/></TD></TR></TABLE>>] }}'
    # Graphviz 2.43 refuses the whole graph ("unsafe"); others may draw it without the image.
    try:
        svg, message = render(dot, "svg"), ""
    except RenderError as error:
        svg, message = b"", str(error)
    if svg:
        root = ET.fromstring(svg)
        assert not [e for e in root.iter() if e.tag.endswith("image")]
    else:
        assert "unsafe" in message


# --- with fake programs --------------------------------------------------------------------


def test_render_runs_graphviz_with_server_name_set_and_no_file_path(tmp_path, monkeypatch):
    fake_program(monkeypatch, tmp_path, "dot", 'cat > /dev/null; env; echo "ARGS $*"\n')
    monkeypatch.setenv("GV_FILE_PATH", "/")
    monkeypatch.delenv("SERVER_NAME", raising=False)
    output = render(SMALL_DOT, "png").decode()
    assert "SERVER_NAME=argmap" in output.splitlines()
    assert "GV_FILE_PATH" not in output
    assert "ARGS -Tpng" in output


def test_render_passes_sfdp_settings_on_the_command_line(tmp_path, monkeypatch):
    fake_program(monkeypatch, tmp_path, "sfdp", 'cat > /dev/null; echo "ARGS $*"\n')
    output = render(SMALL_DOT, "svg", engine="sfdp").decode()
    assert output.strip() == "ARGS -Tsvg " + " ".join(engine_arguments("sfdp"))
    assert "-Goverlap=prism" in output
    assert "-Gsplines=curved" in output


def test_render_feeds_the_dot_source_on_stdin(tmp_path, monkeypatch):
    fake_program(monkeypatch, tmp_path, "dot", "cat\n")
    source = 'digraph { a [label="é 日本 \\\\"] }' + "x" * 200_000  # bigger than a pipe buffer
    assert render(source, "svg") == source.encode()


def test_render_kills_a_program_that_runs_too_long(tmp_path, monkeypatch):
    # A wrapper whose child would keep the pipes open: the whole process group is killed.
    fake_program(monkeypatch, tmp_path, "dot", "sleep 30\n")
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        render(SMALL_DOT, "svg", timeout=0.3)
    assert time.monotonic() - started < 10


def test_render_kills_a_program_whose_output_is_too_large(tmp_path, monkeypatch):
    fake_program(monkeypatch, tmp_path, "dot", "exec yes\n")
    with pytest.raises(RenderTooLarge):
        render(SMALL_DOT, "svg", max_output_bytes=1_000_000, timeout=10)


def test_render_error_holds_the_program_stderr(tmp_path, monkeypatch):
    fake_program(
        monkeypatch, tmp_path, "dot", "echo 'Error: <stdin>: syntax error in line 1' >&2; exit 1\n"
    )
    with pytest.raises(RenderError, match=r"exit status 1.*syntax error in line 1"):
        render(SMALL_DOT, "svg")


def test_render_without_graphviz_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # empty directory
    assert not graphviz_available()
    with pytest.raises(GraphvizNotInstalled, match="not installed"):
        render(SMALL_DOT, "svg")


def test_render_without_graphviz_when_which_finds_nothing(monkeypatch):
    monkeypatch.setattr(render_module.shutil, "which", lambda name: None)
    assert not graphviz_available()
    with pytest.raises(GraphvizNotInstalled):
        render(SMALL_DOT, "pdf")


@pytest.mark.parametrize(("fmt", "engine"), [("gif", "dot"), ("svg", "neato -x"), ("svg", "rm")])
def test_render_rejects_unknown_formats_and_engines(fmt, engine):
    with pytest.raises(ValueError, match="must be one of"):
        render(SMALL_DOT, fmt, engine=engine)


def test_render_failures_share_one_base_class():
    for error in (GraphvizNotInstalled, RenderTimeout, RenderTooLarge, RenderError):
        assert issubclass(error, RenderFailed)


def test_choose_engine_switches_to_sfdp_at_the_threshold():
    assert choose_engine(0, 100) == "dot"
    assert choose_engine(99, 100) == "dot"
    assert choose_engine(100, 100) == "sfdp"
    assert choose_engine(SFDP_THRESHOLD - 1) == "dot"
    assert choose_engine(SFDP_THRESHOLD) == "sfdp"


def test_engine_arguments_add_nothing_for_dot():
    assert engine_arguments("dot") == []
    with pytest.raises(ValueError, match="must be one of"):
        engine_arguments("circo")


# --- one program for many batches (LayoutSession) -------------------------------------------


@needs_dot
def test_a_session_lays_out_batch_after_batch_in_one_program(graphviz_started):
    batches = [
        "digraph x { a -> b }\ndigraph y { c -> d -> e }\n",
        to_dot(big_graph(40), DiagramOptions()) + 'digraph z { q [label="stop"] }',
        "",
    ]
    expected = [render(batch, "plain") if batch else b"" for batch in batches]
    del graphviz_started[:]
    with LayoutSession() as session:
        answers = [session.lay_out(batch, timeout=20) for batch in batches]
        [program] = graphviz_started
        assert program.poll() is None  # still running, waiting for more
    assert answers == expected
    assert answers[0].count(b"\nstop\n") == 2
    assert program.poll() is not None  # ended with the block


def test_a_session_that_takes_too_long_is_killed_and_over(tmp_path, monkeypatch, graphviz_started):
    fake_program(monkeypatch, tmp_path, "dot", "cat > /dev/null\n")  # reads, never answers
    began = time.monotonic()
    with LayoutSession() as session:
        with pytest.raises(RenderTimeout, match=r"longer than 0\.3 s"):
            session.lay_out(SMALL_DOT, timeout=0.3)
        assert time.monotonic() - began < 10
        [program] = graphviz_started
        assert program.poll() is not None
        with pytest.raises(RenderError, match="session is over"):
            session.lay_out(SMALL_DOT, timeout=1)


def test_a_sessions_output_is_bounded_and_its_errors_told(tmp_path, monkeypatch):
    fake_program(monkeypatch, tmp_path, "dot", "exec yes\n")
    with LayoutSession(max_output_bytes=1_000_000) as session, pytest.raises(RenderTooLarge):
        session.lay_out(SMALL_DOT, timeout=10)
    fake_program(
        monkeypatch, tmp_path, "dot", "echo 'Error: <stdin>: syntax error in line 1' >&2; exit 1\n"
    )
    with (
        LayoutSession() as session,
        pytest.raises(RenderError, match=r"exit status 1.*syntax error in line 1"),
    ):
        session.lay_out(SMALL_DOT, timeout=10)


@needs_dot
def test_a_budgets_session_counts_each_batch_as_a_run(graphviz_started):
    budget = RenderBudget(seconds=60, runs=2)
    with budget.plain_session() as plain:
        assert plain("digraph { a -> b }").endswith(b"stop\n")
        assert plain("digraph { a }").startswith(b"graph ")
        with pytest.raises(BudgetSpent, match="2 Graphviz runs"):
            plain("digraph { a }")
    assert len(graphviz_started) == 1
