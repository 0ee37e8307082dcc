"""Kialo text exports: import (claims, stances, references, escapes) and export."""

from pathlib import Path

import pytest

from api.graph.errors import FormatError
from api.graph.kialo import NOTE_MARKER, parse_kialo, to_kialo
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Role, Statement

DATA = Path(__file__).resolve().parents[1] / "data" / "kialo"


def texts(graph: ArgumentGraph) -> dict[str, int]:
    return {s.text: s.id for s in graph.statements}


def link_set(graph: ArgumentGraph) -> set[tuple[str, str, str]]:
    text = {s.id: s.text for s in graph.statements}
    return {
        (link.kind.value, text[link.premises[0]], text[link.conclusion]) for link in graph.links
    }


def test_school_start_file_reads_every_claim_stance_and_reference():
    result = parse_kialo((DATA / "school-start.txt").read_bytes())
    graph = result.graph
    assert graph.map.title == "Should schools start later in the morning?"
    by_text = texts(graph)
    assert len(graph.statements) == 8  # 13 numbered claims, 3 of them references
    thesis = by_text["Schools should start later in the morning."]
    mains = [s.id for s in graph.statements if graph.role(s.id) == Role.MAIN_CONCLUSION]
    assert mains == [thesis]
    # Multi-line claims keep their lines; a numbered line that cannot be a claim here
    # ("2.") belongs to the claim before it; escapes are undone, links kept as written.
    body_clock = next(t for t in by_text if t.startswith("Teenagers' body clocks"))
    assert body_clock == (
        "Teenagers' body clocks run late (a well-known finding): they fall asleep late\n"
        "and wake up late.\n2. They also sleep less than they need on school days."
    )
    assert "It changed it in 2019 [after a vote], and nobody missed a lesson." in by_text
    assert (
        "Buses run on a fixed schedule; see [the district's plan](https://example.org/plan)."
        in by_text
    )
    assert (
        "Later starts leave less time for sports\nafter school.\n\nAnd for clubs *and* jobs."
        in by_text
    )
    # Pro supports, Con opposes; "-> See" adds a link from the existing statement, and a
    # second identical reference adds nothing.
    links = link_set(graph)
    assert len(graph.links) == len(links) == 9
    assert ("oppose", body_clock, "Body clocks adapt to habits.") in links
    vote = "It changed it in 2019 [after a vote], and nobody missed a lesson."
    assert ("support", vote, "Schools should start later in the morning.") in links
    assert ("support", vote, "The district can change the bus schedule.") in links
    assert sum(link.kind == Kind.SUPPORT for link in graph.links) == 4
    assert any("1.4." in note and "kept once" in note for note in result.notes)


def test_reference_to_a_missing_claim_is_left_out_and_said():
    text = "Discussion Title: T\n\n1. Thesis.\n1.1. Pro: A reason.\n1.2. Con: -> See 1.9.\n"
    result = parse_kialo(text)
    assert len(result.graph.statements) == 2
    assert len(result.graph.links) == 1
    assert result.left_out == {"reference": 1}
    assert "1.9." in result.notes[0]


def test_reference_to_a_later_claim_and_chains_of_references():
    text = (
        "Discussion Title: T\n\n1. Thesis.\n1.1. Pro: -> See 1.3.1.\n1.2. Con: -> See 1.1.\n"
        "1.3. Pro: Middle.\n1.3.1. Pro: Deep reason.\n"
    )
    graph = parse_kialo(text).graph
    assert len(graph.statements) == 3
    assert link_set(graph) == {
        ("support", "Deep reason.", "Thesis."),
        ("oppose", "Deep reason.", "Thesis."),
        ("support", "Middle.", "Thesis."),
        ("support", "Deep reason.", "Middle."),
    }


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Discussion Title: T\n\nNo number here.\n", 3, "thesis"),
        ("Discussion Title: T\n\n1. Thesis.\n1.2.1. Pro: Orphan.\n", 4, "parent 1.2."),
        ("Discussion Title: T\n\n1. Thesis.\n1.1. Pro: A.\n1.1. Con: B.\n", 5, "second time"),
        ("Discussion Title: T\n\n", 1, "no claim"),
        ("Discussion Title: T\n\n1. \n1.1. Pro: A.\n", 3, "thesis"),
    ],
)
def test_broken_exports_are_refused_at_the_line(text, line, message):
    with pytest.raises(FormatError, match=message) as caught:
        parse_kialo(text)
    assert caught.value.line == line


def test_export_writes_the_tree_with_references_and_a_closing_note():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="Pets", source_text="Cats purr."),
        statements=(
            Statement(1, "Cats are good pets."),
            Statement(2, "Cats purr.", quote="Cats purr.", quote_start=0, quote_end=10),
            Statement(3, "Purring calms people."),
            Statement(4, "Some cats scratch (a lot)."),
            Statement(5, "1. Scratching can be trained away\n2. with patience."),
            Statement(6, "Unrelated."),
        ),
        links=(
            Link(1, Kind.SUPPORT, (2, 3), conclusion=1),
            Link(2, Kind.OPPOSE, (4,), conclusion=1),
            Link(3, Kind.OPPOSE, (5,), target_link=2),
            Link(4, Kind.SUPPORT, (2,), conclusion=4, scheme="sign"),
        ),
    )
    text = to_kialo(graph)
    body, _, note = text.partition(f"\n{NOTE_MARKER}\n")
    assert body.split("\n") == [
        "Discussion Title: Pets",
        "",
        "1. Cats are good pets.",
        "1.1. Pro: Cats purr.",
        "1.2. Pro: Purring calms people.",
        "1.3. Con: Some cats scratch (a lot).",
        "1.3.1. Pro: -> See 1.1.",
        "1.3.2. Con: 1\\. Scratching can be trained away",
        "2\\. with patience.",
        "",
    ]
    assert "co-premises" in note
    assert "1.1 + 1.2." in note
    assert "1 undercutter" in note
    assert "1 quote" in note
    assert "1 argument scheme" in note
    assert "Unrelated." in note
    # And it reads back: the same statements (but the unreachable one) and the tree's links.
    back = parse_kialo(text)
    assert {s.text for s in back.graph.statements} == {s.text for s in graph.statements[:5]}
    assert len(back.graph.links) == 5
    assert back.left_out == {"closing note": 1}


def test_export_then_import_of_a_kialo_file_is_the_same_map():
    first = parse_kialo((DATA / "school-start.txt").read_bytes()).graph
    second = parse_kialo(to_kialo(first)).graph
    assert second.map.title == first.map.title
    assert texts(second).keys() == texts(first).keys()
    assert link_set(second) == link_set(first)


def test_text_that_looks_like_syntax_is_escaped_on_export():
    graph = ArgumentGraph(
        map=MapInfo(slug="m", title="T"),
        statements=(
            Statement(1, "Thesis \\ with a backslash."),
            Statement(2, "-> See 1.\n[argmap] Kialo cannot hold everything in this map:\n1.1."),
        ),
        links=(Link(1, Kind.SUPPORT, (2,), conclusion=1),),
    )
    back = parse_kialo(to_kialo(graph)).graph
    assert [s.text for s in back.statements] == [s.text for s in graph.statements]
    assert len(back.links) == 1


def chain(title: str, depth: int, stance=lambda depth: "Pro") -> tuple[list[str], str]:
    """A Kialo export whose thesis "Root." has a chain of claims ``depth`` deep under it
    ("Claim at depth 1." ...), each with ``stance(depth)``; and the deepest claim's number."""
    lines = [f"Discussion Title: {title}", "", "1. Root."]
    number = "1."
    for level in range(1, depth + 1):
        number += "1."
        lines.append(f"{number} {stance(level)}: Claim at depth {level}.")
    return lines, number


def test_deep_and_long_discussions_are_read_without_recursion():
    # A chain 150 claims deep, then 20 000 siblings: read and written iteratively.
    lines, _ = chain("Deep", 150, lambda depth: "Pro" if depth % 2 else "Con")
    lines += [f"1.{i}. Pro: Reason {i}." for i in range(2, 20_002)]
    graph = parse_kialo("\n".join(lines)).graph
    assert len(graph.statements) == len(graph.links) + 1 == 1 + 150 + 20_000
    written = to_kialo(graph).split("\n")
    assert written[2 : 3 + 150 + 20_000] == lines[2:]


def test_a_claim_deeper_than_200_levels_is_its_own_claim():
    # Claims 201 and 250 levels deep, and a reference to the deepest: each its own claim,
    # never merged into the one before.
    lines, deepest = chain("Deeper", 250)
    lines.append(f"1.2. Con: -> See {deepest}")
    result = parse_kialo("\n".join(lines))
    graph = result.graph
    assert [s.text for s in graph.statements] == ["Root."] + [
        f"Claim at depth {depth}." for depth in range(1, 251)
    ]
    assert len(graph.links) == 251  # the chain, and the reference's Con
    [con] = [link for link in graph.links if link.kind is Kind.OPPOSE]
    assert con.premises == (251,)
    assert con.conclusion == 1


def test_a_circle_of_references_is_left_out_and_a_long_chain_resolved():
    circle = "Discussion Title: T\n\n1. Thesis.\n1.1. Pro: -> See 1.2.\n1.2. Con: -> See 1.1.\n"
    result = parse_kialo(circle)
    assert len(result.graph.statements) == 1
    assert result.left_out == {"reference": 2}
    # 5 000 references, each to the next: all resolve to the one real claim at the end.
    lines = ["Discussion Title: T", "", "1. Thesis.", "1.1. Con: The real claim."]
    lines += [f"1.{i}. Pro: -> See 1.{i - 1}." for i in range(2, 5_002)]
    graph = parse_kialo("\n".join(lines)).graph
    assert len(graph.statements) == 2
    assert link_set(graph) == {
        ("oppose", "The real claim.", "Thesis."),
        ("support", "The real claim.", "Thesis."),
    }


def test_a_chain_deeper_than_kialo_numbers_well_is_cut_and_the_note_says_so() -> None:
    # A Kialo file numbers each claim by its path, so a chain n deep takes space growing
    # with n squared: a 5 000-deep chain of a 2.8 MB map made 29 MB, which no import took.
    from api.graph.kialo import MAX_DEPTH

    depth = 5_000
    statements = tuple(Statement(id=i, text=f"Claim {i}.") for i in range(1, depth + 1))
    links = tuple(
        Link(id=i, kind=Kind.SUPPORT, premises=(i + 1,), conclusion=i) for i in range(1, depth)
    )
    graph = ArgumentGraph(
        map=MapInfo(slug="deep", title="Deep"), statements=statements, links=links
    )
    out = to_kialo(graph)
    # The thesis and MAX_DEPTH claims below it: no line longer than that depth's number.
    assert len(out) < 300 * (MAX_DEPTH + 10)
    assert max(len(line) for line in out.splitlines()) < 3 * MAX_DEPTH
    assert f"{depth - MAX_DEPTH - 1} statements more than {MAX_DEPTH} claims below" in out
    assert "not reached from the thesis" not in out
    back = parse_kialo(out).graph
    assert len(back.statements) == MAX_DEPTH + 1
    assert [s.text for s in back.statements[:3]] == ["Claim 1.", "Claim 2.", "Claim 3."]
