"""Telling a file's format from its content, and refusing what is no map at all."""

import json
from pathlib import Path

import pytest

from api.graph.errors import FormatError
from api.graph.formats import (
    ARGDOWN_SUFFIXES,
    EXPORT_FORMATS,
    FORMAT_NAMES,
    IMPORT_SUFFIXES,
    guess_format,
    read_map,
    write_map,
)
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

DATA = Path(__file__).resolve().parents[1] / "data"

SMALL = ArgumentGraph(
    map=MapInfo(slug="cats", title="Cats"),
    statements=(Statement(1, "Cats are good pets."), Statement(2, "Cats purr.")),
    links=(Link(1, Kind.SUPPORT, (2,), conclusion=1),),
)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("name", ["map", "map.txt", "map.json", "map.argdown", "map.xml"])
def test_every_export_is_recognised_whatever_the_file_is_called(fmt, name):
    content = write_map(SMALL, fmt)
    assert guess_format(content, name) == fmt
    result = read_map(content, filename=name)
    assert len(result.graph.statements) == 2
    assert len(result.graph.links) == 1


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("kialo/school-start.txt", "kialo"),
        ("microtexts/micro_b001.xml", "microtexts"),
        ("sadface/bridge.json", "sadface"),
    ],
)
def test_test_files_are_recognised_by_content(path, fmt):
    content = (DATA / path).read_bytes()
    assert guess_format(content, "upload.bin") == fmt


def test_argdown_that_starts_with_a_bracket_is_not_taken_for_json():
    content = b"[Cats]: Cats are good pets.\n  + [Purr]: Cats purr.\n"
    assert guess_format(content, "cats.json") == "argdown"
    assert len(read_map(content).graph.links) == 1


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"myhost\n", "Argdown"),  # /etc/hostname: text, but no statement in it
        (b"", "Argdown"),
        (b'{"name": "x"}', "SADFace"),
        (b"[1, 2, 3]", "SADFace"),
        (b"<?xml version='1.0'?><html/>", "microtexts"),
        (b"\xff\xfe\x00", "Kialo"),
    ],
)
def test_a_file_that_is_no_map_is_refused_naming_the_formats_tried(content, where):
    with pytest.raises(FormatError) as caught:
        read_map(content, filename="upload")
    message = str(caught.value)
    assert where in message
    for name in FORMAT_NAMES.values():
        assert name in message


def test_a_forced_format_that_finds_nothing_says_so():
    with pytest.raises(FormatError, match="no statement when read as Argdown"):
        read_map(b"just prose\n", fmt="argdown")
    with pytest.raises(FormatError, match="thesis"):
        read_map(b"just prose\n", fmt="kialo")
    with pytest.raises(ValueError, match="format must be one of"):
        read_map(b"{}", fmt="yaml")


def test_a_forced_format_wins_over_detection():
    kialo = (DATA / "kialo" / "phones.txt").read_bytes()
    # Read as Argdown, the Kialo file is prose: nothing in it, refused.
    with pytest.raises(FormatError):
        read_map(kialo, fmt="argdown")
    assert len(read_map(kialo, fmt="kialo").graph.statements) == 7


def test_deep_json_is_a_format_error_not_a_crash():
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(FormatError):
        read_map(deep, filename="deep.json")


def test_one_list_of_argdown_suffixes_and_every_format_is_named():
    assert set(ARGDOWN_SUFFIXES) <= set(IMPORT_SUFFIXES)
    assert set(EXPORT_FORMATS) <= set(FORMAT_NAMES)
    sadface = json.loads(write_map(SMALL, "sadface"))
    assert {n["type"] for n in sadface["nodes"]} == {"atom", "scheme"}


def test_an_argdown_argument_without_content_in_a_relation_stands_for_its_title():
    # <A> has no description and no premise-conclusion structure: its title stands for
    # it, so the relation that supports it is a link, as Argdown's own map draws it.
    result = read_map(b"<A>\n  + [X]: Cats purr.\n", fmt="argdown")
    assert [s.text for s in result.graph.statements] == ["A", "Cats purr."]
    assert [(link.premises, link.conclusion) for link in result.graph.links] == [((2,), 1)]
    assert result.left_out == {}
    assert any("<A>" in note and "title stands for it" in note for note in result.notes)
    # Where <A> does stand in another relation, its premise stands for it: a link.
    result = read_map(b"[Y]: Pets are good.\n  <+ <A>\n    <+ [X]: Cats purr.\n")
    assert len(result.graph.links) == 1
    assert result.left_out == {}


def test_an_argdown_file_of_prose_is_an_empty_map_when_its_name_says_argdown():
    # Argdown's own CLI exports headings and prose as a map with nothing in it.
    prose = b"# First title\n\nSome text\n\n## Second title\n\nSome text\n"
    result = read_map(prose, filename="notes.argdown")
    assert result.graph.statements == ()
    assert result.graph.links == ()
    assert result.graph.map.title == "First title"
    assert result.left_out == {"heading": 1, "untitled paragraph": 2}
    assert read_map(prose, filename="NOTES.AD").graph.statements == ()
    # Without that name, prose is not taken for a map.
    with pytest.raises(FormatError, match="not an argument map in any known format"):
        read_map(prose, filename="notes.txt")


def test_argdown_that_starts_with_an_argument_is_not_taken_for_xml():
    argument = b"<Argument 1>: Cats are good.\n\n(1) a\n(2) b\n----\n(3) c\n"
    assert guess_format(argument) == "argdown"
    assert len(read_map(argument).graph.links) == 1
    for xml in (b'<?xml version="1.0"?><a/>', b"<foo>\n<bar>x</bar>\n</foo>", b'<r a="1">'):
        with pytest.raises(FormatError, match="this XML is not an argumentative microtext"):
            guess_format(xml)
