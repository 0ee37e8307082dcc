"""REST endpoints. Thin: serializers validate, services write, selectors read."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import Resolver404, resolve
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import diagrams, evaluation_service, selectors, services
from api.exceptions import JobNotDone, MapMoved, PayloadTooLarge, PreconditionRequired
from api.filters import LinkFilter, StatementFilter, parse_bool
from api.graph import formats, graphjson
from api.graph.validate import check_whole_map_keys
from api.models import ArgumentMap, Job, JobKind, JobState, Link, LinkPremise, Statement
from api.serializers import (
    ArgumentMapListSerializer,
    ArgumentMapSerializer,
    EvaluationQuerySerializer,
    EvaluationSerializer,
    GraphSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    JobSerializer,
    LinkSerializer,
    NewLinkSerializer,
    StatementSerializer,
)
from api.throttling import RENDER_THROTTLES, job_requester

# If-Match as the API reads it, and as the schema says (one pattern for both): the map's
# ETag (a version in quotes, weak or strong), or "*" where that is allowed, with the
# spaces and tabs HTTP allows around a field value.
ETAG_PATTERN = r'^[ \t]*(?:W/)?"([0-9]{1,18})"[ \t]*$'
IF_MATCH_PATTERN = r'^[ \t]*(?:\*|(?:W/)?"[0-9]{1,18}")[ \t]*$'
_VERSION_TAG = re.compile(ETAG_PATTERN)
_IF_MATCH = re.compile(IF_MATCH_PATTERN)

# The header's schema names its syntax as a format too ("if-match", "etag"): test tools
# that cannot draw header values from a pattern needing quotes register a generator for it
# (clients/schemathesis_hooks.py).
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "format": "if-match", "pattern": IF_MATCH_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        'The map version you last read, as its ETag (`"7"`), or `*`. A stale one gets 412.'
    ),
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    {"type": "string", "format": "etag", "pattern": ETAG_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description='The map version you last read, as its ETag (`"7"`). Missing: 428; stale: 412.',
)
CASCADE = OpenApiParameter(
    "cascade",
    OpenApiTypes.BOOL,
    description="Also delete the links that use this object (otherwise 409 names them).",
)


def map_etag(map_: ArgumentMap) -> str:
    return f'"{map_.version}"'


def not_modified(request: Request, etag: str) -> HttpResponseNotModified | None:
    """304 Not Modified (with the ETag) when the request's If-None-Match matches ``etag``,
    as RFC 9110 (13.1.2) reads the header: ``*``, or a comma-separated list of entity tags
    compared weakly (``W/"7"`` matches ``"7"``). Anything else in the list matches
    nothing: ``xx"7"xx`` is not ``"7"``. None when the request should be answered."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return None
    tags = parse_etags(header)
    if tags != ["*"] and _weak(etag) not in {_weak(tag) for tag in tags}:
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def _weak(tag: str) -> str:
    return tag.removeprefix("W/")


def expected_version(request: Request) -> int | None:
    """The version named by ``If-Match``, or None when the header is absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    if not _IF_MATCH.fullmatch(header):
        raise exceptions.ValidationError(
            {"If-Match": ['Must be the map\'s ETag, a version in quotes such as "7", or *.']}
        )
    match = _VERSION_TAG.fullmatch(header)
    return int(match.group(1)) if match else None


if TYPE_CHECKING:
    from rest_framework.pagination import PageNumberPagination
    from rest_framework.viewsets import GenericViewSet as _GenericView
else:
    _GenericView = object  # a mixin for the viewsets below; typed as their base


def wants_cascade(request: Request) -> bool:
    value = request.query_params.get("cascade")
    return False if value is None else parse_bool(value, "cascade")


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip: named (or ``*``) with a
    quality above 0 (RFC 9110 12.5.3; ``gzip;q=0`` refuses it)."""
    qualities: dict[str, float] = {}
    for item in header.lower().split(","):
        coding, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if coding.strip():
            qualities[coding.strip()] = quality
    quality = qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0)))
    return quality > 0


def redirect_if_moved(request: Request, slug: str) -> None:
    """Raise ``MapMoved`` (a 308 to the same URL under the new slug) if ``slug`` is one a
    map this user may see had before a rename."""
    moved = selectors.map_moved(
        slug, request.user, request.path, request.META.get("QUERY_STRING", "")
    )
    if moved is not None:
        raise MapMoved(slug, *moved)


def visible_map_or_404(request: Request, slug: str) -> ArgumentMap:
    """The map with this slug if the user may see it; else a redirect if it was renamed,
    or 404 (a private map's slug answers as an unknown one does)."""
    map_ = ArgumentMap.objects.visible_to(request.user).filter(slug=slug).first()
    if map_ is None:
        redirect_if_moved(request, slug)
        raise exceptions.NotFound(f"No map with slug {slug!r}.")
    return map_


@csrf_exempt  # it changes nothing; a token client's DELETE must get the 404, not a 403
def not_found(request, path: str = "") -> HttpResponse:
    """Any other path under /api/: a JSON 404 (also with DEBUG on). A path that lacks
    only its final slash is redirected for reads and named for writes."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            target = request.path + "/"
            if request.method in ("GET", "HEAD"):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
            return JsonResponse(
                {"detail": f"Not found: the URL ends with a slash ({target}).", "errors": {}},
                status=404,
            )
    return JsonResponse({"detail": f"Not found: {request.path}.", "errors": {}}, status=404)


def check_query_params(request: Request, allowed: set[str]) -> None:
    """A 400 naming each query parameter not in ``allowed``, and each one given empty
    (``?map=``): none of them has the empty string among its values, so an empty one is
    not quietly read as left out."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed - {"format"})) or "no parameters"
        raise exceptions.ValidationError(
            {name: [f"Unknown query parameter; this endpoint takes {takes}."] for name in unknown}
        )
    check_no_empty_params(request)


def check_no_empty_params(request: Request) -> None:
    """A 400 naming each query parameter given empty (``?focus=``)."""
    empty = sorted(
        name for name, values in request.query_params.lists() if any(v == "" for v in values)
    )
    if empty:
        raise exceptions.ValidationError(
            {name: ["Empty: give a value, or leave the parameter out."] for name in empty}
        )


class StrictQueryMixin(_GenericView):
    """Query parameters a request cannot use are a 400 naming them, not ignored."""

    extra_query_params: dict[str, set[str]] = {}
    ordering_fields: Any  # OrderingFilter's, set by the viewsets that order

    def allowed_query_params(self) -> set[str]:
        allowed = {"format"}  # the browsable API's ?format=json
        if self.action == "list":
            queryset = self.get_queryset()
            for backend in self.filter_backends:
                filterset_class = getattr(backend(), "get_filterset_class", None)
                if filterset_class is not None:
                    found = filterset_class(self, queryset)
                    allowed |= set(found.base_filters) if found is not None else set()
                ordering_param = getattr(backend, "ordering_param", None)
                if ordering_param and self.ordering_fields:
                    allowed.add(ordering_param)
            paginator = cast("PageNumberPagination | None", self.paginator)
            if paginator is not None:
                allowed.add(paginator.page_query_param)
                if paginator.page_size_query_param:
                    allowed.add(paginator.page_size_query_param)
        return allowed | self.extra_query_params.get(self.action, set())

    def initial(self, request, *args, **kwargs) -> None:
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # The method comes first: 405 with Allow, before authentication and whatever
            # the query holds.
            self.http_method_not_allowed(request, *args, **kwargs)
        super().initial(request, *args, **kwargs)
        check_query_params(request, self.allowed_query_params())


class NamedNotFoundMixin:
    """404s that say what was looked for: "No statement with id 5." """

    noun = "object"

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            field = self.lookup_url_kwarg or self.lookup_field
            value = self.kwargs.get(field)
            name = "id" if field == "pk" else field
            raise exceptions.NotFound(f"No {self.noun} with {name} {value!r}.") from None


class MapVersionMixin(_GenericView):
    """Passes ``If-Match`` to the serializer and services as the expected map version."""

    def get_serializer_context(self) -> dict:
        context = dict(super().get_serializer_context())
        if self.request.method in {"PUT", "PATCH", "POST", "DELETE"}:
            context["expected_version"] = expected_version(self.request)
        return context


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ArgumentMapViewSet(
    StrictQueryMixin, NamedNotFoundMixin, MapVersionMixin, viewsets.ModelViewSet
):
    """Argument maps. ``graph/`` returns a whole map in one call."""

    noun = "map"
    extra_query_params = {"evaluation": {"semantics"}}
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["slug", "title", "created_at", "updated_at"]
    filterset_fields = {"source_author": ["exact", "icontains"], "slug": ["exact"]}

    def get_queryset(self) -> QuerySet:
        maps = ArgumentMap.objects.visible_to(self.request.user).select_related("owner")
        # Counting is for the map's own representation; graph, diagrams and writes skip it.
        if self.action == "list":
            maps = maps.with_counts().defer("source_text")
        elif self.action == "retrieve":
            maps = maps.with_counts()
        return maps.order_by("slug")

    def get_serializer_class(self):
        return ArgumentMapListSerializer if self.action == "list" else ArgumentMapSerializer

    def get_object(self) -> ArgumentMap:
        try:
            return super().get_object()
        except exceptions.NotFound:
            redirect_if_moved(self.request, self.kwargs[self.lookup_field])
            raise

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_destroy(self, instance: ArgumentMap) -> None:
        services.map_delete(map_=instance, expected_version=expected_version(self.request))

    @extend_schema(responses=GraphSerializer, summary="The whole map in one response")
    @action(detail=True, methods=["get"], url_path="graph")
    def graph(self, request: Request, slug: str) -> HttpResponse:
        map_ = self.get_object()  # visibility and the 404 as for every map endpoint
        etag = map_etag(map_)
        if (unchanged := not_modified(request, etag)) is not None:
            return unchanged
        # The hot path: rows straight to orjson bytes (no serializer per row), cached per
        # map version, and gzip-compressed once per version for clients that accept it.
        # The shape is GraphSerializer's, the same as graphjson.to_dict (tested).
        gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
        body = selectors.map_graph_json_cached(map_, gzipped=gzipped)
        response = HttpResponse(body, content_type="application/json")
        response["Vary"] = "Accept-Encoding"
        if gzipped:
            response["Content-Encoding"] = "gzip"
            etag = f"W/{etag}"  # as GZipMiddleware does: another encoding, a weak tag
        response["ETag"] = etag
        return response

    @extend_schema(
        request=GraphSerializer,
        responses=GraphSerializer,
        parameters=[IF_MATCH_REQUIRED],
        summary="Replace the whole map atomically (If-Match required)",
        description=(
            "The body has the shape GET returns. Statements and links whose ids are this "
            "map's keep them; other ids are references within the body and get new ids; "
            "what the body leaves out is deleted. Every key of the shape is required and no "
            "other is accepted (`role` is derived and ignored; `map.slug` and `map.version` "
            "must be sent as read). Other `map` fields change the map. A body equal to the "
            "map changes nothing (same version). Without If-Match: 428; with a stale one: "
            "412."
        ),
    )
    @graph.mapping.put
    def replace_graph(self, request: Request, slug: str) -> Response:
        map_ = self.get_object()
        version = expected_version(request)
        if version is None:
            raise PreconditionRequired()
        check_whole_map_keys(request.data)  # FormatError: a missing or unknown key
        graph = graphjson.from_dict(request.data)
        updated = services.map_graph_replace(
            map_=map_,
            graph=graph,
            expected_version=version,
            map_fields=cast("dict[str, Any]", request.data)["map"],
            user=request.user,
        )
        data = graphjson.to_dict(selectors.map_graph_get(updated))
        return Response(data, headers={"ETag": map_etag(updated)})

    @extend_schema(
        parameters=[EvaluationQuerySerializer],
        responses=EvaluationSerializer,
        summary="Which claims stand: labels (grounded, preferred, stable) or strengths",
        description=(
            "Oppose links attack (statements: rebuttals; links: undercutters); a link takes "
            "effect only when all its premises are in; an unattacked statement is in. "
            "`why` lists the links that made a statement out (or, for dfquad, moved its "
            "strength). Preferred and stable give the sceptical result over all their "
            "labellings, with `extensions` their number. See docs/evaluation.md."
        ),
    )
    @action(detail=True, methods=["get"], url_path="evaluation")
    def evaluation(self, request: Request, slug: str) -> HttpResponse:
        map_ = self.get_object()
        query = EvaluationQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        semantics = query.validated_data["semantics"]
        etag = f'"{map_.version}-{semantics}"'
        if (unchanged := not_modified(request, etag)) is not None:
            return unchanged
        result = evaluation_service.map_evaluation(map_, selectors.map_graph_get(map_), semantics)
        return Response(
            evaluation_service.evaluation_to_dict(result, map_.version), headers={"ETag": etag}
        )

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            201: ImportResultSerializer,
            202: OpenApiResponse(
                JobSerializer,
                description=(
                    "A big file's rows are written by a job (docs/jobs.md): its map is made, "
                    "empty, and the file checked; follow the job at `Location` (`GET "
                    "/api/jobs/{id}/`), whose result is this operation's 201 body."
                ),
            ),
        },
        summary="Create a map from a file (AIF, Argdown, JSON, Kialo, microtexts, SADFace)",
        description=(
            "The format is told from the file's content unless `format` forces one; a file "
            "that is none of them is a 400 naming the formats tried. `left_out` counts what "
            "the file held that the map does not, `notes` says why. A refused file writes "
            "nothing. A file of `ARGMAP_IMPORT_JOB_MIN_STATEMENTS` statements or more (2 000 "
            "by default) is a job: 202."
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > settings.ARGMAP_MAX_REQUEST_BYTES:
            raise PayloadTooLarge(
                f"The file is {upload.size} bytes; the limit is "
                f"{settings.ARGMAP_MAX_REQUEST_BYTES} bytes."
            )
        report = services.import_file_or_job(
            name=upload.name or "",
            data=upload.read(),
            requester=job_requester(request),
            owner=request.user,
            fmt=serializer.validated_data.get("format"),
            slug=serializer.validated_data.get("slug"),
            title=serializer.validated_data.get("title"),
            is_private=serializer.validated_data.get("is_private", False),
            source_text=serializer.validated_data.get("text"),
        )
        if isinstance(report, Job):
            # Answered as a job even when it ran as it was made (no broker), as diagrams are.
            return job_accepted(request, report)
        body = import_result(request, report.map, services.report_dict(report))
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"ETag": map_etag(report.map)}
        )


@extend_schema_view(
    create=extend_schema(parameters=[IF_MATCH]),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH, CASCADE]),
)
class StatementViewSet(
    StrictQueryMixin, NamedNotFoundMixin, MapVersionMixin, viewsets.ModelViewSet
):
    """Statements: claims with an optional verbatim quote; ``role`` is derived."""

    noun = "statement"
    lookup_value_regex = r"[0-9]{1,18}"
    extra_query_params = {"destroy": {"cascade"}}
    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    ordering_fields = ["id", "text"]

    def get_queryset(self) -> QuerySet:
        statements = (
            Statement.objects.visible_to(self.request.user)
            .select_related("map")
            .defer("map__source_text", "map__summary")
            .order_by("id")
        )
        # A list page gets its roles after pagination (paginate_queryset): annotating
        # every row would scan the whole map's links for a page of fifty.
        return statements if self.action == "list" else statements.with_role_flags()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.statements_attach_roles(page)
        return page

    def perform_destroy(self, instance: Statement) -> None:
        services.statement_delete(
            statement=instance,
            expected_version=expected_version(self.request),
            cascade=wants_cascade(self.request),
        )


@extend_schema_view(
    create=extend_schema(
        parameters=[IF_MATCH], request=NewLinkSerializer, responses={201: LinkSerializer}
    ),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH, CASCADE]),
)
class LinkViewSet(StrictQueryMixin, NamedNotFoundMixin, MapVersionMixin, viewsets.ModelViewSet):
    """Support and oppose links; a link's target is a statement or another link."""

    noun = "link"
    lookup_value_regex = r"[0-9]{1,18}"
    extra_query_params = {"destroy": {"cascade"}}
    serializer_class = LinkSerializer
    filterset_class = LinkFilter
    ordering_fields = ["id", "kind"]

    def get_serializer_class(self) -> type[LinkSerializer]:
        return NewLinkSerializer if self.action == "create" else LinkSerializer

    def get_queryset(self) -> QuerySet:
        return (
            Link.objects.visible_to(self.request.user)
            .select_related("map")
            .defer("map__source_text", "map__summary")
            .prefetch_related(
                Prefetch("premise_rows", queryset=LinkPremise.objects.order_by("position", "id"))
            )
            .order_by("id")
        )

    def perform_destroy(self, instance: Link) -> None:
        services.link_delete(
            link=instance,
            expected_version=expected_version(self.request),
            cascade=wants_cascade(self.request),
        )


class JSONErrorsOnly(BaseContentNegotiation):
    """Endpoints that answer files: their errors are JSON whatever the client accepts."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_response(
    data: bytes, media_type: str, filename: str, *, download: bool, etag: str
) -> HttpResponse:
    response = HttpResponse(data, content_type=media_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    if media_type.startswith("image/svg"):
        # An SVG opened directly is a document: let it run nothing and load nothing.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
        )
    return response


def _param_schema(param: diagrams.Param) -> dict:
    """The OpenAPI schema of one diagram option, its bounds from ``diagrams.PARAMS``."""
    schema: dict = {"type": {"int": "integer", "bool": "boolean", "choice": "string"}[param.kind]}
    if param.low is not None:
        schema["minimum"] = param.low
    if param.high is not None:
        schema["maximum"] = param.high
    return schema


DIAGRAM_PARAMETERS = [
    OpenApiParameter(
        param.name,
        _param_schema(param),
        OpenApiParameter.QUERY,
        description=param.help,
        enum=list(param.choices) or None,
        default=param.default,
    )
    for param in diagrams.PARAMS
]


def check_render_throttles(request: Request, view: APIView) -> None:
    """Before a diagram is rendered (not when it comes from the cache): the render
    throttles, far tighter than reads; past one, a 429 with ``Retry-After`` naming it."""
    for throttle_class, setting in RENDER_THROTTLES.items():
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            wait = throttle.wait()
            raise exceptions.Throttled(
                wait,
                detail=(
                    f"Too many diagram renders: at most {throttle.rate} ({setting}). "
                    "Diagrams already drawn are served without limit."
                ),
            )


def job_accepted(request: Request, job: Job) -> Response:
    """202 Accepted: the job that draws what was asked for, and where to follow it."""
    location = f"/api/jobs/{job.pk}/"
    body = JobSerializer(job, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


def import_result(request: Request, map_: ArgumentMap, report: dict) -> dict:
    """The body of an import's answer: the map made, and the report (``report_dict``)."""
    return {"map": ArgumentMapSerializer(map_, context={"request": request}).data, **report}


def job_diagram(job: Job) -> diagrams.Diagram:
    return diagrams.Diagram(bytes(job.result or b""), (job.notices,) if job.notices else ())


class DiagramView(APIView):
    """The map as an argument diagram: SVG, PNG, PDF (drawn by Graphviz) or DOT."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly

    @extend_schema(
        summary="The map as an argument diagram",
        parameters=[
            *DIAGRAM_PARAMETERS,
            OpenApiParameter(
                "fmt",
                str,
                OpenApiParameter.PATH,
                enum=list(diagrams.MEDIA_TYPES),
                description="svg, png, pdf (need Graphviz on the server) or dot.",
            ),
        ],
        responses={
            (200, media_type.split(";")[0]): OpenApiTypes.BINARY
            for media_type in diagrams.MEDIA_TYPES.values()
        }
        | {
            202: OpenApiResponse(
                JobSerializer,
                description=(
                    "A handout or deck of a big map is drawn by a job (docs/jobs.md): "
                    "follow it at `Location` (`GET /api/jobs/{id}/`)."
                ),
            ),
            304: None,
        },
    )
    def get(self, request: Request, slug: str, fmt: str) -> HttpResponse:
        check_no_empty_params(request)  # the options themselves: diagram_request
        map_ = visible_map_or_404(request, slug)
        diagram = diagrams.diagram_request(fmt, request.query_params.dict())
        etag = diagram.etag(map_)
        if (unchanged := not_modified(request, etag)) is not None:
            return unchanged
        drawn: diagrams.Diagram | None = None
        if diagrams.needs_job(map_, diagram):
            job, created = services.job_for(
                map_=map_,
                fmt=fmt,
                params=request.query_params.dict(),
                key=diagram.cache_key(map_),
                requester=job_requester(request),
                before_create=lambda: check_render_throttles(request, self),
            )
            # A new job is answered as one even when it ran as it was made (no broker):
            # the answer to this request does not depend on how the queue runs.
            if created or job.state != JobState.DONE:
                return job_accepted(request, job)
            drawn = job_diagram(job)
        if drawn is None:
            drawn = diagrams.diagram(
                map_, diagram, before_render=lambda: check_render_throttles(request, self)
            )
        response = file_response(
            drawn.data,
            diagrams.MEDIA_TYPES[fmt],
            diagrams.diagram_filename(map_, diagram),
            download=diagram.download,
            etag=etag,
        )
        if drawn.notices:
            # Limits met on the way (a page cut into tiles, an overview left out).
            response["X-Diagram-Notice"] = " ".join(drawn.notices)
        return response


class ExportView(APIView):
    """The map as a file: AIF JSON, Argdown, argmap's whole-map JSON, Kialo text, SADFace."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly

    @extend_schema(
        summary="The map as an interchange file",
        parameters=[
            OpenApiParameter(
                "fmt",
                str,
                OpenApiParameter.PATH,
                enum=list(formats.EXPORT_TYPES),
                description=(
                    "aif (AIF JSON, for AIFdb and OVA), argdown, json (whole map), kialo "
                    "(Kialo's text export, with a closing note of what Kialo cannot hold) "
                    "or sadface (SADFace JSON)."
                ),
            )
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/plain"): OpenApiTypes.STR,
            304: None,
        },
    )
    def get(self, request: Request, slug: str, fmt: str) -> HttpResponse:
        check_query_params(request, set())
        map_ = visible_map_or_404(request, slug)
        etag = f'"{map_.version}-{fmt}"'
        if (unchanged := not_modified(request, etag)) is not None:
            return unchanged
        media_type, suffix = formats.EXPORT_TYPES[fmt]
        data = formats.write_map(selectors.map_graph_get(map_), fmt)
        return file_response(data, media_type, f"{map_.slug}.{suffix}", download=True, etag=etag)


JOB_ID = OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def visible_job_or_404(request: Request, job_id: str) -> Job:
    """The job, if the requester may see its map (a private map's job reads as none)."""
    job = selectors.job_get(job_id, request.user)
    if job is None:
        raise exceptions.NotFound(f"No job {job_id}.")
    return job


class JobView(APIView):
    """A job drawing a diagram off the request: its state, progress and result."""

    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="A job: state, progress (pages), and the result's URL once done",
        parameters=[JOB_ID],
        responses={200: JobSerializer},
    )
    def get(self, request: Request, job_id: str) -> Response:
        check_query_params(request, set())
        job = visible_job_or_404(request, job_id)
        return Response(JobSerializer(job, context={"request": request}).data)


class JobResultView(APIView):
    """A done job's result: the diagram's file, or the import's report."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly

    @extend_schema(
        summary="A done job's result (the diagram's file, or the import's report)",
        parameters=[JOB_ID],
        responses={
            (200, media_type.split(";")[0]): OpenApiTypes.BINARY
            for media_type in diagrams.MEDIA_TYPES.values()
        }
        | {(200, "application/json"): ImportResultSerializer},
    )
    def get(self, request: Request, job_id: str) -> HttpResponse:
        check_query_params(request, set())
        job = visible_job_or_404(request, job_id)
        if job.state != JobState.DONE:
            raise JobNotDone(job)
        map_ = job.map
        if job.kind == JobKind.IMPORT:
            report = json.loads(bytes(job.result or b"{}"))
            return Response(import_result(request, map_, report), headers={"ETag": map_etag(map_)})
        diagram = diagrams.diagram_request(job.fmt, job.params)
        return file_response(
            job_diagram(job).data,
            diagrams.MEDIA_TYPES[job.fmt],
            diagrams.diagram_filename(map_, diagram),
            download=True,
            etag=f'"job-{job.pk}"',
        )
