"""SADFace (the Simple Argument Description Format), in and out.

A SADFace document is JSON::

    {"metadata": {"core": {"id", "version", "title", "description", "notes", ...}},
     "resources": [{"id", "type": "text", "content": "the source text", "metadata"}],
     "nodes": [{"id", "type": "atom", "text", "sources": [{"resource_id", "text",
                                                            "offset", "length"}]},
               {"id", "type": "scheme", "name": "support"}],
     "edges": [{"id", "source_id", "target_id"}]}

Atoms are claims; an atom's sources point into a resource by offset and length, as
argmap's quotes point into the map's source text. A scheme node is an inference: the atoms
with an edge into it are its premises, the node its edge leads to is its target (an atom:
the conclusion; another scheme: the inference it attacks, an undercutter). Conflict
schemes (``conflict``, ``attack``, ``disagreement``, ...) oppose; ``rephrase`` and
``preference`` have no counterpart in argmap; every other name supports (``support``,
``inference``, or the name of an argumentation scheme, kept as the link's scheme).

Export writes the same shape, with what SADFace's core has no field for (attributions,
base scores, statement and link notes, the source's author and date) under the ``argmap``
metadata namespace, so a map goes out and comes back unchanged.
"""

from __future__ import annotations

from typing import Any

from api.graph.errors import FormatError, describe, json_pointer
from api.graph.interchange import ImportResult, Tally, clean_text, id_list
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

VERSION = "0.5"
NAMESPACE = "argmap"
CONFLICT_NAMES = frozenset(
    {"conflict", "attack", "disagreement", "disagree", "defeat", "rebut", "rebuttal", "undercut"}
)
NOT_LINKS = frozenset({"rephrase", "preference", "restatement"})
DEFAULT_NAMES = {Kind.SUPPORT: "support", Kind.OPPOSE: "conflict"}
RESOURCE_GAP = "\n\n"
ID_PREFIX = "argmap:"  # the document id argmap writes: "argmap:<slug>"


def looks_like_sadface(doc: Any) -> bool:
    """Whether a parsed JSON document is SADFace: ``nodes`` and ``edges``, and atoms and
    schemes (or SADFace's ``metadata.core`` and ``resources``) rather than AIF's nodes."""
    if not isinstance(doc, dict) or "nodes" not in doc or "edges" not in doc:
        return False
    nodes = doc["nodes"]
    if isinstance(nodes, list) and nodes and isinstance(nodes[0], dict):
        return nodes[0].get("type") in ("atom", "scheme")
    core = doc.get("metadata", {}).get("core") if isinstance(doc.get("metadata"), dict) else None
    return isinstance(core, dict) or "resources" in doc


def _expect(value: Any, kind: type | tuple[type, ...], what: str, *path: str | int) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise FormatError(
            f"expected {what} but found {describe(value)}", pointer=json_pointer(*path)
        )
    return value


def _str(value: Any, what: str, *path: str | int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _expect(value, str, what, *path)


def parse_sadface(doc: Any) -> ImportResult:
    """Read a parsed SADFace document into a graph.

    Raises ``FormatError`` with a JSON pointer for a document that is not SADFace (no
    nodes, a node without id, an edge to a node that does not exist). Sources that do not
    match their resource, rephrase and preference schemes, and schemes without premises or
    target are counted in ``left_out`` and explained in ``notes``.
    """
    tally = Tally()
    _expect(doc, dict, "a SADFace object with 'nodes' and 'edges'")
    metadata = doc.get("metadata") or {}
    _expect(metadata, dict, "an object", "metadata")
    core = metadata.get("core") or {}
    _expect(core, dict, "an object", "metadata", "core")
    ours = metadata.get(NAMESPACE) or {}
    _expect(ours, dict, "an object", "metadata", NAMESPACE)

    source_text, resource_start = _resources(doc.get("resources", []), tally)
    nodes = _expect(doc.get("nodes"), list, "an array of nodes", "nodes")
    edges = _expect(doc.get("edges"), list, "an array of edges", "edges")

    statements: list[Statement] = []
    statement_of: dict[str, int] = {}
    schemes: dict[str, dict[str, Any]] = {}
    scheme_order: list[str] = []
    ids: set[str] = set()
    for index, node in enumerate(nodes):
        _expect(node, dict, "a node object", "nodes", index)
        node_id = _str(node.get("id"), "a node id", "nodes", index, "id")
        if node_id in ids:
            raise FormatError(f"node id {node_id!r} appears twice", pointer=f"/nodes/{index}/id")
        ids.add(node_id)
        node_type = node.get("type")
        if node_type == "atom":
            statement = _atom(node, index, len(statements) + 1, source_text, resource_start, tally)
            if statement is not None:
                statement_of[node_id] = statement.id
                statements.append(statement)
        elif node_type == "scheme":
            schemes[node_id] = node
            scheme_order.append(node_id)
        else:
            tally.leave_out(f"{node_type} node" if isinstance(node_type, str) else "node")
            tally.note(f"Node {node_id!r} has type {describe(node_type)}, not atom or scheme.")

    premises: dict[str, list[int]] = {s: [] for s in scheme_order}
    targets: dict[str, list[str]] = {s: [] for s in scheme_order}
    seen_premises: set[tuple[str, int]] = set()  # each premise once per scheme
    for index, edge in enumerate(edges):
        _expect(edge, dict, "an edge object", "edges", index)
        source = _str(edge.get("source_id"), "a node id", "edges", index, "source_id")
        target = _str(edge.get("target_id"), "a node id", "edges", index, "target_id")
        for end, name in ((source, "source_id"), (target, "target_id")):
            if end not in ids:
                raise FormatError(f"no node has the id {end!r}", pointer=f"/edges/{index}/{name}")
        if source in statement_of and target in schemes:
            if (target, statement_of[source]) not in seen_premises:
                seen_premises.add((target, statement_of[source]))
                premises[target].append(statement_of[source])
        elif source in schemes and (target in statement_of or target in schemes):
            targets[source].append(target)
        elif source in statement_of and target in statement_of:
            tally.leave_out("edge between atoms")
            tally.note(f"Edge {index} joins two atoms without a scheme; it was left out.")
        else:
            tally.leave_out("edge")
            tally.note(f"Edge {index} joins nodes that were left out; it was left out too.")

    links = _links(schemes, scheme_order, premises, targets, statement_of, seen_premises, tally)
    document_id = _text(core.get("id"))
    info = MapInfo(
        slug=document_id.removeprefix(ID_PREFIX) if document_id.startswith(ID_PREFIX) else "",
        title=clean_text(_text(core.get("title"))) or clean_text(_text(ours.get("title"))),
        summary=clean_text(_text(core.get("description"))),
        source_title=clean_text(_text(ours.get("source_title"))),
        source_author=clean_text(_text(ours.get("source_author"))),
        source_date=_text(ours.get("source_date")) or None,
        source_url=clean_text(_text(ours.get("source_url"))),
        source_text=source_text,
    )
    if _text(core.get("notes")).strip():
        tally.leave_out("document notes")
        tally.note("The document's notes (metadata.core.notes) have no place in a map; not kept.")
    return tally.result(ArgumentGraph(map=info, statements=tuple(statements), links=links))


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _resources(resources: Any, tally: Tally) -> tuple[str, dict[str, int]]:
    """The map's source text (text resources joined by a blank line) and where each
    resource starts in it."""
    _expect(resources, list, "an array of resources", "resources")
    parts: list[str] = []
    start: dict[str, int] = {}
    offset = 0
    for index, resource in enumerate(resources):
        _expect(resource, dict, "a resource object", "resources", index)
        resource_id = _str(resource.get("id"), "a resource id", "resources", index, "id")
        content = resource.get("content")
        if resource.get("type", "text") != "text" or not isinstance(content, str):
            tally.leave_out("resource that is not text")
            tally.note(f"Resource {resource_id!r} is not text; it was left out.")
            continue
        content = content.replace("\r\n", "\n").replace("\r", "\n")
        if parts:
            offset += len(RESOURCE_GAP)
        start[resource_id] = offset
        parts.append(content)
        offset += len(content)
    if len(parts) > 1:
        tally.note(
            f"The document has {len(parts)} text resources; the map's source text is all of "
            "them, each after a blank line."
        )
    return RESOURCE_GAP.join(parts), start


def _atom(
    node: dict[str, Any],
    index: int,
    number: int,
    source_text: str,
    resource_start: dict[str, int],
    tally: Tally,
) -> Statement | None:
    text = clean_text(_text(node.get("text")))
    node_id = str(node["id"])
    if not text:
        tally.leave_out("atom without text")
        tally.note(f"Atom {node_id!r} has no text; it was left out.")
        return None
    quote, start, end = "", None, None
    sources = node.get("sources") or []
    _expect(sources, list, "an array of sources", "nodes", index, "sources")
    for position, source in enumerate(sources):
        _expect(source, dict, "a source object", "nodes", index, "sources", position)
        if start is not None:
            tally.leave_out("further source of an atom")
            tally.note(f"Atom {node_id!r} has several sources; its quote is the first.")
            continue
        found = _source_span(source, source_text, resource_start)
        if found is None:
            tally.leave_out("source that does not match its resource")
            tally.note(
                f"Source {position} of atom {node_id!r} does not match the text of its resource "
                "at its offset; the atom has no quote."
            )
            continue
        start, end = found
        quote = source_text[start:end]
    ours = _object(_object(node.get("metadata")).get(NAMESPACE))
    score = ours.get("base_score", 0.5)
    return Statement(
        id=number,
        text=text,
        quote=quote,
        quote_start=start,
        quote_end=end,
        attributed_to=clean_text(_text(ours.get("attributed_to"))),
        base_score=score if isinstance(score, int | float) and not isinstance(score, bool) else 0.5,
        note=clean_text(_text(ours.get("note"))),
    )


def _source_span(
    source: dict[str, Any], source_text: str, resource_start: dict[str, int]
) -> tuple[int, int] | None:
    base = resource_start.get(str(source.get("resource_id")))
    offset, length, text = source.get("offset"), source.get("length"), source.get("text")
    if base is None or not isinstance(offset, int) or isinstance(offset, bool):
        return None
    if not isinstance(length, int) or isinstance(length, bool):
        length = len(text) if isinstance(text, str) else -1
    start, end = base + offset, base + offset + length
    if length <= 0 or offset < 0 or end > len(source_text):
        return None
    if isinstance(text, str) and text and source_text[start:end] != text:
        return None
    return start, end


def _links(
    schemes: dict[str, dict[str, Any]],
    order: list[str],
    premises: dict[str, list[int]],
    targets: dict[str, list[str]],
    statement_of: dict[str, int],
    seen_premises: set[tuple[str, int]],
    tally: Tally,
) -> tuple[Link, ...]:
    """One link per scheme with premises and a target; schemes that attack a dropped one
    are dropped too (a queue, no recursion)."""
    dropped: dict[str, str] = {}
    kinds: dict[str, tuple[Kind, str, str]] = {}
    for scheme_id in order:
        node = schemes[scheme_id]
        name = clean_text(_text(node.get("name")))
        ours = _object(_object(node.get("metadata")).get(NAMESPACE))
        if ours.get("kind") in ("support", "oppose"):
            kind = Kind(ours["kind"])
            scheme = clean_text(_text(ours.get("scheme")))
        elif name.lower() in NOT_LINKS:
            dropped[scheme_id] = f"is a {name} scheme, which argmap has no link for"
            continue
        else:
            kind = Kind.OPPOSE if name.lower() in CONFLICT_NAMES else Kind.SUPPORT
            scheme = "" if name.lower() in CONFLICT_NAMES | {"support", "inference", ""} else name
        kinds[scheme_id] = (kind, scheme, clean_text(_text(ours.get("note"))))
        if not premises[scheme_id]:
            dropped[scheme_id] = "has no premise"
        elif not targets[scheme_id]:
            dropped[scheme_id] = "has no target"
        elif len(targets[scheme_id]) > 1:
            tally.leave_out("further target of a scheme", len(targets[scheme_id]) - 1)
            tally.note(
                f"Scheme {scheme_id!r} leads to {len(targets[scheme_id])} nodes "
                f"({id_list(targets[scheme_id])}); the link targets the first."
            )
        if scheme_id not in dropped:
            target = targets[scheme_id][0]
            if target in statement_of and (scheme_id, statement_of[target]) in seen_premises:
                dropped[scheme_id] = "has its conclusion among its premises"
            elif target == scheme_id:
                dropped[scheme_id] = "targets itself"
    attackers: dict[str, list[str]] = {}
    for scheme_id in order:
        if targets[scheme_id] and targets[scheme_id][0] in schemes:
            attackers.setdefault(targets[scheme_id][0], []).append(scheme_id)
    queue = list(dropped)
    while queue:
        for attacker in attackers.get(queue.pop(), []):
            if attacker not in dropped:
                dropped[attacker] = "targets a scheme that was left out"
                queue.append(attacker)

    # A scheme that repeats another (same kind, premises in any order, same conclusion) is
    # the same link: kept once, and what attacks it attacks the one kept.
    same_as: dict[str, str] = {}
    first: dict[tuple, str] = {}
    for scheme_id in order:
        concluded = targets[scheme_id][0] if targets[scheme_id] else None
        if scheme_id in dropped or concluded is None or concluded not in statement_of:
            continue
        key = (kinds[scheme_id][0], frozenset(premises[scheme_id]), statement_of[concluded])
        if key in first:
            same_as[scheme_id] = first[key]
        else:
            first[key] = scheme_id
    kept = [s for s in order if s not in dropped and s not in same_as]
    number = {s: i for i, s in enumerate(kept, start=1)}
    links: list[Link] = []
    for scheme_id in order:
        if scheme_id in dropped:
            tally.leave_out("scheme")
            tally.note(f"Scheme {scheme_id!r} {dropped[scheme_id]}; it was left out.")
            continue
        if scheme_id in same_as:
            tally.note(
                f"Scheme {scheme_id!r} repeats scheme {same_as[scheme_id]!r} (the same premises "
                "and conclusion); the link was kept once."
            )
            continue
        kind, scheme, note = kinds[scheme_id]
        target = targets[scheme_id][0]
        links.append(
            Link(
                id=number[scheme_id],
                kind=kind,
                premises=tuple(premises[scheme_id]),
                conclusion=statement_of.get(target),
                target_link=number[same_as.get(target, target)] if target in schemes else None,
                scheme=scheme,
                note=note,
            )
        )
    return tuple(links)


# --- export ------------------------------------------------------------------------------


def to_sadface(graph: ArgumentGraph) -> dict[str, Any]:
    """Return the map as a SADFace document (a dict ready for ``json.dumps``)."""
    info = graph.map
    ours = {
        key: value
        for key, value in (
            ("source_title", info.source_title),
            ("source_author", info.source_author),
            ("source_date", info.source_date or ""),
            ("source_url", info.source_url),
        )
        if value
    }
    core = {
        "id": f"{ID_PREFIX}{info.slug}" if info.slug else ID_PREFIX.rstrip(":"),
        "version": VERSION,
        "title": info.title,
        "description": info.summary,
        "notes": "",
        "analyst_name": "",
        "analyst_email": "",
    }
    main = [link.conclusion for link in graph.links if link.conclusion is not None]
    premises = {p for link in graph.links for p in link.premises}
    claims = [c for c in dict.fromkeys(main) if c not in premises]
    if len(claims) == 1:
        core["claim"] = f"atom-{claims[0]}"
    resources = []
    if info.source_text:
        resources.append(
            {"id": "source", "type": "text", "content": info.source_text, "metadata": {"core": {}}}
        )
    nodes: list[dict[str, Any]] = []
    for s in graph.statements:
        atom: dict[str, Any] = {
            "id": f"atom-{s.id}",
            "type": "atom",
            "text": s.text,
            "sources": [],
            "metadata": {"core": {}},
        }
        if s.quote and s.quote_start is not None and s.quote_end is not None:
            atom["sources"].append(
                {
                    "resource_id": "source",
                    "text": s.quote,
                    "offset": s.quote_start,
                    "length": s.quote_end - s.quote_start,
                }
            )
        extra: dict[str, Any] = {}
        if s.attributed_to:
            extra["attributed_to"] = s.attributed_to
        if s.base_score != 0.5:
            extra["base_score"] = s.base_score
        if s.note:
            extra["note"] = s.note
        if extra:
            atom["metadata"][NAMESPACE] = extra
        nodes.append(atom)
    edges: list[dict[str, Any]] = []
    for link in graph.links:
        scheme_id = f"scheme-{link.id}"
        extra = {"kind": link.kind.value}
        if link.scheme:
            extra["scheme"] = link.scheme
        if link.note:
            extra["note"] = link.note
        nodes.append(
            {
                "id": scheme_id,
                "type": "scheme",
                "name": link.scheme or DEFAULT_NAMES[link.kind],
                "metadata": {"core": {}, NAMESPACE: extra},
            }
        )
        for position, premise in enumerate(link.premises):
            edges.append(
                {
                    "id": f"edge-{link.id}-{position}",
                    "source_id": f"atom-{premise}",
                    "target_id": scheme_id,
                }
            )
        if link.conclusion is not None:
            target = f"atom-{link.conclusion}"
        else:
            target = f"scheme-{link.target_link}"
        edges.append({"id": f"edge-{link.id}-target", "source_id": scheme_id, "target_id": target})
    metadata: dict[str, Any] = {"core": core}
    if ours:
        metadata[NAMESPACE] = ours
    return {"metadata": metadata, "resources": resources, "nodes": nodes, "edges": edges}
