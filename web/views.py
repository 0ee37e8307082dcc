"""Server-rendered pages for coaches: pick a map, read it, download its diagram.

Both pages cost a fixed number of queries whatever the map's size: the list one (the
counts are subqueries), a map's page four (the map, then ``map_graph_get``'s three).
"""

from __future__ import annotations

import dataclasses

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from api.diagrams import INSTALL_HINT
from api.graph.render import graphviz_available
from api.models import ArgumentMap
from api.selectors import map_graph_get
from web import presenters
from web.forms import DEFAULT_DEPTH, PAGES, DiagramOptionsForm, diagram_url, graph_json_url

DOWNLOADS = (
    ("svg", "SVG", "sharp at any size: web pages, slides"),
    ("png", "PNG", "a picture for documents and slides"),
    ("pdf", "PDF", "for printing"),
    ("slides", "Slides", "a 16:9 PDF deck to project, text at least 12 pt"),
    ("dot", "DOT", "Graphviz source, to restyle or lay out yourself"),
)
NEEDS_GRAPHVIZ = {"svg", "png", "pdf", "slides"}


PAGE_LABELS = dict(PAGES)


def maps_for_list(user) -> QuerySet[ArgumentMap]:
    return (
        ArgumentMap.objects.visible_to(user)
        .defer("source_text")
        .with_counts()
        .order_by("title", "slug")
    )


def map_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map_list.html", {"maps": maps_for_list(request.user)})


def _safe_source_url(url: str) -> str:
    """The source's address if it is a web address, else nothing (no ``javascript:``)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def _download(slug: str, fmt: str, label: str, purpose: str, choice) -> dict[str, str]:
    """One download link: ``slides`` is the PDF drawn on 16:9 slides."""
    name = fmt
    if fmt == "slides":
        choice = dataclasses.replace(choice, page="slides")
        fmt = "pdf"
    elif fmt == "pdf" and choice.page and choice.page != "slides":
        purpose = f"{purpose}, {PAGE_LABELS[choice.page]}, text at least 8 pt"
    suffix = f"-focus-{choice.focus}" if choice.focus is not None else ""
    suffix += f"-{choice.page}" if fmt == "pdf" and choice.page else ""
    return {
        "format": name,
        "label": label,
        "purpose": purpose,
        "url": diagram_url(slug, fmt, choice, download=True),
        "filename": f"{slug}{suffix}.{fmt}",
    }


def map_detail(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_object_or_404(ArgumentMap.objects.visible_to(request.user), slug=slug)
    graph = map_graph_get(map_)
    form = DiagramOptionsForm(request.GET, statements=graph.statements)
    choice = form.choice()

    focus = graph.statement(choice.focus) if choice.focus is not None else None
    has_graphviz = graphviz_available("dot")
    sections = presenters.argument_sections(graph)
    for section in sections:
        for item in section.items:
            item.focus_query = choice.page_query(focus=item.statement.id, depth=DEFAULT_DEPTH)

    context = {
        "map": map_,
        "graph": graph,
        "source_url": _safe_source_url(map_.source_url),
        "form": form,
        "choice": choice,
        "focus": focus,
        "diagram_src": diagram_url(map_.slug, "svg", choice),
        "graphviz_missing": "" if has_graphviz else INSTALL_HINT,
        "diagram_alt": presenters.diagram_alt(
            graph, focus=focus, depth=choice.depth if focus else None
        ),
        "downloads": [
            _download(map_.slug, fmt, label, purpose, choice)
            for fmt, label, purpose in DOWNLOADS
            if has_graphviz or fmt not in NEEDS_GRAPHVIZ
        ],
        "json_url": graph_json_url(map_.slug),
        "whole_map_query": choice.page_query(focus=None),
        "paragraphs": presenters.essay_paragraphs(map_.source_text, graph.statements),
        "sections": sections,
        "n_quoted": sum(1 for s in graph.statements if s.quote_end),
    }
    return render(request, "web/map_detail.html", context)
