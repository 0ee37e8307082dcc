"""Every rule a map must keep, enforced by ``api.services`` for every entry point."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from api import services
from api.models import ArgumentMap, Link, LinkPremise, Statement
from tests.helpers import SOURCE

pytestmark = pytest.mark.django_db


def error_fields(exc_info) -> set[str]:
    return set(exc_info.value.message_dict)


def test_statement_create_locates_quote_and_bumps_version(cats_map):
    before = cats_map.version
    s = services.statement_create(map_=cats_map, text="Quiet.", quote="They are quiet")
    assert SOURCE[s.quote_start : s.quote_end] == "They are quiet"
    cats_map.refresh_from_db()
    assert cats_map.version == before + 1


def test_statement_create_takes_quote_from_offsets(cats_map):
    s = services.statement_create(map_=cats_map, text="x", quote_start=0, quote_end=4)
    assert s.quote == "Cats"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "bell\x07"}, "text"),
        ({"text": "nul\x00"}, "text"),
        ({"text": "ok", "attributed_to": "esc\x1b"}, "attributed_to"),
        ({"text": "ok", "quote": "not in the source"}, "quote"),
        ({"text": "ok", "quote": "Cats", "quote_start": 5, "quote_end": 9}, "quote"),
        ({"text": "ok", "quote_start": 3}, "quote_end"),
        ({"text": "ok", "quote_start": 10, "quote_end": 5}, "quote_start"),
        ({"text": "ok", "quote_start": 0, "quote_end": 10_000}, "quote_start"),
        ({"text": "ok", "base_score": 1.5}, "base_score"),
    ],
)
def test_statement_create_rejects_bad_fields(cats_map, fields, field):
    count, version = Statement.objects.count(), cats_map.version
    with pytest.raises(ValidationError) as exc_info:
        services.statement_create(map_=cats_map, **fields)
    assert field in error_fields(exc_info)
    assert Statement.objects.count() == count
    cats_map.refresh_from_db()
    assert cats_map.version == version


def test_statement_text_keeps_newlines_and_tabs(cats_map):
    s = services.statement_create(map_=cats_map, text="line one\nline\ttwo")
    assert s.text == "line one\nline\ttwo"


def test_link_create_orders_premises(cats_map):
    a = services.statement_create(map_=cats_map, text="a")
    b = services.statement_create(map_=cats_map, text="b")
    c = services.statement_create(map_=cats_map, text="c")
    link = services.link_create(map_=cats_map, kind="support", premises=[c, a], conclusion=b)
    assert list(link.premise_rows.values_list("statement_id", flat=True)) == [c.pk, a.pk]


def test_link_create_rejects_cross_map_premise(make_map):
    one, two = make_map("one"), make_map("two")
    foreign = two.statements.first()
    target = one.statements.first()
    with pytest.raises(ValidationError) as exc_info:
        services.link_create(map_=one, kind="support", premises=[foreign], conclusion=target)
    assert error_fields(exc_info) == {"premises"}


def test_link_create_rejects_cross_map_conclusion_and_target_link(make_map):
    one, two = make_map("one"), make_map("two")
    premise = one.statements.last()
    with pytest.raises(ValidationError) as exc_info:
        services.link_create(
            map_=one, kind="support", premises=[premise], conclusion=two.statements.first()
        )
    assert error_fields(exc_info) == {"conclusion"}
    with pytest.raises(ValidationError) as exc_info:
        services.link_create(
            map_=one, kind="oppose", premises=[premise], target_link=two.links.first()
        )
    assert error_fields(exc_info) == {"target_link"}


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("self_support", "premises"),
        ("empty_premises", "premises"),
        ("duplicate_premise", "premises"),
        ("unknown_premise", "premises"),
        ("unknown_conclusion", "conclusion"),
        ("unknown_target_link", "target_link"),
        ("both_targets", "conclusion"),
        ("no_target", "conclusion"),
        ("bad_kind", "kind"),
        ("control_in_note", "note"),
    ],
)
def test_link_create_rejects(cats_map, case, field):
    s1, s2 = cats_map.statements.all()[:2]
    link = cats_map.links.first()
    args = {"kind": "support", "premises": [s2], "conclusion": s1}
    args.update(
        {
            "self_support": {"premises": [s1], "conclusion": s1},
            "empty_premises": {"premises": []},
            "duplicate_premise": {"premises": [s2, s2]},
            "unknown_premise": {"premises": [999_999]},
            "unknown_conclusion": {"conclusion": 999_999},
            "unknown_target_link": {"conclusion": None, "target_link": 999_999},
            "both_targets": {"target_link": link},
            "no_target": {"conclusion": None},
            "bad_kind": {"kind": "maybe"},
            "control_in_note": {"note": "\x00"},
        }[case]
    )
    links, premises = Link.objects.count(), LinkPremise.objects.count()
    with pytest.raises(ValidationError) as exc_info:
        services.link_create(map_=cats_map, **args)
    assert field in error_fields(exc_info)
    assert (Link.objects.count(), LinkPremise.objects.count()) == (links, premises)


def test_link_update_rejects_self_target(cats_map):
    link = cats_map.links.first()
    with pytest.raises(ValidationError) as exc_info:
        services.link_update(link=link, target_link=link)
    assert error_fields(exc_info) == {"target_link"}


def test_link_update_switches_target_and_keeps_rules(cats_map):
    undercut = Link.objects.get(map=cats_map, target_link__isnull=False)
    claim = cats_map.statements.first()
    services.link_update(link=undercut, conclusion=claim)
    undercut.refresh_from_db()
    assert (undercut.conclusion_id, undercut.target_link_id) == (claim.pk, None)


def test_database_refuses_link_with_both_targets(cats_map):
    link = cats_map.links.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.filter(pk=link.pk).update(target_link=link.pk + 1)


def test_database_refuses_duplicate_premise(cats_map):
    row = LinkPremise.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkPremise.objects.create(link=row.link, statement=row.statement, position=9)


def test_statement_delete_in_use_names_links_unless_cascade(cats_map):
    claim = cats_map.statements.first()
    using = set(Link.objects.filter(conclusion=claim).values_list("pk", flat=True))
    with pytest.raises(services.InUse) as exc_info:
        services.statement_delete(statement=claim)
    assert set(exc_info.value.link_ids) == using
    assert Statement.objects.filter(pk=claim.pk).exists()
    services.statement_delete(statement=claim, cascade=True)
    assert not Statement.objects.filter(pk=claim.pk).exists()
    # The undercutter of a removed link goes with it: no link is left dangling.
    assert not Link.objects.filter(map=cats_map, target_link__isnull=False).exists()


def test_link_delete_refuses_while_undercut(cats_map):
    attacked = Link.objects.get(undercutters__isnull=False)
    with pytest.raises(services.InUse):
        services.link_delete(link=attacked)
    services.link_delete(link=attacked, cascade=True)
    assert not Link.objects.filter(pk=attacked.pk).exists()


def test_expected_version_mismatch_changes_nothing(cats_map):
    with pytest.raises(services.PreconditionFailed) as exc_info:
        services.statement_create(map_=cats_map, text="late", expected_version=1)
    assert exc_info.value.current_version == cats_map.version
    assert not Statement.objects.filter(text="late").exists()


def test_map_update_refuses_source_text_that_breaks_quotes(cats_map):
    with pytest.raises(ValidationError) as exc_info:
        services.map_update(map_=cats_map, source_text="Dogs.")
    assert error_fields(exc_info) == {"source_text"}
    cats_map.refresh_from_db()
    assert cats_map.source_text == SOURCE


def test_map_update_bumps_version(cats_map):
    before = cats_map.version
    updated = services.map_update(map_=cats_map, title="New title")
    assert (updated.title, updated.version) == ("New title", before + 1)


def test_map_create_rejects_taken_slug(cats_map):
    with pytest.raises(ValidationError) as exc_info:
        services.map_create(slug="cats", title="again")
    assert error_fields(exc_info) == {"slug"}


def test_map_delete_removes_everything(cats_map):
    services.map_delete(map_=cats_map)
    assert not ArgumentMap.objects.exists()
    assert not Statement.objects.exists()
    assert not Link.objects.exists()


def test_map_free_slug_skips_taken_names(cats_map, django_assert_num_queries):
    services.map_create(slug="cats-2", title="two")
    with django_assert_num_queries(1):
        assert services.map_free_slug("Cats") == "cats-3"
    assert services.map_free_slug("dogs.json") == "dogs"


@pytest.mark.django_db
def test_line_ends_are_normalised_at_the_service_boundary():
    """Browsers submit textareas with CRLF: the same text must still hold its quotes."""
    map_ = services.map_create(
        slug="crlf", title="CRLF", source_text="First line.\r\nSecond line.\rThird."
    )
    assert map_.source_text == "First line.\nSecond line.\nThird."
    statement = services.statement_create(
        map_=map_, text="Two\r\nlines", quote="First line.\r\nSecond"
    )
    assert statement.text == "Two\nlines"
    assert (statement.quote, statement.quote_start) == ("First line.\nSecond", 0)
    # Saving the source text back as a browser sends it keeps every quote in place.
    services.map_update(map_=map_, source_text="First line.\r\nSecond line.\r\nThird.")
    services.map_check_source_text(map_=map_, source_text="First line.\r\nSecond line.\r\nThird.")
    statement.refresh_from_db()
    assert map_.source_text[statement.quote_start : statement.quote_end] == statement.quote
