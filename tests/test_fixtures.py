"""The essay's argument map (fixtures/essay.json): it loads, its quotes point into the source
text, its graph is well formed, and it is what scripts/build_essay_fixture.py generates."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from api.models import ArgumentMap, Link, LinkPremise, Statement

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "essay.json"
BUILD_SCRIPT = ROOT / "scripts" / "build_essay_fixture.py"
SLUG = "kozyrev-2019-russo-japanese-peace-treaty"
LOST_TEXT_MARKER = "[…text lost in the PDF extraction…]"


@pytest.fixture
def essay_map(db) -> ArgumentMap:
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return ArgumentMap.objects.get(slug=SLUG)


def main_conclusions(argument_map: ArgumentMap) -> set[int]:
    """Statements that some link concludes to and that are a premise of no link."""
    targets = set(
        Link.objects.filter(map=argument_map, conclusion__isnull=False).values_list(
            "conclusion_id", flat=True
        )
    )
    premises = set(
        LinkPremise.objects.filter(link__map=argument_map).values_list("statement_id", flat=True)
    )
    return targets - premises


@pytest.mark.django_db
def test_fixture_loads(essay_map):
    assert essay_map.source_author == "Vitaly Kozyrev"
    assert essay_map.source_title.startswith("Demystifying Russo-Japanese Peace Treaty Talks")
    assert str(essay_map.source_date) == "2019-04-01"
    assert essay_map.summary
    assert essay_map.source_text.startswith("Demystifying Russo-Japanese Peace Treaty Talks")
    assert essay_map.statements.exists()
    assert essay_map.links.exists()


@pytest.mark.django_db
def test_source_text_is_the_cleaned_file(essay_map):
    cleaned = (ROOT / "fixtures" / "kozyrev-2019-source.txt").read_text(encoding="utf-8")
    assert essay_map.source_text == cleaned
    # The pull-quote sidebar is gone and the lost passage is marked.
    assert "Buenos Aires, and Moscow" in cleaned
    assert cleaned.count(LOST_TEXT_MARKER) == 1


@pytest.mark.django_db
def test_quotes_point_into_the_source_text(essay_map):
    text = essay_map.source_text
    for statement in essay_map.statements.all():
        assert statement.quote, statement
        assert LOST_TEXT_MARKER not in statement.quote, statement
        assert text[statement.quote_start : statement.quote_end] == statement.quote, statement


@pytest.mark.django_db
def test_enough_statements(essay_map):
    assert essay_map.statements.count() >= 25


@pytest.mark.django_db
def test_both_link_kinds(essay_map):
    kinds = set(essay_map.links.values_list("kind", flat=True))
    assert kinds == {"support", "oppose"}


@pytest.mark.django_db
def test_has_an_undercutter(essay_map):
    undercutters = essay_map.links.filter(target_link__isnull=False)
    assert undercutters.exists()
    assert all(link.kind == "oppose" for link in undercutters)


@pytest.mark.django_db
def test_has_co_premises(essay_map):
    assert any(link.premise_rows.count() >= 2 for link in essay_map.links.all())


@pytest.mark.django_db
def test_every_link_has_premises_and_one_target(essay_map):
    for link in essay_map.links.all():
        assert link.premise_rows.exists(), link
        assert (link.conclusion_id is None) != (link.target_link_id is None), link


@pytest.mark.django_db
def test_premises_and_targets_in_the_same_map(essay_map):
    for link in essay_map.links.all():
        for row in link.premise_rows.all():
            assert row.statement.map_id == link.map_id, link
        if link.conclusion_id is not None:
            assert link.conclusion.map_id == link.map_id, link
        if link.target_link_id is not None:
            assert link.target_link.map_id == link.map_id, link


@pytest.mark.django_db
def test_no_statement_is_a_premise_of_a_link_that_targets_it(essay_map):
    for link in essay_map.links.all():
        premises = [row.statement_id for row in link.premise_rows.all()]
        assert len(premises) == len(set(premises)), link
        assert sorted(row.position for row in link.premise_rows.all()) == list(
            range(len(premises))
        ), link
        if link.conclusion_id is not None:
            assert link.conclusion_id not in premises, link
        else:
            target = link.target_link
            assert not set(premises) & set(target.premises.values_list("pk", flat=True)), link


@pytest.mark.django_db
def test_every_statement_takes_part_in_a_link(essay_map):
    unlinked = essay_map.statements.all().with_role("unlinked")
    assert not unlinked.exists(), list(unlinked)


@pytest.mark.django_db
def test_exactly_one_main_conclusion(essay_map):
    mains = main_conclusions(essay_map)
    assert len(mains) == 1
    main = Statement.objects.get(pk=mains.pop())
    assert main.role == "main_conclusion"
    assert "Osaka" in main.text
    assert list(Statement.objects.filter(map=essay_map).with_role("main_conclusion")) == [main]


@pytest.mark.django_db
def test_attributions(essay_map):
    attributed = set(essay_map.statements.values_list("attributed_to", flat=True))
    assert {"Abe", "Putin", "Kono"} <= attributed
    # The author's own claims carry no attribution.
    assert "" in attributed


def test_fixture_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
