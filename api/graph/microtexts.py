"""The argumentative microtexts corpus (Peldszus & Stede), in.

Each text is an ``<arggraph>`` XML file::

    <arggraph id="micro_b001" topic_id="waste_separation" stance="pro">
      <edu id="e1"><![CDATA[Yes, it's annoying ...]]></edu>
      <joint id="j1"/>
      <adu id="a1" type="opp"/>
      <edge id="c6" src="e1" trg="a1" type="seg"/>
      <edge id="c1" src="a1" trg="a5" type="reb"/>
      ...
    </arggraph>

EDUs are the text's segments; ``seg`` edges ground an argumentative unit (ADU) in one or
more EDUs (directly, or through a ``joint`` of adjacent EDUs). Between ADUs: ``sup`` and
``exa`` (support by example) support, ``reb`` rebuts (attacks a claim), ``und`` undercuts
(attacks the edge it points at, which may itself be an undercut), and ``add`` joins its ADU
to the edge it points at as a further co-premise.

Import: an ADU is a statement whose quote is its text, anchored in the map's source text
(the text file beside the XML when there is one, else the EDUs joined by spaces); ``sup``
and ``exa`` supporting links (``exa`` with the scheme "example"), ``reb`` an opposing link,
``und`` an opposing link that targets the link it attacks, ``add`` a further premise of
its link. An opponent's ADU (``type="opp"``) is attributed to "opponent". The text's id
becomes the map's slug and source title; its topic and stance go into the title and
summary.

Parsing is defused (no entities, no DTD) and linear in the size of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from api.graph.errors import FormatError, decode_utf8
from api.graph.interchange import ImportResult, Tally, clean_text, id_list, squash_space
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

RELATIONS = {"sup": Kind.SUPPORT, "exa": Kind.SUPPORT, "reb": Kind.OPPOSE, "und": Kind.OPPOSE}
EDGE_TYPES = ("seg", *RELATIONS, "add")
OPPONENT = "opponent"


def looks_like_microtext(data: bytes) -> bool:
    """Whether ``data`` is XML whose root element is ``<arggraph>`` (a cheap look at the
    first kilobytes: the XML declaration and comments may come first)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    return b"<arggraph" in head


@dataclass
class _Edge:
    id: str
    src: str
    trg: str
    type: str


@dataclass
class _Text:
    edus: dict[str, str] = field(default_factory=dict)  # id -> text, document order
    joints: set[str] = field(default_factory=set)
    adus: dict[str, str] = field(default_factory=dict)  # id -> pro/opp
    edges: list[_Edge] = field(default_factory=list)


def _attr(element: Any, name: str, where: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise FormatError(f"{where} has no '{name}' attribute")
    return value.strip()


def _read_xml(data: bytes, tally: Tally) -> tuple[dict[str, str], _Text]:
    try:
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, column = exc.position
        raise FormatError(f"expected XML ({exc.msg})", line=line, column=column + 1) from None
    except DefusedXmlException as exc:
        raise FormatError(f"refused XML: {exc}", line=1, column=1) from None
    if root.tag != "arggraph":
        raise FormatError(f"expected an <arggraph> root element but found <{root.tag}>")
    text = _Text()
    ids: set[str] = set()
    skipped: dict[str, int] = {}
    for index, element in enumerate(root):  # the format is flat: children only, no descent
        where = f"<{element.tag}> number {index + 1}"
        if element.tag in ("edu", "joint", "adu", "edge"):
            element_id = _attr(element, "id", where)
            where = f"<{element.tag} id={element_id!r}>"
            if element_id in ids:
                raise FormatError(f"{where}: the id {element_id!r} is used twice")
            ids.add(element_id)
        if element.tag == "edu":
            text.edus[element_id] = clean_text(element.text or "")
        elif element.tag == "joint":
            text.joints.add(element_id)
        elif element.tag == "adu":
            kind = _attr(element, "type", where)
            if kind not in ("pro", "opp"):
                raise FormatError(f"{where}: type must be pro or opp, not {kind!r}")
            text.adus[element_id] = kind
        elif element.tag == "edge":
            kind = _attr(element, "type", where)
            if kind not in EDGE_TYPES:
                raise FormatError(
                    f"{where}: type must be one of {', '.join(EDGE_TYPES)}, not {kind!r}"
                )
            text.edges.append(
                _Edge(element_id, _attr(element, "src", where), _attr(element, "trg", where), kind)
            )
        elif isinstance(element.tag, str):
            skipped[element.tag] = skipped.get(element.tag, 0) + 1
    for tag, count in skipped.items():
        tally.leave_out(f"<{tag}> element", count)
        tally.note(f"{count} <{tag}> element(s) are not part of the arggraph format; skipped.")
    attributes = {key: (root.get(key) or "").strip() for key in ("id", "topic_id", "stance")}
    return attributes, text


def _locate(
    text: _Text, source_text: str | None, name: str, tally: Tally
) -> tuple[str, dict[str, tuple[int, int]]]:
    """Return the source text and each EDU's (start, end) in it, in one forward pass."""
    if source_text is not None:
        source = source_text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
        spans: dict[str, tuple[int, int]] = {}
        cursor = 0
        for edu_id, edu in text.edus.items():
            start = source.find(edu, cursor) if edu else -1
            if start < 0:
                tally.note(
                    f"The text of EDU {edu_id} is not in {name or 'the text file'} as written; "
                    "the EDUs joined by spaces are the map's source text instead."
                )
                break
            spans[edu_id] = (start, start + len(edu))
            cursor = start + len(edu)
        else:
            return source, spans
    parts: list[str] = []
    spans = {}
    offset = 0
    for edu_id, edu in text.edus.items():
        if parts:
            offset += 1
        spans[edu_id] = (offset, offset + len(edu))
        parts.append(edu)
        offset += len(edu)
    return " ".join(parts), spans


def parse_microtext(
    data: bytes | str, *, source_text: str | None = None, text_name: str = ""
) -> ImportResult:
    """Read one microtext (``<arggraph>`` XML) into a graph.

    ``source_text`` is the text file beside the XML (``micro_b001.txt``), when there is
    one: the quotes point into it. Raises ``FormatError`` for a file that is not an
    arggraph or whose edges point at nothing; what cannot become part of the map (an ADU
    without text, an edge whose ends were left out) is counted in ``left_out`` and
    explained in ``notes``.
    """
    tally = Tally()
    if isinstance(data, str):
        data = data.encode("utf-8")
    decode_utf8(data)  # a clear line and column for bytes that are not UTF-8
    attributes, text = _read_xml(bytes(data), tally)
    source, spans = _locate(text, source_text, text_name, tally)

    # EDUs of each joint and of each ADU, in document order.
    order = {edu_id: i for i, edu_id in enumerate(text.edus)}
    joint_edus: dict[str, list[str]] = {j: [] for j in text.joints}
    adu_units: dict[str, list[str]] = {a: [] for a in text.adus}
    segs = [e for e in text.edges if e.type == "seg"]
    for edge in segs:
        if edge.src in text.edus and edge.trg in joint_edus:
            joint_edus[edge.trg].append(edge.src)
    for edge in segs:
        if edge.trg not in adu_units:
            if edge.trg not in joint_edus:
                raise FormatError(f"<edge id={edge.id!r}>: seg edge into unknown unit {edge.trg!r}")
            continue
        if edge.src in text.edus:
            adu_units[edge.trg].append(edge.src)
        elif edge.src in joint_edus:
            adu_units[edge.trg].extend(joint_edus[edge.src])
        else:
            raise FormatError(f"<edge id={edge.id!r}>: seg edge from unknown unit {edge.src!r}")

    statements: list[Statement] = []
    statement_of: dict[str, int] = {}
    grounded: set[str] = set()
    for adu_id, kind in text.adus.items():
        edus = sorted(dict.fromkeys(adu_units[adu_id]), key=order.__getitem__)
        grounded.update(edus)
        if not edus or not any(text.edus[e] for e in edus):
            tally.leave_out("ADU without text")
            tally.note(f"ADU {adu_id} is grounded in no EDU with text; it was left out.")
            continue
        # The quote: the first run of adjacent EDUs (all of them, as a rule).
        run = [edus[0]]
        for edu in edus[1:]:
            if order[edu] != order[run[-1]] + 1:
                break
            run.append(edu)
        start, end = spans[run[0]][0], spans[run[-1]][1]
        if len(run) < len(edus):
            tally.note(
                f"ADU {adu_id} is stated in EDUs {id_list(edus)}, which are not adjacent; its "
                f"quote is the first passage ({id_list(run)})."
            )
        statement_of[adu_id] = len(statements) + 1
        statements.append(
            Statement(
                id=len(statements) + 1,
                text=squash_space(" ".join(text.edus[e] for e in edus)),
                quote=source[start:end],
                quote_start=start,
                quote_end=end,
                attributed_to=OPPONENT if kind == "opp" else "",
            )
        )
    loose = [e for e in text.edus if e not in grounded and text.edus[e]]
    if loose:
        tally.leave_out("EDU outside any ADU", len(loose))
        tally.note(
            f"EDUs {id_list(loose)} belong to no ADU (not argumentative); they stay in the "
            "source text only."
        )

    links = _links(text, statement_of, tally)
    text_id = attributes["id"]
    topic = attributes["topic_id"].replace("_", " ")
    title = f"{topic[:1].upper()}{topic[1:]} ({text_id})" if topic else text_id
    summary = " ".join(
        part
        for part in (
            f"Argumentative microtext {text_id}." if text_id else "An argumentative microtext.",
            f"Topic: {attributes['topic_id']}." if attributes["topic_id"] else "",
            f"Stance: {attributes['stance']}." if attributes["stance"] else "",
        )
        if part
    )
    info = MapInfo(
        slug=text_id,
        title=title or "Argumentative microtext",
        summary=summary,
        source_title=text_id,
        source_text=source,
    )
    return tally.result(ArgumentGraph(map=info, statements=tuple(statements), links=links))


def _links(text: _Text, statement_of: dict[str, int], tally: Tally) -> tuple[Link, ...]:
    """The relations as links: ids in edge order, co-premises added, dropped ones dropped
    with everything that attacks them (one pass over a queue, no recursion)."""
    relations = [e for e in text.edges if e.type in RELATIONS]
    link_of = {edge.id: number for number, edge in enumerate(relations, start=1)}
    premises: dict[str, list[int]] = {}
    added: set[tuple[str, int]] = set()  # (edge, premise): each premise once per link
    for edge in relations:
        premises[edge.id] = [statement_of[edge.src]] if edge.src in statement_of else []
        added.update((edge.id, p) for p in premises[edge.id])
    for edge in text.edges:
        if edge.type != "add":
            continue
        if edge.trg not in premises:
            tally.leave_out("add edge")
            tally.note(
                f"Edge {edge.id} (add) points at {edge.trg!r}, which is not a relation; it "
                "was left out."
            )
        elif edge.src not in statement_of:
            tally.leave_out("add edge")
            tally.note(f"Edge {edge.id} (add) starts at {edge.src!r}, not an ADU; left out.")
        elif (edge.trg, statement_of[edge.src]) not in added:
            added.add((edge.trg, statement_of[edge.src]))
            premises[edge.trg].append(statement_of[edge.src])

    dropped: dict[str, str] = {}
    for edge in relations:
        if not premises[edge.id]:
            dropped[edge.id] = f"starts at {edge.src!r}, which is not an ADU with text"
        elif edge.trg in statement_of:
            if (edge.id, statement_of[edge.trg]) in added:
                dropped[edge.id] = "has its target among its premises"
        elif edge.trg not in link_of:
            dropped[edge.id] = f"points at {edge.trg!r}, which is neither an ADU nor a relation"
    attackers: dict[str, list[str]] = {}
    for edge in relations:
        if edge.trg in link_of:
            attackers.setdefault(edge.trg, []).append(edge.id)
    queue = list(dropped)
    while queue:
        for attacker in attackers.get(queue.pop(), []):
            if attacker not in dropped:
                dropped[attacker] = "attacks a relation that was left out"
                queue.append(attacker)

    links: list[Link] = []
    number: dict[str, int] = {}
    made: dict[tuple, str] = {}
    for edge in relations:
        if edge.id in dropped:
            tally.leave_out(f"{edge.type} edge")
            tally.note(f"Edge {edge.id} ({edge.type}) {dropped[edge.id]}; it was left out.")
            continue
        kind = RELATIONS[edge.type]
        on_statement = edge.trg in statement_of
        if edge.type == "und" and on_statement:
            tally.note(f"Edge {edge.id} (und) points at an ADU, not an edge; read as a rebuttal.")
        conclusion = statement_of[edge.trg] if on_statement else None
        key = (kind, tuple(sorted(premises[edge.id])), on_statement, conclusion or edge.trg)
        if key in made:
            tally.note(f"Edge {edge.id} repeats edge {made[key]}; the link was kept once.")
            number[edge.id] = number[made[key]]
            continue
        made[key] = edge.id
        number[edge.id] = len(links) + 1
        links.append(
            Link(
                id=len(links) + 1,
                kind=kind,
                premises=tuple(premises[edge.id]),
                conclusion=conclusion,
                target_link=None if on_statement else link_of[edge.trg],
                scheme="example" if edge.type == "exa" else "",
            )
        )
    # Undercutters name the relation's position; renumber to the links actually made.
    position_to_edge = {link_of[e.id]: e.id for e in relations}
    return tuple(
        link
        if link.target_link is None
        else Link(
            id=link.id,
            kind=link.kind,
            premises=link.premises,
            target_link=number[position_to_edge[link.target_link]],
            scheme=link.scheme,
        )
        for link in links
    )
