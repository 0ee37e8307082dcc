"""Argument diagrams as Graphviz DOT text, built with the ``graphviz`` package.

``to_dot`` turns an ``ArgumentGraph`` into the source of a classroom argument map:

- statements are rounded boxes with wrapped text (with ``numbers``, led by their number,
  "#16", as the API and the coaches' page name them); the main conclusion is bold, with a
  thick border and a pale blue fill, and (with ``dot``) sits on the top row;
- support is bluish green, solid, with a filled arrowhead; opposition is vermillion, dashed,
  with a bar (``tee``) arrowhead (Okabe-Ito colours, so the map reads for colour-blind
  readers, and line style and arrowhead alone tell them apart in black and white);
- a link with several premises (co-premises) joins them in a small junction dot and then one
  arrow goes to the target; separate reasons for the same claim are separate arrows, so
  linked and convergent arguments look different;
- a link with a single premise is one direct arrow, unless an undercutter attacks it: then it
  gets a junction dot of its own (``l<link id>``), and the undercutter's arrow ends on that
  dot (on the inference, not on a statement); undercutters of different links therefore
  never share a junction;
- ``attributed_to`` is a last line "— Putin" inside the box; with ``quotes`` the quote from
  the source hangs under its statement in a small grey note box joined by a dotted line.

A part of a map (a ``neighbourhood``, or one page of a handout) is drawn with the whole
map's ``roles``, so every statement looks the same wherever it is drawn; only the
``focus`` statement gets a double border ("centre of this view" in the legend).

The DOT text is built by ``graphviz.Digraph``, which quotes every identifier and attribute
value. Layout is not: ``api.graph.render`` runs Graphviz itself, because the package's
``pipe``/``render`` have no time limit and no output limit.

Safety: every piece of user text (statement text, quote, attribution, the map title, legend
labels) goes into a plain double-quoted DOT string, never into an HTML-like ``<...>`` label
(``graphviz.escape`` marks it as not HTML and doubles its backslashes, so user text cannot
form a Graphviz escape such as ``\\N`` or ``\\l``; the package's quoting escapes double
quotes, so it cannot end the string). Control characters and invisible format characters
(bidirectional overrides, zero-width spaces: ``api.graph.text.neutralize_bidi``) are
removed, ampersands are written ``&amp;`` (Graphviz decodes HTML entities in plain labels
too, so ``&#1;`` would otherwise become a control character), line breaks are ``\\n``
escapes written here, and long text is cut short. Node ids come from primary keys only
(``s12`` statement, ``l5`` link junction, ``q12`` quote), never from text. Colours given by
callers are checked against a strict pattern.

The output is deterministic: statements and links are written in id order and attributes
in name order, so the same graph gives byte-identical DOT whatever order it was built in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import graphviz

from api.graph.model import ArgumentGraph, Kind, Link, Role, Statement
from api.graph.text import neutralize_bidi

__all__ = [
    "DIRECTIONS",
    "OPPOSE_COLOUR",
    "PAGES",
    "SUPPORT_COLOUR",
    "DiagramOptions",
    "clean_text",
    "key_dot",
    "link_endpoints",
    "neighbourhood",
    "statement_label",
    "to_dot",
]

DIRECTIONS = ("BT", "TB", "LR", "RL")
# Paper sizes in PostScript points (1/72 inch), portrait: width, height. "slides" is a 16:9
# slide of 13.333 x 7.5 inches (PowerPoint's and Keynote's widescreen size).
PAGES: dict[str, tuple[float, float]] = {
    "a4": (595.276, 841.89),
    "a3": (841.89, 1190.551),
    "letter": (612.0, 792.0),
    "slides": (960.0, 540.0),
}

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

MIN_FONT_MAX = 48
MAX_LINES_MAX = 100

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
    - ``numbers``: start each statement's text with its number ("#16").
    - ``focus``: id of a statement to mark as the centre of the view (double border), e.g.
      the centre of a ``neighbourhood``; ignored if the statement is not in the graph.
    - ``fill``: statement id -> fill colour ("#RRGGBB", "#RRGGBBAA" or a colour name),
      overriding the default fill (for shading by an evaluation).
    - ``legend_extra``: extra (label, colour) rows for the legend, e.g. ("accepted",
      "#CCEBC5"); shown when ``legend`` is true.
    - ``min_font``: raise every font size below this to it (0, the default, changes
      nothing). Paged drawings (``api.graph.paging``) use it so that one scale keeps every
      piece of text, legend and quotes included, at the page's minimum size.
    - ``max_lines``: widen the box of a long statement so that its text takes about this
      many lines (0, the default: ``wrap`` alone decides). Pages use it: a 600-character
      statement at 20 columns would be taller than a slide.

    Raises ``ValueError`` for a value out of range or a malformed colour.
    """

    direction: str = "BT"
    wrap: int = WRAP_DEFAULT
    quotes: bool = False
    legend: bool = False
    title: bool = True
    numbers: bool = False
    focus: int | None = None
    fill: Mapping[int, str] | None = field(default=None, hash=False)
    legend_extra: tuple[tuple[str, str], ...] = ()
    min_font: int = 0
    max_lines: int = 0

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
        for name, low, high in (
            ("wrap", WRAP_MIN, WRAP_MAX),
            ("min_font", 0, MIN_FONT_MAX),
            ("max_lines", 0, MAX_LINES_MAX),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}")
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


@functools.lru_cache(maxsize=8192)
def clean_text(text: str, limit: int) -> str:
    """Return ``text`` made safe and short for a diagram label.

    Control characters (Unicode category Cc: NUL, ESC, DEL, C1 controls...), invisible
    format characters (category Cf: bidirectional overrides, zero-width spaces; see
    ``neutralize_bidi``), lone surrogates and the XML non-characters U+FFFE/U+FFFF are
    removed; tabs, newlines and
    other whitespace become single spaces; the result is stripped and cut to at most
    ``limit`` characters, ending in "…" when cut. A cut ends at a word boundary ("resolved
    to move…", never "intensifi…"); only text with no space in the part kept (one long
    word, a URL, Chinese or Japanese) is cut between characters.
    """
    kept = []
    for ch in neutralize_bidi(text):
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in _XML_FORBIDDEN:
            continue
        else:
            kept.append(ch)
    cleaned = " ".join("".join(kept).split())
    if len(cleaned) > limit:
        cut = cleaned[: limit - 1]
        if cleaned[limit - 1] != " ":  # the cut falls inside a word: drop that word
            space = cut.rfind(" ")
            if space > 0:
                cut = cut[:space]
        cleaned = cut.rstrip() + "…"
    return cleaned


def _char_width(ch: str) -> int:
    """Columns a character takes: 2 for wide (CJK) ones, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


@functools.lru_cache(maxsize=8192)
def _columns(text: str) -> int:
    """Columns ``text`` takes (``_char_width`` of each character). Cached: every draft of
    a page asks it again of the same statements."""
    return sum(_char_width(ch) for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap (see ``_wrap_cached``); a new list the caller may change."""
    return list(_wrap_cached(text, width))


@functools.lru_cache(maxsize=8192)
def _wrap_cached(text: str, width: int) -> tuple[str, ...]:
    """Greedy word wrap of ``text`` (already cleaned) into lines of at most ``width`` columns.

    Wide (CJK) characters count two columns; a word longer than a line (a URL, or Japanese
    and Chinese text, which has no spaces) is broken between characters.
    """
    lines: list[str] = []
    current, used = "", 0
    for word in text.split(" "):
        if not word:
            continue
        need = _columns(word)
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
    return tuple(lines) or ("",)


def _escape(line: str) -> str:
    """One line of user text, literal in a DOT string: ``&`` becomes ``&amp;`` (Graphviz
    decodes entities in plain labels too), then ``graphviz.escape`` doubles backslashes."""
    return graphviz.escape(line.replace("&", "&amp;"))


def _label(lines: Iterable[str]) -> str:
    """A plain (never HTML) DOT label: escaped lines joined by centred line breaks. The
    ``graphviz`` package quotes it, escaping its double quotes."""
    return graphviz.nohtml("\\n".join(_escape(line) for line in lines))


# --- the diagram -------------------------------------------------------------------------

_GRAPH = {
    "charset": "UTF-8",
    "newrank": "true",
    "nodesep": "0.3",
    "ranksep": "0.3",
    "pad": "0.3",
    "margin": "0",  # Graphviz's PDF adds 0.5 in around the drawing by default; pad is enough
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
_CENTRE = {"peripheries": "2"}


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


def statement_label(
    statement: Statement, options: DiagramOptions, *, brief: int | None = None, note: str = ""
) -> list[str]:
    """The lines of a statement's box: its text wrapped at ``options.wrap`` columns (led by
    "#<id>" with ``numbers``), then "— <attributed_to>" when set.

    ``brief`` (a part of a map: a box that stands for a statement drawn in full elsewhere)
    keeps "#<id>" and at most ``brief`` characters of the text (0: the number alone), with
    no attribution. ``note`` is an extra last line, e.g. "reasons: page 4".
    """
    if brief is not None:
        text = clean_text(statement.text, brief) if brief else ""
        lines = _wrap(f"#{statement.id} {text}".strip(), options.wrap)
    else:
        text = clean_text(statement.text, MAX_TEXT)
        if options.numbers:
            text = f"#{statement.id} {text}".strip()
        width = options.wrap
        if options.max_lines:  # a long text gets a wider box rather than a taller one
            width = max(width, -(-_columns(text) // options.max_lines))
        lines = _wrap(text, min(width, WRAP_MAX))
        who = clean_text(statement.attributed_to, MAX_ATTRIBUTION)
        if who:
            lines.append("— " + who)
    if note:
        lines.append(clean_text(note, MAX_TEXT))
    return lines


def _statement_attrs(
    statement: Statement, role: Role, options: DiagramOptions, lines: list[str]
) -> dict[str, str]:
    """A statement's node attributes. They depend only on the statement, its role, the
    options and its label, so a statement looks the same in every diagram of its map."""
    attrs = {"label": _label(lines)}
    if role is Role.MAIN_CONCLUSION:
        attrs.update(_MAIN)
    elif role is Role.UNLINKED:
        attrs.update(_UNLINKED)
    if options.fill and statement.id in options.fill:
        attrs["fillcolor"] = options.fill[statement.id]
    if options.focus == statement.id:
        attrs.update(_CENTRE)
    return attrs


def _link_target_node(link: Link, statement_ids: set[int], link_ids: set[int]) -> str | None:
    if link.conclusion is not None:
        return f"s{link.conclusion}" if link.conclusion in statement_ids else None
    if link.target_link is not None and link.target_link in link_ids:
        return f"l{link.target_link}"
    return None


class _Dot:
    """A ``graphviz.Digraph`` being built, with every font size raised to ``min_font``."""

    def __init__(self, min_font: int) -> None:
        self.min_font = min_font
        self.graph = graphviz.Digraph("argmap")

    def attrs(self, attrs: Mapping[str, str]) -> dict[str, str]:
        out = dict(attrs)
        if self.min_font and "fontsize" in out and float(out["fontsize"]) < self.min_font:
            out["fontsize"] = str(self.min_font)
        return out

    def node(
        self, name: str, attrs: Mapping[str, str], into: graphviz.Digraph | None = None
    ) -> None:
        (into or self.graph).node(name, _attributes=self.attrs(attrs))

    def edge(
        self,
        tail: str,
        head: str,
        attrs: Mapping[str, str],
        into: graphviz.Digraph | None = None,
    ) -> None:
        (into or self.graph).edge(tail, head, _attributes=self.attrs(attrs))

    def comment(self, text: str) -> None:
        self.graph.body.append(f"\t// {text}\n")


# A key entry's text: the statement's first words, cut at a word boundary.
KEY_CHARS = 48


def key_dot(entries: Iterable[tuple[int, str]], *, rows: int, heading: str, min_font: int) -> str:
    """The DOT of a key to numbered boxes: "#12 first words of statement 12…" for each
    ``(id, text)`` of ``entries`` in that order, ``rows`` to a column, columns side by
    side, lines left-aligned, under ``heading``. Plain labels, user text escaped."""
    dot = _Dot(min_font)
    graph_attrs = {**_GRAPH, "rankdir": "TB", "nodesep": "0.4"}
    title = clean_text(heading, MAX_TITLE)
    if title:
        graph_attrs.update(labelloc="t", labeljust="c", label=_label(_wrap(title, 80)))
    dot.graph.graph_attr.update(dot.attrs(graph_attrs))
    lines = [f"#{sid} {clean_text(text, KEY_CHARS)}" for sid, text in entries]
    rows = max(1, rows)
    for column, start in enumerate(range(0, len(lines), rows), start=1):
        label = "".join(_escape(line) + "\\l" for line in lines[start : start + rows])
        attrs = {**_NODE, "shape": "plaintext", "style": "", "margin": "0.05,0.02"}
        dot.node(f"k{column}", {**attrs, "label": graphviz.nohtml(label)})
    return dot.graph.source


def to_dot(
    graph: ArgumentGraph,
    options: DiagramOptions | None = None,
    *,
    roles: Mapping[int, Role] | None = None,
    notes: Mapping[int, str] | None = None,
    brief: Mapping[int, int] | None = None,
    heading: str | None = None,
    stagger: str = "",
) -> str:
    """Return the Graphviz DOT source of the map's argument diagram.

    Node ids: ``s<id>`` statements, ``l<id>`` link junctions, ``q<id>`` quote notes,
    ``legend_*`` the legend. A link gets a junction node when it has other than exactly one
    premise or when an undercutter attacks it; other links are one direct edge.

    For a part of a map: ``roles`` (default: the graph's own) are the whole map's, so each
    statement is drawn as the whole map draws it; ``notes`` adds a last line to some
    statements and ``brief`` draws some as "#<id>" and that many characters of text (see
    ``statement_label``); ``heading`` replaces the map's title; ``stagger="reasons"`` sets
    every second reason of a claim with more than three one row further down, so a claim
    with many reasons is drawn about half as wide, and ``stagger="all"`` also every
    undercutter (pages use them).

    The text is deterministic (byte-identical for equal graphs, whatever order the
    statements and links were given in) and holds user text only in escaped, plain quoted
    labels. A link that names a premise, conclusion or target link absent from ``graph``
    loses only that edge. Layout hints (``rankdir``, ``rank=max`` for main conclusions,
    ``minlen``) are ``dot``'s; other engines ignore them (``render`` adds the settings
    ``sfdp`` needs). Raises nothing.
    """
    options = options or DiagramOptions()
    roles = graph.roles if roles is None else roles
    notes, brief = notes or {}, brief or {}
    statements = sorted(graph.statements, key=lambda s: s.id)
    links = sorted(graph.links, key=lambda link: link.id)
    statement_ids = {s.id for s in statements}
    link_ids = {link.id for link in links}
    undercut = {
        link.target_link
        for link in links
        if link.conclusion is None and link.target_link in link_ids
    }

    dot = _Dot(options.min_font)
    graph_attrs = {**_GRAPH, "rankdir": options.direction}
    title = heading if heading is not None else graph.map.title if options.title else ""
    title = clean_text(title, MAX_TITLE)
    if title:
        graph_attrs.update(labelloc="t", labeljust="c", label=_label(_wrap(title, 80)))
    dot.graph.graph_attr.update(dot.attrs(graph_attrs))
    dot.graph.node_attr.update(dot.attrs(_NODE))
    dot.graph.edge_attr.update(dot.attrs(_EDGE))

    dot.comment("statements")
    mains = []
    for statement in statements:
        role = roles.get(statement.id, Role.UNLINKED)
        lines = statement_label(
            statement, options, brief=brief.get(statement.id), note=notes.get(statement.id, "")
        )
        attrs = _statement_attrs(statement, role, options, lines)
        if brief.get(statement.id) == 0:  # a number alone: a box no bigger than it needs
            attrs.update(width="0.3", height="0.3")
        dot.node(f"s{statement.id}", attrs)
        if role is Role.MAIN_CONCLUSION:
            mains.append(statement.id)
    if mains:
        with dot.graph.subgraph() as top:
            top.attr(rank="max")
            for sid in mains:
                top.node(f"s{sid}")

    quoted = [
        s
        for s in statements
        if options.quotes and s.id not in brief and clean_text(s.quote, MAX_QUOTE)
    ]
    if quoted:
        dot.comment("quotes from the source, each under its statement")
    for statement in quoted:
        quote = "“" + clean_text(statement.quote, MAX_QUOTE) + "”"
        dot.node(f"q{statement.id}", {"label": _label(_wrap(quote, options.wrap + 5)), **_QUOTE})
        dot.edge(f"q{statement.id}", f"s{statement.id}", _QUOTE_EDGE)

    # With ``stagger``: every second link into a claim with more than three goes one row
    # further down.
    lower: set[int] = set()
    if stagger:
        into: dict[str, list[int]] = {}
        for link in links:
            target = _link_target_node(link, statement_ids, link_ids)
            if target:
                into.setdefault(target, []).append(link.id)
        for group in into.values():
            if len(group) > 3:
                lower.update(group[1::2])
        if stagger == "all":  # undercutters a row below the premises of their link
            lower.update(link.id for link in links if link.conclusion is None)

    dot.comment("links: support solid green, oppose dashed vermillion")
    for link in links:
        premises = [p for p in link.premises if p in statement_ids]
        target = _link_target_node(link, statement_ids, link_ids)
        extra = 1 if link.id in lower else 0
        if len(link.premises) == 1 and link.id not in undercut:
            if premises and target:
                attrs = _edge_style(link.kind)
                if link.conclusion is not None:
                    # level with co-premises, which pass a junction
                    attrs["minlen"] = str(2 + extra)
                elif extra:
                    attrs["minlen"] = str(1 + extra)
                dot.edge(f"s{premises[0]}", target, attrs)
            continue
        dot.node(f"l{link.id}", _junction(link.kind))
        for premise in premises:
            dot.edge(f"s{premise}", f"l{link.id}", _premise_edge(link.kind))
        if target:
            attrs = _edge_style(link.kind)
            if extra:
                attrs["minlen"] = str(1 + extra)
            dot.edge(f"l{link.id}", target, attrs)

    if options.legend:
        unlinked = any(roles.get(s.id, Role.UNLINKED) is Role.UNLINKED for s in statements)
        _legend(dot, options, centre=options.focus in statement_ids, unlinked=unlinked)
    return dot.graph.source


# What the legend says of the dots, which no example alone explains.
LEGEND_DOTS = (
    "A dot joins co-premises, or marks the step from\\la reason to its claim that an "
    "objection attacks.\\lGreen and solid: support; vermillion and dashed:\\lopposition."
    "\\l"
)


def _legend(dot: _Dot, options: DiagramOptions, *, centre: bool, unlinked: bool) -> None:
    """A cluster explaining every mark the drawing uses: the boxes (main conclusion, a
    statement linked to nothing, the centre of a view, a quote), support and opposition,
    co-premises meeting in a dot, and an objection to the inference meeting the step it
    attacks in a dot. It holds no user text except ``legend_extra`` labels, which are
    cleaned and escaped like statement text."""
    small = {"fontsize": "10"}
    caption = {"fontsize": "9", "fontcolor": "#333333"}
    # Cluster labels follow rankdir: with BT, "b" is the top of the picture.
    labelloc = "b" if options.direction == "BT" else "t"
    cluster = {
        "label": "Legend",
        "labelloc": labelloc,
        "labeljust": "l",
        "fontsize": "11",
        "fontname": FONT_BOLD,
        "style": "rounded",
        "color": "#BBBBBB",
        "margin": "10",
    }
    nodes = [
        ("legend_main", {"label": "Main conclusion", **_MAIN, **small}),
        ("legend_reason", {"label": "Reason", **small}),
        ("legend_objection", {"label": "Objection", **small}),
        ("legend_claim", {"label": "Claim", **small}),
        ("legend_co1", {"label": "Co-premise", **small}),
        ("legend_co2", {"label": "Co-premise", **small}),
        ("legend_junction", _junction(Kind.SUPPORT)),
        ("legend_step_reason", {"label": "Reason", **small}),
        ("legend_step", _junction(Kind.SUPPORT)),
        ("legend_step_claim", {"label": "Claim", **small}),
        ("legend_undercutter", {"label": "Objection to\\nthe inference", **small}),
        ("legend_dots", {"label": LEGEND_DOTS, "shape": "plaintext", **caption}),
    ]
    if unlinked:
        nodes.append(("legend_unlinked", {"label": "Linked to\\nnothing", **_UNLINKED, **small}))
    if centre:
        nodes.append(("legend_centre", {"label": "Centre of\\nthis view", **_CENTRE, **small}))
    if options.quotes:
        nodes.append(("legend_quote", {"label": "Quote from\\nthe source", **_QUOTE}))
    nodes += [
        (
            f"legend_extra{index}",
            {"label": _label([clean_text(text, MAX_LEGEND_LABEL)]), "fillcolor": colour, **small},
        )
        for index, (text, colour) in enumerate(options.legend_extra)
    ]
    edges = [
        ("legend_reason", "legend_main", {**_SUPPORT, "label": "supports", **caption}),
        ("legend_objection", "legend_main", {**_OPPOSE, "label": "opposes", **caption}),
        ("legend_co1", "legend_junction", _premise_edge(Kind.SUPPORT)),
        ("legend_co2", "legend_junction", _premise_edge(Kind.SUPPORT)),
        ("legend_junction", "legend_claim", {**_SUPPORT, "label": "together", **caption}),
        ("legend_step_reason", "legend_step", _premise_edge(Kind.SUPPORT)),
        ("legend_step", "legend_step_claim", {**_SUPPORT, "label": "supports", **caption}),
        ("legend_undercutter", "legend_step", {**_OPPOSE, "label": "undercuts", **caption}),
    ]
    dot.comment("legend")
    with dot.graph.subgraph(name="cluster_legend") as legend:
        legend.attr("graph", _attributes=dot.attrs(cluster))
        for name, attrs in nodes:
            dot.node(name, attrs, into=legend)
        for tail, head, attrs in edges:
            dot.edge(tail, head, attrs, into=legend)


# --- neighbourhood -----------------------------------------------------------------------


def link_endpoints(graph: ArgumentGraph) -> dict[int, frozenset[int]]:
    """Statement ids each link connects: its premises and its target's statements.

    An undercutter connects to the statements of the link it attacks (and through an
    undercutter of an undercutter, to those of the link that one attacks, and so on); a
    cycle of undercutters stops where it started. Iterative and linear in the number of
    links, however long a chain of undercutters is.
    """
    by_id = {link.id: link for link in graph.links}
    done: dict[int, frozenset[int]] = {}
    for start in sorted(by_id):
        # Follow the chain of targets from ``start`` until a link already done, a link
        # that concludes to a statement, a missing link, or a cycle; then fill the chain
        # in from its end.
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = start
        while current is not None and current in by_id and current not in done:
            if current in on_chain:
                break
            chain.append(current)
            on_chain.add(current)
            link = by_id[current]
            current = link.target_link if link.conclusion is None else None
        inherited = done.get(current, frozenset()) if current is not None else frozenset()
        for link_id in reversed(chain):
            link = by_id[link_id]
            ids = set(link.premises)
            if link.conclusion is not None:
                ids.add(link.conclusion)
            else:
                ids |= inherited
            inherited = done[link_id] = frozenset(ids)
    return {link_id: done[link_id] for link_id in sorted(by_id)}


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
    # Linear in the size of the map, however long a chain of undercutters is: every link
    # is walked up (to the undercutters attacking it) once and down (to the link it
    # attacks) once. A link "touches" a statement when the statement is one of its own
    # premises or its conclusion, or touches the link it undercuts.
    by_id = {link.id: link for link in graph.links}
    attackers: dict[int, list[int]] = {}
    direct: dict[int, list[int]] = {}
    for link in sorted(graph.links, key=lambda link: link.id):
        if link.conclusion is None and link.target_link in by_id:
            attackers.setdefault(link.target_link, []).append(link.id)
        for sid in (*link.premises, link.conclusion):
            if sid is not None:
                direct.setdefault(sid, []).append(link.id)

    up_done: set[int] = set()
    down_done: set[int] = set()

    def reached_statements(link_id: int) -> list[int]:
        """The statements of ``link_id`` and of the links it undercuts, down to a link
        walked before (whose statements were reached already)."""
        found: list[int] = []
        current: int | None = link_id
        while current is not None and current in by_id and current not in down_done:
            down_done.add(current)
            link = by_id[current]
            found.extend(link.premises)
            if link.conclusion is not None:
                found.append(link.conclusion)
                break
            current = link.target_link
        return found

    distance = {statement_id: 0}
    queue = deque([statement_id])
    while queue:
        current = queue.popleft()
        if distance[current] >= depth:
            continue
        touching: list[int] = []
        climb = deque(link_id for link_id in direct.get(current, ()) if link_id not in up_done)
        while climb:
            link_id = climb.popleft()
            if link_id in up_done:
                continue
            up_done.add(link_id)
            touching.append(link_id)
            climb.extend(a for a in attackers.get(link_id, ()) if a not in up_done)
        for link_id in touching:
            for other in reached_statements(link_id):
                if other not in distance:
                    distance[other] = distance[current] + 1
                    queue.append(other)

    # A link is kept when all its statements are (its own, and those of the link it
    # undercuts, which must be kept too), so no arrow is drawn half-way.
    kept: dict[int, bool] = {}
    for start in sorted(by_id):
        chain: list[int] = []
        seen: set[int] = set()
        step: int | None = start
        verdict = False
        while step is not None and step in by_id and step not in kept:
            if step in seen:  # a cycle of undercutters: keep it only if all is near
                verdict = True
                break
            seen.add(step)
            chain.append(step)
            link = by_id[step]
            if link.conclusion is not None:
                verdict = True
                break
            step = link.target_link
        else:
            if step is not None and step in kept:
                verdict = kept[step]
        for link_id in reversed(chain):
            link = by_id[link_id]
            verdict = verdict and all(p in distance for p in link.premises)
            if link.conclusion is not None:
                verdict = link.conclusion in distance and all(p in distance for p in link.premises)
            kept[link_id] = verdict
    kept_links = tuple(
        link for link in sorted(graph.links, key=lambda link: link.id) if kept[link.id]
    )
    statements = tuple(s for s in sorted(graph.statements, key=lambda s: s.id) if s.id in distance)
    return ArgumentGraph(map=graph.map, statements=statements, links=kept_links)
