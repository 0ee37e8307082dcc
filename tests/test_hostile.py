"""The hostile-input corpus against the plain-Python readers: bounded work, asserted
through the steps a ``Budget`` counts (never a clock), and clear errors.

Large files come from ``tests/hostile_corpus.py``; small ones are in
``tests/data/hostile/`` (see its README). The API side is ``tests/test_hostile_api.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.graph import aif, graphjson
from api.graph.argdown import parse_argdown, to_argdown
from api.graph.budget import Budget, BudgetExceeded, NestingTooDeep
from api.graph.errors import FormatError
from api.graph.formats import read_map, write_map
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.safeload import load_json_text, load_yaml, strip_surrogates
from api.graph.text import neutralize_bidi
from tests import hostile_corpus as corpus

HOSTILE = Path(__file__).parent / "data" / "hostile"


def steps(read, *args, **kwargs) -> int:
    """The steps ``read`` spends on its input (with limits far above what it needs)."""
    budget = Budget(max_steps=10**9)
    read(*args, budget=budget, **kwargs)
    return budget.used


def assert_linear(counts: list[int], sizes: list[int]) -> None:
    """Work grows with the input about in proportion (a quadratic reader would be 16x)."""
    for size, count in zip(sizes[1:], counts[1:], strict=True):
        assert count <= 1.2 * counts[0] * size / sizes[0], (sizes, counts)


# ------------------------------------------------------------------ Argdown: linear lexer


@pytest.mark.parametrize("opener", corpus.ARGDOWN_OPENERS)
def test_argdown_floods_of_unclosed_openers_take_linear_steps(opener):
    sizes = [2_000, 8_000]
    counts = [steps(parse_argdown, corpus.argdown_flood(opener, n)) for n in sizes]
    assert_linear(counts, sizes)
    assert counts[-1] <= 6 * len(corpus.argdown_flood(opener, sizes[-1]))


def test_argdown_quoted_braces_take_linear_steps():
    sizes = [2_000, 8_000]
    counts = [steps(parse_argdown, corpus.argdown_quoted_braces(n)) for n in sizes]
    assert_linear(counts, sizes)


def test_argdown_flood_still_reads_what_surrounds_it():
    text = "[A]: a claim\n  <+ [B]: a reason\n\n" + corpus.argdown_flood("{", 5_000) + "\n"
    result = parse_argdown(text)
    assert [s.text for s in result.graph.statements] == ["a claim", "a reason"]
    assert len(result.graph.links) == 1
    assert result.left_out == {"untitled paragraph": 1}


def test_argdown_unclosed_brackets_are_text_and_closed_ones_still_work():
    result = parse_argdown("[A]: x [y {z <w @[v #(u\n\n[A]\n  <+ [B]: b {note: n}\n")
    assert result.graph.statements[0].text == "x [y {z <w @[v #(u"


def test_argdown_chain_of_argument_undercuts_takes_linear_steps():
    def chain(n: int) -> str:
        parts = ["<A0>\n  <+ [p0]\n  -> [c]: the claim\n"]
        parts += [f"<A{i}>\n  <+ [p{i}]\n  _> <A{i - 1}>\n" for i in range(1, n)]
        return "\n".join(parts)

    sizes = [200, 800]
    counts = [steps(parse_argdown, chain(n)) for n in sizes]
    assert_linear(counts, sizes)
    graph = parse_argdown(chain(200)).graph
    assert len(graph.links) == 200
    assert all(link.target_link == link.id - 1 for link in graph.links[1:])


def test_argdown_over_budget_is_a_format_error_naming_the_limit():
    with pytest.raises(BudgetExceeded) as caught:
        parse_argdown(corpus.argdown_flood("[", 10_000), budget=Budget(max_steps=5_000))
    assert isinstance(caught.value, FormatError)
    assert "5,000 steps" in str(caught.value)
    assert "ARGMAP_IMPORT_MAX_STEPS" in str(caught.value)


def test_argdown_deep_data_block_is_refused_at_the_block():
    with pytest.raises(NestingTooDeep) as caught:
        parse_argdown(corpus.argdown_deep_data(50_000))
    error = caught.value
    assert error.line == 1
    assert (
        "the data block at line 1, column 18 is nested too deeply: more than 100 levels"
        in error.message
    )
    assert "ARGMAP_MAX_NESTING" in error.message


def test_argdown_deep_front_matter_is_refused_at_its_line():
    with pytest.raises(NestingTooDeep) as caught:
        parse_argdown(corpus.argdown_deep_front_matter(50_000))
    assert caught.value.line == 4
    assert "the front matter is nested too deeply: more than 100 levels" in caught.value.message


def test_argdown_yaml_aliases_are_not_expanded():
    text = (HOSTILE / "yaml-aliases.argdown").read_text()
    budget = Budget()
    result = parse_argdown(text, budget=budget)
    assert result.graph.map.title == "Billion laughs"
    assert budget.used < 1_000


def test_argdown_circle_of_undercuts_is_left_out_with_notes():
    result = parse_argdown((HOSTILE / "undercut-circle.argdown").read_text())
    assert sum("circle of undercuts" in note for note in result.notes) == 2
    assert [(link.premises, link.conclusion) for link in result.graph.links] == [((2,), 1)]


def test_argdown_writer_titles_many_alike_statements_uniquely():
    statements = tuple(Statement(id=i, text="Same words") for i in range(1, 2_001))
    text = to_argdown(ArgumentGraph(MapInfo(slug="s", title=""), statements, ()))
    assert "[Same words 2000]: Same words" in text
    assert len(parse_argdown(text).graph.statements) == 2_000


# ------------------------------------------------------------------------ AIF: linear


def test_aif_orphan_chain_takes_linear_steps_and_leaves_every_ca_out():
    sizes = [1_000, 4_000]
    counts = [steps(aif.parse_aif, json.dumps(corpus.aif_orphan_chain(n))) for n in sizes]
    assert_linear(counts, sizes)
    result = aif.parse_aif(corpus.aif_orphan_chain(1_000))
    assert result.graph.links == ()
    assert result.left_out == {"CA": 1_000, "RA": 1}
    orphans = next(note for note in result.notes if note.startswith("Left out because"))
    assert "1000 S-nodes (ca1000, ca999, ca998," in orphans  # in file order


def test_aif_orphan_chain_over_budget_names_the_limit():
    with pytest.raises(BudgetExceeded, match="ARGMAP_IMPORT_MAX_STEPS"):
        aif.parse_aif(json.dumps(corpus.aif_orphan_chain(2_000)), budget=Budget(max_steps=9_000))


def test_aif_many_speakers_on_one_ya_node_are_linear():
    def doc(n: int) -> dict:
        nodes = [{"nodeID": "ya", "type": "YA", "text": "Asserting"}]
        edges = []
        for i in range(n):
            nodes += [
                {"nodeID": f"l{i}", "type": "L", "text": f"Speaker {i}: says {i}"},
                {"nodeID": f"i{i}", "type": "I", "text": f"Claim {i}"},
            ]
            edges += [
                {"edgeID": f"a{i}", "fromID": f"l{i}", "toID": "ya"},
                {"edgeID": f"b{i}", "fromID": "ya", "toID": f"i{i}"},
            ]
        return {"nodes": nodes, "edges": edges}

    sizes = [500, 2_000]
    counts = [steps(aif.parse_aif, json.dumps(doc(n))) for n in sizes]
    assert_linear(counts, sizes)
    result = aif.parse_aif(doc(3))
    assert [s.attributed_to for s in result.graph.statements] == ["Speaker 0"] * 3
    assert any("more than one speaker" in note for note in result.notes)


def test_argmaps_own_aif_reads_back_without_dialogue_notes():
    graph = ArgumentGraph(
        MapInfo(slug="m", title="Attributed"),
        (
            Statement(id=1, text="A claim.", attributed_to="Ann: the author"),
            Statement(id=2, text="A reason.", attributed_to="Bob"),
        ),
        (Link(id=1, kind=Kind.SUPPORT, premises=(2,), conclusion=1),),
    )
    result = aif.parse_aif(aif.to_aif(graph))
    assert [s.attributed_to for s in result.graph.statements] == ["Ann: the author", "Bob"]
    assert result.left_out == {}
    assert result.notes == ()


def test_aifdb_dialogue_nodes_are_still_counted_as_left_out():
    doc = {
        "nodes": [
            {"nodeID": "1", "type": "I", "text": "A claim."},
            {"nodeID": "2", "type": "L", "text": "Ann: I claim it."},
            {"nodeID": "3", "type": "YA", "text": "Asserting"},
        ],
        "edges": [
            {"edgeID": "a", "fromID": "2", "toID": "3"},
            {"edgeID": "b", "fromID": "3", "toID": "1"},
        ],
    }
    result = aif.parse_aif(doc)
    assert result.graph.statements[0].attributed_to == "Ann"
    assert result.left_out == {"L": 1, "YA": 1}
    assert any("Dialogue nodes" in note for note in result.notes)


# ------------------------------------------------------------- JSON: depth, surrogates


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (corpus.deep_json(50_000), None),
        (corpus.deep_graph_json(50_000), "json"),
        ('{"nodes": ' + corpus.deep_json(50_000) + ', "edges": []}', "aif"),
    ],
    ids=["array", "whole-map", "aif"],
)
def test_deep_json_files_are_refused_with_where_and_why(content, fmt):
    with pytest.raises(NestingTooDeep) as caught:
        read_map(content.encode(), filename="deep.json", fmt=fmt)
    assert caught.value.line == 1
    assert "nested too deeply: more than 100 levels" in caught.value.message


def test_json_nesting_limit_is_exact():
    budget = Budget(max_depth=5)
    assert load_json_text('[[[[{"a": 1}]]]]', budget) == [[[[{"a": 1}]]]]
    with pytest.raises(NestingTooDeep) as caught:
        load_json_text('[[[[[{"a": 1}]]]]]', Budget(max_depth=5))
    assert (caught.value.line, caught.value.column) == (1, 6)


def test_json_brackets_inside_strings_do_not_count():
    text = '{"text": "' + "[" * 500 + '\\"{{{{"}'
    assert load_json_text(text, Budget(max_depth=2)) == {"text": "[" * 500 + '"{{{{'}


def test_json_unterminated_string_after_deep_nesting_is_refused_for_its_depth():
    with pytest.raises(NestingTooDeep):
        load_json_text("[" * 5_000 + '"never closed', Budget())


def test_json_scan_is_linear_in_the_input():
    sizes = [2_000, 8_000]
    counts = [steps(graphjson.from_dict, json.loads(corpus.graph_flat(n))) for n in sizes]
    assert_linear(counts, sizes)
    counts = [steps(load_json_text, corpus.graph_flat(n)) for n in sizes]
    assert_linear(counts, sizes)


def test_lone_surrogates_are_removed_and_pairs_kept():
    result = read_map((HOSTILE / "surrogates.json").read_bytes(), filename="surrogates.json")
    texts = [s.text for s in result.graph.statements] + [result.graph.map.title]
    texts += [link.note for link in result.graph.links]
    assert not any("\ud800" <= ch <= "\udfff" for text in texts for ch in text)
    assert texts[1] == "A pair \U0001f600 stays, a lone high one  goes."
    assert result.graph.map.title == "Lone  surrogates"


def test_strip_surrogates_walks_keys_and_nesting_without_recursion():
    value = {"k\udc00": [["\ud800x"], {"y": "\udfffz"}]}
    assert strip_surrogates(value) == {"k": [["x"], {"y": "z"}]}


def test_yaml_depth_is_checked_on_events():
    assert load_yaml("a:\n  b:\n    c: [1, {d: 2}]\n", Budget(max_depth=5)) == {
        "a": {"b": {"c": [1, {"d": 2}]}}
    }
    with pytest.raises(NestingTooDeep):
        load_yaml("a:\n  b:\n    c: [1, {d: 2}]\n", Budget(max_depth=4))
    assert load_yaml("a: [unclosed", Budget()) is None


# ------------------------------------------------------------------------------- text


def test_neutralize_bidi_removes_overrides_isolates_and_zero_width_spaces():
    text = (HOSTILE / "bidi.argdown").read_text(encoding="utf-8")
    clean = neutralize_bidi(text)
    for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff":
        assert ch not in clean
    assert "safe.pnggnp.exe and admin wrote it" in clean


def test_neutralize_bidi_keeps_visible_right_to_left_text_and_drops_every_format_character():
    hebrew, persian = "\u05e9\u05dc\u05d5\u05dd", "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"
    assert neutralize_bidi(f"{hebrew}, {persian}") == f"{hebrew}, {persian}"
    # direction marks and joiners are format characters too: removed like the overrides
    assert neutralize_bidi(
        f"{hebrew}\u200f \u0645\u06cc\u200c\u062e \U0001f468\u200d\U0001f469"
    ) == (f"{hebrew} \u0645\u06cc\u062e \U0001f468\U0001f469")


# ------------------------------------------------------------------------------ budget


def test_budget_counts_and_refuses_past_the_limit():
    budget = Budget(max_steps=10, max_steps_setting="SOME_SETTING")
    budget.spend(10)
    assert budget.remaining == 0
    with pytest.raises(BudgetExceeded, match=r"more than 10 steps .*SOME_SETTING"):
        budget.spend()
    with pytest.raises(ValueError, match="at least one step"):
        Budget(max_steps=0)
    assert Budget.of(budget) is budget
    assert Budget.of(None).max_steps > 0


# ------------------------------------------------- a 1 500-link chain through the writers


@pytest.mark.parametrize("fmt", ["aif", "argdown", "json"])
def test_1500_link_undercutter_chain_reads_back_from_every_export(fmt):
    graph = graphjson.from_dict(corpus.graph_chain(1_500))
    sizes = [300, 1_500]
    counts = []
    for n in sizes:
        content = write_map(graphjson.from_dict(corpus.graph_chain(n)), fmt)
        counts.append(steps(read_map, content, fmt=fmt))
    assert_linear(counts, sizes)
    result = read_map(write_map(graph, fmt), fmt=fmt)
    links = result.graph.links
    assert len(links) == 1_501
    assert result.notes == ()
    # the same chain: each undercutter targets the link before it
    assert [link.target_link for link in links[1:]] == [link.id for link in links[:-1]]
