"""django-filter filter sets for the statement and link lists, and strict ordering.

Every value is checked: a bad one is a 400 naming the parameter, never ignored. A map is
looked up among the maps the user may see, so a private map's slug answers exactly as
an unknown one does.
"""

import re

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from api.graph.model import Role
from api.graph.validate import (
    BOOLEAN_MESSAGE,
    MAX_ID,
    QUERY_BOOLEANS,
    SLUG_MESSAGE,
    is_slug,
    whole_number,
    words_pattern,
)
from api.models import ArgumentMap, Link, LinkKind, LinkPremise, Statement, StatementQuerySet
from api.schema import SLUG_SCHEMA


def parse_bool(value: str, name: str) -> bool:
    """``true``/``false`` (or 1/0); anything else is a 400 naming ``name``."""
    if value in QUERY_BOOLEANS:
        return QUERY_BOOLEANS[value]
    raise exceptions.ValidationError({name: [f"{BOOLEAN_MESSAGE} (got {value!r})."]})


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in QUERY_BOOLEANS:
            return QUERY_BOOLEANS[value]
        raise forms.ValidationError(f"{BOOLEAN_MESSAGE} (got {value!r}).")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class SearchField(forms.CharField):
    """Words to search for, at most ``ARGMAP_SEARCH_MAX_WORDS`` of them and
    ``ARGMAP_SEARCH_MAX_LENGTH`` characters in all (read per request, so the settings can
    change): each word costs the database one ``LIKE``, so the cost of a search is bounded.
    Past either cap: a 400 that names it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strip", False)  # the length counted as sent, as the schema does
        kwargs.setdefault("max_length", settings.ARGMAP_SEARCH_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages",
            {
                "max_length": "At most %(limit_value)d characters (ARGMAP_SEARCH_MAX_LENGTH); "
                "got %(show_value)d."
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        words = len(value.split()) if value else 0
        limit = settings.ARGMAP_SEARCH_MAX_WORDS
        if words > limit:
            raise forms.ValidationError(
                f"At most {limit} words (ARGMAP_SEARCH_MAX_WORDS); got {words}.",
                code="max_words",
            )
        return value


@extend_schema_field(
    {
        "type": "string",
        "pattern": words_pattern(settings.ARGMAP_SEARCH_MAX_WORDS),
        "minLength": 1,
        "maxLength": settings.ARGMAP_SEARCH_MAX_LENGTH,
    }
)
class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class WholeNumberField(forms.IntegerField):
    """An integer written in ASCII digits (``whole_number``): Django's reads ``５`` as 5
    and ``5.0`` as 5."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                whole_number(str(value))
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number from 1 to the largest a row can have (the schema says so)."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def visible_maps(request) -> QuerySet:
    return ArgumentMap.objects.visible_to(getattr(request, "user", None))


class _MapField(forms.ModelChoiceField):
    """A map's slug; one the user cannot see is an object that does not exist (code
    ``does_not_exist``: a 404 naming it, as ``GET /api/maps/{slug}/`` answers). What is
    no slug is a 400."""

    def to_python(self, value):
        if value not in self.empty_values and not is_slug(value):
            raise forms.ValidationError(SLUG_MESSAGE, code="invalid")
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages[0], code="does_not_exist") from None


@extend_schema_field(SLUG_SCHEMA)
class MapFilter(django_filters.ModelChoiceFilter):
    field_class = _MapField


def map_filter() -> django_filters.ModelChoiceFilter:
    return MapFilter(
        field_name="map",
        to_field_name="slug",
        queryset=visible_maps,
        help_text="Slug of the map.",
        error_messages={"invalid_choice": "No map with slug '%(value)s'."},
    )


class StatementFilter(django_filters.FilterSet):
    map = map_filter()
    role = django_filters.ChoiceFilter(
        choices=[(r.value, r.value) for r in Role],
        method="filter_role",
        help_text="Derived role of the statement.",
    )
    search = SearchFilter(
        method="filter_search",
        help_text=(
            "Words that must all be in the text, quote or attribution (any case, any part "
            f"of a word); at most {settings.ARGMAP_SEARCH_MAX_WORDS} words and "
            f"{settings.ARGMAP_SEARCH_MAX_LENGTH} characters."
        ),
    )
    has_quote = StrictBooleanFilter(
        field_name="quote_start",
        lookup_expr="isnull",
        exclude=True,
        help_text="Only statements with (true) or without (false) a quote.",
    )
    attributed_to = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Statement
        fields = ["map", "role", "search", "has_quote", "attributed_to"]

    def filter_role(self, queryset: StatementQuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_role(value)

    def filter_search(self, queryset: StatementQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value.split())


class LinkFilter(django_filters.FilterSet):
    map = map_filter()
    kind = django_filters.ChoiceFilter(choices=LinkKind.choices)
    premise = IdFilter(method="filter_premise", help_text="Links with this statement as premise.")
    conclusion = IdFilter(field_name="conclusion")
    target_link = IdFilter(field_name="target_link")
    scheme = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Link
        fields = ["map", "kind", "premise", "conclusion", "target_link", "scheme"]

    def filter_premise(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # A subquery, not a join: no duplicate rows, so no DISTINCT over the whole map.
        links = LinkPremise.objects.filter(statement_id=value).values("link_id")
        return queryset.filter(pk__in=links)


def ordering_pattern(fields: list[str]) -> str:
    """``?ordering=`` as the API reads it and the schema states it: comma-separated field
    names, each with an optional ``-`` for descending, nothing else (an empty one is no
    parameter: ``check_query_params``)."""
    term = "-?(?:" + "|".join(re.escape(name) for name in fields) + ")"
    return rf"^{term}(?:,{term})*$"


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=`` with a field the list cannot be ordered by, or written otherwise than
    ``ordering_pattern`` says, is a 400 naming it; the schema carries the pattern."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            valid = [
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            ]
            if not re.fullmatch(ordering_pattern(valid), params):
                bad = [t for t in params.split(",") if t.removeprefix("-") not in valid] or [params]
                allowed = ", ".join(valid) or "nothing"
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(map(repr, bad))}; this list orders "
                            f"by {allowed}, comma-separated (prefix - for descending)."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        for parameter in parameters:
            if parameter["name"] == self.ordering_param and isinstance(fields, list | tuple):
                parameter["schema"]["pattern"] = ordering_pattern(list(fields))
                parameter["description"] = (
                    f"Order by {', '.join(fields)}, comma-separated; prefix - for descending."
                )
        return parameters
