"""django-filter filter sets for the statement and link lists."""

import django_filters
from django.db.models import Q, QuerySet

from api.graph.model import Role
from api.models import ArgumentMap, Link, LinkKind, LinkPremise, Statement, StatementQuerySet


class StatementFilter(django_filters.FilterSet):
    map = django_filters.ModelChoiceFilter(
        field_name="map",
        to_field_name="slug",
        queryset=ArgumentMap.objects.all(),
        help_text="Slug of the map.",
    )
    role = django_filters.ChoiceFilter(
        choices=[(r.value, r.value) for r in Role],
        method="filter_role",
        help_text="Derived role of the statement.",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Words in the text, quote or attribution."
    )
    has_quote = django_filters.BooleanFilter(
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

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                Q(text__icontains=word)
                | Q(quote__icontains=word)
                | Q(attributed_to__icontains=word)
            )
        return queryset


class LinkFilter(django_filters.FilterSet):
    map = django_filters.ModelChoiceFilter(
        field_name="map",
        to_field_name="slug",
        queryset=ArgumentMap.objects.all(),
        help_text="Slug of the map.",
    )
    kind = django_filters.ChoiceFilter(choices=LinkKind.choices)
    premise = django_filters.NumberFilter(
        method="filter_premise", help_text="Links with this statement as premise."
    )
    conclusion = django_filters.NumberFilter(field_name="conclusion")
    target_link = django_filters.NumberFilter(field_name="target_link")
    scheme = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Link
        fields = ["map", "kind", "premise", "conclusion", "target_link", "scheme"]

    def filter_premise(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # A subquery, not a join: no duplicate rows, so no DISTINCT over the whole map.
        links = LinkPremise.objects.filter(statement_id=value).values("link_id")
        return queryset.filter(pk__in=links)
