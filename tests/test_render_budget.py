"""A refused render is cheap, and one request has one budget (issue "Hold under hostile
load", item 1).

- What can be checked without layout (the slide number against the page limit) is
  refused before any Graphviz run.
- A refusal that needed layout (a slide past the last, a map too big for the request's
  budget) is cached for the map version and options: asking twice costs once.
- A request's Graphviz runs share one budget of time and runs
  (``ARGMAP_RENDER_REQUEST_SECONDS``, ``ARGMAP_RENDER_REQUEST_RUNS``); when it is spent,
  the running ``dot`` is killed and the answer is a 422 naming the settings.
"""

from __future__ import annotations

import re
import shutil

import pytest
from django.core.management import call_command

from api.graph import render as graph_render
from api.graph.dot import DiagramOptions, to_dot
from api.graph.render import BudgetSpent, RenderBudget
from api.models import ArgumentMap
from bench.generate import generate_graph

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")

ESSAY = "/api/maps/kozyrev-2019-russo-japanese-peace-treaty/diagram"


@pytest.fixture
def essay_map(db):
    call_command("load_essay", verbosity=0)
    return ArgumentMap.objects.get(slug="kozyrev-2019-russo-japanese-peace-treaty")


@pytest.fixture
def runs(monkeypatch):
    """Every Graphviz run, counted (each is still made): a program run, or a batch laid
    out by a program kept running (``LayoutSession``)."""
    made: list[str] = []
    real = graph_render.render
    real_batch = graph_render.LayoutSession.lay_out

    def counted(source, fmt, **kwargs):
        made.append(fmt)
        return real(source, fmt, **kwargs)

    def batch(self, source, timeout):
        made.append("plain")
        return real_batch(self, source, timeout)

    monkeypatch.setattr(graph_render, "render", counted)
    monkeypatch.setattr(graph_render.LayoutSession, "lay_out", batch)
    return made


def test_a_slide_past_the_page_limit_is_refused_before_any_layout(api_client, essay_map, runs):
    response = api_client.get(f"{ESSAY}.svg?slide=500")
    assert response.status_code == 422
    [message] = response.json()["errors"]["slide"]
    assert "at most 300 pages (ARGMAP_DIAGRAM_MAX_PAGES)" in message
    assert runs == []


def test_a_refusal_that_needed_layout_is_cached(api_client, essay_map, runs):
    first = api_client.get(f"{ESSAY}.svg?slide=50")
    assert first.status_code == 422
    [message] = first.json()["errors"]["slide"]
    slides = int(re.fullmatch(r"This diagram has (\d+) slides\.", message).group(1))
    assert 1 < slides < 50
    assert runs  # the deck had to be laid out to know
    laid_out = len(runs)
    again = api_client.get(f"{ESSAY}.svg?slide=50")
    assert again.status_code == 422
    assert again.json() == first.json()
    assert len(runs) == laid_out  # asking twice cost once


def test_one_budget_for_all_the_pages_of_a_request(api_client, essay_map, runs, settings):
    # The essay's A4 handout takes 37 runs; a request may make 5.
    settings.ARGMAP_RENDER_REQUEST_RUNS = 5
    response = api_client.get(f"{ESSAY}.pdf?page=a4")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "ARGMAP_RENDER_REQUEST_RUNS" in detail
    assert "ARGMAP_RENDER_REQUEST_SECONDS" in detail
    assert "focus" in detail
    assert len(runs) == 5
    # The refusal is cached like a success.
    assert api_client.get(f"{ESSAY}.pdf?page=a4").json()["detail"] == detail
    assert len(runs) == 5
    # Within a budget that allows it, the same request is drawn.
    settings.ARGMAP_RENDER_REQUEST_RUNS = 500
    assert api_client.get(f"{ESSAY}.pdf?page=a4&numbers=1").status_code == 200


def test_a_run_that_outlasts_the_budget_is_killed(graphviz_started):
    # A 3 000-statement map takes dot well over a second; the budget has 0.3 s.
    started = graphviz_started
    source = to_dot(generate_graph(3000), DiagramOptions())
    budget = RenderBudget(seconds=0.3, runs=10, timeout=20)
    with pytest.raises(BudgetSpent, match=r"0\.3 s and 10 Graphviz runs"):
        budget.run(source, "svg")
    [process] = started
    assert process.poll() is not None  # killed and reaped, not left running
    with pytest.raises(BudgetSpent):  # nothing left for another run
        budget.run("digraph { a }", "svg")
    assert len(started) == 1


def test_runs_are_counted_across_calls(runs):
    budget = RenderBudget(seconds=60, runs=2)
    for _ in range(2):
        assert budget.run("digraph { a -> b }", "svg").startswith(b"<?xml")
    with pytest.raises(BudgetSpent):
        budget.run("digraph { a -> b }", "svg")
    assert runs == ["svg", "svg"]
