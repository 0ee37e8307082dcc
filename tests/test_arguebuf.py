"""argmap's interchange checked against an independent reader, arguebuf.

argmap's AIF export of every test map and of the essay's map loads in arguebuf with the
same atoms and scheme nodes and the same support/attack split; and the Kialo and
microtexts files that arguebuf reads itself give it the same counts as argmap.
"""

import io
import json
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import arguebuf
import pytest
from django.core.management import call_command

from api.graph.formats import read_map, write_map
from api.graph.model import Kind
from api.models import ArgumentMap
from api.selectors import map_graph_get
from tests.helpers import ARGDOWN_ACCEPTED, ARGDOWN_CLI

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MAP_FILES = sorted(
    [
        p
        for p in DATA.rglob("*")
        if "argdown" not in p.parts
        and "schema" not in p.parts  # argmap's own OpenAPI schema, not a map
        and (p.suffix in {".json", ".xml"} or (p.suffix == ".txt" and "kialo" in p.parts))
    ]
    + [
        p
        for p in ARGDOWN_ACCEPTED
        if ARGDOWN_CLI[p.relative_to(DATA / "argdown").as_posix()]["statements"]
    ]
)
KIALO = sorted((DATA / "kialo").glob("*.txt"))
MICROTEXTS = sorted((DATA / "microtexts").glob("*.xml"))


def companion(path: Path) -> str | None:
    text = path.with_suffix(".txt")
    return text.read_text("utf-8") if path.suffix == ".xml" and text.exists() else None


def is_rephrase(scheme: str) -> bool:
    return scheme == "rephrase" or scheme.startswith("rephrase: ")


def arguebuf_counts(graph: arguebuf.Graph) -> dict[str, int]:
    schemes = [node.scheme for node in graph.scheme_nodes.values()]
    return {
        "atoms": len(graph.atom_nodes),
        "schemes": len(schemes),
        "support": sum(isinstance(s, arguebuf.Support) for s in schemes),
        "rephrase": sum(isinstance(s, arguebuf.Rephrase) for s in schemes),
        "attack": sum(isinstance(s, arguebuf.Attack) for s in schemes),
    }


def argmap_counts(graph) -> dict[str, int]:
    support = [link for link in graph.links if link.kind == Kind.SUPPORT]
    return {
        "atoms": len(graph.statements),
        "schemes": len(graph.links),
        # argmap keeps an AIF rephrase (MA) as a support link with the scheme "rephrase".
        "support": sum(not is_rephrase(link.scheme) for link in support),
        "rephrase": sum(is_rephrase(link.scheme) for link in support),
        "attack": sum(link.kind == Kind.OPPOSE for link in graph.links),
    }


def load_aif(content: bytes) -> arguebuf.Graph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arguebuf warns about argmap's L/YA dialogue nodes
        return arguebuf.load.aif(json.loads(content))


@pytest.mark.parametrize("path", MAP_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_aif_export_of_every_test_map_reads_the_same_in_arguebuf(path):
    graph = read_map(path.read_bytes(), filename=path.name, source_text=companion(path)).graph
    assert argmap_counts(graph)["atoms"] > 0
    assert arguebuf_counts(load_aif(write_map(graph, "aif"))) == argmap_counts(graph)


@pytest.mark.django_db
def test_aif_export_of_the_essay_reads_the_same_in_arguebuf(api_client):
    call_command("load_essay", stdout=io.StringIO())
    map_ = ArgumentMap.objects.get()
    response = api_client.get(f"/api/maps/{map_.slug}/export.aif")
    assert response.status_code == 200
    counts = argmap_counts(map_graph_get(map_))
    fixture = json.loads((ROOT / "fixtures" / "essay.json").read_text("utf-8"))
    assert counts["atoms"] == len(fixture["statements"])
    assert counts["schemes"] == len(fixture["links"])
    assert arguebuf_counts(load_aif(response.content)) == counts


def distinct_arguebuf_links(graph: arguebuf.Graph) -> set[tuple]:
    """arguebuf's scheme nodes as (kind, premises, target): a Kialo "-> See" that repeats
    a link is a second scheme node there, one link in argmap."""
    links = set()
    for scheme in graph.scheme_nodes.values():
        premises = frozenset(n.id for n in graph.incoming_nodes(scheme))
        targets = frozenset(n.id for n in graph.outgoing_nodes(scheme))
        links.add((type(scheme.scheme).__name__, premises, targets))
    return links


@pytest.mark.parametrize("path", KIALO, ids=lambda p: p.name)
def test_kialo_files_count_the_same_in_arguebuf(path):
    with path.open(encoding="utf-8") as file:
        theirs = arguebuf.load.kialo(file)
    ours = read_map(path.read_bytes()).graph
    assert len(ours.statements) == len(theirs.atom_nodes)
    assert len(ours.links) == len(distinct_arguebuf_links(theirs))
    support = sum(link.kind == Kind.SUPPORT for link in ours.links)
    assert support == sum(kind == "Support" for kind, _, _ in distinct_arguebuf_links(theirs))
    thesis = theirs.major_claim.plain_text
    mains = [s.text for s in ours.statements if ours.role(s.id) == "main_conclusion"]
    assert mains == [thesis]


@pytest.mark.parametrize("path", MICROTEXTS, ids=lambda p: p.name)
def test_microtexts_count_the_same_in_arguebuf(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = arguebuf.load.file(path)
    ours = read_map(path.read_bytes(), source_text=companion(path)).graph
    root = ET.parse(path).getroot()
    joints = {j.get("id") for j in root.findall("joint")}
    in_joint = {e.get("trg") for e in root.findall("edge") if e.get("src") in joints}
    if in_joint:
        # arguebuf reads no text for an ADU grounded in a <joint> of EDUs and drops it
        # (with its edges); argmap keeps it. The rest of the atoms agree.
        assert len(theirs.atom_nodes) == len(ours.statements) - len(in_joint)
        return
    assert arguebuf_counts(theirs) == argmap_counts(ours) | {"rephrase": 0}
    # Co-premises: arguebuf adds an 'add' ADU as a further incoming atom of the scheme.
    assert sum(len(link.premises) for link in ours.links) == sum(
        isinstance(node, arguebuf.AtomNode)
        for scheme in theirs.scheme_nodes.values()
        for node in theirs.incoming_nodes(scheme)
    )
