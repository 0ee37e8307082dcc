"""What several test modules share: the test data files, small maps built through the
services, the snapshot a refused write must leave as it was, and random argument graphs
(Hypothesis) with the helpers that compare them.

Test modules import from here, never from one another; ``conftest.py`` holds only
fixtures.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections import Counter
from pathlib import Path

from hypothesis import strategies as st

from api import services
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.models import ArgumentMap, LinkPremise
from api.models import Link as LinkRow
from api.models import Statement as StatementRow

# --- test data ----------------------------------------------------------------------------

DATA = Path(__file__).resolve().parent / "data"


def data_file(name: str) -> Path:
    """The path of ``tests/data/<name>``; fails (never skips) when the file is missing."""
    path = DATA / name
    assert path.is_file(), f"test data file {path} is missing (see tests/data/README.md)"
    return path


def data_files(folder: str, pattern: str) -> list[Path]:
    """The files of ``tests/data/<folder>`` matching ``pattern``, sorted; fails (never
    skips) when there are none."""
    paths = sorted((DATA / folder).glob(pattern))
    assert paths, f"no {pattern} files in {DATA / folder} (see tests/data/README.md)"
    return paths


AIF_SAMPLES = data_files("aif", "*.json")
ARGDOWN_SAMPLES = data_files("argdown/examples", "*.argdown")
# What Argdown's own CLI makes of every Argdown test file (scripts/record_argdown_counts.py).
ARGDOWN_CLI: dict[str, dict] = json.loads(data_file("argdown/argdown-cli.json").read_text("utf-8"))[
    "files"
]
ARGDOWN_ACCEPTED = [
    DATA / "argdown" / name for name, seen in ARGDOWN_CLI.items() if seen["accepted"]
]

# --- maps in the database -------------------------------------------------------------------

SOURCE = (
    "Cats are good pets. They are quiet and clean. "
    "But they scratch furniture. A scratching post solves that."
)


def build_map(
    slug: str = "cats", n_reasons: int = 2, owner=None, is_private: bool = False
) -> ArgumentMap:
    """A small map: a claim, reasons (one pair of co-premises), an objection and an
    undercutter. ``n_reasons`` extra single-premise reasons make it bigger."""
    map_ = services.map_create(
        slug=slug, title=f"Map {slug}", source_text=SOURCE, owner=owner, is_private=is_private
    )
    claim = services.statement_create(
        map_=map_, text="Cats are good pets.", quote="Cats are good pets."
    )
    quiet = services.statement_create(map_=map_, text="Cats are quiet.")
    clean = services.statement_create(map_=map_, text="Cats are clean.")
    scratch = services.statement_create(
        map_=map_, text="Cats scratch furniture.", quote="they scratch furniture"
    )
    post = services.statement_create(
        map_=map_, text="A scratching post solves scratching.", attributed_to="Vets"
    )
    services.link_create(map_=map_, kind="support", premises=[quiet, clean], conclusion=claim)
    objection = services.link_create(map_=map_, kind="oppose", premises=[scratch], conclusion=claim)
    services.link_create(map_=map_, kind="oppose", premises=[post], target_link=objection)
    for i in range(n_reasons):
        reason = services.statement_create(map_=map_, text=f"Extra reason {i}.")
        services.link_create(map_=map_, kind="support", premises=[reason], conclusion=claim)
    map_.refresh_from_db()
    return map_


def snapshot() -> tuple:
    """Everything a refused (or empty) write must leave as it was: row counts, history
    rows and map versions."""
    models = (ArgumentMap, StatementRow, LinkRow, LinkPremise)
    return (
        *(model.objects.count() for model in models),
        *(model.history.model.objects.count() for model in models),
        list(ArgumentMap.objects.order_by("pk").values_list("version", flat=True)),
    )


# --- random graphs and how to compare them ---------------------------------------------

# fmt: off
TRICKY = [
    '"', "'", "[", "]", "<", ">", "{", "}", "(", ")", "#", "#tag", "@[x]", "//", "/*", "*/",
    "<!--", "-->", "\\", "\n", "\n\n", "\t", "(1) ", "\n----\n", "+ ", "- ", "->", "_", "**",
    "===", ":", ",", "é", "中文", "🙂", "\u00a0", "\u2028", "[a]: ", "<b>: ", '{"x": 1}',
]
# fmt: on
_chars = st.characters(blacklist_categories=("Cs", "Cc"))
any_text = st.lists(
    st.one_of(st.text(_chars, min_size=1, max_size=5), st.sampled_from(TRICKY)),
    min_size=1,
    max_size=6,
).map("".join)
statement_text = any_text.map(str.strip).filter(bool)
# Scheme names that mean "no scheme" in AIF come back as "" by design.
scheme_text = any_text.filter(
    lambda s: " ".join(s.split()).casefold() not in {"ra", "ca", "ma", "inference", "conflict"}
)


@st.composite
def graphs(draw: st.DrawFn) -> ArgumentGraph:
    """Random valid graphs: arbitrary text, co-premises, undercutters, attributions."""
    ids = sorted(draw(st.sets(st.integers(1, 10_000), min_size=1, max_size=6)))
    statements = tuple(
        Statement(
            id=i,
            text=draw(statement_text),
            attributed_to=draw(st.one_of(st.just(""), any_text.map(lambda s: " ".join(s.split())))),
        )
        for i in ids
    )
    links: list[Link] = []
    for link_id in sorted(draw(st.sets(st.integers(1, 10_000), max_size=5))):
        premises = tuple(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)))
        kind = draw(st.sampled_from(list(Kind)))
        scheme = draw(st.one_of(st.just(""), scheme_text))
        note = draw(st.one_of(st.just(""), any_text))
        others = [i for i in ids if i not in premises]
        if links and (not others or draw(st.booleans())):
            target = draw(st.sampled_from([link.id for link in links]))
            links.append(Link(link_id, kind, premises, None, target, scheme, note))
        elif others:
            conclusion = draw(st.sampled_from(others))
            links.append(Link(link_id, kind, premises, conclusion, None, scheme, note))
    title = draw(st.one_of(st.just(""), any_text))
    return ArgumentGraph(MapInfo(slug="s", title=title), statements, tuple(links))


def squash(value: str) -> str:
    return " ".join(value.split())


def canonical(graph: ArgumentGraph, text=str.strip, scheme=squash, note=str.strip):
    """The graph up to renumbering: statements in order, links as a multiset."""
    position = {s.id: n for n, s in enumerate(graph.statements)}
    by_id = {link.id: link for link in graph.links}

    def form(link: Link) -> tuple:
        target = form(by_id[link.target_link]) if link.target_link is not None else None
        return (
            link.kind,
            frozenset(position[p] for p in link.premises),
            position.get(link.conclusion),
            target,
            scheme(link.scheme),
            note(link.note),
        )

    statements = [(text(s.text), squash(s.attributed_to)) for s in graph.statements]
    return statements, Counter(form(link) for link in graph.links)


def assert_well_formed(graph: ArgumentGraph) -> None:
    """Assert the invariants every imported graph keeps (ids 1..n, valid links)."""
    statement_ids = [s.id for s in graph.statements]
    link_ids = [link.id for link in graph.links]
    assert statement_ids == list(range(1, len(statement_ids) + 1))
    assert link_ids == list(range(1, len(link_ids) + 1))
    for link in graph.links:
        assert link.premises
        assert len(set(link.premises)) == len(link.premises)
        assert set(link.premises) <= set(statement_ids)
        assert (link.conclusion is None) != (link.target_link is None)
        if link.conclusion is not None:
            assert link.conclusion in statement_ids
            assert link.conclusion not in link.premises
        else:
            assert link.target_link in link_ids
            assert link.target_link != link.id
    assert all(s.text for s in graph.statements)


# --- Redis for the tests of its loss and of the shared render slots -----------------------


def free_port() -> int:
    """A local TCP port where nothing listens (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def resilient_redis_cache(location: str, fallback: str, **options: object) -> dict:
    """One entry of CACHES as production has it (argmap/settings.py): Redis at
    ``location`` through ``argmap.cache.ResilientRedisCache``, with ``fallback``."""
    return {
        "BACKEND": "argmap.cache.ResilientRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "OPTIONS": {"FALLBACK": fallback, **options},
    }
