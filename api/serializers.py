"""Input validation and output shape of the REST API. Writes go through ``api.services``."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import QueryDict
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import services
from api.graph import formats
from api.graph.evaluation import SEMANTICS
from api.graph.model import Role
from api.graph.validate import (
    LINK_FIELDS,
    MAX_ID,
    MAX_SLUG_LENGTH,
    REQUIRED_TEXT_PATTERN,
    RULE,
    SLUG_MESSAGE,
    STATEMENT_FIELDS,
    TEXT_PATTERN,
    URL_PATTERN,
    is_slug,
    repeated_premise,
    target_count_problem,
    text_problem,
)
from api.models import ArgumentMap, Job, JobKind, JobState, Link, LinkKind, Statement
from api.permissions import check_can_edit
from api.schema import SLUG_SCHEMA
from api.services.common import length_limit, normalize_newlines


def _expected_version(serializer: serializers.Serializer) -> int | None:
    return serializer.context.get("expected_version")


def unknown_field_message(name: str, known: list[str]) -> str:
    """ "Unknown field." with the closest known name, when there is one."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown field.{hint} Known fields: {', '.join(sorted(known))}."


if TYPE_CHECKING:
    _Serializer = serializers.Serializer
else:
    _Serializer = object  # a mixin for the serializers below; typed as their base


# The largest quote offset: what a positive integer column holds on every database.
MAX_OFFSET = 2**31 - 1


class TextField(serializers.CharField):
    """Text a person wrote (a statement, a quote, a note, a title...), at most as long as
    ``settings.ARGMAP_MAX_LENGTHS[limit]``. The services check it (control characters with
    the position, emptiness, length: ``api.graph.validate.text_problem``) and strip it;
    DRF's own trimming would hide what was sent. The schema states the same rules
    (``TextFieldExtension``)."""

    def __init__(self, *, limit: str | None = None, **kwargs):
        self.limit = limit
        kwargs["trim_whitespace"] = False
        kwargs["max_length"] = None
        super().__init__(**kwargs)

    def schema_pattern(self) -> str:
        return TEXT_PATTERN if self.allow_blank else REQUIRED_TEXT_PATTERN

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # The services check it again as they store it; here it is refused with the
        # body's other faults, before a write's precondition (a 400, not a 412).
        limit = length_limit(self.limit) if self.limit is not None else None
        problem = text_problem(
            normalize_newlines(value), required=not self.allow_blank, max_length=limit
        )
        if problem:
            raise serializers.ValidationError(problem, code="invalid")
        return value


class UrlField(TextField):
    """A web address (``api.graph.validate.URL_PATTERN``), or blank."""

    def schema_pattern(self) -> str:
        return URL_PATTERN


class TextFieldExtension(OpenApiSerializerFieldExtension):
    target_class = TextField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":  # what is sent; an answer holds what was stored
            schema["pattern"] = self.target.schema_pattern()
            if self.target.limit is not None:
                schema["maxLength"] = length_limit(self.target.limit)
        return schema


def json_type_name(value: Any) -> str:
    """The JSON type of a parsed JSON value, as JSON Schema names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def json_types(field: serializers.Field) -> frozenset[str]:
    """The JSON types a field takes, as its schema states them. DRF's fields also read
    strings as numbers and booleans (``"0"``, ``"true"``) and numbers as strings: that
    suits forms, but a JSON body is taken as the schema types it."""
    if isinstance(field, serializers.BooleanField):
        return frozenset({"boolean"})
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        return frozenset({"integer"})
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return frozenset({"integer", "number"})
    if isinstance(field, (serializers.ListField, serializers.ManyRelatedField)):
        return frozenset({"array"})
    if isinstance(field, serializers.ChoiceField):
        return frozenset(json_type_name(choice) for choice in field.choices)
    return frozenset({"string"})


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why a JSON value is not of the field's type (its items included), or None."""
    if value is None:
        return None  # DRF answers for null: allowed or "may not be null"
    expected = json_types(field)
    got = json_type_name(value)
    if got not in expected and not (got == "integer" and "number" in expected):
        return f"Must be {' or '.join(sorted(expected))}, not {got}."
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if child is not None and isinstance(value, list):
        for index, item in enumerate(value):
            problem = json_type_error(child, item)
            if problem:
                return f"Item {index}: {problem}"
    return None


class ClosedRequest(_Serializer):
    """A request body that admits no field its serializer does not list
    (``StrictInputExtension`` states ``additionalProperties: false``).

    ``one_of`` names nullable fields of which the body must give exactly one a value (a
    link's targets); the extension states it as a ``oneOf`` (within an ``allOf``)."""

    one_of: tuple[str, ...] = ()


class StrictInputMixin(ClosedRequest):
    """Nothing silently dropped: an unknown field is a 400 naming it, and so is a
    read-only field sent with a value other than the object's current one (sent back
    unchanged, as in a GET body, it is accepted). ``read_only_hints`` say how such a
    field does change. A JSON body's values have the types the schema states
    (``json_types``); the schema of the request admits no other field
    (``StrictInputExtension``)."""

    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self.input_field_errors(data)
            if not isinstance(data, QueryDict):  # a JSON body, not a form
                errors.update(self.json_type_errors(data))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def json_type_errors(self, data: Mapping) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for name, field in self.fields.items():
            if name in data and not field.read_only:
                problem = json_type_error(field, data[name])
                if problem:
                    errors[name] = [problem]
        return errors

    def input_field_errors(self, data: Mapping) -> dict[str, list[str]]:
        fields = self.fields
        writable = [name for name, field in fields.items() if not field.read_only]
        errors: dict[str, list[str]] = {}
        current: dict[str, Any] | None = None
        for key in data:
            if key in writable:
                continue
            if key not in fields:
                errors[key] = [unknown_field_message(key, list(fields))]
                continue
            if self.instance is not None:
                if current is None:
                    current = self.to_representation(self.instance)
                sent, now = data[key], current.get(key)
                if sent == now or (isinstance(sent, str) and sent == str(now)):
                    continue
            hint = self.read_only_hints.get(key, "it is set by the server.")
            errors[key] = [f"Cannot be set here: {hint}"]
        return errors


class PremisesField(serializers.ListField):
    """A link's premises: statement ids in order, at least one, none twice (the schema
    states ``minItems`` and ``uniqueItems``; ``api.graph.validate`` refuses a repeat)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.IntegerField(min_value=1, max_value=MAX_ID))
        super().__init__(allow_empty=False, **kwargs)

    def to_internal_value(self, data):
        premises = super().to_internal_value(data)
        twice = repeated_premise(premises)
        if twice:  # refused with the body's other faults, before the precondition
            raise serializers.ValidationError(twice, code="invalid")
        return premises


class StrictInputExtension(OpenApiSerializerExtension):
    """A request body of a ``ClosedRequest`` serializer (``StrictInputMixin``'s, the whole
    map's) admits no field the schema does not list (``additionalProperties: false``), as
    the server refuses them, and a list or file that may not be empty says so."""

    target_class = ClosedRequest
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
            for name, field in self.target.fields.items():
                if name not in schema["properties"]:
                    continue
                if getattr(field, "allow_empty", True) is False:  # a list: DRF's "empty"
                    schema["properties"][name]["minItems"] = 1
                if isinstance(field, PremisesField):  # api.graph.validate.repeated_premise
                    schema["properties"][name]["uniqueItems"] = True
                if getattr(field, "allow_empty_file", True) is False:  # a file: "empty"
                    schema["properties"][name]["minLength"] = 1
            if self.target.one_of:  # api.graph.validate.target_count_problem
                # Each option holds when its field has a value (not null); oneOf, when
                # exactly one does. Within an allOf, client generators keep the object's
                # own fields (openapi-python-client makes a union of the options'
                # fields alone of a oneOf beside them).
                options = [
                    {
                        "required": [name],
                        "properties": {name: {"type": schema["properties"][name]["type"]}},
                    }
                    for name in self.target.one_of
                ]
                schema["allOf"] = [{"oneOf": options}]
        return schema


@extend_schema_field(SLUG_SCHEMA)
class VisibleMapField(serializers.SlugRelatedField):
    """A map by slug, among the maps the requesting user may see and change. What is no
    slug is a 400; a slug no visible map has, a 404."""

    default_error_messages = {
        "does_not_exist": "No map with slug '{value}'.",  # a private one reads the same
        "invalid": SLUG_MESSAGE,
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return ArgumentMap.objects.visible_to(getattr(request, "user", None))

    def to_internal_value(self, data):
        if not is_slug(data):
            self.fail("invalid")
        map_ = super().to_internal_value(data)
        request = self.context.get("request")
        check_can_edit(getattr(request, "user", None), map_)
        return map_


class ArgumentMapSerializer(StrictInputMixin, serializers.ModelSerializer):
    # The map's text fields (title, summary, source_title, source_author, source_text)
    # are text a person wrote: their schema states the rule on control characters.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
    }
    read_only_hints = {
        "owner": (
            "a map belongs to the user who created it; staff change its owner in the admin "
            "(/admin/)."
        ),
        "version": (
            "it counts the map's changes. Send the version you read as If-Match to be told "
            "(412) of changes made since."
        ),
        "statement_count": "it is counted from the map's statements.",
        "link_count": "it is counted from the map's links.",
    }
    source_url = UrlField(
        limit="map.source_url", allow_blank=True, required=False, help_text="Where the source is."
    )
    owner: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: staff's map."
    )
    statement_count = serializers.SerializerMethodField()
    link_count = serializers.SerializerMethodField()
    graph_url = serializers.SerializerMethodField()

    class Meta:
        model = ArgumentMap
        fields = [
            "slug",
            *services.MAP_FIELDS,
            "owner",
            "version",
            "created_at",
            "updated_at",
            "statement_count",
            "link_count",
            "graph_url",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        # The services strip what they store (and keep the source text exactly, since
        # quotes point into it by offset), within settings.ARGMAP_MAX_LENGTHS.
        extra_kwargs = {
            name: {"limit": f"map.{name}"}
            for name in ("title", "summary", "source_title", "source_author")
        }

    # Lists annotate the counts (one query for the page); a fresh write counts them.
    def get_statement_count(self, obj: ArgumentMap) -> int:
        count = getattr(obj, "n_statements", None)
        return obj.statements.count() if count is None else count

    def get_link_count(self, obj: ArgumentMap) -> int:
        count = getattr(obj, "n_links", None)
        return obj.links.count() if count is None else count

    def get_graph_url(self, obj: ArgumentMap) -> str:
        request = self.context.get("request")
        path = f"/api/maps/{obj.slug}/graph/"
        return request.build_absolute_uri(path) if request else path

    def create(self, validated_data: dict[str, Any]) -> ArgumentMap:
        return services.map_create(owner=self.context["request"].user, **validated_data)

    def update(self, instance: ArgumentMap, validated_data: dict[str, Any]) -> ArgumentMap:
        return services.map_update(
            map_=instance, expected_version=_expected_version(self), **validated_data
        )


class ArgumentMapListSerializer(ArgumentMapSerializer):
    """The list leaves out the (long) source text; the detail and graph hold it."""

    class Meta(ArgumentMapSerializer.Meta):
        fields = [f for f in ArgumentMapSerializer.Meta.fields if f != "source_text"]


class StatementSerializer(StrictInputMixin, serializers.ModelSerializer):
    read_only_hints = {
        "id": "ids are given by the server.",
        "role": "it is derived from the links (a statement no link uses is unlinked).",
    }

    map = VisibleMapField(help_text="Slug of the map.")
    role = serializers.SerializerMethodField()
    text = TextField(limit="statement.text")
    quote = TextField(limit="statement.quote", allow_blank=True, required=False)
    attributed_to = TextField(limit="statement.attributed_to", allow_blank=True, required=False)
    note = TextField(limit="statement.note", allow_blank=True, required=False)

    class Meta:
        model = Statement
        fields = ["id", "map", *STATEMENT_FIELDS, "role"]
        # Offsets into the source text, with the bound every database holds (a positive
        # integer column: 2^31 - 1), not the one the current backend reports, so the
        # contract is the same on SQLite and PostgreSQL.
        extra_kwargs = {
            **{
                name: {"min_value": 0, "max_value": MAX_OFFSET}
                for name in ("quote_start", "quote_end")
            },
            # A score is a degree in [0, 1] (the services check it too, for every writer).
            "base_score": {"min_value": 0.0, "max_value": 1.0},
        }

    @extend_schema_field(serializers.ChoiceField(choices=[r.value for r in Role]))
    def get_role(self, obj: Statement) -> str:
        return obj.role

    def create(self, validated_data: dict[str, Any]) -> Statement:
        map_ = validated_data.pop("map")
        return services.statement_create(
            map_=map_, expected_version=_expected_version(self), **validated_data
        )

    def update(self, instance: Statement, validated_data: dict[str, Any]) -> Statement:
        return services.statement_update(
            statement=instance, expected_version=_expected_version(self), **validated_data
        )


class LinkSerializer(StrictInputMixin, serializers.ModelSerializer):
    read_only_hints = {"id": "ids are given by the server."}

    map = VisibleMapField(help_text="Slug of the map.")
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    premises = PremisesField(
        help_text="Statement ids, in order, none twice. Several premises are co-premises."
    )
    conclusion = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        required=False,
        help_text="The statement supported or opposed.",
    )
    target_link = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        required=False,
        help_text="The link whose inference this one attacks (an undercutter).",
    )
    scheme = TextField(limit="link.scheme", allow_blank=True, required=False)
    note = TextField(limit="link.note", allow_blank=True, required=False)

    class Meta:
        model = Link
        fields = ["id", "map", *LINK_FIELDS]

    def to_representation(self, instance: Link) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "map": instance.map.slug,
            "kind": instance.kind,
            "premises": [row.statement_id for row in instance.premise_rows.all()],
            "conclusion": instance.conclusion_id,
            "target_link": instance.target_link_id,
            "scheme": instance.scheme,
            "note": instance.note,
        }

    def create(self, validated_data: dict[str, Any]) -> Link:
        map_ = validated_data.pop("map")
        return services.link_create(
            map_=map_, expected_version=_expected_version(self), **validated_data
        )

    def update(self, instance: Link, validated_data: dict[str, Any]) -> Link:
        return services.link_update(
            link=instance, expected_version=_expected_version(self), **validated_data
        )


class NewLinkSerializer(LinkSerializer):
    """A new link's body: as ``LinkSerializer``'s, naming exactly one target. (A write to
    a link may leave both out, keeping its target, or give one, clearing the other.)"""

    one_of = ("conclusion", "target_link")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problem = target_count_problem(attrs.get("conclusion"), attrs.get("target_link"))
        if problem:  # refused with the body's other faults, before the precondition
            raise serializers.ValidationError({"conclusion": [problem]}, code="invalid")
        return super().validate(attrs)


class GraphMapSerializer(ClosedRequest, serializers.Serializer):
    slug = serializers.SlugField(max_length=MAX_SLUG_LENGTH, help_text="Sent as read.")
    title = TextField(limit="map.title")
    summary = TextField(limit="map.summary", allow_blank=True)
    source_title = TextField(limit="map.source_title", allow_blank=True)
    source_author = TextField(limit="map.source_author", allow_blank=True)
    source_date = serializers.DateField(allow_null=True)
    source_url = UrlField(limit="map.source_url", allow_blank=True)
    source_text = TextField(allow_blank=True)
    version = serializers.IntegerField(help_text="Sent as read.")
    is_private = serializers.BooleanField(
        required=False, help_text="A write may leave it out (unchanged)."
    )


class GraphStatementSerializer(ClosedRequest, serializers.Serializer):
    id = serializers.IntegerField(
        help_text="This map's id keeps the statement; another is a reference within the body."
    )
    text = TextField(limit="statement.text")
    quote = TextField(limit="statement.quote", allow_blank=True, allow_null=True)
    quote_start = serializers.IntegerField(allow_null=True)
    quote_end = serializers.IntegerField(allow_null=True)
    attributed_to = TextField(limit="statement.attributed_to", allow_blank=True, allow_null=True)
    base_score = serializers.FloatField(min_value=0.0, max_value=1.0)
    note = TextField(
        limit="statement.note",
        allow_blank=True,
        allow_null=True,
        required=False,
        help_text="The analyst's remark; a write may leave it out.",
    )
    role = serializers.ChoiceField(
        choices=[r.value for r in Role],
        required=False,
        help_text="Derived from the links; a write may leave it out, and it is ignored.",
    )


class GraphLinkSerializer(ClosedRequest, serializers.Serializer):
    one_of = ("conclusion", "target_link")
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    premises = PremisesField(child=serializers.IntegerField())
    conclusion = serializers.IntegerField(allow_null=True)
    target_link = serializers.IntegerField(allow_null=True)
    scheme = TextField(limit="link.scheme", allow_blank=True, allow_null=True)
    note = TextField(limit="link.note", allow_blank=True, allow_null=True)


class GraphSerializer(ClosedRequest, serializers.Serializer):
    """Documents the whole-map shape; the view builds the dict with ``api.graph``, and a
    write is read by ``api.graph.validate.check_whole_map_keys`` and
    ``graphjson.from_dict`` (``tests/test_contract.py`` holds them to this)."""

    map = GraphMapSerializer()
    statements = GraphStatementSerializer(many=True)
    links = GraphLinkSerializer(many=True)


class ImportRequestSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "An AIF JSON, Argdown, whole-map JSON, Kialo text export, argumentative "
            "microtexts XML or SADFace file."
        ),
    )
    format = serializers.ChoiceField(
        choices=list(formats.FORMATS),
        required=False,
        help_text="Default: told from the file's content.",
    )
    slug = serializers.SlugField(
        required=False, max_length=100, help_text="Default: from the file's title or name."
    )
    title = TextField(limit="map.title", required=False, help_text="Default: from the file.")
    is_private = serializers.BooleanField(required=False, default=False)
    text = serializers.FileField(
        required=False,
        help_text=(
            "For an argumentative microtext: its text file (micro_b001.txt), which the "
            "quotes then point into. Default: the EDUs joined by spaces."
        ),
    )

    def validate_text(self, value) -> str:
        try:
            return value.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise serializers.ValidationError(  # the file's content: beyond the schema
                f"Must be UTF-8 text; byte {exc.start} is not.", code=RULE
            ) from None


class ImportResultSerializer(serializers.Serializer):
    map = ArgumentMapSerializer()
    imported = serializers.DictField(child=serializers.IntegerField())
    left_out = serializers.DictField(
        child=serializers.IntegerField(), help_text="What the file held that was not imported."
    )
    notes = serializers.ListField(child=serializers.CharField())


class EvaluationQuerySerializer(serializers.Serializer):
    semantics = serializers.ChoiceField(
        choices=list(SEMANTICS),
        default="grounded",
        help_text="grounded (sceptical, unique), preferred, stable, or dfquad (strengths).",
    )


class EvaluatedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # A declared field, not Field.label: DRF's metaclass moves it into ``fields``.
    label = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["in", "out", "undecided"], required=False, help_text="Labelling semantics."
    )
    strength = serializers.FloatField(required=False, help_text="dfquad: in [0, 1].")
    why = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the links behind the result."
    )


class EvaluatedLinkSerializer(EvaluatedItemSerializer):
    premises_blocking = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Premises that stop the link from taking effect (labelling semantics).",
    )


class EvaluationSerializer(serializers.Serializer):
    semantics = serializers.ChoiceField(choices=list(SEMANTICS))
    version = serializers.IntegerField(help_text="The map version evaluated.")
    statements = EvaluatedItemSerializer(many=True)
    links = EvaluatedLinkSerializer(many=True)
    extensions = serializers.IntegerField(
        required=False,
        help_text=(
            "How many labellings the result summarises (0: none); a lower bound when "
            "extensions_exact is false."
        ),
    )
    extensions_exact = serializers.BooleanField(
        required=False,
        help_text=(
            "False when a part of the map has too many labellings to count (more than "
            "1000): extensions is then a lower bound. The labels are exact either way."
        ),
    )
    converged = serializers.BooleanField(required=False)
    iterations = serializers.IntegerField(required=False)
    detail = serializers.CharField(required=False)


class JobProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(
        help_text="Pages laid out so far (a diagram), or rows written (an import)."
    )
    total = serializers.IntegerField(
        allow_null=True,
        help_text="Pages or rows in all; null until the pages are planned or the rows read.",
    )


class JobSerializer(serializers.Serializer):
    """A job (``api.models.Job``), as ``GET /api/jobs/{id}/`` and a 202 answer it."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(
        choices=JobKind.choices,
        help_text="diagram (a handout or deck drawn) or import (a big file's rows written).",
    )
    map = serializers.CharField(
        source="map.slug", help_text="Slug of the map drawn, or made for the import."
    )
    map_version = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=JobState.choices,
        help_text="queued, running, done (the result is ready) or failed (error says why).",
    )
    progress = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField(
        help_text="Where to download the result, once the job is done; null before."
    )
    error = serializers.CharField(help_text="Why the job failed, and what to do; empty else.")
    notices = serializers.CharField(help_text="Limits met while drawing (tiles, overview).")
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job: Job) -> dict[str, int | None]:
        return {"done": job.pages_done, "total": job.pages_total}

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_result(self, job: Job) -> str | None:
        if job.state != JobState.DONE:
            return None
        path = f"/api/jobs/{job.pk}/result/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
