"""Argdown import and export: the sample files in tests/data, the syntax, errors and round trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.graph.aif import parse_aif
from api.graph.argdown import parse_argdown, to_argdown
from api.graph.errors import FormatError
from api.graph.interchange import ImportResult
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from tests.helpers import (
    AIF_SAMPLES,
    assert_well_formed,
    canonical,
    data_file,
    graphs,
    squash,
)

PRIMER = data_file("argdown/examples/argdown-primer.argdown")
SOFTDRUGS = data_file("argdown/examples/legalisation-softdrugs.argdown")

# An independent, deliberately simple reading of Argdown lines (not the parser's).
COMMENTS = re.compile(r"/\*.*?\*/|<!--.*?-->|//[^\n]*", re.DOTALL)
RELATION_LINE = re.compile(r"^[ \t]*(?:\+>|->|<\+|<-|<_|_>|><|\+|-(?!-)|_ )", re.MULTILINE)
INFERENCE_LINE = re.compile(r"^[ \t]*--(?![ \t]*$)", re.MULTILINE)  # "----", "-- rule --"
LONE_DASHES = re.compile(r"^[ \t]*--[ \t]*$", re.MULTILINE)  # a pair: "--" rule "--"
HEADING_LINE = re.compile(r"^#+ ", re.MULTILINE)


def read_sample(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_comments(text: str) -> str:
    return COMMENTS.sub("", text)


def statement_texts(result: ImportResult) -> list[str]:
    return [s.text for s in result.graph.statements]


def link_tuples(result: ImportResult) -> list[tuple]:
    return [
        (link.kind.value, link.premises, link.conclusion, link.target_link)
        for link in result.graph.links
    ]


# ------------------------------------------------------------------- sample files


def test_parse_argdown_imports_the_softdrugs_sample_with_counts_from_the_file() -> None:
    text = read_sample(SOFTDRUGS)
    body = without_comments(text.split("===", 2)[2])  # drop the front matter
    statement_titles = set(re.findall(r"\[([^\]]+)\]:", body))
    # No argument here has a premise-conclusion structure, so each argument with a
    # description is one statement (its description).
    argument_titles = set(re.findall(r"<([^>]+)>:", body))
    assert not re.search(r"^\s*\(\d+\)", body, re.MULTILINE)
    # Every relation line is one link: no relation is written twice, and each undercut
    # (`<_`) hits an argument that makes exactly one link.
    relation_lines = RELATION_LINE.findall(body)

    result = parse_argdown(text)

    assert len(result.graph.statements) == len(statement_titles) + len(argument_titles) == 18
    assert len(result.graph.links) == len(relation_lines) == 19
    assert result.graph.map.title == "Pros and Cons Legalisation of Soft Drugs"
    assert result.left_out == {}
    opposes = [link for link in result.graph.links if link.kind == Kind.OPPOSE]
    pros_cons = re.findall(r"^[ \t]*(\+|-|<_|->)", body, re.MULTILINE)
    assert len(opposes) == sum(1 for sign in pros_cons if sign != "+")


def test_parse_argdown_reads_the_softdrugs_undercuts_as_objections_to_links() -> None:
    result = parse_argdown(read_sample(SOFTDRUGS))
    ids = {s.text.split(".")[0]: s.id for s in result.graph.statements}
    links = result.graph.links
    analogy = ids["The law is currently inconsistent"]
    poor_reason = next(s.id for s in result.graph.statements if s.text.startswith("In any case"))
    (undercut,) = [link for link in links if link.premises == (poor_reason,)]
    # `<_ <Poor reason>` sits at the indentation of `- <Major differences>`, so it
    # undercuts <Alcohol and tobacco analogy>: the link from the analogy to the claim.
    target = result.graph.link(undercut.target_link)
    assert undercut.kind == Kind.OPPOSE
    assert undercut.conclusion is None
    assert target.premises == (analogy,)
    assert target.conclusion == ids["Soft drugs should be legal"]
    assert undercut.note == "#con"


def test_parse_argdown_imports_the_primer_with_counts_from_the_file() -> None:
    text = read_sample(PRIMER)
    body = without_comments(text)
    titled = set(re.findall(r"\[([^\]]+)\]:", body))  # Intro, Statement 1, Statement 2
    # Relation lines followed by plain text define untitled statements.
    untitled_in_relations = re.findall(
        r"^[ \t]*(?:\+>|->|<\+|<-|\+|-(?!-))[ \t]+[^\[<\s]", body, re.MULTILINE
    )
    untitled_in_pcs = re.findall(r"^[ \t]*\(\d+\)[ \t]+[^\[\s]", body, re.MULTILINE)
    # Arguments with a description and no PCS: the PCS belongs to <Argument 1>, which
    # is only referenced (`<Argument 1>` without ':'), so every definition counts.
    described_arguments = set(re.findall(r"<([^>]+)>:", body))
    expected_statements = (
        len(titled) + len(untitled_in_relations) + len(untitled_in_pcs) + len(described_arguments)
    )
    # Ten relation lines and one inference (written "--" / rule / "--"): one link each.
    inferences = len(INFERENCE_LINE.findall(body)) + len(LONE_DASHES.findall(body)) // 2
    expected_links = len(RELATION_LINE.findall(body)) + inferences

    result = parse_argdown(text)

    assert (len(titled), len(untitled_in_relations), len(untitled_in_pcs)) == (3, 4, 2)
    assert len(described_arguments) == 3
    assert len(result.graph.statements) == expected_statements == 12
    assert len(result.graph.links) == expected_links == 11
    assert result.graph.map.title == ":heart: Welcome to Argdown! :heart:"
    # Hand count of the prose paragraphs (untitled, in no relation or argument):
    # "This Argdown document...", "To read a reconstruction...", "This is a normal
    # statement...", "We can also do that...", "Headings can be used...", "Tags are
    # visualized...", "So far, we have ignored...", "We can also link to headings...".
    assert result.left_out == {
        "heading": len(HEADING_LINE.findall(body)) - 1,  # the first one is the title
        "tag": 1,  # #(Another tag) on [Statement 1]
        "untitled paragraph": 8,
    }


def test_parse_argdown_reads_the_primer_argument_reconstruction() -> None:
    result = parse_argdown(read_sample(PRIMER))
    by_start = {s.text[:20]: s.id for s in result.graph.statements}
    statement_2 = by_start["We have already defi"]
    first_premise = by_start["First premise (this "]
    conclusion = by_start["And now the conclusi"]
    (pcs_link,) = [link for link in result.graph.links if link.scheme]
    assert pcs_link.premises == (first_premise, statement_2)
    assert pcs_link.conclusion == conclusion
    assert pcs_link.scheme == "Some inference rule: p .^. (p .->. q) .->. q"
    # "[Intro] -> <Argument 1>": an attack on a reconstructed argument aims at its
    # inference, as in Argdown's model.
    intro = by_start["Argdown is a simple "]
    (attack,) = [link for link in result.graph.links if link.premises == (intro,)]
    assert (attack.kind, attack.target_link) == (Kind.OPPOSE, pcs_link.id)
    # The later definition of [Statement 2] is the canonical text.
    assert any("different texts" in note for note in result.notes)


@pytest.mark.parametrize("path", [PRIMER, SOFTDRUGS], ids=lambda p: p.name)
def test_samples_survive_an_argdown_round_trip(path: Path) -> None:
    first = parse_argdown(read_sample(path)).graph
    again = parse_argdown(to_argdown(first))
    assert again.graph.statements == first.statements
    assert again.graph.links == first.links
    assert again.left_out == {}
    assert again.notes == ()


@pytest.mark.parametrize("path", AIF_SAMPLES, ids=lambda p: p.name)
def test_aif_samples_survive_the_trip_through_argdown(path: Path) -> None:
    graph = parse_aif(path.read_bytes()).graph
    back = parse_argdown(to_argdown(graph)).graph
    assert canonical(back, text=squash) == canonical(graph, text=squash)


# ------------------------------------------------------------------- syntax


def test_parse_argdown_merges_statements_with_the_same_title() -> None:
    result = parse_argdown("[A]: first text\n\n[B]: other\n  + [A]\n\n[A]: second text\n")
    assert statement_texts(result) == ["second text", "other"]
    assert link_tuples(result) == [("support", (1,), 2, None)]


def test_parse_argdown_reads_relation_directions_and_nesting() -> None:
    text = (
        "[C]: claim\n"
        "  + [P]: pro\n"
        "    - [Q]: against pro\n"
        "  <- [R]: con\n"
        "  +> [S]: supported by claim\n"
        "  -> [T]: attacked by claim\n"
    )
    result = parse_argdown(text)
    assert link_tuples(result) == [
        ("support", (2,), 1, None),
        ("oppose", (3,), 2, None),
        ("oppose", (4,), 1, None),
        ("support", (1,), 5, None),
        ("oppose", (1,), 6, None),
    ]


def test_parse_argdown_chains_a_multi_step_pcs() -> None:
    text = (
        "<Chain>: the description #tagged\n\n"
        "(1) p one\n(2) p two\n-- Modus ponens --\n(3) intermediate\n(4) p three\n"
        "--\nRule A, Rule B {uses: [3, 4]}\n--\n(5) final\n"
    )
    result = parse_argdown(text)
    assert statement_texts(result) == ["p one", "p two", "intermediate", "p three", "final"]
    assert result.graph.links == (
        Link(id=1, kind=Kind.SUPPORT, premises=(1, 2), conclusion=3, scheme="Modus ponens"),
        Link(
            id=2,
            kind=Kind.SUPPORT,
            premises=(3, 4),
            conclusion=5,
            scheme="Rule A, Rule B",
            note="the description #tagged",
        ),
    )


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_parse_argdown_reads_windows_and_old_mac_line_ends_as_single_breaks(newline) -> None:
    # Argdown's own example files are saved with CRLF: a CRLF is one line break, never
    # a CR and an LF (an empty line that would end the premise-conclusion structure).
    lines = ["===", "title: T", "===", "", "<A>", "", "(1) [P]", "(2) q", "----", "(3) [C]"]
    text = newline.join(lines) + newline
    result = parse_argdown(text)
    assert result.graph.map.title == "T"
    assert link_tuples(result) == [("support", (1, 2), 3, None)]
    with pytest.raises(FormatError, match="line 3, column 5"):
        parse_argdown(newline.join(["a", "", "    + b"]))


def test_parse_argdown_uses_the_premises_an_inference_names() -> None:
    result = parse_argdown("(1) a\n(2) b\n(3) c\n-- {uses: [1, 3]} --\n(4) d\n")
    assert link_tuples(result) == [("support", (1, 3), 4, None)]


def test_parse_argdown_turns_undercuts_into_objections_to_links() -> None:
    text = (
        "<A>\n\n(1) p\n----\n  <_ [U1]: under the inference line\n(2) c\n"
        "  <_ [U2]: under the conclusion\n\n"
        "[U3]: third\n  _> <A>\n"
    )
    result = parse_argdown(text)
    (pcs_link,) = [link for link in result.graph.links if link.conclusion is not None]
    undercuts = [link for link in result.graph.links if link.target_link is not None]
    assert [link.target_link for link in undercuts] == [pcs_link.id] * 3
    assert all(link.kind == Kind.OPPOSE for link in undercuts)


def test_parse_argdown_maps_a_contradiction_to_two_opposing_links() -> None:
    result = parse_argdown("[A]: a\n  >< [B]: b\n")
    assert link_tuples(result) == [("oppose", (1,), 2, None), ("oppose", (2,), 1, None)]
    assert {link.note for link in result.graph.links} == {"contradiction"}


def test_parse_argdown_makes_an_argument_description_a_premise() -> None:
    result = parse_argdown("[C]: claim\n  + <Why>: because of this #pro\n")
    assert statement_texts(result) == ["claim", "because of this"]
    assert result.graph.links == (
        Link(id=1, kind=Kind.SUPPORT, premises=(2,), conclusion=1, note="#pro"),
    )


def test_parse_argdown_reads_statements_supporting_a_bare_argument_as_co_premises() -> None:
    text = "[A]: a\n\n[B]: b\n\n[C]: c\n\n<Obj> {note: joint}\n  <+ [A]\n  <+ [B]\n  -> [C]\n"
    result = parse_argdown(text)
    assert result.graph.links == (
        Link(id=1, kind=Kind.OPPOSE, premises=(1, 2), conclusion=3, note="joint"),
    )


def test_parse_argdown_removes_trailing_tags_and_counts_statement_tags() -> None:
    result = parse_argdown("[A]: a #done\n  + [B]: an #inline tag stays #(long tag)\n")
    assert statement_texts(result) == ["a", "an #inline tag stays"]
    assert result.left_out == {"tag": 3}


def test_parse_argdown_skips_comments_front_matter_and_data() -> None:
    text = (
        "===\ntitle: From the front\nauthor: someone\n===\n\n"
        "# Heading one\n\n"
        "/* a block\n   comment */\n"
        "[A]: kept // not this\n"
        "  <!-- nor\n  this -->\n"
        "  + [B]: kept too {isInMap: true, attributed_to: Lavrov}\n"
        "  + <X>: described {proponent: 'Putin'}\n"
    )
    result = parse_argdown(text)
    assert result.graph.map.title == "From the front"
    assert [(s.text, s.attributed_to) for s in result.graph.statements] == [
        ("kept", ""),
        ("kept too", "Lavrov"),
        ("described", "Putin"),
    ]
    assert result.left_out == {"heading": 1}


def test_parse_argdown_takes_escapes_literally() -> None:
    result = parse_argdown(r"[A]: \[not a ref] \<nor an arg> \#notag \{nodata} a\\b" + "\n")
    assert statement_texts(result) == [r"[not a ref] <nor an arg> #notag {nodata} a\b"]


def test_parse_argdown_leaves_out_prose_and_keeps_links_text() -> None:
    result = parse_argdown(
        "Just prose, see [the docs](https://argdown.org//x).\n\n[T]: titled, kept\n"
    )
    assert statement_texts(result) == ["titled, kept"]
    assert result.left_out == {"untitled paragraph": 1}


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "line", "column", "says"),
    [
        ("+ [A]: x\n", 1, 1, "above this '+' relation but found the start of the file"),
        ("[A]: a\n\n  + [B]: b\n", 3, 3, "above this '+' relation but found an empty line"),
        ("[A]: a\n\n[A] more text\n", 3, 5, "expected ':' right after [A]"),
        ("[A]: a\n[B]: b\n", 2, 1, "expected an empty line before [B]:"),
        ("[A]: a /* never\nclosed\n", 1, 8, "expected '*/' to close this comment"),
        ("[A]: a\n<!-- open\n", 2, 1, "expected '-->' to close this comment"),
        ("===\ntitle: x\n[A]: a\n", 1, 1, "expected a closing '==='"),
        ("----\n(1) a\n", 1, 1, "expected a numbered premise"),
        ("(1) a\n(2) b\n", 3, 1, "expected an inference line"),
        ("(1) a\n----\n", 3, 1, "expected the conclusion '(n) ...'"),
        ("(1) a\n----\n----\n(2) b\n", 3, 1, "between two inference lines"),
        ("(1) <A>: x\n----\n(2) b\n", 1, 5, "but found the argument <A>:"),
        ("(1) a\n-- rule\n(2) b\n", 2, 1, "expected '--' to close this inference rule"),
        ("(1) a\n-- r -- x\n(2) b\n", 2, 9, "expected the end of the line"),
        ("[A]: a\n  >< <B>: b\n", 2, 3, "expected a statement after '><'"),
        ("(1) a\n----\n  +> [X]\n(2) b\n", 3, 3, "expected '<_', '<-' or '<+'"),
        ("[A]: a\n  +\n", 2, 4, "expected a statement or an argument after '+'"),
    ],
)
def test_parse_argdown_rejects_bad_syntax_with_line_and_column(text, line, column, says) -> None:
    with pytest.raises(FormatError) as caught:
        parse_argdown(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert says in error.message
    assert str(error).startswith(f"line {line}, column {column}: expected")


# ------------------------------------------------------------------- export


def test_to_argdown_writes_readable_argdown() -> None:
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="Kurils # talks"),
        statements=(
            Statement(id=1, text="Japan wants [the] islands", attributed_to="Abe"),
            Statement(id=2, text="Russia won't give them"),
            Statement(id=3, text="No treaty soon"),
        ),
        links=(
            Link(id=7, kind=Kind.SUPPORT, premises=(1, 2), conclusion=3, scheme="Modus ponens"),
            Link(id=8, kind=Kind.OPPOSE, premises=(1,), target_link=7),
            Link(id=9, kind=Kind.OPPOSE, premises=(3,), conclusion=1, note="why"),
        ),
    )
    assert to_argdown(graph) == (
        "# Kurils \\# talks\n\n"
        '[Japan wants the islands]: Japan wants \\[the] islands {"attributed_to": "Abe"}\n\n'
        "[Russia won t give them]: Russia won't give them\n\n"
        "[No treaty soon]: No treaty soon\n\n"
        "<Argument 7>\n\n"
        "(1) [Japan wants the islands]\n"
        "(2) [Russia won t give them]\n"
        "-- Modus ponens --\n"
        "(3) [No treaty soon]\n\n"
        "<Undercut 8>\n"
        "  <+ [Japan wants the islands]\n"
        "  _> <Argument 7>\n\n"
        '<Objection 9> {"note": "why"}\n'
        "  <+ [No treaty soon]\n"
        "  -> [Japan wants the islands]\n"
    )
    back = parse_argdown(to_argdown(graph))
    assert back.graph.map.title == "Kurils # talks"
    assert canonical(back.graph, text=squash) == canonical(graph, text=squash)


def test_to_argdown_escapes_what_argdown_2_would_misread() -> None:
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=(
            Statement(id=1, text="e.g. :heart: p .^. q, a_b *c* x==y"),
            Statement(id=2, text="b"),
        ),
        links=(Link(id=1, kind=Kind.OPPOSE, premises=(1,), conclusion=2, note="<b>: /* {x}"),),
    )
    out = to_argdown(graph)
    # ".g." and ":heart:" would be shortcodes; "<b>:" inside the data would let Argdown
    # read `<Objection 1> {"note": "<b>:` as one argument definition.
    assert r"e\.g. \:heart: p \.^. q, a\_b \*c\* x\==y" in out
    assert r'<Objection 1> {"note": "\u003cb\u003e: /* \u007bx\u007d"}' in out
    back = parse_argdown(out).graph
    assert back.statements[0].text == graph.statements[0].text
    assert back.links[0].note == "<b>: /* {x}"


def test_to_argdown_leaves_out_bidi_controls_and_says_so() -> None:
    # A right-to-left override (U+202E) and an isolate (U+2066...U+2069) would make the
    # file read differently from what it holds ("Trojan Source"); Argdown cannot escape
    # them. Joiners and marks, which scripts and emoji need, stay.
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="Talks \u2066x\u2069"),
        statements=(
            Statement(id=1, text="Pay \u202e01$\u202c now", attributed_to="A\u202eB"),
            Statement(id=2, text="Coders \U0001f469\u200d\U0001f4bb agree \u200f"),
        ),
        links=(Link(id=1, kind=Kind.OPPOSE, premises=(1,), conclusion=2, note="n\u202ben"),),
    )
    out = to_argdown(graph)
    assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert out.endswith(
        "// argmap left out 6 bidirectional control character(s) (U+202A-U+202E, "
        "U+2066-U+2069): Argdown cannot escape them.\n"
    )
    back = parse_argdown(out).graph
    assert back.map.title == "Talks x"
    assert [s.text for s in back.statements] == [
        "Pay 01$ now",
        "Coders \U0001f469\u200d\U0001f4bb agree \u200f",
    ]
    assert back.statements[0].attributed_to == "AB"
    assert back.links[0].note == "nen"
    # Written again, the file has nothing to leave out and says nothing of it.
    assert "// argmap left out" not in to_argdown(back)


def test_to_argdown_makes_titles_unique() -> None:
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title=""),
        statements=(
            Statement(id=1, text="Same words"),
            Statement(id=2, text="same words!"),
            Statement(id=3, text="!!!"),
        ),
    )
    titles = re.findall(r"^\[([^\]]+)\]:", to_argdown(graph), re.MULTILINE)
    assert titles == ["Same words", "same words 2", "Statement 3"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_parse_argdown_of_to_argdown_keeps_every_statement_and_link(graph: ArgumentGraph) -> None:
    result = parse_argdown(to_argdown(graph))
    # Argdown has no line breaks inside a statement: whitespace comes back squashed.
    assert canonical(result.graph, text=squash, note=squash) == canonical(
        graph, text=squash, note=squash
    )
    assert result.graph.map.title == squash(graph.map.title)
    assert result.left_out == {}


# Pieces of Argdown syntax, glued at random: whatever comes out, the parser either
# returns a well-formed graph or raises a FormatError that says where.
# fmt: off
PIECES = [
    "[A]", "[A]: ", "[B]: ", "<X>", "<X>: ", "<Y>: ", "(1) ", "(2) ", "(3) ", "----", "--",
    "-- r --", "\n", "\n\n", "  ", "    ", "+ ", "- ", "<+ ", "<- ", "<_ ", "_> ", "+> ", "-> ",
    ">< ", "# ", "#t", "#(x y)", "{a: 1}", "{", "}", "// c", "/* c */", "<!-- c -->", "===",
    "\\", "text", "more words", "  1. ", "  * ", "@[A]", "{uses: [1]}", '"', ":", ",",
]
# fmt: on


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_parse_argdown_returns_a_well_formed_graph_or_a_located_error(text: str) -> None:
    try:
        result = parse_argdown(text)
    except FormatError as error:
        where = (error.line, error.column)
    else:
        assert_well_formed(result.graph)
        return
    assert None not in where
    assert min(where) >= 1
