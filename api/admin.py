"""Django admin: the analyst's workbench.

A map's page edits its statements and links in place, beside the map's source text (select
a passage, press **Quote selection**: a statement row gets the quote and its exact
offsets) and a numbered diagram whose boxes lead to their rows. Premise and target
autocompletes offer only the map's own statements and links. Maps are imported from a
file, exported in every format ``api.graph.formats`` writes, and duplicated, all from here.

Every save goes through ``api.services`` (the same rules as the API), and the services'
validation runs in the forms' ``clean`` so that a broken map shows as form errors on the
row at fault. History (who changed what, with revert) comes from django-simple-history.
"""

from __future__ import annotations

import functools
import heapq
import json
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from api import diagrams, selectors, services
from api.evaluation_service import map_evaluation
from api.graph import formats
from api.graph.errors import FormatError
from api.graph.model import Role
from api.graph.validate import STATEMENT_FIELDS, name_ids
from api.models import (
    ArgumentMap,
    Job,
    JobKind,
    JobState,
    Link,
    LinkPremise,
    Statement,
    StatementQuerySet,
)
from api.selectors import map_graph_get
from api.throttling import job_requester

LINK_FIELDS = ("kind", "conclusion", "target_link", "scheme", "note")
MAX_ID = 2**63 - 1  # the largest primary key any supported database stores

# Service field names that the admin forms call otherwise.
_FORM_FIELD = {"premises": "premise_statements"}


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form's fields (or the form itself)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        name = _FORM_FIELD.get(field, field)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


class Refused(Exception):
    """A service refused one form's write at save time (a rule only the rows together
    break, such as a link to a statement deleted in the same save). ``prefix`` names the
    form ("" for the page's own form); the page is shown again with ``error`` on it."""

    def __init__(self, prefix: str, error: ValidationError) -> None:
        super().__init__(error)
        self.prefix, self.error = prefix, error


@contextmanager
def refusals_of(form: forms.BaseForm):
    """Turn a service's refusal of this form's write into ``Refused``."""
    try:
        yield
    except ValidationError as exc:
        raise Refused(form.prefix or "", exc) from exc
    except (services.InUse, services.QuotaExceeded) as exc:
        raise Refused(form.prefix or "", ValidationError(str(exc))) from exc
    except ObjectDoesNotExist as exc:
        error = ValidationError(
            "Deleted earlier in the same save, with a statement or link it used."
        )
        raise Refused(form.prefix or "", error) from exc


class RefusalsShownMixin:
    """Forms show the refusals of an earlier attempt at the same save (see ``Refused``)."""

    refusals: dict[str, ValidationError] = {}
    prefix: str | None  # the form's (a mixin of forms.BaseForm)

    def show_refusals(self) -> None:
        error = self.refusals.get(self.prefix or "")
        if error is not None:
            _apply_errors(cast(forms.BaseForm, self), error)


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def statement_label(statement: Statement) -> str:
    """``#12 premise: Moscow demands…``: how the admin names a statement in choices.

    Uses the ``with_role_flags`` annotations when the queryset has them."""
    role = statement.role.replace("_", " ")
    return f"#{statement.pk} {role}: {_shorten(statement.text)}"


def link_rows(queryset: QuerySet) -> QuerySet:
    """Links with what their names (``#2 + #3 → #4``) read, in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("premise_rows", queryset=LinkPremise.objects.order_by("position")),
        Prefetch("target_link__premise_rows", queryset=LinkPremise.objects.order_by("position")),
    )


def choice_label(obj: Any) -> str:
    return statement_label(obj) if isinstance(obj, Statement) else str(obj)


def grounded_labels(map_: ArgumentMap) -> dict[int, str]:
    """Statement id -> ``in``/``out``/``undecided`` under grounded semantics (cached per
    map version by ``api.evaluation_service``; memoised on the map object for one page)."""
    key = ("_argmap_grounded", map_.version)
    cached = getattr(map_, "_argmap_grounded", None)
    if cached is None or cached[0] != key:
        evaluation = map_evaluation(map_, map_graph_get(map_), "grounded")
        labels = {
            sid: r.label.value for sid, r in evaluation.statements.items() if r.label is not None
        }
        cached = (key, labels)
        setattr(map_, "_argmap_grounded", cached)  # noqa: B010 (not a model field)
    return cached[1]


@functools.cache
def diagram_draws_numbers() -> bool:
    """Whether the diagram endpoint takes ``numbers=1`` (numbered boxes, matching the
    rows' numbers); the preview asks for them only then, so that it never breaks."""
    try:
        diagrams.diagram_request("svg", {"numbers": "1"})
    except Exception:  # the endpoint's refusal of an unknown option, whatever its class
        return False
    return True


def grounded_badge(label: str | None) -> str:
    if not label:
        return "—"
    return format_html('<span class="argmap-label argmap-label--{}">{}</span>', label, label)


# --- form fields ----------------------------------------------------------------------------


class TextField(forms.CharField):
    """Text with ``\\n`` line ends: browsers submit textareas with CRLF, and a field that
    compared them as they came would count every multi-line text as changed."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return services.normalize_newlines(value) if isinstance(value, str) else value


def parse_id(value: Any) -> int | None:
    """A primary key typed or sent by a browser (``12``, `` 12 ``), or None for anything
    else: ``abc``, ``1.5``, ``-1``, ``0``, ``٣``, 10**30 (before any query could fail on it)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    return int(text) if 0 < int(text) <= MAX_ID else None


def _check_ids(field: forms.ModelChoiceField, values: Iterable[Any]) -> list[int]:
    """Primary keys as integers; anything else is the field's "invalid choice" error."""
    pks = []
    for value in values:
        pk = parse_id(value)
        if pk is None:
            text = str(value).strip()
            raise ValidationError(
                field.error_messages["invalid_choice"]
                if not isinstance(field, forms.ModelMultipleChoiceField)
                else field.error_messages["invalid_pk_value"],
                code="invalid_choice",
                params={"value": text[:40], "pk": text[:40]},
            )
        pks.append(pk)
    return pks


class IdChoiceField(forms.ModelChoiceField):
    """A foreign key chosen by id; a tampered id is a form error, never a server error."""

    def to_python(self, value: Any):
        assert self.queryset is not None  # every field here is given one
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        return super().to_python(_check_ids(self, [value])[0])


class StatementChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Statement) -> str:
        return statement_label(obj)


class OrderedStatementsField(forms.ModelMultipleChoiceField):
    """Premises in the order they were chosen (a plain M2M field would sort them)."""

    def label_from_instance(self, obj: Statement) -> str:
        return statement_label(obj)

    # A list, not the QuerySet the base returns: a queryset cannot keep the chosen order.
    def clean(self, value: Any) -> list[Statement]:  # type: ignore[override]
        if value and not isinstance(value, (list, tuple)):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        pks = list(dict.fromkeys(_check_ids(self, value or [])))
        chosen = super().clean(pks)
        by_pk = {s.pk: s for s in chosen}
        return [by_pk[pk] for pk in pks if pk in by_pk]


# --- autocompletes limited to one map -------------------------------------------------------


class MapAutocompleteView(AutocompleteJsonView):
    """The admin's autocomplete, with choices named as the admin names them everywhere
    (``#12 premise: …``, ``#2 + #3 → #4``). Which map's objects it offers is decided by
    the model admins' ``get_search_results`` from the ``map`` parameter."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": choice_label(obj)}


class SafeAutocompleteMixin:
    """Re-showing a refused form never queries a tampered id (``abc``, 10**30)."""

    def optgroups(self, name, value, attr=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        return super().optgroups(name, [str(v) for v in values if parse_id(v)], attr)


class SafeAutocompleteSelect(SafeAutocompleteMixin, AutocompleteSelect):
    pass


class MapAutocompleteMixin(SafeAutocompleteMixin):
    """Sends the map's id along with every search (``?map=<id>``) when the form knows it;
    on a page where the map is still to be chosen, ``workbench.js`` adds it.

    Shows the chosen options in the order chosen (co-premises keep their order), named
    from ``labels`` (the map's choices, read once for all the rows of a page) when given.
    """

    map_id: int | None = None
    labels: dict[int, str] | None = None
    admin_site: admin.AdminSite  # the autocomplete widget's (a mixin of AutocompleteMixin)
    field: Any

    def get_url(self) -> str:
        url = reverse(f"{self.admin_site.name}:api_argumentmap_autocomplete")
        return f"{url}?map={self.map_id}" if self.map_id else url

    def optgroups(self, name, value, attr=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = list(dict.fromkeys(pk for pk in map(parse_id, values) if pk is not None))
        if self.labels is None or any(pk not in self.labels for pk in chosen):
            groups = super().optgroups(name, value, attr)
            order = {str(pk): i for i, pk in enumerate(chosen)}
            groups[0][1].sort(key=lambda option: order.get(str(option["value"]), -1))
            return groups
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        selected = {str(pk) for pk in chosen}
        for pk in chosen:
            options.append(self.create_option(name, pk, self.labels[pk], selected, len(options)))
        return [(None, options, 0)]


class MapAutocompleteSelect(MapAutocompleteMixin, AutocompleteSelect):
    pass


class MapAutocompleteSelectMultiple(MapAutocompleteMixin, AutocompleteSelectMultiple):
    pass


def autocomplete_map_filter(request, queryset: QuerySet) -> QuerySet:
    """In an autocomplete request, keep only the objects of the map it names."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in ("autocomplete", "api_argumentmap_autocomplete"):
        return queryset
    if not request.GET.get("map"):
        return queryset  # the map is still to be chosen
    map_id = parse_id(request.GET["map"])
    return queryset.none() if map_id is None else queryset.filter(map_id=map_id)


def search_by_number(queryset: QuerySet, base: QuerySet, term: str) -> QuerySet:
    """Also find ``#12`` (or ``12``) by its number."""
    pk = parse_id(term.strip().removeprefix("#"))
    return queryset if pk is None else queryset | base.filter(pk=pk)


# --- forms --------------------------------------------------------------------------------


class MapFormMixin(RefusalsShownMixin):
    """Forms that know their map: it limits their autocompletes to the map's objects."""

    fields: dict[str, forms.Field]  # the ModelForm's (a mixin of forms.ModelForm)
    instance: Any

    def __init__(
        self,
        *args: Any,
        parent_map: ArgumentMap | None = None,
        choice_labels: dict[type, dict[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent_map
        map_ = self.parent_map()
        for field in self.fields.values():
            if isinstance(field.widget, MapAutocompleteMixin) and map_ is not None:
                field.widget.map_id = map_.pk
                if choice_labels is not None:
                    model = field.widget.field.remote_field.model
                    field.widget.labels = choice_labels.get(model)

    def parent_map(self) -> ArgumentMap | None:
        data = getattr(self, "cleaned_data", None) or {}
        if isinstance(data.get("map"), ArgumentMap):
            return data["map"]
        if self.parent is not None and self.parent.pk is not None:
            return self.parent
        return self.instance.map if self.instance.map_id else None


class ArgumentMapForm(RefusalsShownMixin, forms.ModelForm):
    source_url = forms.URLField(required=False, max_length=1000, assume_scheme="https")
    # Kept exactly as typed (apart from line ends): quotes point into it by offset.
    source_text = TextField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="The full text that quotes point into. Paste it here, save, then quote "
        "passages by selecting them beside the statements.",
    )
    summary = TextField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = ArgumentMap
        fields = ("slug", "owner", *services.MAP_FIELDS)
        field_classes = {"owner": IdChoiceField}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # a ModelForm's clean() returns its cleaned_data
        if self.instance.pk and "source_text" in self.changed_data:
            try:
                services.map_check_source_text(
                    map_=self.instance, source_text=cleaned.get("source_text") or ""
                )
            except ValidationError as exc:
                _apply_errors(self, exc)
        self.show_refusals()
        return cleaned


class StatementForm(MapFormMixin, forms.ModelForm):
    text = TextField(widget=forms.Textarea(attrs={"rows": 2, "cols": 34}))
    quote = TextField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 34}),
        help_text="Verbatim passage of the source text: select it there and press Quote selection.",
    )
    attributed_to = TextField(required=False, max_length=200)
    note = TextField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 24}),
        help_text="A remark for coaches: a tension, a claim the text implies.",
    )

    class Meta:
        model = Statement
        fields = ("map", *STATEMENT_FIELDS)
        field_classes = {"map": IdChoiceField}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # a ModelForm's clean() returns its cleaned_data
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
        self.show_refusals()
        return cleaned


class LinkForm(MapFormMixin, forms.ModelForm):
    # Not named ``premises``: the admin refuses a through-model M2M field in ``fields``.
    premise_statements = OrderedStatementsField(
        label="Premises",
        queryset=Statement.objects.with_role_flags(),
        widget=MapAutocompleteSelectMultiple(Link._meta.get_field("premises"), admin.site),
        help_text="Several premises are co-premises: they only work together.",
    )
    conclusion = StatementChoiceField(
        queryset=Statement.objects.with_role_flags(),
        required=False,
        widget=MapAutocompleteSelect(Link._meta.get_field("conclusion"), admin.site),
    )
    target_link = IdChoiceField(
        queryset=link_rows(Link.objects.all()),
        required=False,
        widget=MapAutocompleteSelect(Link._meta.get_field("target_link"), admin.site),
        help_text="Instead of a conclusion: the link whose inference this one attacks.",
    )
    scheme = TextField(required=False, max_length=200)
    note = TextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

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
        field_classes = {"map": IdChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # premise_rows.all(): prefetched (link_rows) on the admin's pages
            rows = sorted(self.instance.premise_rows.all(), key=lambda row: row.position)
            self.initial["premise_statements"] = [row.statement_id for row in rows]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # a ModelForm's clean() returns its cleaned_data
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
        self.show_refusals()
        return cleaned


# --- saving through the services ------------------------------------------------------------


def save_statement(form: StatementForm, map_: ArgumentMap) -> Statement:
    fields = {f: form.cleaned_data.get(f) for f in STATEMENT_FIELDS}
    if form.instance.pk:
        original = Statement.objects.get(pk=form.instance.pk)
        return services.statement_update(statement=original, **fields)
    return services.statement_create(map_=map_, **fields)


def save_link(form: LinkForm, map_: ArgumentMap) -> Link:
    fields: dict[str, Any] = {f: form.cleaned_data.get(f) for f in LINK_FIELDS}
    fields["premises"] = form.cleaned_data["premise_statements"]
    if form.instance.pk:
        return services.link_update(link=Link.objects.get(pk=form.instance.pk), **fields)
    return services.link_create(map_=map_, **fields)


class MapInlineFormSet(forms.BaseInlineFormSet):
    """Each row's form learns the map (for its autocompletes and its validation)."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "parent_map": self.instance}

    def clean(self) -> None:
        """A row marked for deletion counts for nothing in Django's validation, so a
        refused deletion (on its row, see ``Refused``) must stop the save here."""
        super().clean()
        for form in self.deleted_forms:
            if form.prefix in getattr(form, "refusals", {}):
                raise ValidationError("Nothing was saved: a row could not be deleted (below).")


class StatementFormSet(MapInlineFormSet):
    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()  # cached by the formset, read once
        if not getattr(self, "_argmap_labelled", False):
            self._argmap_labelled = True
            rows = list(queryset)
            if self.instance.pk is not None and rows:
                labels = grounded_labels(self.instance)
                for row in rows:
                    row.grounded = labels.get(row.pk)
        return queryset


class LinkFormSet(MapInlineFormSet):
    def get_form_kwargs(self, index):
        """Every row names its chosen premises and targets from one reading of the map."""
        if not hasattr(self, "_choice_labels"):
            self._choice_labels = None
            if self.instance.pk is not None:
                statements = Statement.objects.filter(map=self.instance).with_role_flags()
                links = link_rows(Link.objects.filter(map=self.instance))
                self._choice_labels = {
                    Statement: {s.pk: statement_label(s) for s in statements},
                    Link: {link.pk: str(link) for link in links.select_related("target_link")},
                }
        return {**super().get_form_kwargs(index), "choice_labels": self._choice_labels}

    def clean(self) -> None:
        """Rules that only the rows together can break: undercutters attacking each other
        in a cycle through several edited rows. Each row's own rules ran in its form."""
        super().clean()
        if self.instance.pk is None:
            return
        targets: dict[int, int | None] = dict(
            Link.objects.filter(map=self.instance).values_list("pk", "target_link_id")
        )
        for form in self.forms:
            pk = form.instance.pk
            if pk is None or not hasattr(form, "cleaned_data"):
                continue
            if form in self.deleted_forms:
                targets.pop(pk, None)
            elif "target_link" in form.cleaned_data:
                target = form.cleaned_data["target_link"]
                targets[pk] = target.pk if target is not None else None
        for form in self.forms:
            pk = form.instance.pk
            if pk is None or form in self.deleted_forms or not hasattr(form, "cleaned_data"):
                continue
            current, seen = targets.get(pk), {pk}
            while current is not None and current not in seen:
                seen.add(current)
                current = targets.get(current)
            if current == pk and not form.has_error("target_link"):
                form.add_error(
                    "target_link",
                    f"Link {targets[pk]} would lead back to link {pk}: undercutters may not "
                    "attack each other in a cycle.",
                )


class ServiceInlineMixin:
    """Inline formsets that write through the services instead of ``formset.save()``,
    and show a refusal at save time on the row it concerns (see ``Refused``)."""

    def save_form_through_services(self, form: Any, map_: ArgumentMap) -> Any:
        raise NotImplementedError

    def delete_through_services(self, obj: Any) -> None:
        raise NotImplementedError

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.refusals = getattr(request, "argmap_refusals", {})
        # The services decide what may be deleted and say why not on the row (see
        # ``delete_through_services``), not Django's list of "protected related objects".
        formset.form.hand_clean_DELETE = lambda form: None
        return formset

    def delete_marked(self, formset: forms.BaseModelFormSet) -> None:
        """Delete the rows marked for deletion, once (the map's page deletes the links'
        before anything else: see ``ArgumentMapAdmin.save_related``)."""
        if getattr(formset, "argmap_deleted", False):
            return
        setattr(formset, "argmap_deleted", True)  # noqa: B010 (our mark on Django's object)
        formset.deleted_objects = []
        for form in formset.deleted_forms:
            # (a link's deletion may have taken its undercutters with it already)
            if form.instance.pk and type(form.instance).objects.filter(pk=form.instance.pk):
                with refusals_of(form):
                    self.delete_through_services(form.instance)
                formset.deleted_objects.append(form.instance)

    def save_through_services(self, formset: forms.BaseModelFormSet, map_: ArgumentMap) -> None:
        # The admin's change message reads these three lists, as formset.save() sets them.
        formset.new_objects, formset.changed_objects = [], []
        self.delete_marked(formset)
        for form in formset.forms:
            if form in formset.deleted_forms or not form.has_changed():
                continue
            is_new = form.instance.pk is None
            with refusals_of(form):
                form.instance = self.save_form_through_services(form, map_)
            if is_new:
                formset.new_objects.append(form.instance)
            else:
                formset.changed_objects.append((form.instance, form.changed_data))


class StatementInline(ServiceInlineMixin, admin.TabularInline):
    model = Statement
    form = StatementForm
    formset = StatementFormSet
    fields = ("number", *STATEMENT_FIELDS, "role", "grounded")
    readonly_fields = ("number", "role", "grounded")
    extra = 1
    classes = ("argmap-statements",)

    def get_queryset(self, request) -> QuerySet:
        return cast(StatementQuerySet, super().get_queryset(request)).with_role_flags()

    @admin.display(description="#")
    def number(self, obj: Statement) -> str:
        if obj.pk is None:
            return "new"
        return format_html(
            '<a id="statement-{}" class="argmap-number" href="{}" title="Open statement {}">'
            "#{}</a>",
            obj.pk,
            reverse("admin:api_statement_change", args=[obj.pk]),
            obj.pk,
            obj.pk,
        )

    @admin.display(description="role")
    def role(self, obj: Statement) -> str:
        return obj.role.replace("_", " ") if obj.pk else "—"

    @admin.display(description="grounded")
    def grounded(self, obj: Statement) -> str:
        return grounded_badge(getattr(obj, "grounded", None))

    def save_form_through_services(self, form, map_):
        return save_statement(form, map_)

    def delete_through_services(self, obj):
        """A statement that links still use is not deleted: the refusal, on its row, names
        the links (mark them for deletion in the same save to delete both)."""
        try:
            services.statement_delete(statement=obj)
        except services.InUse as exc:
            raise ValidationError(
                f"Not deleted: #{obj.pk} is used by "
                f"{name_ids('link', exc.link_ids)}. Delete those links first (mark them in the "
                "Links rows below, in the same save), or take this statement out of them."
            ) from exc


class LinkInline(ServiceInlineMixin, admin.TabularInline):
    model = Link
    form = LinkForm
    formset = LinkFormSet
    fk_name = "map"
    fields = ("number", "kind", "premise_statements", "conclusion", "target_link", "scheme")
    readonly_fields = ("number",)
    extra = 1
    classes = ("argmap-links",)

    def get_queryset(self, request) -> QuerySet:
        return link_rows(super().get_queryset(request))

    @admin.display(description="link")
    def number(self, obj: Link) -> str:
        if obj.pk is None:
            return "new"
        return format_html(
            '<a id="link-{}" href="{}" title="Open link {}">{}</a>',
            obj.pk,
            reverse("admin:api_link_change", args=[obj.pk]),
            obj.pk,
            str(obj),
        )

    def save_form_through_services(self, form, map_):
        return save_link(form, map_)

    def delete_through_services(self, obj):
        services.link_delete(link=obj, cascade=True)


# --- the source text beside the statements --------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceSegment:
    """A run of the source text covered by the same quotes: ``statement`` is the
    innermost (shortest) quote's statement, ``depth`` how many overlap (at most 3),
    ``starts`` the statements whose quote begins here."""

    text: str
    statement: int | None = None
    depth: int = 0
    starts: tuple[int, ...] = ()


def source_segments(
    text: str, quotes: Iterable[tuple[int, int | None, int | None]]
) -> list[SourceSegment]:
    """Cut ``text`` at every quote's start and end, so that the segments joined are
    ``text`` exactly (the page's script counts offsets in them). ``quotes``: (statement
    id, start, end); empty or out-of-range ones are left out. O(q log q) for q quotes."""
    n = len(text)
    spans = [
        (sid, a, b) for sid, a, b in quotes if a is not None and b is not None and 0 <= a < b <= n
    ]
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for sid, a, b in spans:
        starts.setdefault(a, []).append((sid, a, b))
    cuts = sorted({0, n, *(a for _, a, _ in spans), *(b for _, _, b in spans)})
    heap: list[tuple[int, int, int]] = []  # (length, id, end): innermost quote on top
    active = 0
    ends: dict[int, int] = {}
    segments = []
    for left, right in pairwise(cuts):
        active -= ends.pop(left, 0)
        for sid, a, b in sorted(starts.get(left, ())):
            heapq.heappush(heap, (b - a, sid, b))
            ends[b] = ends.get(b, 0) + 1
            active += 1
        while heap and heap[0][2] <= left:
            heapq.heappop(heap)
        segments.append(
            SourceSegment(
                text=text[left:right],
                statement=heap[0][1] if heap else None,
                depth=min(active, 3),
                starts=tuple(sorted(sid for sid, _, _ in starts.get(left, ()))),
            )
        )
    return segments


def source_context(map_: ArgumentMap, current: Statement | None = None) -> dict[str, Any]:
    quotes = map_.statements.exclude(quote_start=None).values_list("pk", "quote_start", "quote_end")
    return {
        "argmap_source": map_,
        "argmap_segments": source_segments(map_.source_text, quotes),
        "argmap_current": current.pk if current is not None else None,
    }


# --- import, export, duplicate --------------------------------------------------------------


SHORT_NAMES = {"aif": "AIF", "json": "JSON", "argdown": "Argdown", "sadface": "SADFace"}


def format_label(fmt: str) -> str:
    """A format's name on a button: short where there is one, else its full name."""
    return SHORT_NAMES.get(fmt) or formats.FORMAT_NAMES.get(fmt, fmt)


def diagram_downloads(map_: ArgumentMap) -> list[tuple[str, str]]:
    """The map's handout and deck, as the coaches' page downloads them: through the page
    that follows a big map's job until the PDF is ready (docs/jobs.md)."""
    page = reverse("web:diagram_download", kwargs={"slug": map_.slug, "fmt": "pdf"})
    return [
        (label, f"{page}?{urlencode({'numbers': '1', 'page': size})}")
        for label, size in (("A4 handout", "a4"), ("Slides", "slides"))
    ]


def import_status(state: str, done: int | None, total: int | None) -> str:
    """How far a big file's import is, in a sentence (``import_job.js`` says the same as it
    follows the job)."""
    if state == "queued":
        return "Waiting for a worker to start it."
    if state == "running":
        return f"{done or 0} of {total} rows written." if total else "Started: reading the file."
    if state == "done":
        return "Imported."
    return "It could not be imported."


class ImportForm(forms.Form):
    file = forms.FileField(help_text=f"{formats.tried()}.")
    format = forms.ChoiceField(
        choices=[("", "Tell from the content"), *formats.FORMAT_NAMES.items()],
        required=False,
    )
    slug = forms.SlugField(required=False, help_text="Default: made from the map's title.")
    title = forms.CharField(required=False, max_length=300, help_text="Default: the file's.")
    is_private = forms.BooleanField(required=False, label="Private")
    text = forms.FileField(
        required=False,
        label="Text file",
        help_text="For an argumentative microtext: its text file (micro_b001.txt), which "
        "the quotes then point into.",
    )

    def clean_text(self) -> str | None:
        upload = self.cleaned_data.get("text")
        if upload is None:
            return None
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"Must be UTF-8 text; byte {exc.start} is not.") from None


class DuplicateForm(forms.Form):
    slug = forms.SlugField(max_length=100)
    title = forms.CharField(max_length=300)


# --- model admins ---------------------------------------------------------------------------


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(r.value, r.value.replace("_", " ")) for r in Role]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        role = self.value()
        return cast(StatementQuerySet, queryset).with_role(role) if role else queryset


class RefusalsAdminMixin:
    """Model admins whose save, refused by a service for a rule the forms could not check
    alone, shows the page again with what was typed and the error on the form at fault:
    the refused attempt is rolled back (the admin saves in one transaction) and the page
    validated again with the refusal added to that form."""

    max_attempts = 5

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.refusals = getattr(request, "argmap_refusals", {})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request.argmap_refusals = refusals = {}
        for _ in range(self.max_attempts):
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            except Refused as exc:
                if exc.prefix in refusals:
                    break
                refusals[exc.prefix] = exc.error
        text = "; ".join(e for error in refusals.values() for e in error.messages)
        self.message_user(request, f"Nothing was saved: {text}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            return super().history_form_view(request, object_id, version_id, extra_context)
        except Refused as exc:
            text = "; ".join(exc.error.messages)
            self.message_user(request, f"Not reverted: {text}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class WorkbenchMedia:
    css = {"all": ("api/admin/workbench.css",)}
    js = ("admin/js/jquery.init.js", "api/admin/workbench.js")


@admin.register(ArgumentMap)
class ArgumentMapAdmin(RefusalsAdminMixin, SimpleHistoryAdmin):
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
    Media = WorkbenchMedia

    @admin.display(description="diagram")
    def diagram(self, obj: ArgumentMap) -> str:
        if obj.pk is None:
            return "Save the map to see its diagram."
        base = reverse("map-diagram", kwargs={"slug": obj.slug, "fmt": "svg"})[: -len(".svg")]
        options = "legend=1&numbers=1" if diagram_draws_numbers() else "legend=1"
        # Served with an ETag (the map's version) and "no-cache": workbench.js fetches it
        # again after every save and turns each box into a link to its statement's row.
        return format_html(
            '<div class="argmap-diagram" data-svg-url="{}.svg?{}" data-version="{}">'
            '<img src="{}.svg?{}" alt="Argument diagram of {}"></div>'
            '<p>Download: <a href="{}.svg?download=1">SVG</a> · <a href="{}.png?download=1">'
            'PNG</a> · <a href="{}.pdf?download=1&amp;page=a4">PDF</a> · '
            '<a href="{}.dot?download=1">DOT</a></p>',
            base,
            options,
            obj.version,
            base,
            options,
            obj.title,
            base,
            base,
            base,
            base,
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).with_counts()

    @admin.display(description="statements", ordering="n_statements")
    def statement_count(self, obj: ArgumentMap) -> int:
        return obj.n_statements

    @admin.display(description="links", ordering="n_links")
    def link_count(self, obj: ArgumentMap) -> int:
        return obj.n_links

    # --- pages of its own: autocomplete, import, export, duplicate

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "autocomplete/",
                view(MapAutocompleteView.as_view(admin_site=self.admin_site)),
                name="api_argumentmap_autocomplete",
            ),
            path("import/", view(self.import_view), name="api_argumentmap_import"),
            path(
                "import/<uuid:job_id>/",
                view(self.import_job_view),
                name="api_argumentmap_import_job",
            ),
            path(
                "<int:object_id>/export/<str:fmt>/",
                view(self.export_view),
                name="api_argumentmap_export",
            ),
            path(
                "<int:object_id>/duplicate/",
                view(self.duplicate_view),
                name="api_argumentmap_duplicate",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, title: str, form, extra: dict[str, Any] | None = None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/api/argumentmap/tool_form.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.import_file_or_job(
                    name=upload.name or "",
                    data=upload.read(),
                    requester=job_requester(request),
                    owner=request.user,
                    fmt=form.cleaned_data["format"] or None,
                    slug=form.cleaned_data["slug"] or None,
                    title=form.cleaned_data["title"] or None,
                    is_private=form.cleaned_data["is_private"],
                    source_text=form.cleaned_data["text"],
                )
            except FormatError as exc:
                form.add_error("file", f"Not imported: {exc}")
            except ValueError as exc:  # a format no reader knows
                form.add_error("format", str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            except (services.JobsFull, services.QuotaExceeded) as full:
                form.add_error(None, f"Not imported: {full}")
            else:
                if isinstance(report, Job):  # a big file: its rows are written by a job
                    self.log_addition(request, report.map, [{"added": {}}])
                    return HttpResponseRedirect(
                        reverse("admin:api_argumentmap_import_job", args=[report.pk])
                    )
                self.log_addition(request, report.map, [{"added": {}}])
                self._imported(request, upload.name or "", report.map, services.report_dict(report))
                return HttpResponseRedirect(
                    reverse("admin:api_argumentmap_change", args=[report.map.pk])
                )
        return self._page(
            request,
            "Import a map from a file",
            form,
            {
                "multipart": True,
                "submit": "Import",
                "intro": "The whole file becomes one new map, or nothing does; its format is "
                "told from the content unless you choose one.",
            },
        )

    def _imported(self, request, name: str, map_: ArgumentMap, report: dict) -> None:
        """Say what an import wrote (``services.report_dict``), on the next page."""
        imported = report["imported"]
        self.message_user(
            request,
            f"Imported {name}: {imported['statements']} statements and "
            f"{imported['links']} links into the map “{map_.title}” ({map_.slug}). "
            f"{' '.join(report['notes'])}".strip(),
            messages.SUCCESS,
        )

    def import_job_view(self, request, job_id):
        """How far a big file's import is (docs/jobs.md, "Big imports"): a progress bar of
        the rows written, which ``import_job.js`` moves, or a refresh; once done, the
        map's page, saying what was imported."""
        job = selectors.job_get(str(job_id), request.user)
        if job is None or job.kind != JobKind.IMPORT or not self.has_view_permission(request):
            raise Http404("No such import.")
        name = job.params.get("name", "")
        if job.state == JobState.DONE:
            self._imported(request, name, job.map, json.loads(bytes(job.result or b"{}")))
            return HttpResponseRedirect(reverse("admin:api_argumentmap_change", args=[job.map.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Importing {name}",
            "job": job,
            "status": import_status(job.state, job.pages_done, job.pages_total),
            "job_url": reverse("job", args=[job.pk]),
            "map_url": reverse("admin:api_argumentmap_change", args=[job.map.pk]),
        }
        return TemplateResponse(request, "admin/api/argumentmap/import_job.html", context)

    def export_view(self, request, object_id: int, fmt: str):
        map_ = get_object_or_404(ArgumentMap, pk=object_id)
        if not self.has_view_permission(request, map_):
            raise PermissionDenied
        if fmt not in formats.EXPORT_FORMATS:
            raise Http404(f"No format {fmt!r}; formats: {', '.join(formats.EXPORT_FORMATS)}.")
        data = formats.write_map(map_graph_get(map_), fmt)
        media_type, suffix = formats.EXPORT_TYPES[fmt]
        response = HttpResponse(data, content_type=media_type)
        response["Content-Disposition"] = f'attachment; filename="{map_.slug}.{suffix}"'
        return response

    def duplicate_view(self, request, object_id: int):
        source = get_object_or_404(ArgumentMap, pk=object_id)
        if not (self.has_view_permission(request, source) and self.has_add_permission(request)):
            raise PermissionDenied
        initial = {
            "slug": services.map_free_slug(f"{source.slug}-copy"),
            "title": f"{source.title} (copy)"[:300],
        }
        form = DuplicateForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                copy = services.map_import(
                    graph=map_graph_get(source),
                    slug=form.cleaned_data["slug"],
                    title=form.cleaned_data["title"],
                    owner=request.user,
                    is_private=source.is_private,
                )
            except (FormatError, ValidationError) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    _apply_errors(form, exc)
                else:
                    form.add_error(None, f"Not duplicated: {exc}")
            else:
                self.log_addition(request, copy, [{"added": {}}])
                self.message_user(
                    request,
                    f"Duplicated “{source.title}” as “{copy.title}” ({copy.slug}).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:api_argumentmap_change", args=[copy.pk]))
        return self._page(
            request,
            f"Duplicate “{source.title}”",
            form,
            {
                "original": source,
                "submit": "Duplicate",
                "intro": "A copy of every statement and link, under a new slug, to try "
                "another analysis; the original stays as it is.",
            },
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["export_formats"] = [(f, format_label(f)) for f in formats.EXPORT_FORMATS]
        if object_id is not None:
            obj = self.get_object(request, object_id)
            if obj is not None:
                extra_context.update(source_context(obj))
                extra_context["diagram_downloads"] = diagram_downloads(obj)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: ArgumentMap, form, change: bool) -> None:
        fields = {
            f: form.cleaned_data[f]
            for f in ("owner", *services.MAP_FIELDS)
            if f in form.cleaned_data
        }
        if change and not form.has_changed():
            return  # a save that changes nothing changes no version and no history
        with refusals_of(form):
            if change:
                saved = services.map_update(
                    map_=ArgumentMap.objects.get(pk=obj.pk),
                    slug=form.cleaned_data["slug"],
                    **fields,
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

    def save_related(self, request, form, formsets, change: bool) -> None:
        # The links marked for deletion go first: a statement only they used may then be
        # deleted in the same save.
        for formset in formsets:
            if formset.model is Link:
                formset.model_admin_inline.delete_marked(formset)
        super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change: bool) -> None:
        formset.model_admin_inline.save_through_services(formset, form.instance)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.model_admin_inline = inline
            yield formset, inline


class GroundedChangeList(ChangeList):
    """Statement lists with each row's grounded label, one evaluation per map shown."""

    def get_results(self, request) -> None:
        super().get_results(request)
        maps: dict[int, ArgumentMap] = {}
        for statement in self.result_list:
            map_ = maps.setdefault(statement.map_id, statement.map)
            statement.grounded = grounded_labels(map_).get(statement.pk)


@admin.register(Statement)
class StatementAdmin(RefusalsAdminMixin, SimpleHistoryAdmin):
    form = StatementForm
    list_display = (
        "id",
        "short_text",
        "map_slug",
        "role",
        "grounded",
        "attributed_to",
        "has_quote",
    )
    list_display_links = ("id", "short_text")
    list_filter = (RoleFilter, "map", "attributed_to")
    search_fields = ("text", "quote", "attributed_to")
    list_select_related = ("map",)
    fields = ("map", *STATEMENT_FIELDS, "role", "grounded")
    readonly_fields = ("role", "grounded")
    Media = WorkbenchMedia

    def get_queryset(self, request) -> QuerySet:
        return super().get_queryset(request).with_role_flags()

    def get_changelist(self, request, **kwargs):
        return GroundedChangeList

    def get_search_results(self, request, queryset, search_term):
        base = autocomplete_map_filter(request, queryset)
        found, distinct = super().get_search_results(request, base, search_term)
        return search_by_number(found, base, search_term), distinct

    def get_readonly_fields(self, request, obj=None):
        return ("map", "role", "grounded") if obj else ("role", "grounded")

    @admin.display(description="map", ordering="map__slug")
    def map_slug(self, obj: Statement) -> str:
        return obj.map.slug

    @admin.display(description="text")
    def short_text(self, obj: Statement) -> str:
        return obj.text if len(obj.text) <= 100 else obj.text[:99] + "…"

    @admin.display(description="role")
    def role(self, obj: Statement) -> str:
        return obj.role.replace("_", " ") if obj.pk else "—"

    @admin.display(description="grounded")
    def grounded(self, obj: Statement) -> str:
        if obj.pk is None:
            return "—"
        label = getattr(obj, "grounded", None) or grounded_labels(obj.map).get(obj.pk)
        return grounded_badge(label)

    @admin.display(description="quote", boolean=True)
    def has_quote(self, obj: Statement) -> bool:
        return obj.quote_start is not None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id) if object_id is not None else None
        map_ = obj.map if obj is not None else None
        if map_ is None and request.method == "GET":
            map_id = parse_id(request.GET.get("map", ""))
            if map_id is not None:
                map_ = ArgumentMap.objects.filter(pk=map_id).first()
        if map_ is not None:
            extra_context.update(source_context(map_, obj))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Statement, form, change: bool) -> None:
        map_ = obj.map if change else form.cleaned_data["map"]
        with refusals_of(form):
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
class LinkAdmin(RefusalsAdminMixin, SimpleHistoryAdmin):
    form = LinkForm
    list_display = ("id", "link", "map_slug", "kind", "scheme")
    list_display_links = ("id", "link")
    list_filter = ("kind", "map", "scheme")
    search_fields = ("note", "scheme", "premises__text", "conclusion__text")
    list_select_related = ("map",)
    Media = WorkbenchMedia

    def get_queryset(self, request) -> QuerySet:
        return link_rows(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        base = autocomplete_map_filter(request, queryset)
        found, distinct = super().get_search_results(request, base, search_term)
        return search_by_number(found, base, search_term), distinct

    def get_readonly_fields(self, request, obj=None):
        return ("map",) if obj else ()

    @admin.display(description="map", ordering="map__slug")
    def map_slug(self, obj: Link) -> str:
        return obj.map.slug

    @admin.display(description="link")
    def link(self, obj: Link) -> str:
        return str(obj)

    def save_model(self, request, obj: Link, form, change: bool) -> None:
        map_ = obj.map if change else form.cleaned_data["map"]
        with refusals_of(form):
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
