"""The admin: every page opens for every model, and edits go through the services'
rules (shown as form errors) and are recorded in the history."""

import uuid

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ArgumentMap, Job, Link, Statement
from api.services import jobs
from api.tasks import run_job

pytestmark = pytest.mark.django_db

MODELS = [ArgumentMap, Statement, Link]


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS + [m for m in admin.site._registry if m not in MODELS])
def test_every_admin_page_opens(staff_client, cats_map, model):
    obj = model.objects.first()
    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    assert staff_client.get(admin_url(model, "add")).status_code == 200
    if obj is not None:
        assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200
        assert staff_client.get(admin_url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_search_and_filter(staff_client, cats_map, model):
    url = admin_url(model, "changelist")
    assert staff_client.get(url, {"q": "cats"}).status_code == 200
    if model is Statement:
        response = staff_client.get(url, {"role": "main_conclusion"})
        assert response.status_code == 200
        assert "Cats are good pets." in response.text
        assert "Cats are quiet." not in response.text
    if model is Link:
        assert staff_client.get(url, {"kind__exact": "oppose"}).status_code == 200


def inline_formset(response, prefix: str):
    """The admin page's inline formset with that prefix ("statements" or "links")."""
    return next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix
    )


def test_map_list_shows_counts(staff_client, cats_map):
    response = staff_client.get(admin_url(ArgumentMap, "changelist"))
    assert f'<td class="field-statement_count">{cats_map.statements.count()}</td>' in (
        response.text
    )


def test_admin_requires_staff(client, user):
    client.force_login(user)
    response = client.get(admin_url(ArgumentMap, "changelist"))
    assert response.status_code == 302


def test_statement_autocomplete_searches(staff_client, cats_map):
    response = staff_client.get(
        "/admin/autocomplete/",
        {"term": "quiet", "app_label": "api", "model_name": "link", "field_name": "conclusion"},
    )
    assert response.status_code == 200
    assert next(r["text"] for r in response.json()["results"]).endswith("Cats are quiet.")


def map_change_data(map_, **overrides):
    """The POST body of the map's change page as the browser would send it, unchanged."""
    data = {
        "title": map_.title,
        "slug": map_.slug,
        "summary": map_.summary,
        "source_title": map_.source_title,
        "source_author": map_.source_author,
        "source_date": "",
        "source_url": map_.source_url,
        "source_text": map_.source_text,
        "owner": map_.owner_id or "",
        "is_private": "on" if map_.is_private else "",
    }
    statements = list(map_.statements.order_by("pk"))
    prefix = "statements"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(statements),
            f"{prefix}-INITIAL_FORMS": len(statements),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for i, s in enumerate(statements):
        data.update(
            {
                f"{prefix}-{i}-id": s.pk,
                f"{prefix}-{i}-map": map_.pk,
                f"{prefix}-{i}-text": s.text,
                f"{prefix}-{i}-quote": s.quote,
                f"{prefix}-{i}-quote_start": "" if s.quote_start is None else s.quote_start,
                f"{prefix}-{i}-quote_end": "" if s.quote_end is None else s.quote_end,
                f"{prefix}-{i}-attributed_to": s.attributed_to,
                f"{prefix}-{i}-base_score": s.base_score,
            }
        )
    links = list(map_.links.order_by("pk"))
    prefix = "links"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(links),
            f"{prefix}-INITIAL_FORMS": len(links),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for i, link in enumerate(links):
        data.update(
            {
                f"{prefix}-{i}-id": link.pk,
                f"{prefix}-{i}-map": map_.pk,
                f"{prefix}-{i}-kind": link.kind,
                f"{prefix}-{i}-premise_statements": [
                    r.statement_id for r in link.premise_rows.order_by("position")
                ],
                f"{prefix}-{i}-conclusion": link.conclusion_id or "",
                f"{prefix}-{i}-target_link": link.target_link_id or "",
                f"{prefix}-{i}-scheme": link.scheme,
            }
        )
    data.update(overrides)
    return data


def test_map_page_edits_statement_inline_and_records_history(staff_client, cats_map):
    url = admin_url(ArgumentMap, "change", cats_map.pk)
    version = cats_map.version
    data = map_change_data(cats_map, **{"statements-1-text": "Cats are very quiet."})
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    edited = Statement.objects.get(pk=data["statements-1-id"])
    assert edited.text == "Cats are very quiet."
    cats_map.refresh_from_db()
    assert cats_map.version > version
    record = edited.history.first()
    assert record.history_user.username == "root"
    assert record.text == "Cats are very quiet."


def test_map_page_shows_service_errors_and_saves_nothing(staff_client, cats_map):
    url = admin_url(ArgumentMap, "change", cats_map.pk)
    claim = Statement.objects.get(map=cats_map, text="Cats are good pets.")
    # Link 0 supports the claim; make the claim its own premise.
    data = map_change_data(
        cats_map,
        **{
            "statements-0-text": "changed but must not be saved",
            "links-0-premise_statements": [claim.pk],
        },
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "cannot be a premise of a link that targets it" in response.text
    claim.refresh_from_db()
    assert claim.text == "Cats are good pets."


def test_map_page_rejects_quote_not_in_source(staff_client, cats_map):
    url = admin_url(ArgumentMap, "change", cats_map.pk)
    data = map_change_data(
        cats_map,
        **{
            "statements-1-quote": "words the essay never says",
            "statements-1-quote_start": "",
            "statements-1-quote_end": "",
        },
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Not found verbatim in the map&#x27;s source text." in response.text


def test_map_page_adds_a_link_with_co_premises(staff_client, cats_map):
    url = admin_url(ArgumentMap, "change", cats_map.pk)
    a, b, claim = (
        Statement.objects.get(map=cats_map, text=t)
        for t in ("Extra reason 0.", "Extra reason 1.", "Cats are good pets.")
    )
    data = map_change_data(cats_map)
    n = data["links-TOTAL_FORMS"]
    data.update(
        {
            "links-TOTAL_FORMS": n + 1,
            f"links-{n}-map": cats_map.pk,
            f"links-{n}-kind": "support",
            f"links-{n}-premise_statements": [b.pk, a.pk],
            f"links-{n}-conclusion": claim.pk,
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302
    link = Link.objects.order_by("-pk").first()
    assert list(link.premise_rows.order_by("position").values_list("statement_id", flat=True)) == [
        b.pk,
        a.pk,
    ]


def test_link_page_validates_cross_map_premise(staff_client, make_map):
    one, two = make_map("one"), make_map("two")
    link = one.links.first()
    response = staff_client.post(
        admin_url(Link, "change", link.pk),
        {
            "kind": "support",
            "premise_statements": [two.statements.last().pk],
            "conclusion": link.conclusion_id or "",
            "target_link": link.target_link_id or "",
            "scheme": "",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert f"No statement {two.statements.last().pk} in this map" in response.text


def test_statement_add_page_creates_through_services(staff_client, cats_map):
    response = staff_client.post(
        admin_url(Statement, "add"),
        {
            "map": cats_map.pk,
            "text": "Added in admin.",
            "quote": "They are quiet",
            "quote_start": "",
            "quote_end": "",
            "attributed_to": "",
            "base_score": 0.5,
        },
    )
    assert response.status_code == 302
    s = Statement.objects.get(text="Added in admin.")
    assert cats_map.source_text[s.quote_start : s.quote_end] == "They are quiet"


def test_history_revert_restores_previous_text(staff_client, cats_map):
    statement = Statement.objects.get(map=cats_map, text="Cats are quiet.")
    from api import services

    services.statement_update(statement=statement, text="Changed.")
    old = statement.history.order_by("history_date").first()
    url = reverse("admin:api_statement_simple_history", args=[statement.pk, old.history_id])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "map": cats_map.pk,
            "text": "Cats are quiet.",
            "quote": "",
            "quote_start": "",
            "quote_end": "",
            "attributed_to": "",
            "base_score": 0.5,
        },
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.text == "Cats are quiet."


# --- the workbench: tampered forms, map-limited autocompletes, labels -----------------------

import html  # noqa: E402
import re  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

from api import services  # noqa: E402
from api.admin import diagram_draws_numbers, source_segments  # noqa: E402
from api.evaluation_service import map_evaluation  # noqa: E402
from api.graph import formats  # noqa: E402
from api.selectors import map_graph_get  # noqa: E402
from tests.helpers import snapshot  # noqa: E402

TAMPERED = [
    "abc",
    "99999999999999999999999",
    "2147483648",
    "9223372036854775808",
    "-1",
    "1.5",
    "0",
    "1e3",
    "٣",
]


@pytest.mark.parametrize("value", TAMPERED)
def test_tampered_map_page_is_a_form_error_never_500(staff_client, cats_map, value):
    before = snapshot()
    data = map_change_data(
        cats_map,
        **{
            "links-0-premise_statements": ["abc" if value == "0" else value],
            "links-1-conclusion": value,
            "links-2-target_link": value,
            "owner": value,
        },
    )
    response = staff_client.post(admin_url(ArgumentMap, "change", cats_map.pk), data)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert errors  # shown on the page, next to the fields at fault
    assert snapshot() == before


@pytest.mark.parametrize("value", TAMPERED)
def test_tampered_link_and_statement_pages_are_form_errors(staff_client, cats_map, value):
    before = snapshot()
    link = cats_map.links.first()
    response = staff_client.post(
        admin_url(Link, "change", link.pk),
        {"kind": "support", "premise_statements": [value], "conclusion": value, "scheme": ""},
    )
    assert response.status_code == 200
    assert "premise_statements" in response.context["adminform"].form.errors
    response = staff_client.post(
        admin_url(Link, "add"),
        {"map": value, "kind": "support", "premise_statements": [value], "conclusion": value},
    )
    assert response.status_code == 200
    assert "map" in response.context["adminform"].form.errors
    response = staff_client.post(
        admin_url(Statement, "add"), {"map": value, "text": "x", "base_score": 0.5}
    )
    assert response.status_code == 200
    assert "map" in response.context["adminform"].form.errors
    assert snapshot() == before


def test_tampered_ids_in_the_query_string_are_not_500(staff_client, cats_map):
    for value in TAMPERED:
        assert staff_client.get(admin_url(Statement, "add"), {"map": value}).status_code == 200
        response = staff_client.get(
            reverse("admin:api_argumentmap_autocomplete"),
            {"app_label": "api", "model_name": "link", "field_name": "premises", "map": value},
        )
        assert response.status_code == 200
        assert response.json()["results"] == []
        response = staff_client.get(
            reverse("admin:api_argumentmap_autocomplete"),
            {"app_label": "api", "model_name": "link", "field_name": "premises", "term": value},
        )
        assert response.status_code == 200


def autocomplete(client, field, map_=None, term="", url="admin:api_argumentmap_autocomplete"):
    params = {"app_label": "api", "model_name": "link", "field_name": field, "term": term}
    if map_ is not None:
        params["map"] = map_.pk
    response = client.get(reverse(url), params)
    assert response.status_code == 200
    return response.json()["results"]


@pytest.mark.parametrize("url", ["admin:api_argumentmap_autocomplete", "admin:autocomplete"])
def test_autocompletes_offer_only_the_maps_own_statements_and_links(staff_client, make_map, url):
    one, two = make_map("one"), make_map("two")
    for field, model in (("premises", Statement), ("conclusion", Statement)):
        results = autocomplete(staff_client, field, one, url=url)
        ids = {int(r["id"]) for r in results}
        assert ids == set(model.objects.filter(map=one).values_list("pk", flat=True))
        assert not ids & set(two.statements.values_list("pk", flat=True))
    links = autocomplete(staff_client, "target_link", two, url=url)
    assert {int(r["id"]) for r in links} == set(two.links.values_list("pk", flat=True))
    # a search stays within the map too, and finds a statement by its number
    quiet = one.statements.get(text="Cats are quiet.")
    assert [r["id"] for r in autocomplete(staff_client, "premises", two, "quiet", url)] == [
        str(two.statements.get(text="Cats are quiet.").pk)
    ]
    assert [r["id"] for r in autocomplete(staff_client, "premises", one, f"#{quiet.pk}", url)] == [
        str(quiet.pk)
    ]


def test_autocomplete_labels_name_number_role_and_links_as_arrows(staff_client, cats_map):
    results = {r["id"]: r["text"] for r in autocomplete(staff_client, "premises", cats_map)}
    claim = cats_map.statements.get(text="Cats are good pets.")
    quiet = cats_map.statements.get(text="Cats are quiet.")
    assert results[str(claim.pk)] == f"#{claim.pk} main conclusion: Cats are good pets."
    assert results[str(quiet.pk)] == f"#{quiet.pk} premise: Cats are quiet."
    links = {r["id"]: r["text"] for r in autocomplete(staff_client, "target_link", cats_map)}
    support = cats_map.links.get(premise_rows__statement=quiet)
    clean = cats_map.statements.get(text="Cats are clean.")
    assert links[str(support.pk)] == f"#{quiet.pk} + #{clean.pk} → #{claim.pk}"


def test_link_reads_as_premises_arrow_target(cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    scratch = cats_map.statements.get(text="Cats scratch furniture.")
    post = cats_map.statements.get(text="A scratching post solves scratching.")
    objection = cats_map.links.get(conclusion=claim, kind="oppose")
    undercut = cats_map.links.get(target_link=objection)
    assert str(objection) == f"#{scratch.pk} → #{claim.pk} (oppose)"
    assert str(undercut) == f"#{post.pk} → (#{scratch.pk} → #{claim.pk}) (oppose)"


def test_map_page_autocompletes_send_the_maps_id(staff_client, cats_map):
    response = staff_client.get(admin_url(ArgumentMap, "change", cats_map.pk))
    url = reverse("admin:api_argumentmap_autocomplete")
    # every premise, conclusion and target widget, the blank rows' included
    assert response.text.count(f'data-ajax--url="{url}?map={cats_map.pk}"') >= 3 * (
        cats_map.links.count() + 2
    )


# --- the source text beside the statements ----------------------------------------------


class _TextOf(HTMLParser):
    """The text content of the element with a given id, as a browser's textContent."""

    def __init__(self, element_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    parser = _TextOf(element_id)
    parser.feed(html)
    return "".join(parser.parts)


def test_source_segments_join_to_the_text_with_overlapping_quotes():
    text = "ab😀cdefgh"
    segments = source_segments(text, [(1, 0, 5), (2, 3, 8), (3, 4, 5), (4, 9, 99)])
    assert "".join(s.text for s in segments) == text
    by_text = {s.text: s for s in segments}
    assert by_text["ab😀"].statement == 1
    assert by_text["d"].statement == 3  # the innermost quote
    assert by_text["d"].depth == 3
    assert by_text["efg"].statement == 2
    assert by_text["h"].statement is None
    assert [s.starts for s in segments if s.starts] == [(1,), (2,), (3,)]


def test_map_page_shows_the_source_verbatim_with_quotes_linked_to_rows(staff_client, make_map):
    source = "\nFirst <b>line</b> & “more” 😀 here.\n\n  Second line.\n"
    map_ = services.map_create(slug="verbatim", title="Verbatim", source_text=source)
    quoted = services.statement_create(map_=map_, text="More.", quote="“more” 😀 here")
    response = staff_client.get(admin_url(ArgumentMap, "change", map_.pk))
    assert text_of(response.text, "argmap-source-text") == source
    assert f'<a href="#statement-{quoted.pk}" draggable="false"' in response.text
    assert f'id="statement-{quoted.pk}"' in response.text  # the row it leads to
    assert '<button type="button" class="button argmap-quote-button"' in response.text
    assert ">Quote selection</button>" in response.text


def test_statement_page_shows_its_maps_source(staff_client, cats_map):
    statement = cats_map.statements.get(text="Cats are good pets.")
    response = staff_client.get(admin_url(Statement, "change", statement.pk))
    assert text_of(response.text, "argmap-source-text") == cats_map.source_text
    assert "is-current" in response.text
    response = staff_client.get(admin_url(Statement, "add"), {"map": cats_map.pk})
    assert text_of(response.text, "argmap-source-text") == cats_map.source_text


def test_map_page_saved_unchanged_with_crlf_changes_nothing(staff_client, make_map):
    source = "Line one says this.\nLine two says that.\n"
    map_ = services.map_create(slug="crlf", title="CRLF", source_text=source)
    services.statement_create(map_=map_, text="Two\nlines.", quote="two says")
    map_.refresh_from_db()
    data = map_change_data(map_)
    crlf = {k: v.replace("\n", "\r\n") for k, v in data.items() if isinstance(v, str) and "\n" in v}
    assert "source_text" in crlf
    assert "statements-0-text" in crlf
    before, history = snapshot(), Statement.history.count()
    response = staff_client.post(admin_url(ArgumentMap, "change", map_.pk), {**data, **crlf})
    assert response.status_code == 302
    assert snapshot() == before  # no version bump
    assert Statement.history.count() == history
    map_.refresh_from_db()
    assert map_.source_text == source  # the trailing newline kept


# --- grounded labels, the diagram, cross-row rules -------------------------------------------


def test_grounded_labels_in_the_statement_list_and_inline(staff_client, cats_map):
    labels = {
        sid: r.label.value
        for sid, r in map_evaluation(
            cats_map, map_graph_get(cats_map), "grounded"
        ).statements.items()
    }
    assert set(labels.values()) >= {"in"}
    response = staff_client.get(admin_url(Statement, "changelist"))
    for statement in cats_map.statements.all():
        row = response.text.split(f"/admin/api/statement/{statement.pk}/change/", 1)[1]
        row = row.split("</tr>", 1)[0]
        assert f"argmap-label--{labels[statement.pk]}" in row
    response = staff_client.get(admin_url(ArgumentMap, "change", cats_map.pk))
    for statement in cats_map.statements.all():
        row = response.text.split(f'id="statement-{statement.pk}"', 1)[1].split("</tr>", 1)[0]
        assert f"argmap-label--{labels[statement.pk]}" in row


def test_statement_list_queries_do_not_grow_with_rows(
    staff_client, make_map, django_assert_max_num_queries
):
    make_map("small", n_reasons=1)
    with django_assert_max_num_queries(25):
        staff_client.get(admin_url(Statement, "changelist"))
    make_map("big", n_reasons=40)
    with django_assert_max_num_queries(30):
        staff_client.get(admin_url(Statement, "changelist"))


def test_map_page_diagram_is_fetched_for_linking_boxes(staff_client, cats_map):
    response = staff_client.get(admin_url(ArgumentMap, "change", cats_map.pk))
    url = reverse("map-diagram", kwargs={"slug": cats_map.slug, "fmt": "svg"})
    assert f'data-svg-url="{url}?legend=1' in response.text
    assert f'data-version="{cats_map.version}"' in response.text
    # the endpoint takes the preview's options (numbers=1 when it draws numbers)
    src = html.unescape(re.search(r'data-svg-url="([^"]+)"', response.text).group(1))
    dot = staff_client.get(src.replace(".svg?", ".dot?"))
    assert dot.status_code == 200
    assert ("numbers=1" in src) == diagram_draws_numbers()
    if diagram_draws_numbers():
        claim = cats_map.statements.get(text="Cats are good pets.")
        assert f"#{claim.pk}" in dot.content.decode()


def test_a_cycle_of_undercutters_across_rows_is_shown_on_the_row(staff_client, cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    data = map_change_data(cats_map)
    links = list(cats_map.links.order_by("pk"))
    a, b = [
        i
        for i, link in enumerate(links)
        if link.conclusion_id == claim.pk and link.kind == "support"
    ][:2]
    data.update(
        {
            f"links-{a}-conclusion": "",
            f"links-{a}-target_link": links[b].pk,
            f"links-{b}-conclusion": "",
            f"links-{b}-target_link": links[a].pk,
            "statements-0-text": "typed, kept on the page, not saved",
        }
    )
    before = snapshot()
    response = staff_client.post(admin_url(ArgumentMap, "change", cats_map.pk), data)
    assert response.status_code == 200
    formset = inline_formset(response, "links")
    errors = formset.errors
    assert "attack each other in a cycle" in " ".join(
        errors[a].get("target_link", []) + errors[b].get("target_link", [])
    )
    assert "typed, kept on the page, not saved" in response.text
    assert snapshot() == before


def test_a_premise_from_another_map_is_shown_on_the_rows_field(staff_client, make_map):
    one, two = make_map("one"), make_map("two")
    theirs = two.statements.first().pk
    data = map_change_data(one, **{"links-0-premise_statements": [theirs]})
    response = staff_client.post(admin_url(ArgumentMap, "change", one.pk), data)
    formset = inline_formset(response, "links")
    assert formset.errors[0]["premise_statements"] == [f"No statement {theirs} in this map."]


# --- import, export, duplicate -----------------------------------------------------------


ARGDOWN = b"""# Pets

[Cats]: Cats are good pets.
  <+ Cats are quiet.
  <- Cats scratch furniture.
"""


def test_import_a_file_into_a_new_map(staff_client, staff):
    upload = SimpleUploadedFile("pets.argdown", ARGDOWN)
    response = staff_client.post(
        reverse("admin:api_argumentmap_import"), {"file": upload, "slug": "pets"}
    )
    assert response.status_code == 302
    map_ = ArgumentMap.objects.get(slug="pets")
    assert response["Location"] == admin_url(ArgumentMap, "change", map_.pk)
    assert map_.statements.count() == 3
    assert map_.links.count() == 2
    assert map_.owner == staff
    page = staff_client.get(response["Location"])
    assert "Imported pets.argdown: 3 statements and 2 links" in page.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", b'{"nodes": [', "Not imported:"),
        (
            "map.json",
            b'{"map": {"title": "x", "source_text": "abc"}, "links": [],'
            b' "statements": [{"id": 1, "text": "t", "quote": "zzz"}]}',
            "/statements/0",
        ),
    ],
)
def test_import_a_bad_file_is_a_clear_error_and_creates_nothing(
    staff_client, cats_map, name, content, message
):
    before = snapshot()
    response = staff_client.post(
        reverse("admin:api_argumentmap_import"),
        {"file": SimpleUploadedFile(name, content), "slug": "never"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert message in response.text
    assert snapshot() == before


def test_import_into_a_taken_slug_names_the_slug(staff_client, cats_map):
    before = snapshot()
    response = staff_client.post(
        reverse("admin:api_argumentmap_import"),
        {"file": SimpleUploadedFile("p.argdown", ARGDOWN), "slug": cats_map.slug},
    )
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["slug"][0]
    assert snapshot() == before


def test_a_big_files_import_shows_its_progress_then_opens_the_map(
    staff_client, settings, django_capture_on_commit_callbacks
):
    # Made big here (3 statements): the map is made at once, a worker writes its rows.
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 3
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        response = staff_client.post(
            reverse("admin:api_argumentmap_import"),
            {"file": SimpleUploadedFile("pets.argdown", ARGDOWN), "slug": "pets"},
        )
    job = Job.objects.get(map__slug="pets")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:api_argumentmap_import_job", args=[job.pk])
    waiting = staff_client.get(response["Location"])
    assert waiting.status_code == 200
    assert "Waiting for a worker to start it." in waiting.text
    assert f'data-job-url="/api/jobs/{job.pk}/"' in waiting.text
    jobs.job_start(job_id=job.pk)
    jobs.job_progress(job=job, done=2, total=5)
    running = staff_client.get(response["Location"])
    assert 'max="5" value="2"' in running.text
    assert "2 of 5 rows written." in running.text

    run_job(str(job.pk))  # the worker, as a new attempt
    done = staff_client.get(response["Location"])
    map_ = ArgumentMap.objects.get(slug="pets")
    assert done.status_code == 302
    assert done["Location"] == admin_url(ArgumentMap, "change", map_.pk)
    assert (
        "Imported pets.argdown: 3 statements and 2 links" in staff_client.get(done["Location"]).text
    )
    assert map_.statements.count() == 3


def test_a_failed_big_import_says_why_and_another_jobs_page_is_not_found(
    staff_client, settings, cats_map, django_capture_on_commit_callbacks
):
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 3
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post(
            reverse("admin:api_argumentmap_import"),
            {"file": SimpleUploadedFile("pets.argdown", ARGDOWN), "slug": "pets"},
        )
    job = Job.objects.get(map__slug="pets")
    jobs.job_fail(job=job, reason="Given up after 2 tries (ARGMAP_JOB_ATTEMPTS).")
    failed = staff_client.get(reverse("admin:api_argumentmap_import_job", args=[job.pk]))
    assert "It could not be imported." in failed.text
    assert "Given up after 2 tries" in failed.text
    drawing = Job.objects.create(map=cats_map, map_version=1, fmt="pdf", key="k")
    for pk in (drawing.pk, uuid.uuid4()):
        url = reverse("admin:api_argumentmap_import_job", args=[pk])
        assert staff_client.get(url).status_code == 404


def test_past_the_job_limits_a_big_import_in_the_admin_says_so_and_writes_nothing(
    staff_client, settings
):
    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 3
    settings.ARGMAP_JOBS_TOTAL = 0
    response = staff_client.post(
        reverse("admin:api_argumentmap_import"),
        {"file": SimpleUploadedFile("pets.argdown", ARGDOWN), "slug": "pets"},
    )
    assert response.status_code == 200
    assert "ARGMAP_JOBS_TOTAL" in response.text
    assert not ArgumentMap.objects.filter(slug="pets").exists()


@pytest.mark.parametrize("fmt", formats.EXPORT_FORMATS)
def test_export_every_format_the_writers_know(staff_client, cats_map, fmt):
    response = staff_client.get(reverse("admin:api_argumentmap_export", args=[cats_map.pk, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    graph = formats.read_map(response.content, fmt=fmt).graph
    assert len(graph.statements) == cats_map.statements.count()
    page = staff_client.get(admin_url(ArgumentMap, "change", cats_map.pk))
    assert reverse("admin:api_argumentmap_export", args=[cats_map.pk, fmt]) in page.text


@pytest.mark.parametrize("fmt", ["docx", *(set(formats.FORMATS) - set(formats.EXPORT_FORMATS))])
def test_export_a_format_nothing_writes_is_404(staff_client, cats_map, fmt):
    url = reverse("admin:api_argumentmap_export", args=[cats_map.pk, fmt])
    assert staff_client.get(url).status_code == 404


def test_duplicate_a_map_under_a_new_slug(staff_client, cats_map, staff):
    url = reverse("admin:api_argumentmap_duplicate", args=[cats_map.pk])
    page = staff_client.get(url)
    assert page.context["form"].initial["slug"] == "cats-copy"
    response = staff_client.post(url, {"slug": "cats-try-2", "title": "Another reading"})
    assert response.status_code == 302
    copy = ArgumentMap.objects.get(slug="cats-try-2")
    assert copy.title == "Another reading"
    assert copy.owner == staff
    assert copy.source_text == cats_map.source_text
    original = map_graph_get(cats_map)
    duplicate = map_graph_get(copy)
    assert [(s.text, s.quote, s.quote_start, s.quote_end) for s in duplicate.statements] == [
        (s.text, s.quote, s.quote_start, s.quote_end) for s in original.statements
    ]
    assert len(duplicate.links) == len(original.links)
    assert Statement.history.filter(map_id=copy.pk).count() == copy.statements.count()


def test_duplicate_under_a_taken_slug_is_a_field_error(staff_client, cats_map):
    before = snapshot()
    response = staff_client.post(
        reverse("admin:api_argumentmap_duplicate", args=[cats_map.pk]),
        {"slug": cats_map.slug, "title": "x"},
    )
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["slug"][0]
    assert snapshot() == before


def test_a_refusal_at_save_time_is_shown_on_its_row_with_what_was_typed(staff_client, cats_map):
    """A rule only the rows together break (a link given a premise deleted in the same
    save) is refused by the services while saving; the page comes back with the error on
    that row, everything typed still there, and nothing saved."""
    services.statement_create(map_=cats_map, text="Cats are soft.")
    cats_map.refresh_from_db()
    statements = list(cats_map.statements.order_by("pk"))
    links = list(cats_map.links.order_by("pk"))
    quiet = next(i for i, s in enumerate(statements) if s.text == "Cats are soft.")
    objection = next(
        i for i, link in enumerate(links) if link.kind == "oppose" and link.conclusion_id
    )
    data = map_change_data(
        cats_map,
        **{
            f"statements-{quiet}-DELETE": "on",
            f"links-{objection}-premise_statements": [statements[quiet].pk],
            "statements-0-text": "Typed before the refusal.",
        },
    )
    before = snapshot()
    response = staff_client.post(admin_url(ArgumentMap, "change", cats_map.pk), data)
    assert response.status_code == 200
    formset = inline_formset(response, "links")
    errors = formset.errors[objection]["premise_statements"]
    assert f"No statement {statements[quiet].pk} in this map." in errors
    assert "Typed before the refusal." in response.text
    assert snapshot() == before


def test_deleting_a_statement_links_use_is_refused_on_its_row_in_words(staff_client, cats_map):
    statements = list(cats_map.statements.order_by("pk"))
    quiet = next(i for i, s in enumerate(statements) if s.text == "Cats are quiet.")
    [link] = cats_map.links.filter(premise_rows__statement=statements[quiet])
    data = map_change_data(cats_map, **{f"statements-{quiet}-DELETE": "on"})
    before = snapshot()
    response = staff_client.post(admin_url(ArgumentMap, "change", cats_map.pk), data)
    assert response.status_code == 200
    row = inline_formset(response, "statements").forms[quiet]
    [message] = row.non_field_errors()
    assert message.startswith(f"Not deleted: #{statements[quiet].pk} is used by link {link.pk}.")
    assert "Delete those links first" in message
    assert "protected related objects" not in response.text
    assert snapshot() == before


def test_a_statement_and_the_links_that_use_it_are_deleted_in_one_save(staff_client, cats_map):
    statements = list(cats_map.statements.order_by("pk"))
    links = list(cats_map.links.order_by("pk"))
    quiet = next(i for i, s in enumerate(statements) if s.text == "Cats are quiet.")
    using = next(i for i, link in enumerate(links) if statements[quiet] in link.premises.all())
    data = map_change_data(
        cats_map, **{f"statements-{quiet}-DELETE": "on", f"links-{using}-DELETE": "on"}
    )
    response = staff_client.post(admin_url(ArgumentMap, "change", cats_map.pk), data)
    assert response.status_code == 302, response.context and [
        f.errors for f in inline_formset(response, "statements").forms
    ]
    assert not Statement.objects.filter(pk=statements[quiet].pk).exists()
    assert not Link.objects.filter(pk=links[using].pk).exists()


def test_map_page_queries_do_not_grow_with_links(staff_client, make_map):
    small, big = make_map("small", n_reasons=1), make_map("big", n_reasons=30)
    counts = []
    staff_client.get(admin_url(ArgumentMap, "change", small.pk))  # caches warmed
    for map_ in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(admin_url(ArgumentMap, "change", map_.pk)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20


def test_map_page_shows_co_premises_in_their_order(staff_client, cats_map):
    a, b, claim = (
        cats_map.statements.get(text=t)
        for t in ("Extra reason 0.", "Extra reason 1.", "Cats are good pets.")
    )
    services.link_create(map_=cats_map, kind="support", premises=[b, a], conclusion=claim)
    link = cats_map.links.order_by("-pk").first()
    for url in (admin_url(ArgumentMap, "change", cats_map.pk), admin_url(Link, "change", link.pk)):
        page = staff_client.get(url).text
        assert page.index(f'<option value="{b.pk}" selected>') < page.index(
            f'<option value="{a.pk}" selected>', page.index(f'<option value="{b.pk}" selected>')
        )


def test_history_of_a_link_whose_old_target_is_gone_opens(staff_client, cats_map):
    claim = cats_map.statements.get(text="Cats are good pets.")
    objection = cats_map.links.get(conclusion=claim, kind="oppose")
    undercut = cats_map.links.get(target_link=objection)
    other = cats_map.links.filter(kind="support").first()
    services.link_update(link=undercut, target_link=other)
    gone = objection.pk
    services.link_delete(link=objection)
    response = staff_client.get(admin_url(Link, "history", undercut.pk))
    assert response.status_code == 200
    assert f"→ link {gone}" in response.text  # the old version, named by its target


def test_import_a_microtext_with_its_text_file(staff_client):
    data = Path(__file__).parent / "data" / "microtexts"
    text = (data / "micro_b001.txt").read_text("utf-8-sig")
    response = staff_client.post(
        reverse("admin:api_argumentmap_import"),
        {
            "file": SimpleUploadedFile("micro_b001.xml", (data / "micro_b001.xml").read_bytes()),
            "text": SimpleUploadedFile("micro_b001.txt", text.encode()),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    map_ = ArgumentMap.objects.get()
    assert map_.source_text.strip() == text.strip()
    quoted = map_.statements.exclude(quote_start=None)
    assert quoted.exists()
    assert all(map_.source_text[s.quote_start : s.quote_end] == s.quote for s in quoted)


def test_import_form_offers_every_format_the_readers_know(staff_client):
    form = staff_client.get(reverse("admin:api_argumentmap_import")).context["form"]
    assert [value for value, _ in form.fields["format"].choices][1:] == list(formats.FORMAT_NAMES)


def test_the_maps_handout_and_deck_are_downloaded_as_the_coaches_page_does(
    staff_client, make_map, settings
):
    # A private map, big enough here for its handout and deck to be jobs: the links lead
    # to the page that follows the job (docs/jobs.md), which staff may see.
    from api.models import Job

    made = make_map("secret", is_private=True)
    settings.ARGMAP_JOB_MIN_STATEMENTS = 5
    page = staff_client.get(admin_url(ArgumentMap, "change", made.pk)).text
    links = re.findall(r'<a href="([^"]+)" class="argmap-diagram-download">([^<]+)</a>', page)
    assert [label for _, label in links] == ["A4 handout", "Slides"]
    handout = html.unescape(links[0][0])
    assert handout == "/maps/secret/diagram.pdf?numbers=1&page=a4"
    following = staff_client.get(handout)
    assert following.status_code == 200
    assert "Pages laid out" in following.text
    assert Job.objects.get().map == made
    # A small map's goes straight to the file.
    settings.ARGMAP_JOB_MIN_STATEMENTS = 100
    straight = staff_client.get(html.unescape(links[1][0]))
    assert straight.status_code == 303
    assert straight["Location"] == "/api/maps/secret/diagram.pdf?numbers=1&page=slides&download=1"
