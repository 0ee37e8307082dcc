"""Synthetic argument maps shaped like real ones, for benchmarks.

``generate_graph(n, seed)`` returns an ``ArgumentGraph`` of ``n`` statements: one main
conclusion (id 1) with a mostly tree-shaped argument under it. Each link gives a reason for,
or (about 10 %) an objection to, an earlier statement, with 1 premise (60 %), 2 co-premises
(30 %) or 3 (10 %); about 3 % of links are undercutters (objections to an earlier link) and
about 3 % are cross links (an existing statement used again as the premise of another,
earlier claim). Premises always have larger ids than their conclusions, so the map has no
cycles. The same ``n`` and ``seed`` always give the same graph. No Django needed.

``with_source_text(graph)`` gives such a graph a source text that its quotes point into
(with offsets), as a real essay's map has, so that ``services.map_import`` accepts it.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

_VOCABULARY = (
    "treaty islands sovereignty Russia Japan Kremlin Tokyo peace talks summit security "
    "alliance troops concession public opinion negotiation China Washington strategy bastion "
    "economic integration region declaration recognition status deal leaders dialogue "
    "might would should could not only because therefore however the a of to in on for "
    "with by and or"
)
WORDS = _VOCABULARY.split()
PEOPLE = ("Putin", "Abe", "Kono", "Russian media", "Japanese strategists", "analysts")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 25))]
    return " ".join(words).capitalize() + "."


def generate_graph(n: int, seed: int = 0, *, cross_links: float = 0.03) -> ArgumentGraph:
    """Return a deterministic synthetic argument map with ``n`` statements (``n`` >= 1).

    ``cross_links`` is the share of links that reuse an existing statement as premise of an
    earlier claim (more of them make the map less tree-like and harder to lay out).

    Raises ``ValueError`` if ``n`` is less than 1.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    rng = random.Random(seed)
    statements: list[Statement] = []
    links: list[Link] = []

    def new_statement() -> int:
        sid = len(statements) + 1
        quote = _sentence(rng) if rng.random() < 0.3 else ""
        who = rng.choice(PEOPLE) if rng.random() < 0.05 else ""
        statements.append(Statement(sid, _sentence(rng), quote=quote, attributed_to=who))
        return sid

    def kind() -> Kind:
        return Kind.OPPOSE if rng.random() < 0.1 else Kind.SUPPORT

    # Kept as links are added (not recomputed per step), so 100 000 statements take
    # seconds, not minutes; the graphs are the same as before.
    inference_links: list[Link] = []  # links with a conclusion, in id order
    reasons: set[tuple[int, int]] = set()  # (conclusion, premise) of those links

    def add(link: Link) -> None:
        links.append(link)
        if link.conclusion is not None:
            inference_links.append(link)
            reasons.update((link.conclusion, p) for p in link.premises)

    new_statement()  # the main conclusion
    while len(statements) < n:
        roll = rng.random()
        link_id = len(links) + 1
        if roll < 0.03 and inference_links:
            attacked = rng.choice(inference_links)
            add(Link(link_id, Kind.OPPOSE, (new_statement(),), target_link=attacked.id))
        elif roll < 0.03 + cross_links and len(statements) > 3:
            premise = rng.randint(3, len(statements))
            target = rng.randint(1, premise - 1)
            if (target, premise) in reasons:
                continue
            add(Link(link_id, kind(), (premise,), conclusion=target))
        else:
            target = rng.randint(1, len(statements))
            count = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
            count = min(count, n - len(statements))
            premises = tuple(new_statement() for _ in range(count))
            add(Link(link_id, kind(), premises, conclusion=target))
    return ArgumentGraph(
        map=MapInfo(slug=f"synthetic-{n}-{seed}", title=f"Synthetic map ({n} statements)"),
        statements=tuple(statements),
        links=tuple(links),
    )


def with_source_text(graph: ArgumentGraph) -> ArgumentGraph:
    """Return ``graph`` with a source text made of its quotes (in statement order, one
    paragraph each) and every quote's ``quote_start``/``quote_end`` pointing into it."""
    parts: list[str] = []
    position = 0
    statements = []
    for s in graph.statements:
        if not s.quote:
            statements.append(s)
            continue
        start = position
        parts.append(s.quote)
        position += len(s.quote) + 2  # the paragraph break below
        statements.append(dataclasses.replace(s, quote_start=start, quote_end=start + len(s.quote)))
    source = "\n\n".join(parts)
    info = dataclasses.replace(graph.map, source_text=source)
    return dataclasses.replace(graph, map=info, statements=tuple(statements))


ESSAY_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "essay.json"


def fixture_graph(path: Path = ESSAY_FIXTURE) -> ArgumentGraph:
    """Return the map in a whole-map JSON file (``fixtures/essay.json`` by default: the
    essay's map), with the ids it has in the file, without a database."""
    from api.graph.formats import read_map

    path = Path(path)
    return read_map(path.read_bytes(), filename=path.name, fmt="json").graph
