"""The admin: every page opens for every model, and edits go through the services'
rules (shown as form errors) and are recorded in the history."""

import pytest
from django.contrib import admin
from django.urls import reverse

from api.models import ArgumentMap, Link, Statement

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
