"""Server-rendered pages for coaches: pick a map, read it, download its diagram.

Both pages cost a fixed number of queries whatever the map's size: the list one (the
counts are subqueries), a map's page four (the map, then ``map_graph_get``'s three).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse

from api import diagrams, services
from api.diagrams import INSTALL_HINT
from api.graph.layout import statement_boxes
from api.graph.model import ArgumentGraph
from api.graph.render import RenderFailed, graphviz_available
from api.models import ArgumentMap, JobState
from api.selectors import map_graph_get, map_moved
from api.throttling import job_requester, read_limit_wait, render_limit_wait
from web import presenters
from web.forms import (
    DEFAULT_DEPTH,
    PAGES,
    DiagramOptionsForm,
    api_diagram_url,
    diagram_url,
    graph_json_url,
)

DOWNLOADS = (
    ("svg", "SVG", "sharp at any size: web pages, slides"),
    ("png", "PNG", "a picture for documents and slides"),
    ("pdf", "PDF", "for printing"),
    ("slides", "Slides", "a 16:9 PDF deck to project, text at least 12 pt"),
    ("dot", "DOT", "Graphviz source, to restyle or lay out yourself"),
)
NEEDS_GRAPHVIZ = {"svg", "png", "pdf", "slides"}


PAGE_LABELS = dict(PAGES)


def throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's read limits on a page: past them, a 429 page with ``Retry-After``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        over = read_limit_wait(request)
        if over is not None:
            rate, wait = over
            response = render(
                request, "web/too_many.html", {"rate": rate, "wait": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def maps_for_list(user) -> QuerySet[ArgumentMap]:
    return (
        ArgumentMap.objects.visible_to(user)
        .defer("source_text")
        .with_counts()
        .order_by("title", "slug")
    )


@throttled
def map_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map_list.html", {"maps": maps_for_list(request.user)})


def _safe_source_url(url: str) -> str:
    """The source's address if it is a web address, else nothing (no ``javascript:``)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def _download(
    slug: str, fmt: str, label: str, purpose: str, choice, *, by_job: bool
) -> dict[str, str]:
    """One download link: ``slides`` is the PDF drawn on 16:9 slides. With ``by_job`` (a
    big map, docs/jobs.md), a handout or deck links to the page that follows its drawing
    (``diagram_download``) and names no file: the browser would save that page as one."""
    name = fmt
    if fmt == "slides":
        choice = dataclasses.replace(choice, page="slides")
        fmt = "pdf"
    elif fmt == "pdf" and choice.page and choice.page != "slides":
        purpose = f"{purpose}, {PAGE_LABELS[choice.page]}, text at least 8 pt"
    suffix = f"-focus-{choice.focus}" if choice.focus is not None else ""
    suffix += f"-{choice.page}" if fmt == "pdf" and choice.page else ""
    if by_job and fmt == "pdf" and choice.page:
        page = reverse("web:diagram_download", kwargs={"slug": slug, "fmt": fmt})
        query = urlencode(choice.params(page=True))
        return {"format": name, "label": label, "purpose": purpose, "url": f"{page}?{query}"}
    return {
        "format": name,
        "label": label,
        "purpose": purpose,
        "url": diagram_url(slug, fmt, choice, download=True),
        "filename": f"{slug}{suffix}.{fmt}",
    }


def _part(request: HttpRequest, parts: int) -> int:
    """``?part=`` of a long argument: 1 to ``parts``; anything else is a 404."""
    raw = request.GET.get("part", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= parts:
        raise Http404(f"No part {raw!r}: this map's argument has {parts} part(s).")
    return int(raw)


class _RenderLimited(Exception):
    """Past the API's render limits: ``rate`` and the seconds to ``wait``."""

    def __init__(self, rate: str = "", wait: int = 60) -> None:
        super().__init__(
            f"Too many diagrams drawn from here: at most {rate}. Diagrams already drawn are "
            f"served without limit; try again in {wait} s."
        )
        self.retry_after = wait


def _opening(
    request: HttpRequest, map_: ArgumentMap, graph: ArgumentGraph, choice
) -> presenters.OpeningView | None:
    """Where the page's diagram opens (``presenters.opening_view``), from the same SVG
    the page shows: drawn here when it is not in the cache yet (within the API's render
    limits), so the picture then comes from the cache. ``None`` when it cannot be drawn
    now; the page then opens the diagram at its top, as it can."""

    def before_render() -> None:
        if render_limit_wait(request) is not None:
            raise _RenderLimited

    try:
        request_ = diagrams.diagram_request("svg", choice.params(page=False))
        drawn = diagrams.diagram(map_, request_, before_render=before_render, graph=graph)
        drawing = statement_boxes(drawn.data)
    except (diagrams.DiagramError, RenderFailed, _RenderLimited, ValueError):
        return None
    return presenters.opening_view(graph, drawing, choice.focus)


def _map_or_moved(request: HttpRequest, slug: str) -> ArgumentMap | HttpResponse:
    """The map under ``slug`` that this user may see; for a renamed map's old slug, a
    permanent redirect to the same page under its new one; else a 404."""
    map_ = ArgumentMap.objects.visible_to(request.user).filter(slug=slug).first()
    if map_ is not None:
        return map_
    moved = map_moved(slug, request.user, request.path, request.META.get("QUERY_STRING", ""))
    if moved is None:
        raise Http404(f"No map with slug {slug!r}.")
    return HttpResponsePermanentRedirect(moved[1])


@throttled
def map_detail(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = _map_or_moved(request, slug)
    if isinstance(map_, HttpResponse):
        return map_
    graph = map_graph_get(map_)
    form = DiagramOptionsForm(request.GET, statements=graph.statements)
    choice = form.choice()

    focus = graph.statement(choice.focus) if choice.focus is not None else None
    has_graphviz = graphviz_available("dot")
    # A long argument is listed in parts of ARGMAP_PAGE_STATEMENTS, so one page stays
    # bounded whatever the map's size; links to a statement elsewhere lead to its part.
    order = presenters.statement_order(graph)
    per_part = settings.ARGMAP_PAGE_STATEMENTS
    parts = max(1, math.ceil(len(order) / per_part))
    part = _part(request, parts)
    shown = order[(part - 1) * per_part : part * per_part]
    sections = presenters.argument_sections(
        graph, only=set(shown), max_links=settings.ARGMAP_PAGE_LINKS_PER_STATEMENT
    )
    part_query = {n: choice.page_query(part=n if n > 1 else None) for n in range(1, parts + 1)}
    for section in sections:
        for item in section.items:
            item.focus_query = choice.page_query(
                focus=item.statement.id, depth=DEFAULT_DEPTH, part=part if part > 1 else None
            )
    essay_shown = len(map_.source_text) <= settings.ARGMAP_PAGE_MAX_ESSAY_CHARS
    by_job = diagrams.pages_drawn_by_job(len(graph.statements))

    context = {
        "map": map_,
        "graph": graph,
        "source_url": _safe_source_url(map_.source_url),
        "form": form,
        "choice": choice,
        "focus": focus,
        "diagram_src": diagram_url(map_.slug, "svg", choice),
        "opening": _opening(request, map_, graph, choice) if has_graphviz else None,
        "graphviz_missing": "" if has_graphviz else INSTALL_HINT,
        "diagram_alt": presenters.diagram_alt(
            graph, focus=focus, depth=choice.depth if focus else None
        ),
        "downloads": [
            _download(map_.slug, fmt, label, purpose, choice, by_job=by_job)
            for fmt, label, purpose in DOWNLOADS
            if has_graphviz or fmt not in NEEDS_GRAPHVIZ
        ],
        "json_url": graph_json_url(map_.slug),
        "whole_map_query": choice.page_query(focus=None),
        "paragraphs": (
            presenters.essay_paragraphs(map_.source_text, graph.statements) if essay_shown else []
        ),
        "essay_hidden": not essay_shown,
        "sections": sections,
        "part": part,
        "parts": parts,
        "part_of": ({sid: n // per_part + 1 for n, sid in enumerate(order)} if parts > 1 else None),
        "part_queries": part_query,
        "part_prev": part_query.get(part - 1),
        "part_next": part_query.get(part + 1),
        "part_first": (part - 1) * per_part + 1,
        "part_last": (part - 1) * per_part + len(shown),
        "n_quoted": sum(1 for s in graph.statements if s.quote_end),
    }
    return render(request, "web/map_detail.html", context)


def _problem(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "web/problem.html", {"title": title, "message": message}, status=status)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@throttled
def diagram_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A download that may take a while: a big map's handout or deck, drawn by a job
    (docs/jobs.md). Once the file is ready (or when it is drawn within a request anyway),
    a 303 to the API's file; until then, a page showing how far the drawing is, which a
    refresh (or its script, following the job) turns into the download. The options are
    the API's (``?page=slides`` and the rest)."""
    map_ = _map_or_moved(request, slug)
    if isinstance(map_, HttpResponse):
        return map_
    params = request.GET.dict()
    try:
        diagram = diagrams.diagram_request(fmt, params)
    except diagrams.InvalidDiagramOptions as bad:
        # As the API answers: options that cannot go together are a 422, the rest a 400.
        # (A statement the map lacks is found when the job draws, as in the API: the job
        # fails saying so.)
        problems = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in bad.errors.items())
        status = 404 if bad.missing else 422 if bad.rule else 400
        return _problem(request, "These diagram options do not work", problems, status)
    file_url = api_diagram_url(map_.slug, fmt, {**params, "download": "1"})
    if not diagrams.needs_job(map_, diagram):
        return _see_other(file_url)

    def before_create() -> None:
        over = render_limit_wait(request)
        if over is not None:
            raise _RenderLimited(*over)

    try:
        job, _ = services.job_for(
            map_=map_,
            fmt=fmt,
            params=params,
            key=diagram.cache_key(map_),
            requester=job_requester(request),
            before_create=before_create,
        )
    except (services.JobsFull, _RenderLimited) as full:
        response = _problem(request, "Too many diagrams being drawn", str(full), 429)
        response["Retry-After"] = str(full.retry_after)
        return response
    if job.state == JobState.DONE:
        return _see_other(file_url)
    context = {
        "map": map_,
        "job": job,
        "what": PAGE_LABELS.get(diagram.page or "", "pages"),
        "status": presenters.job_status(job.state, job.pages_done, job.pages_total),
        "file_url": file_url,
        "map_url": reverse("web:map_detail", kwargs={"slug": map_.slug}),
    }
    return render(request, "web/diagram_download.html", context)
