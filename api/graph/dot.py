"""Argument diagrams as Graphviz DOT text.

``to_dot`` turns an ``ArgumentGraph`` into the source of a classroom argument map:

- statements are rounded boxes with wrapped text; the main conclusion is bold, with a thick
  border and a pale blue fill, and (with ``dot``) sits on the top row;
- support is bluish green, solid, with a filled arrowhead; opposition is vermillion, dashed,
  with a bar (``tee``) arrowhead (Okabe-Ito colours, so the map reads for colour-blind
  readers, and line style and arrowhead alone tell them apart in black and white);
- a link with several premises (co-premises) joins them in a small junction dot and then one
  arrow goes to the target; separate reasons for the same claim are separate arrows, so
  linked and convergent arguments look different;
- a link with a single premise is one direct arrow, unless an undercutter attacks it: then it
  gets a junction dot too, and the undercutter's arrow ends on that dot (on the inference,
  not on a statement);
- ``attributed_to`` is a last line "— Putin" inside the box; with ``quotes`` the quote from
  the source hangs under its statement in a small grey note box joined by a dotted line.

Safety: every piece of user text (statement text, quote, attribution, the map title, legend
labels) goes into a plain double-quoted DOT string, never into an HTML-like ``<...>`` label.
Control characters are removed, backslashes, double quotes and ampersands are escaped (so
user text cannot end the string, form a Graphviz escape such as ``\\N`` or ``\\l``, or form an
HTML entity such as ``&#1;``), line breaks are ``\\n`` escapes written here, and long text is
cut short. Node ids come from primary keys only (``s12`` statement, ``l5`` link junction,
``q12`` quote), never from text. Colours given by callers are checked against a strict
pattern.

The output is deterministic: statements and links are written in id order, so the same
graph gives byte-identical DOT whatever order it was built in.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from api.graph.model import ArgumentGraph, Kind, Link, Role, Statement

__all__ = [
    "DIRECTIONS",
    "OPPOSE_COLOUR",
    "PAGES",
    "SUPPORT_COLOUR",
    "DiagramOptions",
    "clean_text",
    "neighbourhood",
    "to_dot",
]

DIRECTIONS = ("BT", "TB", "LR", "RL")
# Landscape pages (A4 11.69 x 8.27 in, A3 16.54 x 11.69, Letter 11 x 8.5) less 1.1 inch, for
# Graphviz ``size`` (which includes ``pad``): Graphviz's PDF adds a half-inch margin on each
# side, so the PDF page then fits the paper.
PAGES = {"a4": "10.5,7.1", "a3": "15.4,10.5", "letter": "9.9,7.4"}

# Okabe-Ito palette (colour-blind safe).
SUPPORT_COLOUR = "#009E73"  # bluish green
OPPOSE_COLOUR = "#D55E00"  # vermillion
MAIN_FILL = "#DCEBF7"  # pale tint of Okabe-Ito blue #0072B2
MAIN_BORDER = "#0B3C5D"
BOX_BORDER = "#555555"
BOX_FILL = "#FFFFFF"
UNLINKED_FILL = "#F2F2F2"
QUOTE_COLOUR = "#5F5F5F"
QUOTE_FILL = "#F7F7F7"
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"

WRAP_MIN, WRAP_DEFAULT, WRAP_MAX = 10, 40, 200  # characters per line of statement text
MAX_TEXT = 600  # characters of statement text kept
MAX_QUOTE = 400
MAX_ATTRIBUTION = 80
MAX_TITLE = 200
MAX_LEGEND_LABEL = 80

_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?|[A-Za-z][A-Za-z0-9]{0,31}")
_XML_FORBIDDEN = {"\ufffe", "\uffff"}


@dataclass(frozen=True)
class DiagramOptions:
    """How ``to_dot`` draws a map. Engine-neutral: ``render`` adds engine settings.

    - ``direction``: Graphviz ``rankdir``. "BT" (default) puts reasons below the claims they
      support, arrows pointing up to the main conclusion; "TB", "LR", "RL" also allowed.
    - ``wrap``: columns per line of statement text, 10..200 (wide CJK characters count
      two; a word longer than a line is broken).
    - ``quotes``: show each statement's quote from the source in a grey note under it.
    - ``legend``: add a legend box explaining the colours and shapes.
    - ``title``: show the map's title above the diagram.
    - ``page``: None (default: the drawing at its natural size) or "a4", "a3", "letter":
      scale the drawing down, if needed, to fit that page in landscape (for PDF handouts;
      text gets smaller on big maps).
    - ``focus``: id of a statement to highlight (double border), e.g. the centre of a
      ``neighbourhood``; ignored if the statement is not in the graph.
    - ``fill``: statement id -> fill colour ("#RRGGBB", "#RRGGBBAA" or a colour name),
      overriding the default fill (for shading by an evaluation).
    - ``legend_extra``: extra (label, colour) rows for the legend, e.g. ("accepted",
      "#CCEBC5"); shown when ``legend`` is true.

    Raises ``ValueError`` for a value out of range or a malformed colour.
    """

    direction: str = "BT"
    wrap: int = WRAP_DEFAULT
    quotes: bool = False
    legend: bool = False
    title: bool = True
    focus: int | None = None
    page: str | None = None
    fill: Mapping[int, str] | None = field(default=None, hash=False)
    legend_extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
        if isinstance(self.wrap, bool) or not isinstance(self.wrap, int):
            raise ValueError("wrap must be an integer")
        if not WRAP_MIN <= self.wrap <= WRAP_MAX:
            raise ValueError(f"wrap must be between {WRAP_MIN} and {WRAP_MAX}")
        if self.page is not None and self.page not in PAGES:
            raise ValueError(f"page must be one of {', '.join(PAGES)}")
        for colour in (self.fill or {}).values():
            _check_colour(colour)
        object.__setattr__(self, "legend_extra", tuple(tuple(row) for row in self.legend_extra))
        for row in self.legend_extra:
            if len(row) != 2 or not isinstance(row[0], str):
                raise ValueError("legend_extra rows must be (label, colour) pairs")
            _check_colour(row[1])


def _check_colour(colour: object) -> None:
    if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
        raise ValueError(f"not a colour: {colour!r} (use #RRGGBB, #RRGGBBAA or a name)")


# --- text --------------------------------------------------------------------------------


def clean_text(text: str, limit: int) -> str:
    """Return ``text`` made safe and short for a diagram label.

    Control characters (Unicode category Cc: NUL, ESC, DEL, C1 controls...), lone
    surrogates and the XML non-characters U+FFFE/U+FFFF are removed; tabs, newlines and
    other whitespace become single spaces; the result is stripped and cut to at most
    ``limit`` characters, ending in "…" when cut.
    """
    kept = []
    for ch in text:
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _XML_FORBIDDEN:
            continue
        else:
            kept.append(ch)
    cleaned = " ".join("".join(kept).split())
    if len(cleaned) > limit:
        cut = cleaned[: limit - 1]
        space = cut.rfind(" ")
        if space > limit * 0.8:  # end on a word boundary when one is near
            cut = cut[:space]
        cleaned = cut.rstrip() + "…"
    return cleaned


def _char_width(ch: str) -> int:
    """Columns a character takes: 2 for wide (CJK) ones, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap of ``text`` (already cleaned) into lines of at most ``width`` columns.

    Wide (CJK) characters count two columns; a word longer than a line (a URL, or Japanese
    and Chinese text, which has no spaces) is broken between characters.
    """
    lines: list[str] = []
    current, used = "", 0
    for word in text.split(" "):
        if not word:
            continue
        need = sum(_char_width(ch) for ch in word)
        gap = 1 if current else 0
        if used + gap + need <= width:
            current, used = current + " " * gap + word, used + gap + need
            continue
        if need <= width:  # starts a new line
            lines.append(current)
            current, used = word, need
            continue
        if current:  # too long for any line: break it, starting on this line
            current, used = current + " ", used + 1
        for ch in word:
            columns = _char_width(ch)
            if used + columns > width and current.strip():
                lines.append(current.rstrip())
                current, used = "", 0
            current, used = current + ch, used + columns
    if current:
        lines.append(current)
    return lines or [""]


def _escape(line: str) -> str:
    # Order matters: backslashes first, so the ones added for quotes stay single.
    # '&' -> '&amp;' because Graphviz decodes HTML entities in plain labels too.
    return line.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")


def _label(lines: list[str]) -> str:
    """A quoted DOT string: escaped lines joined by centred line breaks."""
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _quoted(value: str) -> str:
    """A quoted DOT string for a value we produce ourselves (ids, colours, numbers)."""
    return '"' + _escape(value) + '"'


def _attrs(attrs: Mapping[str, str]) -> str:
    """``[k="v", ...]`` with keys in the order given; ``label`` values arrive pre-quoted."""
    parts = []
    for key, value in attrs.items():
        parts.append(f"{key}={value}" if key == "label" else f"{key}={_quoted(value)}")
    return "[" + ", ".join(parts) + "]"


# --- the diagram -------------------------------------------------------------------------

_GRAPH = {
    "charset": "UTF-8",
    "newrank": "true",
    "nodesep": "0.3",
    "ranksep": "0.3",
    "pad": "0.3",
    "fontname": FONT,
    "fontsize": "16",
    "bgcolor": "white",
}
_NODE = {
    "shape": "box",
    "style": "rounded,filled",
    "fillcolor": BOX_FILL,
    "color": BOX_BORDER,
    "penwidth": "1.2",
    "fontname": FONT,
    "fontsize": "12",
    "fontcolor": "#1A1A1A",
    "margin": "0.14,0.07",
}
_EDGE = {"penwidth": "1.6", "arrowsize": "0.9", "fontname": FONT, "fontsize": "10"}
_MAIN = {
    "fontname": FONT_BOLD,
    "fontsize": "13",
    "penwidth": "3",
    "color": MAIN_BORDER,
    "fillcolor": MAIN_FILL,
}
_UNLINKED = {"fillcolor": UNLINKED_FILL, "style": "rounded,filled,dashed"}
_QUOTE = {
    "shape": "note",
    "style": "filled",
    "fillcolor": QUOTE_FILL,
    "color": "#AAAAAA",
    "fontcolor": QUOTE_COLOUR,
    "fontsize": "10",
    "penwidth": "0.8",
    "margin": "0.1,0.05",
}
# weight: keep the note straight under its statement.
_QUOTE_EDGE = {
    "style": "dotted",
    "color": "#999999",
    "arrowhead": "none",
    "penwidth": "1",
    "weight": "4",
}
_SUPPORT = {"color": SUPPORT_COLOUR, "style": "solid", "arrowhead": "normal"}
_OPPOSE = {"color": OPPOSE_COLOUR, "style": "dashed", "arrowhead": "tee", "arrowsize": "1.1"}


def _edge_style(kind: Kind) -> dict[str, str]:
    return dict(_OPPOSE if kind is Kind.OPPOSE else _SUPPORT)


def _premise_edge(kind: Kind) -> dict[str, str]:
    """Premise to junction: the link's colour and line style, no arrowhead."""
    style = _edge_style(kind)
    return {"color": style["color"], "style": style["style"], "arrowhead": "none"}


def _junction(kind: Kind) -> dict[str, str]:
    colour = _edge_style(kind)["color"]
    return {
        "shape": "point",
        "width": "0.11",
        "height": "0.11",
        "style": "filled",
        "color": colour,
        "fillcolor": colour,
    }


def _statement_attrs(
    graph: ArgumentGraph, statement: Statement, options: DiagramOptions
) -> dict[str, str]:
    lines = _wrap(clean_text(statement.text, MAX_TEXT), options.wrap)
    who = clean_text(statement.attributed_to, MAX_ATTRIBUTION)
    if who:
        lines.append("— " + who)
    attrs = {"label": _label(lines)}
    role = graph.role(statement.id)
    if role is Role.MAIN_CONCLUSION:
        attrs.update(_MAIN)
    elif role is Role.UNLINKED:
        attrs.update(_UNLINKED)
    if options.fill and statement.id in options.fill:
        attrs["fillcolor"] = options.fill[statement.id]
    if options.focus == statement.id:
        attrs["peripheries"] = "2"
    return attrs


def _link_target_node(link: Link, statement_ids: set[int], link_ids: set[int]) -> str | None:
    if link.conclusion is not None:
        return f"s{link.conclusion}" if link.conclusion in statement_ids else None
    if link.target_link is not None and link.target_link in link_ids:
        return f"l{link.target_link}"
    return None


def to_dot(graph: ArgumentGraph, options: DiagramOptions | None = None) -> str:
    """Return the Graphviz DOT source of the map's argument diagram.

    Node ids: ``s<id>`` statements, ``l<id>`` link junctions, ``q<id>`` quote notes,
    ``legend_*`` the legend. A link gets a junction node when it has other than exactly one
    premise or when an undercutter attacks it; other links are one direct edge.

    The text is deterministic (byte-identical for equal graphs, whatever order the
    statements and links were given in) and holds user text only in escaped, plain quoted
    labels. A link that names a premise, conclusion or target link absent from ``graph``
    loses only that edge. Layout hints (``rankdir``, ``rank=max`` for main conclusions,
    ``minlen``) are ``dot``'s; other engines ignore them (``render`` adds the settings
    ``sfdp`` needs). Raises nothing.
    """
    options = options or DiagramOptions()
    statements = sorted(graph.statements, key=lambda s: s.id)
    links = sorted(graph.links, key=lambda link: link.id)
    statement_ids = {s.id for s in statements}
    link_ids = {link.id for link in links}
    undercut = {
        link.target_link
        for link in links
        if link.conclusion is None and link.target_link in link_ids
    }

    out = ["digraph argmap {"]
    emit = out.append
    graph_attrs = {**_GRAPH, "rankdir": options.direction}
    if options.page:
        graph_attrs["size"] = PAGES[options.page]
    title = clean_text(graph.map.title, MAX_TITLE) if options.title else ""
    if title:
        graph_attrs.update(labelloc="t", labeljust="c", label=_label(_wrap(title, 80)))
    emit(f"  graph {_attrs(graph_attrs)};")
    emit(f"  node {_attrs(_NODE)};")
    emit(f"  edge {_attrs(_EDGE)};")

    emit("")
    emit("  // statements")
    for statement in statements:
        emit(f"  s{statement.id} {_attrs(_statement_attrs(graph, statement, options))};")
    mains = [s.id for s in statements if graph.role(s.id) is Role.MAIN_CONCLUSION]
    if mains:
        emit("  { rank=max; " + " ".join(f"s{i};" for i in mains) + " }")

    quoted = [s for s in statements if options.quotes and clean_text(s.quote, MAX_QUOTE)]
    if quoted:
        emit("")
        emit("  // quotes from the source, each under its statement")
    for statement in quoted:
        quote = "“" + clean_text(statement.quote, MAX_QUOTE) + "”"
        label = _label(_wrap(quote, options.wrap + 5))
        emit(f"  q{statement.id} {_attrs({'label': label, **_QUOTE})};")
        emit(f"  q{statement.id} -> s{statement.id} {_attrs(_QUOTE_EDGE)};")

    emit("")
    emit("  // links: support solid green, oppose dashed vermillion")
    for link in links:
        premises = [p for p in link.premises if p in statement_ids]
        target = _link_target_node(link, statement_ids, link_ids)
        if len(link.premises) == 1 and link.id not in undercut:
            if premises and target:
                attrs = _edge_style(link.kind)
                if link.conclusion is not None:
                    attrs["minlen"] = "2"  # level with co-premises, which pass a junction
                emit(f"  s{premises[0]} -> {target} {_attrs(attrs)};")
            continue
        emit(f"  l{link.id} {_attrs(_junction(link.kind))};")
        for premise in premises:
            emit(f"  s{premise} -> l{link.id} {_attrs(_premise_edge(link.kind))};")
        if target:
            emit(f"  l{link.id} -> {target} {_attrs(_edge_style(link.kind))};")

    if options.legend:
        out.extend(_legend(options))
    emit("}")
    return "\n".join(out) + "\n"


def _legend(options: DiagramOptions) -> list[str]:
    """A cluster explaining the notation. It holds no user text except ``legend_extra``
    labels, which are cleaned and escaped like statement text."""
    small = {"fontsize": "10"}
    caption = {"fontsize": "9", "fontcolor": "#333333"}
    # Cluster labels follow rankdir: with BT, "b" is the top of the picture.
    labelloc = "b" if options.direction == "BT" else "t"
    cluster = {
        "label": '"Legend"',
        "labelloc": labelloc,
        "labeljust": "l",
        "fontsize": "11",
        "fontname": FONT_BOLD,
        "style": "rounded",
        "color": "#BBBBBB",
        "margin": "10",
    }
    nodes = [
        ("legend_main", {"label": '"Main conclusion"', **_MAIN, **small}),
        ("legend_reason", {"label": '"Reason"', **small}),
        ("legend_objection", {"label": '"Objection"', **small}),
        ("legend_claim", {"label": '"Claim"', **small}),
        ("legend_co1", {"label": '"Co-premise"', **small}),
        ("legend_co2", {"label": '"Co-premise"', **small}),
        ("legend_junction", _junction(Kind.SUPPORT)),
        ("legend_undercutter", {"label": '"Objection to\\nthe inference"', **small}),
    ]
    if options.quotes:
        nodes.append(("legend_quote", {"label": '"Quote from\\nthe source"', **_QUOTE}))
    nodes += [
        (
            f"legend_extra{index}",
            {"label": _label([clean_text(text, MAX_LEGEND_LABEL)]), "fillcolor": colour, **small},
        )
        for index, (text, colour) in enumerate(options.legend_extra)
    ]
    edges = [
        ("legend_reason", "legend_main", {**_SUPPORT, "label": '"supports"', **caption}),
        ("legend_objection", "legend_main", {**_OPPOSE, "label": '"opposes"', **caption}),
        ("legend_co1", "legend_junction", _premise_edge(Kind.SUPPORT)),
        ("legend_co2", "legend_junction", _premise_edge(Kind.SUPPORT)),
        ("legend_junction", "legend_claim", {**_SUPPORT, "label": '"together"', **caption}),
        ("legend_undercutter", "legend_junction", {**_OPPOSE, "label": '"undercuts"', **caption}),
    ]
    lines = ["", "  // legend", "  subgraph cluster_legend {", f"    graph {_attrs(cluster)};"]
    lines += [f"    {name} {_attrs(attrs)};" for name, attrs in nodes]
    lines += [f"    {tail} -> {head} {_attrs(attrs)};" for tail, head, attrs in edges]
    lines.append("  }")
    return lines


# --- neighbourhood -----------------------------------------------------------------------


def _link_endpoints(graph: ArgumentGraph) -> dict[int, frozenset[int]]:
    """Statement ids each link connects: its premises and its target's statements.

    An undercutter connects to the statements of the link it attacks (recursively, for an
    undercutter of an undercutter); a cycle of undercutters stops where it started.
    """
    by_id = {link.id: link for link in graph.links}
    memo: dict[int, frozenset[int]] = {}

    def endpoints(link_id: int, seen: frozenset[int]) -> frozenset[int]:
        if link_id in memo:
            return memo[link_id]
        link = by_id[link_id]
        ids = set(link.premises)
        if link.conclusion is not None:
            ids.add(link.conclusion)
        elif link.target_link in by_id and link.target_link not in seen:
            ids |= endpoints(link.target_link, seen | {link_id})
        result = frozenset(ids)
        memo[link_id] = result
        return result

    return {link_id: endpoints(link_id, frozenset()) for link_id in sorted(by_id)}


def neighbourhood(graph: ArgumentGraph, statement_id: int, depth: int) -> ArgumentGraph:
    """Return the part of ``graph`` within ``depth`` link-steps of one statement.

    One step joins all the statements of one link: its premises and its conclusion (so
    co-premises are one step apart); an undercutter joins its premises to the statements of
    the link it attacks. The result keeps the statements at most ``depth`` steps away and
    the links all of whose statements are kept (an undercutter also needs the link it
    attacks kept), so no arrow is drawn half-way: each kept statement is still joined to
    the centre by kept links, and only links reaching past the edge are dropped. Roles are
    derived anew in the sub-graph (its top claim shows as its main conclusion).

    Raises ``KeyError`` for an id that is not a statement of the graph and ``ValueError``
    for a negative depth.
    """
    graph.statement(statement_id)  # KeyError if unknown
    if depth < 0:
        raise ValueError("depth must be zero or more")
    endpoints = _link_endpoints(graph)
    touching: dict[int, list[frozenset[int]]] = {}
    for ids in endpoints.values():
        for sid in ids:
            touching.setdefault(sid, []).append(ids)
    distance = {statement_id: 0}
    queue = deque([statement_id])
    while queue:
        current = queue.popleft()
        if distance[current] >= depth:
            continue
        for ids in touching.get(current, ()):
            for other in ids:
                if other not in distance:
                    distance[other] = distance[current] + 1
                    queue.append(other)
    kept_links = tuple(
        link
        for link in sorted(graph.links, key=lambda link: link.id)
        if endpoints[link.id] <= distance.keys()
        and (link.conclusion is not None or link.target_link is not None)
    )
    kept_link_ids = {link.id for link in kept_links}
    # An undercutter stays only with the link it attacks (which may itself have gone).
    changed = True
    while changed:
        changed = False
        for link in kept_links:
            if link.conclusion is None and link.target_link not in kept_link_ids:
                kept_link_ids.discard(link.id)
                changed = True
        kept_links = tuple(link for link in kept_links if link.id in kept_link_ids)
    statements = tuple(s for s in sorted(graph.statements, key=lambda s: s.id) if s.id in distance)
    return ArgumentGraph(map=graph.map, statements=statements, links=kept_links)
