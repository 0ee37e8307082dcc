"""REST endpoints. Thin: serializers validate, services write, selectors read."""

from __future__ import annotations

import re

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import diagrams, selectors, services
from api.filters import LinkFilter, StatementFilter
from api.graph import graphjson
from api.models import ArgumentMap, Link, LinkPremise, Statement
from api.serializers import (
    ArgumentMapListSerializer,
    ArgumentMapSerializer,
    GraphSerializer,
    LinkSerializer,
    StatementSerializer,
)

_VERSION_TAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The map version you last read, as its ETag (`"7"`). A stale one gets 412.',
)
CASCADE = OpenApiParameter(
    "cascade",
    OpenApiTypes.BOOL,
    description="Also delete the links that use this object (otherwise 409 names them).",
)


def map_etag(map_: ArgumentMap) -> str:
    return f'"{map_.version}"'


def expected_version(request: Request) -> int | None:
    """The version named by ``If-Match``, or None when the header is absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _VERSION_TAG.match(header)
    if not match:
        raise exceptions.ValidationError(
            {"If-Match": ['Must be the map\'s ETag, a version in quotes such as "7".']}
        )
    return int(match.group(1))


def wants_cascade(request: Request) -> bool:
    return request.query_params.get("cascade", "").lower() in {"1", "true", "yes"}


class MapVersionMixin:
    """Passes ``If-Match`` to the serializer and services as the expected map version."""

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.request.method in {"PUT", "PATCH", "POST", "DELETE"}:
            context["expected_version"] = expected_version(self.request)
        return context


def _count(model, field: str):
    return Coalesce(
        Subquery(
            model.objects.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ArgumentMapViewSet(MapVersionMixin, viewsets.ModelViewSet):
    """Argument maps. ``graph/`` returns a whole map in one call."""

    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    ordering_fields = ["slug", "title", "created_at", "updated_at"]
    filterset_fields = {"source_author": ["exact", "icontains"], "slug": ["exact"]}

    def get_queryset(self) -> QuerySet:
        return (
            ArgumentMap.objects.visible_to(self.request.user)
            .select_related("owner")
            .annotate(n_statements=_count(Statement, "map"), n_links=_count(Link, "map"))
            .order_by("slug")
        )

    def get_serializer_class(self):
        return ArgumentMapListSerializer if self.action == "list" else ArgumentMapSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_destroy(self, instance: ArgumentMap) -> None:
        services.map_delete(map_=instance, expected_version=expected_version(self.request))

    @extend_schema(responses=GraphSerializer, summary="The whole map in one response")
    @action(detail=True, methods=["get"], url_path="graph")
    def graph(self, request: Request, slug: str) -> Response:
        map_ = self.get_object()
        etag = map_etag(map_)
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        data = graphjson.to_dict(selectors.map_graph_get(map_))
        return Response(data, headers={"ETag": etag})


@extend_schema_view(
    create=extend_schema(parameters=[IF_MATCH]),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH, CASCADE]),
)
class StatementViewSet(MapVersionMixin, viewsets.ModelViewSet):
    """Statements: claims with an optional verbatim quote; ``role`` is derived."""

    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    ordering_fields = ["id", "text"]

    def get_queryset(self) -> QuerySet:
        return (
            Statement.objects.visible_to(self.request.user)
            .select_related("map")
            .with_role_flags()
            .order_by("id")
        )

    def perform_destroy(self, instance: Statement) -> None:
        services.statement_delete(
            statement=instance,
            expected_version=expected_version(self.request),
            cascade=wants_cascade(self.request),
        )


@extend_schema_view(
    create=extend_schema(parameters=[IF_MATCH]),
    update=extend_schema(parameters=[IF_MATCH]),
    partial_update=extend_schema(parameters=[IF_MATCH]),
    destroy=extend_schema(parameters=[IF_MATCH, CASCADE]),
)
class LinkViewSet(MapVersionMixin, viewsets.ModelViewSet):
    """Support and oppose links; a link's target is a statement or another link."""

    serializer_class = LinkSerializer
    filterset_class = LinkFilter
    ordering_fields = ["id", "kind"]

    def get_queryset(self) -> QuerySet:
        return (
            Link.objects.visible_to(self.request.user)
            .select_related("map")
            .prefetch_related(
                Prefetch("premise_rows", queryset=LinkPremise.objects.order_by("position", "id"))
            )
            .order_by("id")
            .distinct()
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


class DiagramView(APIView):
    """The map as an argument diagram: SVG, PNG, PDF (drawn by Graphviz) or DOT."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly

    @extend_schema(
        summary="The map as an argument diagram",
        parameters=[
            diagrams.DiagramParamsSerializer,
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
        | {304: None},
    )
    def get(self, request: Request, slug: str, fmt: str) -> HttpResponse:
        map_ = get_object_or_404(ArgumentMap.objects.visible_to(request.user), slug=slug)
        diagram = diagrams.diagram_request(fmt, request.query_params.dict())
        etag = diagram.etag(map_)
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        data = diagrams.diagram_bytes(map_, diagram)
        return file_response(
            data,
            diagrams.MEDIA_TYPES[fmt],
            diagrams.diagram_filename(map_, diagram),
            download=diagram.download,
            etag=etag,
        )
