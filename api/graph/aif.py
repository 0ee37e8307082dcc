"""AIF (Argument Interchange Format) JSON: import into and export from an ``ArgumentGraph``.

Reads what AIFdb exports (``{"nodes": [...], "edges": [...], "locutions": [...]}``) and
the OVA / xAIF envelope (``{"AIF": {...}, "text": ...}``). Node ids may be strings or
numbers. How AIF maps onto the model:

- **I-node** (a proposition) -> a statement. Its text loses control characters (NUL and
  the like; tab and newline stay) and surrounding whitespace. An I-node left with no
  text is left out (counted under ``"I"``).
- **RA node** (an inference) -> a ``support`` link: every I-node with an edge into the
  RA is a premise (several are co-premises; repeats are collapsed, in edge order), and
  the node its outgoing edge points to is the target: a statement, or -- when the edge
  points at another S-node -- that node's link (``target_link``).
- **CA node** (a conflict) -> an ``oppose`` link, built the same way: pointing at an
  I-node it rebuts a statement; pointing at an RA node it undercuts that inference;
  pointing at a CA node it objects to that objection.
- **MA node** (a rephrase) -> a ``support`` link from the rephrasing I-node (the
  premise, the MA's incoming edge) to the rephrased one (the conclusion), with scheme
  ``"rephrase"``. A rephrase says the two statements carry the same content, so the
  rephrasing supports what it restates; merging the two statements instead would lose
  one of the two wordings and every link that only the other one had.
- **Schemes**: taken from the S-node's ``"scheme"`` field, else from its text. The
  generic names (``"Default Inference"``, ``"Default Conflict"``, ``"Default Rephrase"``
  and the bare type names ``"RA"``/``"CA"``/``"MA"`` that the Carneades corpus uses)
  mean "no particular scheme" and give ``""`` (``"rephrase"`` for MA); any other name
  is kept (an MA node's as ``"rephrase: <name>"``). The S-node type always comes from
  ``"type"``, never from the text.
- **Attribution**: where an L-node (a locution) reaches an I-node through a YA node
  (an illocution such as "Asserting"), the locution's speaker becomes the statement's
  ``attributed_to``: the L-node's ``"speaker"`` field if it has one, else the text
  before the first ``":"`` of the L-node text (``"David Davies: ..."``), else the
  participant named by its ``"locutions"`` entry's ``personID`` (``"person 81"`` when
  the file names no participants). The first speaker found wins.
- **Left out** (counted in ``left_out`` by node type): dialogue nodes (L, YA, TA) and
  any other node type (PA, ...), which carry no argument -- except an L-node and YA node
  that only carry an attribution the statement keeps, as ``to_aif`` writes them, so that
  argmap's own AIF reads back without notes; S-nodes with no premise or no
  target; self-supporting S-nodes (the target is one of their premises); S-nodes whose
  target S-node was itself left out. Each is explained in ``notes``.

``to_aif`` writes the same shape back: string node and edge ids, I-nodes, RA nodes
(text: the scheme, or "Default Inference"), CA nodes ("Default Conflict" or the scheme),
MA nodes for one-premise ``rephrase`` links, ``"locutions": []``, and for every
attributed statement an L-node ``"Speaker: text"`` (with a ``"speaker"`` field, so names
containing ``":"`` survive) joined to the I-node through a YA node ``"Asserting"``.
Link notes travel in a ``"note"`` field of the S-node and the map title in a top-level
``"title"``; AIF readers ignore fields they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.graph.budget import Budget
from api.graph.errors import FormatError, decode_utf8, describe, json_pointer
from api.graph.interchange import ImportResult, Tally, clean_text, id_list, plural, squash_space
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.safeload import load_json_text

__all__ = ["ImportResult", "parse_aif", "to_aif"]

_S_TYPES = ("RA", "CA", "MA")
_GENERIC_SCHEME = {
    "RA": {"", "ra", "default inference", "inference"},
    "CA": {"", "ca", "default conflict", "conflict"},
    "MA": {"", "ma", "default rephrase", "rephrase"},
}
_DEFAULT_TEXT = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}
_REPHRASE = "rephrase"
_SPEAKER_MAX = 100


@dataclass
class _Node:
    id: str
    type: str
    text: str
    raw: dict[str, Any]
    pointer: str
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Spec:
    """A link to be: an S-node and one of its targets."""

    node: _Node
    kind: Kind
    premises: list[str]  # I-node ids
    target: str  # node id: an I-node or an S-node
    scheme: str
    note: str
    alive: bool = True


# ---------------------------------------------------------------------------- reading


def parse_aif(data: bytes | str | dict, *, budget: Budget | None = None) -> ImportResult:
    """Read an AIF JSON document into an ``ImportResult``.

    ``data`` is the raw file (bytes in UTF-8, or str) or an already decoded JSON object.
    Returns the graph (statements numbered 1..n in I-node order, links 1..m in S-node
    order; the map's slug is ``""`` and its title the file's ``"title"`` if any), the
    counts of nodes left out by type, and notes on everything dropped or changed.

    Raises ``FormatError`` when the input is not JSON (with line and column), or is not
    an AIF document: the top level is not an object, ``nodes`` or ``edges`` is missing or
    not an array, a node has no ``nodeID`` or ``type``, two nodes share an id, an edge
    lacks ``fromID``/``toID`` or points to a node that does not exist (with the JSON
    pointer of the offending value and what was expected there); ``BudgetExceeded``
    (a ``FormatError``) when reading it would take more than ``budget`` allows.
    """
    budget = Budget.of(budget)
    doc = load_json(data, budget)
    if not isinstance(doc, dict):
        raise FormatError(
            "expected a JSON object with 'nodes' and 'edges' (an AIF document) "
            f"but found {describe(doc)}",
            pointer="",
        )
    base: tuple[str | int, ...] = ()
    aif: dict[str, Any] = doc
    if "AIF" in doc and "nodes" not in doc:
        aif = doc["AIF"]
        base = ("AIF",)
        if not isinstance(aif, dict):
            raise FormatError(
                f"expected the AIF envelope's 'AIF' to be an object but found {describe(aif)}",
                pointer=json_pointer(*base),
            )
    tally = Tally()
    nodes = _read_nodes(aif, base, budget)
    _read_edges(aif, base, nodes, budget)
    speakers = _read_speakers(doc, aif, base)

    statements, statement_of, carriers = _make_statements(nodes, speakers, tally, budget)
    links = _make_links(nodes, statement_of, tally, budget)

    for node in nodes.values():
        if node.type not in ("I", *_S_TYPES) and node.id not in carriers:
            tally.leave_out(node.type)
    dialogue = {t: n for t, n in tally.left_out.items() if t in ("L", "YA", "TA")}
    if dialogue:
        counts = ", ".join(f"{n} {t}" for t, n in sorted(dialogue.items()))
        tally.note(f"Dialogue nodes carry no argument and were left out: {counts}.")
    other = sorted(t for t in tally.left_out if t not in ("L", "YA", "TA", "I", *_S_TYPES))
    if other:
        counts = ", ".join(f"{tally.left_out[t]} {t}" for t in other)
        tally.note(f"Node types the model has no place for were left out: {counts}.")

    title = doc.get("title") if isinstance(doc.get("title"), str) else aif.get("title")
    info = MapInfo(slug="", title=squash_space(title) if isinstance(title, str) else "")
    return tally.result(ArgumentGraph(map=info, statements=statements, links=links))


def load_json(data: bytes | str | dict, budget: Budget | None = None) -> Any:
    """Decode UTF-8 JSON within ``budget`` (see ``api.graph.safeload``); raise
    ``FormatError`` with line and column where it is not JSON or nests too deep."""
    if isinstance(data, dict | list):
        return data
    if isinstance(data, bytes | bytearray):
        data = decode_utf8(data)
    if not isinstance(data, str):
        raise TypeError(f"parse_aif() takes bytes, str or dict, not {type(data).__name__}")
    return load_json_text(data, Budget.of(budget), what="the file")


def _node_id(value: Any, pointer: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FormatError(
            f"expected a node id (a string or a number) but found {describe(value)}",
            pointer=pointer,
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.strip():
        raise FormatError("expected a node id but found an empty string", pointer=pointer)
    return text


def _array(container: dict[str, Any], key: str, base: tuple[str | int, ...]) -> list[Any]:
    if key not in container:
        raise FormatError(
            f"missing '{key}': expected an array of AIF {key}", pointer=json_pointer(*base, key)
        )
    value = container[key]
    if not isinstance(value, list):
        raise FormatError(
            f"expected '{key}' to be an array but found {describe(value)}",
            pointer=json_pointer(*base, key),
        )
    return value


def _read_nodes(
    aif: dict[str, Any], base: tuple[str | int, ...], budget: Budget
) -> dict[str, _Node]:
    nodes: dict[str, _Node] = {}
    for i, raw in enumerate(_array(aif, "nodes", base)):
        budget.spend()
        where = (*base, "nodes", i)
        if not isinstance(raw, dict):
            raise FormatError(
                f"expected a node (an object) but found {describe(raw)}",
                pointer=json_pointer(*where),
            )
        if "nodeID" not in raw:
            raise FormatError(
                "missing 'nodeID': expected every node to have an id",
                pointer=json_pointer(*where, "nodeID"),
            )
        node_id = _node_id(raw["nodeID"], json_pointer(*where, "nodeID"))
        if node_id in nodes:
            raise FormatError(
                f"duplicate nodeID {node_id!r}: expected ids to be unique "
                f"(first used at {nodes[node_id].pointer})",
                pointer=json_pointer(*where, "nodeID"),
            )
        if "type" not in raw:
            raise FormatError(
                "missing 'type': expected a node type such as 'I', 'RA', 'CA', 'MA' or 'L'",
                pointer=json_pointer(*where, "type"),
            )
        node_type = raw["type"]
        if not isinstance(node_type, str) or not node_type.strip():
            raise FormatError(
                f"expected a node type such as 'I' or 'RA' but found {describe(node_type)}",
                pointer=json_pointer(*where, "type"),
            )
        text = raw.get("text", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise FormatError(
                f"expected the node text to be a string but found {describe(text)}",
                pointer=json_pointer(*where, "text"),
            )
        nodes[node_id] = _Node(
            id=node_id,
            type=node_type.strip().upper(),
            text=text,
            raw=raw,
            pointer=json_pointer(*where),
        )
    return nodes


def _read_edges(
    aif: dict[str, Any], base: tuple[str | int, ...], nodes: dict[str, _Node], budget: Budget
) -> None:
    for j, raw in enumerate(_array(aif, "edges", base)):
        budget.spend()
        where = (*base, "edges", j)
        if not isinstance(raw, dict):
            raise FormatError(
                f"expected an edge (an object) but found {describe(raw)}",
                pointer=json_pointer(*where),
            )
        ends: list[str] = []
        for key in ("fromID", "toID"):
            if key not in raw:
                raise FormatError(
                    f"missing '{key}': expected every edge to name the node it comes "
                    f"{'from' if key == 'fromID' else 'to'}",
                    pointer=json_pointer(*where, key),
                )
            node_id = _node_id(raw[key], json_pointer(*where, key))
            if node_id not in nodes:
                raise FormatError(
                    f"edge points to unknown node {node_id!r}: expected the nodeID of a node "
                    f"in {json_pointer(*base, 'nodes')}",
                    pointer=json_pointer(*where, key),
                )
            ends.append(node_id)
        source, target = ends
        nodes[source].outgoing.append(target)
        nodes[target].incoming.append(source)


def _read_speakers(
    doc: dict[str, Any], aif: dict[str, Any], base: tuple[str | int, ...]
) -> dict[str, str]:
    """Return the speaker named by each locution entry (L-node id -> name)."""
    locutions = aif.get("locutions", [])
    if locutions is None:
        return {}
    if not isinstance(locutions, list):
        raise FormatError(
            f"expected 'locutions' to be an array but found {describe(locutions)}",
            pointer=json_pointer(*base, "locutions"),
        )
    participants: dict[str, str] = {}
    raw_participants = aif.get("participants", doc.get("participants", []))
    if isinstance(raw_participants, list):
        for p in raw_participants:
            if isinstance(p, dict) and "participantID" in p:
                name = " ".join(str(p.get(k) or "") for k in ("firstname", "surname") if p.get(k))
                name = squash_space(name or str(p.get("name") or ""))
                if name:
                    participants[str(p["participantID"])] = name
    speakers: dict[str, str] = {}
    for entry in locutions:
        if not isinstance(entry, dict) or "nodeID" not in entry:
            continue
        person = entry.get("personID")
        if person is None or isinstance(person, bool):
            continue
        speakers[str(entry["nodeID"])] = participants.get(str(person), f"person {person}")
    return speakers


def _speaker_of(node: _Node, locution_speakers: dict[str, str]) -> str:
    given = node.raw.get("speaker")
    if isinstance(given, str) and squash_space(given):
        return squash_space(given)
    before, colon, _ = node.text.partition(":")
    prefix = squash_space(before)
    if colon and prefix and len(prefix) <= _SPEAKER_MAX and "\n" not in before:
        return prefix
    return locution_speakers.get(node.id, "")


def _make_statements(
    nodes: dict[str, _Node], locution_speakers: dict[str, str], tally: Tally, budget: Budget
) -> tuple[tuple[Statement, ...], dict[str, int], set[str]]:
    """Return the statements, the statement number of each I-node id, and the ids of the
    L and YA nodes that only carry an attribution the statements keep (``to_aif``'s)."""
    attributed: dict[str, str] = {}
    carriers: set[str] = set()
    conflicting: dict[str, None] = {}
    for ya in nodes.values():
        if ya.type != "YA":
            continue
        budget.spend(len(ya.incoming) + len(ya.outgoing) + 1)
        sources = [nodes[n] for n in ya.incoming if nodes[n].type == "L"]
        targets = [nodes[n] for n in ya.outgoing if nodes[n].type == "I"]
        speakers = [s for s in (_speaker_of(n, locution_speakers) for n in sources) if s]
        if not speakers:
            continue
        distinct = list(dict.fromkeys(speakers))
        if len(sources) == 1 and len(targets) == 1 and _only_attributes(sources[0], ya, targets[0]):
            carriers.update((sources[0].id, ya.id))
        for target in targets:
            known = attributed.setdefault(target.id, distinct[0])
            if len(distinct) > 1 or known != distinct[0]:
                conflicting[target.id] = None
    if conflicting:
        tally.note(
            f"{plural(len(conflicting), 'I-node')} ({id_list(list(conflicting))}) had locutions by "
            "more than one speaker; the first speaker was kept."
        )

    statements: list[Statement] = []
    statement_of: dict[str, int] = {}
    empty: list[str] = []
    for node in nodes.values():
        if node.type != "I":
            continue
        text = clean_text(node.text)
        if not text:
            empty.append(node.id)
            tally.leave_out("I")
            continue
        statement_of[node.id] = len(statements) + 1
        statements.append(
            Statement(id=len(statements) + 1, text=text, attributed_to=attributed.get(node.id, ""))
        )
    if empty:
        tally.note(
            f"{plural(len(empty), 'I-node')} without text ({id_list(empty)}) "
            f"{'was' if len(empty) == 1 else 'were'} left out."
        )
    return tuple(statements), statement_of, carriers


def _only_attributes(locution: _Node, ya: _Node, statement: _Node) -> bool:
    """Whether ``locution`` -> ``ya`` -> ``statement`` is an attribution as ``to_aif``
    writes it: nothing else joined to the two, the L-node's text ``"Speaker: text"`` with
    the statement's text and a ``"speaker"`` field (so the attribution says all it does)."""
    speaker = locution.raw.get("speaker")
    return (
        isinstance(speaker, str)
        and locution.text == f"{squash_space(speaker)}: {statement.text}"
        and locution.outgoing == [ya.id]
        and not locution.incoming
        and ya.incoming == [locution.id]
        and ya.outgoing == [statement.id]
    )


def _scheme(node: _Node) -> str:
    given = node.raw.get("scheme")
    name = squash_space(given) if isinstance(given, str) and given.strip() else ""
    name = name or squash_space(node.text)
    generic = name.casefold() in _GENERIC_SCHEME[node.type]
    if node.type == "MA":
        return _REPHRASE if generic else f"{_REPHRASE}: {name}"
    return "" if generic else name


_PROBLEMS = {
    "no premise": "Left out for want of a premise (no I-node points to it)",
    "no target": "Left out for want of a target (it points to no I-node and no S-node)",
    "self": (
        "Self-supporting (aimed at one of its own premises): that edge dropped, "
        "and the node left out if no other target remained"
    ),
    "loop": "An edge from the node to itself ignored",
    "orphan": "Left out because the S-node it is aimed at was left out",
    "repeats": "The same premise listed more than once: repeats collapsed",
    "several": "Several targets: one link made per target",
    "ambiguous": "Aimed at an S-node with several targets: its first link taken as target",
}


def _make_links(
    nodes: dict[str, _Node], statement_of: dict[str, int], tally: Tally, budget: Budget
) -> tuple[Link, ...]:
    problems: dict[str, dict[str, None]] = {key: {} for key in _PROBLEMS}

    def problem(key: str, node: _Node) -> None:
        problems[key][node.id] = None

    specs: list[_Spec] = []
    specs_of: dict[str, list[_Spec]] = {}
    for node in nodes.values():
        if node.type not in _S_TYPES:
            continue
        budget.spend(len(node.incoming) + len(node.outgoing) + 1)
        incoming = [source for source in node.incoming if source in statement_of]
        premises = list(dict.fromkeys(incoming))
        if len(premises) < len(incoming):
            problem("repeats", node)
        premise_set = set(premises)
        targets: dict[str, None] = {}
        dropped_self = False
        for target in node.outgoing:
            if target == node.id:
                problem("loop", node)
            elif target in premise_set:
                problem("self", node)
                dropped_self = True
            elif target in statement_of or nodes[target].type in _S_TYPES:
                targets[target] = None
        if not premises:
            problem("no premise", node)
            continue
        if not targets:
            if not dropped_self:
                problem("no target", node)
            continue
        if len(targets) > 1:
            problem("several", node)
        raw_note = node.raw.get("note")
        note = clean_text(raw_note) if isinstance(raw_note, str) else ""
        kind = Kind.OPPOSE if node.type == "CA" else Kind.SUPPORT
        made = [_Spec(node, kind, premises, t, _scheme(node), note) for t in targets]
        specs.extend(made)
        specs_of[node.id] = made

    # An S-node aimed at an S-node that yields no link has nothing to aim at: drop it too,
    # and so on down chains of undercutters. Each link is dropped once, from a worklist of
    # S-nodes left with no link, so the work is linear however long the chains are.
    aimed_at: dict[str, list[_Spec]] = {}
    for spec in specs:
        if spec.target not in statement_of:
            aimed_at.setdefault(spec.target, []).append(spec)
    alive_count = {node_id: len(made) for node_id, made in specs_of.items()}
    barren = [target for target in aimed_at if not alive_count.get(target)]
    while barren:
        for spec in aimed_at.get(barren.pop(), []):
            budget.spend()
            if spec.alive:
                spec.alive = False
                problem("orphan", spec.node)
                alive_count[spec.node.id] -= 1
                if not alive_count[spec.node.id]:
                    barren.append(spec.node.id)
    if problems["orphan"]:  # in file order, whatever order the chains were followed in
        order = {node_id: n for n, node_id in enumerate(nodes)}
        problems["orphan"] = dict.fromkeys(sorted(problems["orphan"], key=order.__getitem__))

    alive = [s for s in specs if s.alive]
    id_of = {id(s): n for n, s in enumerate(alive, start=1)}
    first_alive: dict[str, _Spec] = {}
    for spec in alive:
        first_alive.setdefault(spec.node.id, spec)
    links: list[Link] = []
    for n, spec in enumerate(alive, start=1):
        conclusion: int | None = None
        target_link: int | None = None
        if spec.target in statement_of:
            conclusion = statement_of[spec.target]
        else:
            if alive_count[spec.target] > 1:
                problem("ambiguous", spec.node)
            target_link = id_of[id(first_alive[spec.target])]
        links.append(
            Link(
                id=n,
                kind=spec.kind,
                premises=tuple(statement_of[p] for p in spec.premises),
                conclusion=conclusion,
                target_link=target_link,
                scheme=spec.scheme,
                note=spec.note,
            )
        )

    kept = {s.node.id for s in alive}
    for node in nodes.values():
        if node.type in _S_TYPES and node.id not in kept:
            tally.leave_out(node.type)
    for key, ids in problems.items():
        if ids:
            tally.note(f"{_PROBLEMS[key]}: {plural(len(ids), 'S-node')} ({id_list(list(ids))}).")
    return tuple(links)


# ---------------------------------------------------------------------------- writing


def to_aif(graph: ArgumentGraph) -> dict[str, Any]:
    """Return ``graph`` as an AIF JSON object that AIFdb and OVA can read.

    Nodes and edges carry string ids; statements are I-nodes, support links RA nodes
    (one-premise ``rephrase`` links MA nodes), oppose links CA nodes; an undercutter's
    edge points at the S-node of the link it targets. Attributions become an L-node and
    a YA node per statement. ``parse_aif(to_aif(g))`` gives back every statement (text,
    attribution) and every link (kind, premises, target, scheme, note), renumbered; a
    scheme named like a default ("Default Inference", "RA") reads back as no scheme.

    Raises ``ValueError`` if a link names a statement or link the graph does not hold.
    """
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    next_node = iter(range(1, 1 << 62))
    next_edge = iter(range(1, 1 << 62))

    def add_node(node_type: str, text: str, **extra: Any) -> str:
        node_id = str(next(next_node))
        nodes.append({"nodeID": node_id, "text": text, "type": node_type, **extra})
        return node_id

    def add_edge(source: str, target: str) -> None:
        edges.append({"edgeID": str(next(next_edge)), "fromID": source, "toID": target})

    i_node: dict[int, str] = {}
    for statement in graph.statements:
        i_node[statement.id] = add_node("I", statement.text)

    s_node: dict[int, str] = {}
    for link in graph.links:
        node_type, text = _s_node_for(link)
        extra = {"note": link.note} if link.note else {}
        s_node[link.id] = add_node(node_type, text, **extra)

    for link in graph.links:
        for premise in link.premises:
            if premise not in i_node:
                raise ValueError(f"link {link.id} has premise {premise}, not in the graph")
            add_edge(i_node[premise], s_node[link.id])
        if link.conclusion is not None:
            if link.conclusion not in i_node:
                raise ValueError(f"link {link.id} concludes {link.conclusion}, not in the graph")
            add_edge(s_node[link.id], i_node[link.conclusion])
        elif link.target_link is not None:
            if link.target_link not in s_node:
                raise ValueError(
                    f"link {link.id} targets link {link.target_link}, not in the graph"
                )
            add_edge(s_node[link.id], s_node[link.target_link])

    for statement in graph.statements:
        speaker = squash_space(statement.attributed_to)
        if not speaker:
            continue
        locution = add_node("L", f"{speaker}: {statement.text}", speaker=speaker)
        illocution = add_node("YA", "Asserting")
        add_edge(locution, illocution)
        add_edge(illocution, i_node[statement.id])

    document: dict[str, Any] = {"nodes": nodes, "edges": edges, "locutions": []}
    if graph.map.title:
        document["title"] = graph.map.title
    return document


def _s_node_for(link: Link) -> tuple[str, str]:
    """Return the AIF node type and text that stand for ``link``."""
    scheme = squash_space(link.scheme)
    if link.kind == Kind.OPPOSE:
        return "CA", scheme or _DEFAULT_TEXT["CA"]
    is_rephrase = scheme == _REPHRASE or scheme.startswith(f"{_REPHRASE}: ")
    if is_rephrase and len(link.premises) == 1 and link.conclusion is not None:
        name = scheme.removeprefix(_REPHRASE).removeprefix(": ")
        return "MA", name or _DEFAULT_TEXT["MA"]
    return "RA", scheme or _DEFAULT_TEXT["RA"]
