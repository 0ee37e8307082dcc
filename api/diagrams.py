"""Diagrams for the API, the admin and ``export_diagram``: options checked once, rendered
bytes cached in Django's cache per map version, and Graphviz runs bounded per process.

The drawing itself is plain Python in ``api.graph.dot`` and ``api.graph.render``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions, serializers, status

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
from api.graph.render import (
    GraphvizNotInstalled,
    RenderTimeout,
    RenderTooLarge,
    choose_engine,
    graphviz_available,
    render,
)
from api.graph.shading import shading
from api.models import ArgumentMap
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


class GraphvizMissing(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = INSTALL_HINT
    default_code = "graphviz_missing"


class RendererBusy(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "All diagram renderers are busy; try again in a few seconds."
    default_code = "renderer_busy"


class DiagramTooBig(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "diagram_too_big"


DEFAULT_DIRECTION = DIRECTIONS[0]
DEFAULT_DEPTH, MAX_DEPTH = 2, 20  # link steps around a focus statement


class DiagramParamsSerializer(serializers.Serializer):
    """The diagram options, as query parameters or command options."""

    direction = serializers.ChoiceField(
        choices=DIRECTIONS,
        default=DEFAULT_DIRECTION,
        help_text="BT puts reasons below their claims.",
    )
    focus = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of a statement: draw only its neighbourhood.",
    )
    depth = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DEPTH,
        default=DEFAULT_DEPTH,
        help_text="Link steps around `focus`.",
    )
    wrap = serializers.IntegerField(
        min_value=WRAP_MIN,
        max_value=WRAP_MAX,
        default=WRAP_DEFAULT,
        help_text="Characters per line of text.",
    )
    quotes = serializers.BooleanField(default=False, help_text="Show each statement's quote.")
    legend = serializers.BooleanField(default=False, help_text="Add a legend.")
    title = serializers.BooleanField(default=True, help_text="Show the map's title.")
    page = serializers.ChoiceField(
        choices=sorted(PAGES),
        required=False,
        allow_null=True,
        default=None,
        help_text="Scale to fit this page in landscape (for PDF handouts).",
    )
    engine = serializers.ChoiceField(
        choices=["auto", "dot", "sfdp"],
        default="auto",
        help_text="Layout engine; `auto` picks sfdp for big maps.",
    )
    download = serializers.BooleanField(
        default=False, help_text="Serve as an attachment (Content-Disposition)."
    )
    shade = serializers.ChoiceField(
        choices=list(SEMANTICS),
        required=False,
        allow_null=True,
        default=None,
        help_text="Shade statements by their evaluation under this semantics, with a legend.",
    )


@dataclass(frozen=True)
class DiagramRequest:
    fmt: str
    options: DiagramOptions
    focus: int | None
    depth: int
    engine: str
    download: bool
    shade: str | None = None

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
        )
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
        return f"diagram:{map_.pk}:{map_.version}:{digest}"

    def etag(self, map_: ArgumentMap) -> str:
        return f'"{map_.version}-{self.cache_key(map_).rsplit(":", 1)[1][:16]}"'


def diagram_request(fmt: str, params: Mapping[str, Any]) -> DiagramRequest:
    """Check the options; raise DRF's ``ValidationError`` naming each bad or unknown one."""
    if fmt not in MEDIA_TYPES:
        raise serializers.ValidationError({"format": [f"Must be one of {', '.join(MEDIA_TYPES)}."]})
    known = set(DiagramParamsSerializer().fields)
    unknown = sorted(set(params) - known)
    if unknown:
        raise serializers.ValidationError(
            {name: [f"Unknown option; known: {', '.join(sorted(known))}."] for name in unknown}
        )
    serializer = DiagramParamsSerializer(data=dict(params))
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    options = DiagramOptions(
        direction=data["direction"],
        wrap=data["wrap"],
        quotes=data["quotes"],
        legend=data["legend"],
        title=data["title"],
        focus=data["focus"],
        page=data["page"],
    )
    return DiagramRequest(
        fmt=fmt,
        options=options,
        focus=data["focus"],
        depth=data["depth"],
        engine=data["engine"],
        download=data["download"],
        shade=data["shade"],
    )


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _render_slots() -> threading.BoundedSemaphore:
    """At most ARGMAP_MAX_CONCURRENT_RENDERS Graphviz runs at once in this process."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.ARGMAP_MAX_CONCURRENT_RENDERS)
        return _slots


def _focus(graph: ArgumentGraph, request: DiagramRequest) -> ArgumentGraph:
    if request.focus is None:
        return graph
    try:
        return neighbourhood(graph, request.focus, request.depth)
    except KeyError:
        raise serializers.ValidationError(
            {"focus": [f"Statement {request.focus} is not in this map."]}
        ) from None


def _layout(source: str, request: DiagramRequest, n_statements: int) -> bytes:
    if not graphviz_available("dot"):
        raise GraphvizMissing()
    engine = request.engine
    if engine == "auto":
        engine = choose_engine(n_statements, settings.ARGMAP_SFDP_THRESHOLD)
    slots = _render_slots()
    if not slots.acquire(timeout=settings.ARGMAP_RENDER_QUEUE_TIMEOUT):
        raise RendererBusy()
    try:
        try:
            return render(
                source,
                request.fmt,
                engine=engine,
                timeout=settings.ARGMAP_RENDER_TIMEOUT,
                max_output_bytes=settings.ARGMAP_RENDER_MAX_BYTES,
            )
        except RenderTimeout:
            if engine != "dot" or request.engine == "dot":
                raise
            log.info("dot timed out on %s statements; drawing with sfdp", n_statements)
            return render(
                source,
                request.fmt,
                engine="sfdp",
                timeout=settings.ARGMAP_RENDER_TIMEOUT,
                max_output_bytes=settings.ARGMAP_RENDER_MAX_BYTES,
            )
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
    except GraphvizNotInstalled:
        raise GraphvizMissing() from None
    finally:
        slots.release()


def diagram_bytes(map_: ArgumentMap, request: DiagramRequest) -> bytes:
    """Return the map's diagram in the requested format, from the cache when it can."""
    key = request.cache_key(map_)
    data = cache.get(key)
    if data is not None:
        return data
    whole = map_graph_get(map_)
    options = request.options
    if request.shade:
        # Labels come from the whole map, even when only a neighbourhood is drawn.
        fill, legend = shading(map_evaluation(map_, whole, request.shade))
        options = dataclasses.replace(options, fill=fill, legend_extra=legend)
    graph = _focus(whole, request)
    source = to_dot(graph, options)
    if request.fmt == "dot":
        data = source.encode("utf-8")
    else:
        data = _layout(source, request, len(graph.statements))
    cache_bounded_set(key, data, scope=f"map:{map_.pk}:v{map_.version}")
    return data


def diagram_filename(map_: ArgumentMap, request: DiagramRequest) -> str:
    suffix = f"-focus-{request.focus}" if request.focus else ""
    return f"{map_.slug}{suffix}.{request.fmt}"
