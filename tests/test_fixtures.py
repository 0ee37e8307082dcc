"""The essay's argument map (fixtures/essay.json): it loads like any other map file, with
history from its first version; its quotes point into the source text; its graph is well
formed; it reads the essay as the author argues it (answered objections no longer defeat
what they attack); and it is what scripts/build_essay_fixture.py generates."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from api import services
from api.graph.errors import FormatError
from api.models import ArgumentMap, Link, LinkPremise, Statement

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "essay.json"
BUILD_SCRIPT = ROOT / "scripts" / "build_essay_fixture.py"
SLUG = "kozyrev-2019-russo-japanese-peace-treaty"
LOST_TEXT_MARKER = "[…text lost in the PDF extraction…]"

THESIS = "there might just be some breakthroughs in Osaka this June"
CONSENSUS = "a Russo-Japanese consensus on the status of the islands does not seem to be out of"
UNREALISTIC = "both of which make resolution between Russia and Japan unrealistic"
PLANK = "form a military partnership with Russia against China"
RECOMMENDATION = "Prime Minister Abe should apply his art of the possible"
BASTION = "“bastion strategy”"
RECOGNITION = "recognition of the “current sovereignty status”"
DEFERRED = "“deferred” sovereignty"
STALLED = "the negotiations have stalled"
WEDGE = "drive a wedge between Japan and the United States"


@pytest.fixture
def essay_map(db) -> ArgumentMap:
    call_command("load_essay", verbosity=0)
    return ArgumentMap.objects.get(slug=SLUG)


def by_quote(argument_map: ArgumentMap, words: str) -> Statement:
    """The one statement of the map whose quote holds ``words`` (ids differ by database)."""
    return Statement.objects.get(map=argument_map, quote__contains=words)


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


def test_fixture_loads(essay_map):
    assert essay_map.source_author == "Vitaly Kozyrev"
    assert essay_map.source_title.startswith("Demystifying Russo-Japanese Peace Treaty Talks")
    assert essay_map.summary
    assert essay_map.source_text.startswith("Demystifying Russo-Japanese Peace Treaty Talks")
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert essay_map.statements.count() == len(data["statements"])
    assert essay_map.links.count() == len(data["links"])


def test_no_invented_date(essay_map):
    # The essay names March 18 as past and the June 2019 summit as upcoming; the day it
    # appeared is unknown, and the map says so rather than guessing one.
    assert essay_map.source_date is None
    assert "March 18" in essay_map.summary
    assert "not known" in essay_map.summary


def test_numbers_on_a_fresh_database_are_the_files(essay_map):
    # The docs speak of statements and links by number (#1, link 18): on a fresh database
    # an import numbers them as the file does. Compare by position, as sequences differ.
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    first_statement = essay_map.statements.order_by("pk").first().pk
    for item in data["statements"]:
        row = Statement.objects.get(pk=first_statement + item["id"] - 1)
        assert (row.map_id, row.text) == (essay_map.pk, item["text"])
    first_link = essay_map.links.order_by("pk").first().pk
    for item in data["links"]:
        row = Link.objects.get(pk=first_link + item["id"] - 1)
        assert (row.kind, row.note) == (item["kind"], item["note"])


def test_load_is_idempotent_and_keeps_edits(essay_map):
    statement = by_quote(essay_map, THESIS)
    services.statement_update(statement=statement, text="Edited by a coach.")
    call_command("load_essay", verbosity=0)
    assert ArgumentMap.objects.filter(slug=SLUG).count() == 1
    statement.refresh_from_db()
    assert statement.text == "Edited by a coach."


def test_history_from_the_first_version(essay_map):
    assert essay_map.history.count() == 1
    for model in (Statement, Link):
        rows = model.objects.filter(map=essay_map)
        assert rows.exists()
        for row in rows:
            assert [h.history_type for h in row.history.all()] == ["+"], row


def test_first_admin_edit_of_an_essay_statement_can_be_reverted(essay_map, client, staff):
    client.force_login(staff)
    statement = by_quote(essay_map, THESIS)
    original = statement.text
    form = {
        "text": "Edited in the admin.",
        "quote": statement.quote,
        "quote_start": statement.quote_start,
        "quote_end": statement.quote_end,
        "attributed_to": statement.attributed_to,
        "base_score": statement.base_score,
        "note": "Edited: a note for coaches.",
    }
    change = reverse("admin:api_statement_change", args=[statement.pk])
    assert "Edited: a note" not in client.get(change).text
    assert client.post(change, form).status_code == 302
    statement.refresh_from_db()
    assert statement.text == "Edited in the admin."
    assert statement.note == "Edited: a note for coaches."

    first = statement.history.order_by("history_date").first()
    assert first.text == original
    revert = reverse("admin:api_statement_simple_history", args=[statement.pk, first.history_id])
    page = client.get(revert)
    assert page.status_code == 200
    assert original in page.text
    assert client.post(revert, {**form, "text": first.text}).status_code == 302
    statement.refresh_from_db()
    assert statement.text == original


def test_source_text_is_the_cleaned_file(essay_map):
    cleaned = (ROOT / "fixtures" / "kozyrev-2019-source.txt").read_text(encoding="utf-8")
    assert essay_map.source_text == cleaned
    # The pull-quote sidebar is gone and the lost passage is marked.
    assert "Buenos Aires, and Moscow" in cleaned
    assert cleaned.count(LOST_TEXT_MARKER) == 1


def test_quotes_point_into_the_source_text(essay_map):
    text = essay_map.source_text
    for statement in essay_map.statements.all():
        assert statement.quote, statement
        assert LOST_TEXT_MARKER not in statement.quote, statement
        assert text[statement.quote_start : statement.quote_end] == statement.quote, statement


def test_the_cut_short_sentence_is_not_completed(essay_map):
    statement = by_quote(essay_map, "disapproves of any deal")
    assert essay_map.source_text[statement.quote_end :].startswith(f" {LOST_TEXT_MARKER}")
    assert "cut short" in statement.text
    before_marker = statement.text.split("…")[0]
    assert before_marker.strip() == statement.quote


def test_enough_statements(essay_map):
    assert essay_map.statements.count() >= 25


def test_both_link_kinds(essay_map):
    kinds = set(essay_map.links.values_list("kind", flat=True))
    assert kinds == {"support", "oppose"}


def test_has_an_undercutter(essay_map):
    undercutters = essay_map.links.filter(target_link__isnull=False)
    assert undercutters.exists()
    assert all(link.kind == "oppose" for link in undercutters)


def test_has_co_premises(essay_map):
    assert any(link.premise_rows.count() >= 2 for link in essay_map.links.all())


def test_every_link_has_premises_and_one_target(essay_map):
    for link in essay_map.links.all():
        assert link.premise_rows.exists(), link
        assert (link.conclusion_id is None) != (link.target_link_id is None), link


def test_premises_and_targets_in_the_same_map(essay_map):
    for link in essay_map.links.all():
        for row in link.premise_rows.all():
            assert row.statement.map_id == link.map_id, link
        if link.conclusion_id is not None:
            assert link.conclusion.map_id == link.map_id, link
        if link.target_link_id is not None:
            assert link.target_link.map_id == link.map_id, link


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


def test_every_statement_takes_part_in_a_link(essay_map):
    unlinked = essay_map.statements.all().with_role("unlinked")
    assert not unlinked.exists(), list(unlinked)


def test_where_the_argument_ends(essay_map):
    # The strategists' plank the author rejects, and the recommendation drawn from the case:
    # each concludes some link and is a premise of none. The thesis (#1) is a premise of the
    # recommendation, so an intermediate conclusion.
    plank = Statement.objects.get(map=essay_map, quote=PLANK)  # the report holds it too
    thesis = by_quote(essay_map, THESIS)
    expected = [plank, by_quote(essay_map, RECOMMENDATION)]
    assert main_conclusions(essay_map) == {s.pk for s in expected}
    assert essay_map.statements.order_by("pk").first() == thesis
    mains = Statement.objects.filter(map=essay_map).with_role("main_conclusion").order_by("pk")
    assert list(mains) == expected
    intermediate = Statement.objects.filter(map=essay_map).with_role("intermediate_conclusion")
    assert thesis in intermediate


def test_attributions(essay_map):
    attributed = set(essay_map.statements.values_list("attributed_to", flat=True))
    assert {"Abe", "Putin", "Kono", "observers", "Russian media"} <= attributed
    # The author's own claims carry no attribution.
    assert "" in attributed


def test_a_report_is_not_the_view_reported(essay_map):
    view = Statement.objects.get(map=essay_map, quote=PLANK)
    report = by_quote(essay_map, "Some Japanese strategists insist")
    assert view != report
    assert view.attributed_to == "some Japanese strategists"
    assert report.attributed_to == ""
    # The report is the author's evidence of anti-China sentiment; nothing attacks it.
    sentiment = by_quote(essay_map, "growing anti-China sentiment")
    assert Link.objects.filter(kind="support", premises=report, conclusion=sentiment).exists()
    assert not Link.objects.filter(kind="oppose", conclusion=report).exists()
    # The author's rejection of the anti-China framing attacks the view; the strategists
    # never answer him, and nothing else in the essay attacks their plank.
    rejection = by_quote(essay_map, "It is misleading, however")
    assert list(Link.objects.filter(conclusion=view)) == list(
        Link.objects.filter(kind="oppose", premises=rejection, conclusion=view)
    )
    assert not Link.objects.filter(premises=view).exists()
    assert not Link.objects.filter(conclusion=rejection, kind="oppose").exists()


def grounded(api_client, argument_map):
    response = api_client.get(f"/api/maps/{argument_map.slug}/evaluation/?semantics=grounded")
    assert response.status_code == 200
    data = response.json()
    return (
        {s["id"]: s["label"] for s in data["statements"]},
        {link["id"]: link["label"] for link in data["links"]},
    )


def test_grounded_evaluation_follows_the_links(essay_map, api_client):
    statements, links = grounded(api_client, essay_map)
    thesis = by_quote(essay_map, THESIS)
    consensus = by_quote(essay_map, CONSENSUS)
    wedge = by_quote(essay_map, WEDGE)
    assert statements[thesis.pk] == "in"
    assert statements[by_quote(essay_map, RECOMMENDATION).pk] == "in"
    # The report that the Kremlin is deceiving Tokyo is answered nowhere: it defeats the
    # consensus claim, and with it the consensus line of the thesis.
    [wedge_attack] = Link.objects.filter(kind="oppose", premises=wedge, conclusion=consensus)
    assert statements[wedge.pk] == "in"
    assert links[wedge_attack.pk] == "in"
    assert statements[consensus.pk] == "out"
    [consensus_support] = Link.objects.filter(premises=consensus, conclusion=thesis)
    assert links[consensus_support.pk] == "out"
    # Moscow's requirements still stand and still attack, but every attack is answered.
    unrealistic = by_quote(essay_map, UNREALISTIC)
    assert statements[unrealistic.pk] == "in"
    attacks = Link.objects.filter(kind="oppose", premises=unrealistic)
    assert attacks.count() == 2
    for attack in attacks:
        assert links[attack.pk] == "out", attack
        assert Link.objects.filter(target_link=attack, kind="oppose").exists(), attack


def test_each_consideration_is_its_own_reason(essay_map):
    # "First" and "Second": one shape wherever they appear. Each meets one of Moscow's two
    # requirements, each supports the consensus claim, each answers the report of a stall,
    # and no link takes them as co-premises.
    sovereignty = by_quote(essay_map, "de-jure sovereignty over the four South Kuril Islands")
    exemption = by_quote(essay_map, "would be exempt from the 1960")
    consensus = by_quote(essay_map, CONSENSUS)
    bastion = by_quote(essay_map, BASTION)
    recognition = by_quote(essay_map, RECOGNITION)
    [stalled_attack] = Link.objects.filter(premises=by_quote(essay_map, STALLED))
    for requirement, answer in ((sovereignty, recognition), (exemption, bastion)):
        [objection] = Link.objects.filter(kind="oppose", premises=requirement)
        for target in (objection, stalled_attack):
            [answering] = Link.objects.filter(kind="oppose", premises=answer, target_link=target)
            assert list(answering.premises.all()) == [answer]
        [support] = Link.objects.filter(kind="support", premises=answer, conclusion=consensus)
        assert list(support.premises.all()) == [answer]
    assert not Link.objects.filter(premises=bastion).filter(premises=recognition).exists()


def test_answered_objections_no_longer_defeat(essay_map, api_client):
    statements, links = grounded(api_client, essay_map)
    for words in (STALLED, "disapproves of any deal", "would be exempt from the 1960"):
        objection = by_quote(essay_map, words)
        assert statements[objection.pk] == "in", words
        attacks = Link.objects.filter(kind="oppose", premises=objection)
        assert attacks.exists(), words
        for attack in attacks:
            assert links[attack.pk] == "out", words
            assert Link.objects.filter(target_link=attack).exists(), words


def test_unanswered_objections_stay_unanswered(essay_map, api_client):
    # The essay does not answer the reinforcement of the islands (a possible future revision
    # of the bastion strategy is not an answer to what the Kremlin does now), nor the report
    # that the Kremlin is deceiving Tokyo.
    _, links = grounded(api_client, essay_map)
    for words in ("reinforce Russia’s defense installations", WEDGE):
        objection = by_quote(essay_map, words)
        attacks = Link.objects.filter(kind="oppose", premises=objection)
        assert attacks.exists(), words
        for attack in attacks:
            assert not Link.objects.filter(target_link=attack).exists(), words
            assert links[attack.pk] == "in", words


def test_a_need_is_not_an_answer_alone(essay_map):
    # "Both Japan and Russia need a win-win solution" answers the objections at home only
    # together with the deferred recognition on offer.
    need = by_quote(essay_map, DEFERRED)
    recognition = by_quote(essay_map, RECOGNITION)
    answers = Link.objects.filter(premises=need, target_link__isnull=False)
    assert answers.count() == 2
    for answer in answers:
        assert set(answer.premises.all()) == {need, recognition}


def test_the_recommendation_is_drawn_from_the_case_not_a_reason(essay_map):
    # "For all of these reasons, there might just be some breakthroughs in Osaka this June":
    # the recommendation is drawn from the thesis, and is a reason for nothing.
    thesis = by_quote(essay_map, THESIS)
    recommendation = by_quote(essay_map, RECOMMENDATION)
    assert not Link.objects.filter(premises=recommendation).exists()
    [drawn] = Link.objects.filter(premises=thesis)
    assert (drawn.kind, drawn.conclusion, list(drawn.premises.all())) == (
        "support",
        recommendation,
        [thesis],
    )
    consequence = by_quote(essay_map, "America might win support")
    assert Link.objects.filter(
        kind="support", premises=consequence, conclusion=recommendation
    ).exists()
    deferred = by_quote(essay_map, DEFERRED)
    recognition = by_quote(essay_map, RECOGNITION)
    assert Link.objects.filter(kind="support", premises=deferred, conclusion=recognition).exists()


def test_paragraph_four_implies_a_us_revision_that_eases_the_second_requirement(essay_map):
    revision = Statement.objects.get(
        map=essay_map, quote="the revision of U.S. regional security arrangements"
    )
    assert revision.attributed_to == ""
    assert "Implied" in revision.note
    drawn_in = by_quote(essay_map, "New gravitational forces")
    requires = by_quote(essay_map, "This requires U.S. involvement")
    [support] = Link.objects.filter(conclusion=revision)
    assert (support.kind, set(support.premises.all())) == ("support", {drawn_in, requires})
    [objection] = Link.objects.filter(premises=by_quote(essay_map, "would be exempt from the 1960"))
    assert Link.objects.filter(kind="oppose", premises=revision, target_link=objection).exists()


def test_words_are_the_authors(essay_map):
    unrealistic = by_quote(essay_map, UNREALISTIC)
    assert "as they stand" not in unrealistic.text
    assert unrealistic.text.endswith(f"{UNREALISTIC}.")
    # No quotation marks the author did not write.
    for statement in essay_map.statements.all():
        assert statement.text.count("“") <= statement.quote.count("“"), statement
    # The gloss after Putin's closing quotation mark is the author's, and so is the link.
    gloss = by_quote(essay_map, "thus making the issue a subject of further negotiations")
    assert gloss.attributed_to == ""
    [inference] = Link.objects.filter(conclusion=gloss)
    assert inference.premises.get().attributed_to == "Putin"
    assert inference.scheme != "argument from commitment"
    assert "Putin's own words" not in inference.note
    assert "“thus”" in gloss.note


def test_the_anti_china_tension_is_noted_on_both_statements(essay_map):
    motive = by_quote(essay_map, "growing anti-China sentiment")
    framing = by_quote(essay_map, "It is misleading, however")
    for statement in (motive, framing):
        assert statement.note.startswith("A tension to teach"), statement
    assert "misleading" in motive.note
    assert "anti-China sentiment" in framing.note


def test_fixture_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_essay_fixture", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_checks_with_the_projects_graph_rules(monkeypatch):
    # One home for the link rules: a map that breaks one fails with check_graph's error,
    # pointing into the whole-map shape, not with a rule of the script's own.
    script = load_build_script()
    source = (ROOT / "fixtures" / "kozyrev-2019-source.txt").read_text(encoding="utf-8")
    first = script.STATEMENTS[0]["key"]
    circular = script.link("circular", "support", [first], to=first)
    monkeypatch.setattr(script, "LINKS", [*script.LINKS, circular])
    with pytest.raises(FormatError) as error:
        script.build(source)
    assert error.value.pointer.startswith("/links/")
