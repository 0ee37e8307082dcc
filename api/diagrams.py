"""Diagrams for the API, the admin, the coaches' page and ``export_diagram``: options
checked once, rendered bytes (and refusals that took work) cached per map version, and
Graphviz runs bounded: one budget per request, a few renders at once across every worker
(``api.render_slots``), and a hook for the caller's render throttles.

No HTTP here: bad options raise ``InvalidDiagramOptions`` (field -> messages) and the
other failures ``DiagramError`` subclasses; ``api.exceptions`` turns them into responses
and ``export_diagram`` into command errors. The drawing itself is plain Python in
``api.graph.dot``, ``api.graph.paging`` and ``api.graph.render``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from api.cache import cache_bounded_set
from api.evaluation_service import map_evaluation
from api.graph.dot import (
    DIRECTIONS,
    PAGES,
    WRAP_DEFAULT,
    WRAP_MAX,
    WRAP_MIN,
    DiagramOptions,
    neighbourhood,
    to_dot,
)
from api.graph.evaluation import SEMANTICS
from api.graph.model import ArgumentGraph
from api.graph.paging import SIZES, TooManyPages, page_image_dot, paginate
from api.graph.render import (
    BudgetSpent,
    GraphvizNotInstalled,
    RenderBudget,
    RenderTimeout,
    RenderTooLarge,
    choose_engine,
    graphviz_available,
)
from api.graph.shading import shading
from api.graph.validate import BOOLEAN_MESSAGE, QUERY_BOOLEANS, whole_number
from api.models import ArgumentMap
from api.render_slots import NoRenderSlot, render_slot
from api.selectors import map_graph_get

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
    "dot": "text/vnd.graphviz; charset=utf-8",
}

INSTALL_HINT = (
    "Graphviz's `dot` program is not installed on the server, so SVG, PNG and PDF cannot "
    "be drawn. Install it (Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install "
    "graphviz`) and try again. The DOT format works without it."
)


class DiagramError(Exception):
    """A diagram could not be made; ``str()`` says why and what to do."""


class InvalidDiagramOptions(DiagramError):
    """Bad or unknown options: ``errors`` maps each option to its messages; ``missing``
    when they name a statement the map does not have (a 404, not a 400); ``rule`` when
    each option is well formed but together they ask for what cannot be (a page beyond
    the diagram's, several pages as one image: a 422)."""

    def __init__(
        self, errors: dict[str, list[str]], *, missing: bool = False, rule: bool = False
    ) -> None:
        self.errors = errors
        self.missing = missing
        self.rule = rule
        super().__init__("; ".join(f"{name}: {' '.join(m)}" for name, m in errors.items()))


class GraphvizMissing(DiagramError):
    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class RendererBusy(DiagramError):
    """No render slot freed up in time (``api.render_slots``); ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class DiagramTooBig(DiagramError):
    """The map is too big to draw as asked (time, size or page limits)."""


DEFAULT_DIRECTION = DIRECTIONS[0]
DEFAULT_DEPTH, MAX_DEPTH = 2, 20  # link steps around a focus statement
# Characters per line on pages when ``wrap`` is not given: narrower boxes put more of an
# argument side by side at a readable size (docs/diagrams.md).
PAGED_WRAP = {"a4": 24, "a3": 24, "letter": 24, "slides": 20}
PAGE_CHOICES = tuple(PAGES)
ENGINES = ("auto", "dot", "sfdp")


@dataclass(frozen=True)
class Param:
    """One diagram option: its type ("choice", "int", "bool"), default, limits and help."""

    name: str
    kind: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None


PARAMS = (
    Param("direction", "choice", DEFAULT_DIRECTION, "BT puts reasons below their claims.",
          DIRECTIONS),
    Param("focus", "int", None, "Id of a statement: draw only its neighbourhood.", low=1),
    Param("depth", "int", DEFAULT_DEPTH, "Link steps around `focus`.", low=0, high=MAX_DEPTH),
    Param("wrap", "int", None, f"Characters per line of text (default {WRAP_DEFAULT}; on "
          "pages 24, on slides 20).", low=WRAP_MIN, high=WRAP_MAX),
    Param("quotes", "bool", False, "Show each statement's quote."),
    Param("legend", "bool", False, "Add a legend."),
    Param("title", "bool", True, "Show the map's title."),
    Param("numbers", "bool", False, "Put each statement's number (#16) in its box."),
    Param("page", "choice", None, "PDF pages of this size, split into readable parts "
          "(a4, a3, letter: text at least 8 pt; slides: 16:9, 960 x 540 pt, text at least "
          "12 pt).", PAGE_CHOICES),
    Param("slide", "int", None, "Only this page of the paged diagram (1 = the first; with "
          "page=slides, the default page, for an SVG or PNG of one slide).", low=1),
    Param("engine", "choice", "auto", "Layout engine; `auto` picks sfdp for big maps.",
          ENGINES),
    Param("download", "bool", False, "Serve as an attachment (Content-Disposition)."),
    Param("shade", "choice", None, "Shade statements by their evaluation under this "
          "semantics, with a legend.", tuple(SEMANTICS)),
)  # fmt: skip


def _parse(param: Param, raw: Any) -> tuple[Any, str | None]:
    """(value, None) or (None, error message) for one option's raw value."""
    if raw is None or (raw == "" and param.kind != "bool"):
        return param.default, None
    if param.kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        if raw in QUERY_BOOLEANS:
            return QUERY_BOOLEANS[raw], None
        return None, f"{BOOLEAN_MESSAGE}."
    if param.kind == "choice":
        if str(raw) in param.choices:
            return str(raw), None
        return None, f"Must be one of {', '.join(param.choices)}."
    try:
        value = whole_number(str(raw))
    except ValueError:
        return None, "Must be a whole number."
    if param.low is not None and value < param.low:
        return None, f"Must be at least {param.low}."
    if param.high is not None and value > param.high:
        return None, f"Must be at most {param.high}."
    return value, None


@dataclass(frozen=True)
class DiagramRequest:
    fmt: str
    options: DiagramOptions
    focus: int | None
    depth: int
    engine: str
    download: bool
    shade: str | None = None
    page: str | None = None
    slide: int | None = None

    def cache_key(self, map_: ArgumentMap) -> str:
        parts = (
            map_.pk,
            map_.version,
            self.fmt,
            repr(self.options),
            self.focus,
            self.depth,
            self.engine,
            self.shade,
            self.page,
            self.slide,
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
        return f"diagram:{map_.pk}:{map_.version}:{digest}"

    def etag(self, map_: ArgumentMap) -> str:
        return f'"{map_.version}-{self.cache_key(map_).rsplit(":", 1)[1][:16]}"'


def diagram_request(fmt: str, params: Mapping[str, Any]) -> DiagramRequest:
    """Check the options; raise ``InvalidDiagramOptions`` naming each bad or unknown one."""
    errors: dict[str, list[str]] = {}
    if fmt not in MEDIA_TYPES:
        errors["format"] = [f"Must be one of {', '.join(MEDIA_TYPES)}."]
    known = {param.name for param in PARAMS}
    for name in sorted(set(params) - known):
        errors[name] = [f"Unknown option; known: {', '.join(sorted(known))}."]
    data: dict[str, Any] = {}
    for param in PARAMS:
        value, error = _parse(param, params.get(param.name))
        if error:
            errors[param.name] = [error]
        data[param.name] = value
    if errors:
        raise InvalidDiagramOptions(errors)
    # Each option is well formed; together they may ask for what cannot be (a 422).
    page, slide = data["page"], data["slide"]
    if slide is not None and page is None:
        page = data["page"] = "slides"
    most = settings.ARGMAP_DIAGRAM_MAX_PAGES
    if slide is not None and slide > most:  # known without laying anything out
        errors["slide"] = [
            f"There is no page {slide}: a paged diagram has at most {most} pages "
            "(ARGMAP_DIAGRAM_MAX_PAGES)."
        ]
    if page and fmt != "pdf" and slide is None:
        errors["slide"] = [
            f"page={page} makes a PDF of several pages: ask diagram.pdf, or add "
            f"slide=N for one page as {fmt.upper()}."
        ]
    if errors:
        raise InvalidDiagramOptions(errors, rule=True)
    wrap = data["wrap"]
    if wrap is None:
        wrap = PAGED_WRAP[data["page"]] if data["page"] else WRAP_DEFAULT
    options = DiagramOptions(
        direction=data["direction"],
        wrap=wrap,
        quotes=data["quotes"],
        legend=data["legend"],
        title=data["title"],
        numbers=data["numbers"],
        focus=data["focus"],
    )
    return DiagramRequest(
        fmt=fmt,
        options=options,
        focus=data["focus"],
        depth=data["depth"],
        engine=data["engine"],
        download=data["download"],
        shade=data["shade"],
        page=data["page"],
        slide=data["slide"],
    )


@dataclass(frozen=True)
class Diagram:
    """A rendered diagram and the notices about it (limits met, e.g. pages cut in tiles)."""

    data: bytes
    notices: tuple[str, ...] = ()


def _focus(graph: ArgumentGraph, request: DiagramRequest) -> ArgumentGraph:
    if request.focus is None:
        return graph
    try:
        return neighbourhood(graph, request.focus, request.depth)
    except KeyError:
        raise InvalidDiagramOptions(
            {"focus": [f"Statement {request.focus} is not in this map."]}, missing=True
        ) from None


@dataclass(frozen=True)
class Spend:
    """What one diagram may spend on Graphviz in all (``api.graph.render.RenderBudget``),
    and how long it waits for a render slot (``api.render_slots``): a request's, or a
    job's (``JOB``), which a worker runs off the request."""

    seconds: int
    runs: int
    slot_wait: int
    name: str  # the settings that set it, for the message when it is spent

    @classmethod
    def request(cls) -> Spend:
        return cls(
            settings.ARGMAP_RENDER_REQUEST_SECONDS,
            settings.ARGMAP_RENDER_REQUEST_RUNS,
            settings.ARGMAP_RENDER_QUEUE_TIMEOUT,
            "ARGMAP_RENDER_REQUEST_SECONDS, ARGMAP_RENDER_REQUEST_RUNS",
        )

    @classmethod
    def job(cls) -> Spend:
        return cls(
            settings.ARGMAP_JOB_RENDER_SECONDS,
            settings.ARGMAP_JOB_RENDER_RUNS,
            settings.ARGMAP_JOB_SLOT_WAIT,
            "ARGMAP_JOB_RENDER_SECONDS, ARGMAP_JOB_RENDER_RUNS",
        )

    def budget(self) -> RenderBudget:
        """The budget for all of one diagram's Graphviz runs."""
        return RenderBudget(
            seconds=self.seconds,
            runs=self.runs,
            timeout=settings.ARGMAP_RENDER_TIMEOUT,
            max_output_bytes=settings.ARGMAP_RENDER_MAX_BYTES,
        )


# Called before a render (on a cache miss, Graphviz to run): the API's render throttles.
BeforeRender = Callable[[], None]
# Told the pages laid out so far and the pages in all (``api.graph.paging.Progress``).
Progress = Callable[[int, int], None]


def _bounded(
    work: Callable[[], Any], n_statements: int, before: BeforeRender | None, spend: Spend
) -> Any:
    """Run ``work`` (Graphviz runs) in one of the service's render slots, after
    ``before``, turning limits into DiagramErrors."""
    if not graphviz_available("dot"):
        raise GraphvizMissing()
    if before is not None:
        before()
    try:
        with render_slot(seconds=spend.seconds, wait=spend.slot_wait):
            return work()
    except NoRenderSlot as busy:
        raise RendererBusy(str(busy), busy.wait) from None
    except BudgetSpent:
        raise DiagramTooBig(
            f"This diagram of {n_statements} statements needs more than one diagram may "
            f"spend on layout ({spend.seconds} s and {spend.runs} Graphviz runs: "
            f"{spend.name}). Draw the "
            "neighbourhood of one claim with ?focus=<statement id>&depth=2, or download the "
            "DOT and lay it out yourself."
        ) from None
    except RenderTimeout:
        raise DiagramTooBig(
            f"This map ({n_statements} statements) is too big to lay out within "
            f"{settings.ARGMAP_RENDER_TIMEOUT} s. Draw the neighbourhood of one claim with "
            "?focus=<statement id>&depth=2, or download the DOT and lay it out yourself."
        ) from None
    except RenderTooLarge:
        raise DiagramTooBig(
            f"The drawing of this map ({n_statements} statements) is larger than "
            f"{settings.ARGMAP_RENDER_MAX_BYTES} bytes. Use ?focus=<statement id>&depth=2, "
            "or the SVG or DOT format."
        ) from None
    except TooManyPages as exc:
        raise DiagramTooBig(
            f"This map ({n_statements} statements) is too big for readable pages: {exc}. "
            "Draw the neighbourhood of one claim with ?focus=<statement id>&depth=2, or use "
            "a larger page."
        ) from None
    except GraphvizNotInstalled:
        raise GraphvizMissing() from None


def _layout(
    source: str,
    request: DiagramRequest,
    n_statements: int,
    before: BeforeRender | None,
    spend: Spend,
) -> bytes:
    engine = request.engine
    if engine == "auto":
        engine = choose_engine(n_statements, settings.ARGMAP_SFDP_THRESHOLD)
    budget = spend.budget()

    def work() -> bytes:
        try:
            return budget.run(source, request.fmt, engine)
        except RenderTimeout:
            if engine != "dot" or request.engine == "dot":
                raise
            log.info("dot timed out on %s statements; drawing with sfdp", n_statements)
            return budget.run(source, request.fmt, "sfdp")

    return _bounded(work, n_statements, before, spend)


def _paged(
    graph: ArgumentGraph,
    options: DiagramOptions,
    request: DiagramRequest,
    roles,
    before: BeforeRender | None,
    spend: Spend,
    progress: Progress | None,
) -> Diagram:
    """The diagram on pages (``request.page``): the whole PDF, or one page of it in the
    requested format (``request.slide``)."""
    page_size = request.page
    assert page_size is not None  # callers draw on pages only when one is asked for
    size = SIZES[page_size]

    budget = spend.budget()  # one for all the pages

    def work() -> Diagram:
        with budget.plain_session() as plain:  # one program measures every candidate page
            paged = paginate(
                graph,
                options,
                page_size,
                lambda dot: budget.run(dot, "pdf"),
                render_plain=plain,
                max_pages=settings.ARGMAP_DIAGRAM_MAX_PAGES,
                roles=roles,
                progress=progress,
            )
        notices = tuple(paged.notices)
        if request.slide is None:
            return Diagram(paged.pdf, notices)
        if request.slide > len(paged.pages):
            raise InvalidDiagramOptions(
                {"slide": [f"This diagram has {_count(len(paged.pages), size.word)}."]},
                rule=True,
            )
        page = paged.pages[request.slide - 1]
        if request.fmt == "dot":
            return Diagram(page.dot.encode("utf-8"), notices)
        if request.fmt == "pdf":
            return Diagram(page.pdf, notices)
        image = budget.run(page_image_dot(page), request.fmt)
        return Diagram(image, notices)

    return _bounded(work, len(graph.statements), before, spend)


@dataclass(frozen=True)
class Refusal:
    """A diagram refused after work (layout, a budget spent), cached like a diagram so
    that asking again costs nothing: the option errors, or the reason it is too big."""

    errors: dict[str, list[str]] | None = None
    too_big: str | None = None
    missing: bool = False
    rule: bool = False

    @classmethod
    def of(cls, error: InvalidDiagramOptions | DiagramTooBig) -> Refusal:
        if isinstance(error, InvalidDiagramOptions):
            return cls(errors=error.errors, missing=error.missing, rule=error.rule)
        return cls(too_big=str(error))

    def raise_again(self) -> None:
        if self.errors is not None:
            raise InvalidDiagramOptions(self.errors, missing=self.missing, rule=self.rule)
        raise DiagramTooBig(self.too_big or "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cached(key: str, make: Callable[[], Diagram], *, scope: str) -> Diagram:
    """The diagram under ``key`` in Django's cache, made and stored (within the cache's
    limits, ``api.cache``) when missing. A refusal that took work to reach (the map is
    too big, the slide past the last) is stored under the same key and raised again; a
    busy renderer or a missing Graphviz is not, since it passes."""
    found = cache.get(key)
    if isinstance(found, Refusal):
        found.raise_again()
    if isinstance(found, Diagram):  # (entries of older versions held bare bytes)
        return found
    try:
        diagram = make()
    except (InvalidDiagramOptions, DiagramTooBig) as error:
        cache_bounded_set(key, Refusal.of(error), scope=scope)
        raise
    cache_bounded_set(key, diagram, scope=scope)
    return diagram


def diagram(
    map_: ArgumentMap,
    request: DiagramRequest,
    *,
    before_render: BeforeRender | None = None,
    graph: ArgumentGraph | None = None,
    spend: Spend | None = None,
    progress: Progress | None = None,
) -> Diagram:
    """Return the map's diagram as requested, from the cache when it can. On a miss that
    needs Graphviz, ``before_render`` is called first (it may raise to refuse). ``graph``
    is the map's graph when the caller has read it already (it is read otherwise).
    ``spend`` is what it may spend (a request's by default); ``progress`` is told the
    pages done of the pages of a paged diagram, as they are laid out."""
    spend = spend or Spend.request()

    def make() -> Diagram:
        whole = graph if graph is not None else map_graph_get(map_)
        options = request.options
        if request.shade:
            # Labels come from the whole map, even when only a neighbourhood is drawn.
            fill, legend = shading(map_evaluation(map_, whole, request.shade))
            options = dataclasses.replace(options, fill=fill, legend_extra=legend)
        drawn = _focus(whole, request)
        # Every statement is drawn in its role in the whole map, focused or not.
        roles = whole.roles
        if request.page:
            return _paged(drawn, options, request, roles, before_render, spend, progress)
        source = to_dot(drawn, options, roles=roles)
        if request.fmt == "dot":
            return Diagram(source.encode("utf-8"))
        return Diagram(_layout(source, request, len(drawn.statements), before_render, spend))

    return _cached(request.cache_key(map_), make, scope=f"map:{map_.pk}:v{map_.version}")


def drawn_already(map_: ArgumentMap, request: DiagramRequest) -> Diagram | None:
    """The diagram from the cache, if it is there (a refusal stored there is raised)."""
    found = cache.get(request.cache_key(map_))
    if isinstance(found, Refusal):
        found.raise_again()
    return found if isinstance(found, Diagram) else None


def needs_job(map_: ArgumentMap, request: DiagramRequest) -> bool:
    """Whether drawing this takes long enough to go to a job (docs/jobs.md): a handout or
    a deck (pages) of a map of ``ARGMAP_JOB_MIN_STATEMENTS`` statements or more, not in
    the cache yet. Counts the statements only for pages (one query)."""
    if request.page is None or not pages_drawn_by_job(map_.statements.count()):
        return False
    return drawn_already(map_, request) is None


def pages_drawn_by_job(statements: int) -> bool:
    """Whether a handout or deck of a map of this many statements is drawn by a job when it
    is not in the cache (``ARGMAP_JOB_MIN_STATEMENTS``)."""
    return statements >= settings.ARGMAP_JOB_MIN_STATEMENTS


def diagram_bytes(map_: ArgumentMap, request: DiagramRequest) -> bytes:
    """Return the map's diagram in the requested format (see ``diagram``)."""
    return diagram(map_, request).data


def diagram_filename(map_: ArgumentMap, request: DiagramRequest) -> str:
    suffix = f"-focus-{request.focus}" if request.focus else ""
    if request.page:
        suffix += f"-{request.page}"
    if request.slide:
        suffix += f"-{request.slide}"
    return f"{map_.slug}{suffix}.{request.fmt}"
