"""Django admin: a map's statements and links edited on the map's page.

Every save goes through ``api.services`` (the same rules as the API), and the services'
validation runs in the forms' ``clean`` so that a broken map shows as form errors.
History (who changed what, with revert) comes from django-simple-history.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from api import services
from api.graph.model import Role
from api.models import ArgumentMap, Link, Statement

STATEMENT_FIELDS = ("text", "quote", "quote_start", "quote_end", "attributed_to", "base_score")
LINK_FIELDS = ("kind", "conclusion", "target_link", "scheme", "note")


# Service field names that the admin forms call otherwise.
_FORM_FIELD = {"premises": "premise_statements"}


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form's fields (or the form itself)."""
    for field, messages in exc.message_dict.items():
        name = _FORM_FIELD.get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class OrderedStatementsField(forms.ModelMultipleChoiceField):
    """Premises in the order they were chosen (a plain M2M field would sort them)."""

    def clean(self, value: Any) -> list[Statement]:
        chosen = super().clean(value)
        by_pk = {str(s.pk): s for s in chosen}
        return [by_pk[str(pk)] for pk in dict.fromkeys(value or []) if str(pk) in by_pk]


# --- forms --------------------------------------------------------------------------------


class ArgumentMapForm(forms.ModelForm):
    source_url = forms.URLField(required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = ArgumentMap
        fields = ("slug", "owner", *services.MAP_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and "source_text" in self.changed_data:
            try:
                services.map_check_source_text(
                    map_=self.instance, source_text=cleaned.get("source_text") or ""
                )
            except ValidationError as exc:
                _apply_errors(self, exc)
        return cleaned


class StatementForm(forms.ModelForm):
    class Meta:
        model = Statement
        fields = ("map", *STATEMENT_FIELDS)
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "quote": forms.Textarea(attrs={"rows": 2}),
        }

    def parent_map(self) -> ArgumentMap | None:
        return self.cleaned_data.get("map") or getattr(self.instance, "map", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        map_ = self.parent_map()
        if map_ is not None:
            try:
                cleaned.update(
                    services.statement_validate(
                        map_=map_, **{f: cleaned.get(f) for f in STATEMENT_FIELDS}
                    )
                )
            except ValidationError as exc:
                _apply_errors(self, exc)
        return cleaned


class LinkForm(forms.ModelForm):
    # Not named ``premises``: the admin refuses a through-model M2M field in ``fields``.
    premise_statements = OrderedStatementsField(
        label="Premises",
        queryset=Statement.objects.all(),
        widget=AutocompleteSelectMultiple(Link._meta.get_field("premises"), admin.site),
        help_text="Several premises are co-premises: they only work together.",
    )

    class Meta:
        model = Link
        fields = (
            "map",
            "kind",
            "premise_statements",
            "conclusion",
            "target_link",
            "scheme",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["premise_statements"] = [
                row.statement_id for row in self.instance.premise_rows.order_by("position")
            ]

    def parent_map(self) -> ArgumentMap | None:
        return self.cleaned_data.get("map") or getattr(self.instance, "map", None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        map_ = self.parent_map()
        if map_ is not None and map_.pk is not None and "premise_statements" in cleaned:
            try:
                services.link_validate(
                    map_=map_,
                    link=self.instance if self.instance.pk else None,
                    premises=cleaned["premise_statements"],
                    **{f: cleaned.get(f) for f in LINK_FIELDS},
                )
            except ValidationError as exc:
                _apply_errors(self, exc)
        return cleaned


# --- saving through the services ------------------------------------------------------------


def save_statement(form: StatementForm, map_: ArgumentMap) -> Statement:
    fields = {f: form.cleaned_data.get(f) for f in STATEMENT_FIELDS}
    if form.instance.pk:
        original = Statement.objects.get(pk=form.instance.pk)
        return services.statement_update(statement=original, **fields)
    return services.statement_create(map_=map_, **fields)


def save_link(form: LinkForm, map_: ArgumentMap) -> Link:
    fields = {f: form.cleaned_data.get(f) for f in LINK_FIELDS}
    fields["premises"] = form.cleaned_data["premise_statements"]
    if form.instance.pk:
        return services.link_update(link=Link.objects.get(pk=form.instance.pk), **fields)
    return services.link_create(map_=map_, **fields)


class ServiceInlineMixin:
    """Inline formsets that write through the services instead of ``formset.save()``."""

    def save_through_services(self, formset: forms.BaseModelFormSet, map_: ArgumentMap) -> None:
        # The admin's change message reads these three lists, as formset.save() sets them.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.deleted_forms:
            if form.instance.pk:
                self.delete_through_services(form.instance)
                formset.deleted_objects.append(form.instance)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            is_new = form.instance.pk is None
            form.instance = self.save_form_through_services(form, map_)
            if is_new:
                formset.new_objects.append(form.instance)
            else:
                formset.changed_objects.append((form.instance, form.changed_data))


class StatementInline(ServiceInlineMixin, admin.TabularInline):
    model = Statement
    form = StatementForm
    fields = (*STATEMENT_FIELDS, "role")
    readonly_fields = ("role",)
    extra = 1
    show_change_link = True

    @admin.display(description="role")
    def role(self, obj: Statement) -> str:
        return obj.role.replace("_", " ") if obj.pk else "—"

    def save_form_through_services(self, form, map_):
        return save_statement(form, map_)

    def delete_through_services(self, obj):
        services.statement_delete(statement=obj, cascade=True)


class LinkInline(ServiceInlineMixin, admin.TabularInline):
    model = Link
    form = LinkForm
    fk_name = "map"
    fields = ("kind", "premise_statements", "conclusion", "target_link", "scheme")
    autocomplete_fields = ("conclusion", "target_link")
    extra = 1
    show_change_link = True

    def save_form_through_services(self, form, map_):
        return save_link(form, map_)

    def delete_through_services(self, obj):
        services.link_delete(link=obj, cascade=True)


# --- model admins ---------------------------------------------------------------------------


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(r.value, r.value.replace("_", " ")) for r in Role]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.with_role(self.value()) if self.value() else queryset


@admin.register(ArgumentMap)
class ArgumentMapAdmin(SimpleHistoryAdmin):
    form = ArgumentMapForm
    list_display = (
        "title",
        "slug",
        "source_author",
        "statement_count",
        "link_count",
        "version",
        "updated_at",
    )
    search_fields = ("title", "slug", "summary", "source_title", "source_author")
    list_filter = ("is_private", "source_author", "updated_at")
    autocomplete_fields = ("owner",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("version", "created_at", "updated_at", "diagram")
    inlines = (StatementInline, LinkInline)
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "owner", "is_private")}),
        (
            "Source",
            {
                "fields": (
                    "source_title",
                    "source_author",
                    "source_date",
                    "source_url",
                    "source_text",
                )
            },
        ),
        ("Diagram", {"fields": ("diagram",)}),
        ("Record", {"fields": ("version", "created_at", "updated_at")}),
    )

    @admin.display(description="diagram")
    def diagram(self, obj: ArgumentMap) -> str:
        if obj.pk is None:
            return "Save the map to see its diagram."
        base = reverse("map-diagram", kwargs={"slug": obj.slug, "fmt": "svg"})[: -len(".svg")]
        # Served with an ETag and "no-cache": the browser revalidates after every edit.
        return format_html(
            '<a href="{}.svg?legend=1" target="_blank"><img src="{}.svg?legend=1" '
            'alt="Argument diagram of {}" style="max-width:100%;border:1px solid #ccc"></a>'
            '<p>Download: <a href="{}.svg?download=1">SVG</a> · <a href="{}.png?download=1">'
            'PNG</a> · <a href="{}.pdf?download=1&amp;page=a4">PDF</a> · '
            '<a href="{}.dot?download=1">DOT</a></p>',
            base,
            base,
            obj.title,
            base,
            base,
            base,
            base,
        )

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).with_counts()

    @admin.display(description="statements", ordering="n_statements")
    def statement_count(self, obj: ArgumentMap) -> int:
        return obj.n_statements

    @admin.display(description="links", ordering="n_links")
    def link_count(self, obj: ArgumentMap) -> int:
        return obj.n_links

    def save_model(self, request, obj: ArgumentMap, form, change: bool) -> None:
        fields = {
            f: form.cleaned_data[f]
            for f in ("owner", *services.MAP_FIELDS)
            if f in form.cleaned_data
        }
        if change:
            saved = services.map_update(
                map_=ArgumentMap.objects.get(pk=obj.pk), slug=form.cleaned_data["slug"], **fields
            )
        else:
            fields.setdefault("owner", request.user)
            saved = services.map_create(slug=form.cleaned_data["slug"], **fields)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj: ArgumentMap) -> None:
        services.map_delete(map_=obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for map_ in queryset:
            services.map_delete(map_=map_)

    def save_formset(self, request, form, formset, change: bool) -> None:
        formset.model_admin_inline.save_through_services(formset, form.instance)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.model_admin_inline = inline
            yield formset, inline


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    form = StatementForm
    list_display = ("id", "short_text", "map_slug", "role", "attributed_to", "has_quote")
    list_display_links = ("id", "short_text")
    list_filter = (RoleFilter, "map", "attributed_to")
    search_fields = ("text", "quote", "attributed_to")
    list_select_related = ("map",)
    fields = ("map", *STATEMENT_FIELDS, "role")
    readonly_fields = ("role",)

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).with_role_flags()

    def get_readonly_fields(self, request, obj=None):
        return ("map", "role") if obj else ("role",)

    @admin.display(description="map", ordering="map__slug")
    def map_slug(self, obj: Statement) -> str:
        return obj.map.slug

    @admin.display(description="text")
    def short_text(self, obj: Statement) -> str:
        return obj.text if len(obj.text) <= 100 else obj.text[:99] + "…"

    @admin.display(description="role")
    def role(self, obj: Statement) -> str:
        return obj.role.replace("_", " ") if obj.pk else "—"

    @admin.display(description="quote", boolean=True)
    def has_quote(self, obj: Statement) -> bool:
        return obj.quote_start is not None

    def save_model(self, request, obj: Statement, form, change: bool) -> None:
        map_ = obj.map if change else form.cleaned_data["map"]
        saved = save_statement(form, map_)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj: Statement) -> None:
        services.statement_delete(statement=obj, cascade=True)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for statement in queryset:
            services.statement_delete(statement=statement, cascade=True)


@admin.register(Link)
class LinkAdmin(SimpleHistoryAdmin):
    form = LinkForm
    list_display = ("id", "map_slug", "kind", "premise_list", "target", "scheme")
    list_filter = ("kind", "map", "scheme")
    search_fields = ("note", "scheme", "premises__text", "conclusion__text")
    list_select_related = ("map", "conclusion")
    autocomplete_fields = ("conclusion", "target_link")

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).prefetch_related("premise_rows__statement")

    def get_readonly_fields(self, request, obj=None):
        return ("map",) if obj else ()

    @admin.display(description="map", ordering="map__slug")
    def map_slug(self, obj: Link) -> str:
        return obj.map.slug

    @admin.display(description="premises")
    def premise_list(self, obj: Link) -> str:
        return " + ".join(f"#{row.statement_id}" for row in obj.premise_rows.all())

    @admin.display(description="target")
    def target(self, obj: Link) -> str:
        if obj.conclusion_id:
            return str(obj.conclusion)
        return f"link {obj.target_link_id} (undercut)"

    def save_model(self, request, obj: Link, form, change: bool) -> None:
        map_ = obj.map if change else form.cleaned_data["map"]
        saved = save_link(form, map_)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change: bool) -> None:
        # Premises were written by the service with their order; nothing else is related.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj: Link) -> None:
        services.link_delete(link=obj, cascade=True)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for link in queryset:
            if Link.objects.filter(pk=link.pk).exists():
                services.link_delete(link=link, cascade=True)
