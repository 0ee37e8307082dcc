"""Diagrams on real pages: printed handouts (A4, A3, Letter) and slide decks (16:9).

A whole map drawn at its natural size is a long strip (the essay's is 46 x 19 inches);
shrunk onto one sheet its text becomes unreadable. ``paginate`` instead keeps the text at
a readable size and splits the map into parts, one per page:

- every page is exactly the paper's size (portrait or landscape, whichever lets the part
  be drawn larger) or a 960 x 540 pt slide;
- every page is drawn at one scale, never smaller than ``min_text / BASE_FONT``: the DOT
  of a page raises every font to ``BASE_FONT`` (12 pt) and the page scales it, so the
  smallest text on paper is ``min_text`` (8 pt) and on a slide 12 pt;
- when the whole map fits one page, that is the only page. Otherwise a handout opens with
  an overview (every statement as a numbered box) and then has one page per part of the
  argument; a deck starts with the main conclusion and its direct reasons and
  objections (of several main conclusions, the one with the most argued under it), and
  ends with the overview when it fits a slide;
- a part is a claim with everything argued under it (its subtree) when that fits;
  otherwise the claim with its direct reasons and objections (a "step"; reasons that get
  pages of their own are shortened on it if that makes it fit), each reason's subtree
  then being a part of its own, split the same way. A claim with too many direct reasons
  for one page has them spread over several pages ("2 of 3"). Small neighbouring parts
  share a page;
- each page is drawn the way that makes it largest: rows staggered or level, long
  statements in wider boxes, or (when nothing else fits) sideways;
- where a link crosses parts, the boxes say where to look: "reasons: p. 4" under a claim
  whose reasons are on page 4, "supports #1 (p. 2)" under a reason whose conclusion is
  drawn on page 2; a statement that belongs to another part is drawn as a short
  reference box "#7 …" with its page;
- honest limits: a single part too big for the page even on its own (a link with a dozen
  co-premises, very wide text) is not shrunk below the minimum: it is cut into tiles over
  several pages, and a notice says so; an overview that does not fit one page is left out,
  with a notice; a map that would need more than ``max_pages`` pages is refused
  (``TooManyPages``), at once when a cheap estimate already says so.

``plan`` (which statements go on which page) is plain Python that asks a ``fits``
function whether a part fits; ``paginate`` answers it by laying the part out with
Graphviz (through the caller's bounded ``render_pdf`` and ``render_plain``, which
measures many candidates in one run) and then places each page's PDF on a page of the
exact size with ``pypdf``, at a scale that keeps the text size. Every walk is iterative
and the number of Graphviz runs is bounded by the page limit.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections import deque
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, RectangleObject

from api.graph.dot import KEY_CHARS, PAGES, DiagramOptions, clean_text, key_dot, to_dot
from api.graph.model import ArgumentGraph, Kind, Role

__all__ = [
    "BASE_FONT",
    "SIZES",
    "Page",
    "PageSize",
    "Paged",
    "Part",
    "TooManyPages",
    "argument_head",
    "key_parts",
    "page_image_dot",
    "paginate",
    "plan",
]

BASE_FONT = 12  # every font of a paged drawing is at least this (DiagramOptions.min_font)
BRIEF_CHARS = 40  # text kept in a reference box for a statement shown in full elsewhere
PLAN_SLACK = 1.0  # drafts use "p. 99" everywhere: as wide as the final page, or wider
MAX_NOTES = 2  # "supports #1 (p. 2)" notes per box; more end in "…"
PDF_BATCH = 8  # pages drawn as PDF in one Graphviz run (progress is told after each run)
PAGES_PER_AREA = 10  # pages per page-area of boxes, at the least (15-17 measured)


@dataclass(frozen=True)
class PageSize:
    """A page: its size in points (portrait for paper), margin, the smallest text allowed
    on it in points, the largest scale a small part is enlarged to, whether it may be
    turned to landscape, and what a page is called ("page", "slide")."""

    name: str
    width: float
    height: float
    margin: float
    min_text: float
    max_scale: float
    turnable: bool
    word: str
    short: str
    max_lines: int  # lines of a statement's text; a longer one gets a wider box

    @property
    def single(self) -> str:
        """ "slide", "A4 page", "Letter page"."""
        return "slide" if self.name == "slides" else f"{_PAPER_NAMES[self.name]} page"

    @property
    def plural(self) -> str:
        return self.single + "s"

    @property
    def min_scale(self) -> float:
        return self.min_text / BASE_FONT

    def orientations(self) -> list[tuple[float, float]]:
        sizes = [(self.width, self.height)]
        if self.turnable:
            sizes.append((self.height, self.width))
        return sizes

    def best_fit(self, width: float, height: float) -> tuple[float, float, float]:
        """(page width, page height, scale) giving a drawing of this natural size the
        largest scale, capped at ``max_scale``."""
        best: tuple[float, float, float] | None = None
        for page_w, page_h in self.orientations():
            room_w, room_h = page_w - 2 * self.margin, page_h - 2 * self.margin
            scale = min(self.max_scale, room_w / max(width, 1), room_h / max(height, 1))
            if best is None or scale > best[2] + 1e-9:
                best = (page_w, page_h, scale)
        assert best is not None  # a page size has at least one orientation
        return best


_CM = 72 / 2.54
_PAPER_NAMES = {"a4": "A4", "a3": "A3", "letter": "Letter"}
SIZES: dict[str, PageSize] = {
    name: PageSize(name, *PAGES[name], _CM, 8.0, 1.0, True, "page", "p.", 10)
    for name in ("a4", "a3", "letter")
} | {"slides": PageSize("slides", *PAGES["slides"], 12.0, 12.0, 1.5, False, "slide", "slide", 6)}


class TooManyPages(Exception):
    """The map needs more pages (or more layout runs) than allowed; the message says how
    many and what to do instead."""


# --- planning ----------------------------------------------------------------------------


@dataclass
class Part:
    """One page's content. ``owned``: the statements whose reasons this page draws (or,
    for leaves, that it draws first); ``statements``/``links``: all it draws; ``brief``:
    statements drawn as short references to another page; ``titles``: what it shows, one
    title per piece put together on the page."""

    kind: str  # "whole", "subtree", "step", "unlinked", "overview", "key", or "group"
    root: int | None
    statements: set[int]
    links: set[int]
    owned: set[int]
    brief: set[int] = field(default_factory=set)
    titles: list[str] = field(default_factory=list)
    direction: str | None = None  # overrides the options' direction (sideways)
    way: tuple[str, int] | None = None  # (stagger, max lines); None: the first of ``_ways``
    rows: int = 0  # a key's entries to a column


class _Map:
    """Indexes of a graph the planner walks (all walks are iterative)."""

    def __init__(self, graph: ArgumentGraph, roles: Mapping[int, Role] | None = None) -> None:
        self.graph = graph
        self.roles = graph.roles if roles is None else {**graph.roles, **roles}
        self.links = {link.id: link for link in graph.links}
        self.incoming: dict[int, list[int]] = {}
        self.attackers: dict[int, list[int]] = {}
        self.premise_of: dict[int, list[int]] = {}
        for link in sorted(graph.links, key=lambda link: link.id):
            if link.conclusion is not None:
                self.incoming.setdefault(link.conclusion, []).append(link.id)
            elif link.target_link is not None:
                self.attackers.setdefault(link.target_link, []).append(link.id)
            for premise in link.premises:
                self.premise_of.setdefault(premise, []).append(link.id)
        self.ids = {s.id for s in graph.statements}

    def family(self, link_ids: Iterable[int]) -> list[int]:
        """These links and every undercutter attacking them, transitively, in order."""
        seen: set[int] = set()
        out: list[int] = []
        queue = deque(link_ids)
        while queue:
            link_id = queue.popleft()
            if link_id in seen or link_id not in self.links:
                continue
            seen.add(link_id)
            out.append(link_id)
            queue.extend(self.attackers.get(link_id, ()))
        return out

    def premises(self, link_ids: Iterable[int]) -> list[int]:
        out: list[int] = []
        for link_id in link_ids:
            out.extend(p for p in self.links[link_id].premises if p in self.ids)
        return out

    def argument(self, root: int, taken: Container[int]) -> tuple[set[int], list[int]]:
        """The statements argued under ``root`` (its reasons and objections, theirs, and so
        on), leaving out those in ``taken`` and what is argued only under them, with the
        links that join them."""
        owned, links = {root}, []
        queue = deque([root])
        while queue:
            sid = queue.popleft()
            family = self.family(self.incoming.get(sid, ()))
            links.extend(family)
            for premise in self.premises(family):
                if premise not in owned and premise not in taken:
                    owned.add(premise)
                    queue.append(premise)
        return owned, links

    def main_conclusions(self) -> list[int]:
        """The main conclusions, the one with the most argued under it first (ties by
        number): a deck opens with the map's main line, not with a claim rejected in
        passing. A statement argued under several counts for the first (by number) only,
        so the whole costs one walk of the map."""
        mains = sorted(s for s in self.ids if self.roles[s] is Role.MAIN_CONCLUSION)
        seen: set[int] = set()
        size: dict[int, int] = {}
        for root in mains:
            owned, _ = self.argument(root, seen)
            seen |= owned
            size[root] = len(owned)
        return sorted(mains, key=lambda s: (-size[s], s))

    def conclusion_of(self, link_id: int) -> int | None:
        """The statement a link bears on, following undercutters to the link they attack."""
        seen: set[int] = set()
        current: int | None = link_id
        while current is not None and current in self.links and current not in seen:
            seen.add(current)
            link = self.links[current]
            if link.conclusion is not None:
                return link.conclusion
            current = link.target_link
        return None


# Page numbers while drawing: a statement's (its id), a link's (("link", id)), and the
# page being drawn (-1).
PageKey = int | tuple[str, int]
PageNumbers = Mapping[PageKey, int]


def argument_head(graph: ArgumentGraph, around: int | None = None) -> list[int]:
    """Where a deck's first step, and the coaches' page, open: ``around`` or else the main
    conclusion with the most argued under it (``_Map.main_conclusions``), then its direct
    reasons and objections (the premises of the links into it and of their undercutters,
    as a step page draws them). Empty when there is no such statement."""
    index = _Map(graph)
    if around is None:
        mains = index.main_conclusions()
        if not mains:
            return []
        around = mains[0]
    if around not in index.ids:
        return []
    family = index.family(index.incoming.get(around, ()))
    return [around, *dict.fromkeys(p for p in index.premises(family) if p != around)]


def _part(
    index: _Map, kind: str, root: int | None, owned: set[int], links: list[int], title: str
) -> Part:
    statements = set(owned) | set(index.premises(links))
    for link_id in links:
        conclusion = index.links[link_id].conclusion
        if conclusion is not None and conclusion in index.ids:
            statements.add(conclusion)
    return Part(kind, root, statements, set(links), set(owned), titles=[title] if title else [])


def _merge(first: Part, second: Part) -> Part:
    owned = first.owned | second.owned
    return Part(
        "group",
        first.root,
        first.statements | second.statements,
        first.links | second.links,
        owned,
        brief=(first.brief | second.brief) - owned,
        titles=first.titles + second.titles,
    )


GREEDY_BATCH = 8  # at most this many lengthenings of a run tried in one ``fits_many`` call
GREEDY_FIRST = 2  # the lengthenings tried first, for a new run


def _greedy(items: list, fits_many: Callable[[list[list]], list[bool]]) -> list[list]:
    """Split ``items`` into runs, in order, each as long as ``fits_many`` allows (at least
    one item each), taking the longest that fits from the start.

    The next lengthenings of a run are asked about together (one Graphviz run): first
    ``GREEDY_FIRST``, then, while all of them fit, twice as many each time, up to
    ``GREEDY_BATCH``. Most runs stop after a lengthening or two, and a lengthening that
    does not fit is the costliest to lay out (the largest), so asking for eight at once
    laid out many that could not be taken (on the essay's deck, most of its layouts)."""
    runs: list[list] = []
    index = 0
    batch = GREEDY_FIRST
    while index < len(items):
        if not runs:
            runs.append([items[index]])
            index += 1
            continue
        ahead = items[index : index + batch]
        answers = fits_many([runs[-1] + ahead[:k] for k in range(1, len(ahead) + 1)])
        taken = 0
        while taken < len(answers) and answers[taken]:
            taken += 1
        runs[-1].extend(ahead[:taken])
        index += taken
        if taken < len(answers):  # the next item does not fit this run: it starts the next
            runs.append([items[index]])
            index += 1
            batch = GREEDY_FIRST
        else:
            batch = min(2 * batch, GREEDY_BATCH)
    return runs


def plan(
    graph: ArgumentGraph,
    fits: Callable[[Part], bool],
    fits_many: Callable[[list[Part]], list[bool]] | None = None,
) -> list[Part]:
    """Split ``graph`` into parts, one per page, asking ``fits`` whether a part fits a
    page (and ``fits_many`` about several at once, if given). Returns one "whole" part
    when the whole map fits; otherwise parts in reading order (see the module docstring),
    with small neighbouring parts put together on one page. Every statement is owned by
    exactly one part. Iterative throughout."""
    if fits_many is None:

        def fits_many(parts: list[Part]) -> list[bool]:
            return [fits(part) for part in parts]

    index = _Map(graph)
    everything = _part(index, "whole", None, set(index.ids), sorted(index.links), "")
    # An empty map has nothing to split: its page is its title (and legend) alone.
    if not index.ids or fits(everything):
        return [everything]

    owner: dict[int, int] = {}
    parts: list[Part] = []

    def commit(part: Part) -> None:
        for sid in part.owned:
            owner[sid] = len(parts)
        parts.append(with_briefs(part))

    def with_briefs(part: Part) -> Part:
        part.brief |= {s for s in part.statements if s not in part.owned and s in owner}
        return part

    def step(root: int, families: list[list[int]], first: bool, title: str) -> Part:
        links = [link_id for family in families for link_id in family]
        leaves = {p for p in index.premises(links) if p not in owner and not index.incoming.get(p)}
        return _part(index, "step", root, ({root} if first else set()) | leaves, links, title)

    ordered = sorted(index.ids)
    others = [s for s in ordered if index.roles[s] in (Role.INTERMEDIATE_CONCLUSION, Role.PREMISE)]
    pending = deque(index.main_conclusions())
    fallback = iter(others)
    while True:
        if not pending:
            root = next((s for s in fallback if s not in owner), None)
            if root is None:
                break
            pending.append(root)
        root = pending.popleft()
        if root in owner:
            continue
        owned, links = index.argument(root, owner)
        candidate = _part(index, "subtree", root, owned, links, f"#{root} and its argument")
        if not index.incoming.get(root) or fits(with_briefs(candidate)):
            commit(candidate)
            continue
        # A step: the root with its direct reasons and objections, spread over as many
        # pages as needed; each reason with reasons of its own becomes a root later.
        title = f"#{root} with its direct reasons and objections"
        families = [index.family([link_id]) for link_id in index.incoming[root]]
        whole_step = with_briefs(step(root, families, True, title))
        if len(families) > 1 and not fits(whole_step):
            # The reasons that have pages of their own, shortened here, may let the claim
            # and all its direct reasons and objections share one page.
            whole_step.brief |= {
                p for p in whole_step.statements - whole_step.owned if index.incoming.get(p)
            }
            if fits(whole_step):
                shortened = [p for p in index.premises(whole_step.links) if p in whole_step.brief]
                commit(whole_step)
                pending.extendleft(reversed(list(dict.fromkeys(shortened))))
                continue

        def runs_fit(
            runs: list[list[list[int]]], root: int = root, title: str = title
        ) -> list[bool]:
            return fits_many([with_briefs(step(root, run, True, title)) for run in runs])

        groups = _greedy(families, runs_fit)
        later: list[int] = []
        for number, group in enumerate(groups, start=1):
            piece = f" ({number} of {len(groups)})" if len(groups) > 1 else ""
            links = [link_id for family in group for link_id in family]
            later.extend(
                p
                for p in index.premises(links)
                if index.incoming.get(p) and p not in owner and p not in later
            )
            commit(step(root, group, number == 1, title + piece))
        pending.extendleft(reversed(later))

    unlinked = [s for s in ordered if s not in owner]
    if unlinked:
        title = "Statements not linked yet"
        runs = _greedy(
            unlinked,
            lambda runs: fits_many(
                [_part(index, "unlinked", None, set(run), [], title) for run in runs]
            ),
        )
        for run in runs:
            commit(_part(index, "unlinked", None, set(run), [], title))

    # Put small neighbouring parts together on one page.
    # (A statement is brief where it was owned elsewhere when its part was made: a cross
    # reference; the direct reasons on a step page stay in full.)
    def merged(run: list[Part]) -> Part:
        part = run[0]
        for other in run[1:]:
            part = _merge(part, other)
        return part

    return [
        merged(run) for run in _greedy(parts, lambda runs: fits_many([merged(run) for run in runs]))
    ]


def overview_part(graph: ArgumentGraph) -> Part:
    """Every statement as a numbered box and every link: the map of the pages."""
    ids = {s.id for s in graph.statements}
    links = {link.id for link in graph.links}
    return Part("overview", None, ids, links, set(), brief=set(ids))


def key_parts(ids: list[int], per_page: int, rows: int) -> list[Part]:
    """The overview's key (number -> first words) on pages of ``per_page`` entries,
    ``rows`` to a column, in order of number."""
    ordered = sorted(ids)
    return [
        Part("key", None, set(ordered[start : start + per_page]), set(), set(), rows=rows)
        for start in range(0, len(ordered), per_page)
    ]


# --- drawing parts -----------------------------------------------------------------------


def _title(part: Part, size: PageSize) -> str:
    if part.kind == "overview":
        return "Overview: every statement by number (key on the next page)"
    if part.kind == "key":
        return f"Key to the overview: #{min(part.statements)} to #{max(part.statements)}"
    return "; ".join(part.titles)


def _heading(title: str, part: Part, size: PageSize, number: str, total: str) -> str:
    """A page's heading: the map's title (on paper; a slide has no room to spare), what
    the page shows, and "p. 3 of 7"."""
    shows = f"{_title(part, size)} ({size.short} {number} of {total})"
    return f"{title} — {shows}" if title and size.name != "slides" else shows


def _notes(part: Part, index: _Map, page_of: PageNumbers, size: PageSize) -> dict[int, str]:
    """Where to look for what this page does not draw: "reasons: p. 4" under a claim whose
    reasons are elsewhere; "supports #1 (p. 2)" under a premise of a link drawn elsewhere;
    "p. 4" alone in the overview."""
    notes: dict[int, str] = {}
    here = page_of.get(-1, 0)  # the page being drawn (see paginate)
    for sid in sorted(part.statements):
        if part.kind in ("overview", "key"):
            continue
        bits: list[str] = []
        elsewhere = page_of.get(sid)
        incoming = index.incoming.get(sid, ())
        reasons_here = any(link_id in part.links for link_id in incoming)
        reason_pages = sorted(
            {
                number
                for link_id in incoming
                if link_id not in part.links
                and (number := page_of.get(("link", link_id))) is not None
                and number != here
            }
        )
        if sid in part.brief and elsewhere is not None and elsewhere != here:
            bits.append(f"{size.short} {elsewhere}")
        elif reason_pages:
            pages = ", ".join(str(number) for number in reason_pages[:3])
            bits.append(f"{'more reasons' if reasons_here else 'reasons'}: {size.short} {pages}")
        shown = 0
        for link_id in index.premise_of.get(sid, ()):
            if link_id in part.links:
                continue
            link = index.links[link_id]
            target = index.conclusion_of(link_id)
            where = page_of.get(("link", link_id))
            if target is None or where is None or where == here:
                continue
            if shown == MAX_NOTES:
                bits.append("…")
                break
            verb = (
                "undercuts a step to"
                if link.conclusion is None
                else "opposes"
                if link.kind is Kind.OPPOSE
                else "supports"
            )
            bits.append(f"{verb} #{target} ({size.short} {where})")
            shown += 1
        if bits:
            notes[sid] = "; ".join(bits)
    return notes


def part_dot(
    graph: ArgumentGraph,
    part: Part,
    options: DiagramOptions,
    size: PageSize,
    page_of: PageNumbers,
    heading: str,
    index: _Map | None = None,
) -> str:
    """The DOT of one page: the part's statements and links in the whole map's roles and
    styles, every font at least ``BASE_FONT``."""
    index = index or _Map(graph)
    if part.kind == "key":
        entries = [(s.id, s.text) for s in graph.statements if s.id in part.statements]
        min_font = max(options.min_font, BASE_FONT)
        dot = key_dot(entries, rows=part.rows, heading=heading, min_font=min_font)
        return _with_graph_settings(dot, f"pad={_PAD_PT / 72:g}")
    sub = ArgumentGraph(
        map=graph.map,
        statements=tuple(s for s in graph.statements if s.id in part.statements),
        links=tuple(link for link in graph.links if link.id in part.links),
    )
    brief = dict.fromkeys(part.brief, 0 if part.kind == "overview" else BRIEF_CHARS)
    stagger, max_lines = part.way or _ways(part, size)[0]
    paged = dataclasses.replace(
        options,
        min_font=max(options.min_font, BASE_FONT),
        max_lines=options.max_lines or max_lines,
    )
    if part.kind == "overview":
        paged = dataclasses.replace(paged, quotes=False)
    if part.direction:
        paged = dataclasses.replace(paged, direction=part.direction)
    dot = to_dot(
        sub,
        paged,
        roles=index.roles,
        notes=_notes(part, index, page_of, size),
        brief=brief,
        heading=heading,
        stagger=stagger,
    )
    # The page has its own margin: a small pad is enough.
    return _with_graph_settings(dot, f"pad={_PAD_PT / 72:g}")


def _with_graph_settings(dot: str, settings: str) -> str:
    """``dot`` with a last ``graph [settings]`` line (ours, never user text), which wins
    over the graph's own."""
    return dot.rstrip()[: -len("}")] + f"\tgraph [{settings}]\n}}\n"


def _ways(part: Part, size: PageSize) -> list[tuple[str, int]]:
    """The ways of drawing a part that are tried, best first, as (``to_dot``'s stagger,
    lines of a long statement): staggered rows make a part narrower and taller, which
    suits paper, level rows suit a wide slide; few lines make long statements wide and
    low, which suits a slide unless they stand side by side. Numbered boxes (the
    overview) are small: their undercutters stay level."""
    if part.kind == "overview":
        return [("reasons", size.max_lines), ("", size.max_lines)]
    if part.kind == "key":
        return [("", 1)]
    lines = (size.max_lines, 2 * size.max_lines) if size.name == "slides" else (size.max_lines,)
    return [(stagger, n) for n in lines for stagger in ("all", "")]


# --- pages -------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of the result: its DOT, the drawing's natural size (points), the page
    size and scale it is placed at, and the tiles (columns, rows) when it is cut."""

    part: Part
    dot: str
    pdf: bytes
    width: float
    height: float
    page_width: float
    page_height: float
    scale: float
    tiles: tuple[int, int] = (1, 1)


@dataclass
class Paged:
    pdf: bytes
    pages: list[Page]
    notices: list[str]

    @property
    def page_count(self) -> int:
        return sum(page.tiles[0] * page.tiles[1] for page in self.pages)


def layout_runs(max_pages: int) -> int:
    """The Graphviz runs ``paginate`` may start for a limit of ``max_pages`` pages."""
    return 6 * max_pages + 16


def _split_pdfs(data: bytes) -> list[bytes]:
    """The PDFs Graphviz writes one after another, one for each graph it is given."""
    return re.split(rb"(?<=%%EOF\n)(?=%PDF-)", data) if data else []


def _pdf_size(pdf: bytes) -> tuple[float, float]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return float(page.mediabox.width), float(page.mediabox.height)


def _estimate_fits(
    part: Part, graph_text: Mapping[int, str], options: DiagramOptions, size: PageSize
) -> bool:
    """Whether a part may fit: its area lower bound (``_area``) is within the page's."""
    return _area(part, graph_text, options, size) <= _room(size)


def _room(size: PageSize) -> float:
    """The largest drawing area (natural points squared) one page holds at its minimum
    scale."""
    return max((w - 2 * size.margin) * (h - 2 * size.margin) for w, h in size.orientations()) / (
        size.min_scale**2
    )


def _area(
    part: Part, graph_text: Mapping[int, str], options: DiagramOptions, size: PageSize
) -> float:
    """A cheap lower bound on a part's drawing area, to skip laying out parts that cannot
    fit: Helvetica text averages more than 0.4 em a character, boxes have 20 pt of margin
    across and 10 pt down, and the space between boxes is left out."""
    font = BASE_FONT
    area = 0.0
    for sid in part.statements:
        if part.kind == "overview":
            chars = 4
        elif part.kind == "key":
            chars = min(len(graph_text.get(sid, "")), KEY_CHARS) + 5
        elif sid in part.brief:
            chars = BRIEF_CHARS
        else:
            chars = len(graph_text.get(sid, ""))
        lines = max(1, min(math.ceil(chars / options.wrap), size.max_lines))
        area += (chars / lines * 0.4 * font + 20) * (lines * font * 1.1 + 10)
    return area


def paginate(
    graph: ArgumentGraph,
    options: DiagramOptions,
    page: str,
    render_pdf: Callable[[str], bytes],
    *,
    render_plain: Callable[[str], bytes] | None = None,
    max_pages: int = 200,
    roles: Mapping[int, Role] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Paged:
    """Lay out ``graph`` on pages of size ``page`` ("a4", "a3", "letter", "slides").

    ``render_pdf`` turns DOT into PDF (the caller's bounded Graphviz run): given several
    graphs one after another, one PDF after another, as Graphviz writes them, so that
    up to ``PDF_BATCH`` pages are drawn in one program run. ``render_plain``, if given,
    lays out several graphs given one after another in one run, in Graphviz's ``plain``
    format, to measure many candidate pages at the cost of one program start (without it,
    they are measured with ``render_pdf``).
    ``roles`` (default: the graph's own) are the whole map's when ``graph`` is a part of
    it, so every statement keeps its drawing.
    ``progress``, if given, is told ``(pages laid out, pages)`` once the pages are planned
    and after each run that draws pages.
    Returns the combined PDF, the pages and the notices (honest limits met). Raises
    ``TooManyPages`` when more than ``max_pages`` pages (or ``layout_runs(max_pages)`` layout
    runs) would be needed, and whatever ``render_pdf`` raises.
    """
    size = SIZES[page]
    index = _Map(graph, roles)
    texts = {s.id: s.text for s in graph.statements}
    title = clean_text(graph.map.title, 120) if options.title else ""
    budget = {"runs": layout_runs(max_pages)}
    laid_out: dict[str, tuple[bytes, float, float]] = {}
    measured: dict[str, tuple[float, float]] = {}

    def spend() -> None:
        if budget["runs"] <= 0:
            raise TooManyPages(
                f"this map needs more layout work than {layout_runs(max_pages)} Graphviz runs "
                f"to split onto {size.plural}"
            )
        budget["runs"] -= 1

    def lay_out(dots: list[str]) -> list[tuple[bytes, float, float]]:
        """Each graph as a PDF, with its size: those not laid out yet in one run."""
        missing = [dot for dot in dict.fromkeys(dots) if dot not in laid_out]
        if missing:
            spend()
            pdfs = _split_pdfs(render_pdf("".join(missing)))
            if len(pdfs) != len(missing):
                raise ValueError("Graphviz wrote fewer PDFs than it was given graphs")
            for dot, pdf in zip(missing, pdfs, strict=True):
                laid_out[dot] = (pdf, *_pdf_size(pdf))
                measured[dot] = laid_out[dot][1:]
        return [laid_out[dot] for dot in dots]

    def measure(dots: list[str]) -> list[tuple[float, float]]:
        missing = [dot for dot in dict.fromkeys(dots) if dot not in measured]
        if not missing:
            pass
        elif render_plain is None:
            lay_out(missing)
        else:
            spend()
            sizes = _plain_sizes(render_plain("".join(missing)))
            if len(sizes) != len(missing):
                raise ValueError("Graphviz laid out fewer graphs than it was given")
            measured.update(zip(missing, sizes, strict=True))
        return [measured[dot] for dot in dots]

    placeholder: dict = _Placeholder()

    def variants(part: Part) -> list[Part]:
        """The part drawn each way ``_ways`` allows (or the way chosen)."""
        if part.way is not None:
            return [part]
        return [dataclasses.replace(part, way=way) for way in _ways(part, size)]

    def fits_many(parts: list[Part]) -> list[bool]:
        """Whether each part fits a page in some way, all measured in one run."""
        tries = [
            (number, variant)
            for number, part in enumerate(parts)
            if _estimate_fits(part, texts, options, size)
            for variant in variants(part)
        ]
        answers = [False] * len(parts)
        for (number, _), (width, height) in zip(
            tries, measure([draft(variant) for _, variant in tries]), strict=True
        ):
            if size.best_fit(width, height)[2] >= size.min_scale / PLAN_SLACK:
                answers[number] = True
        return answers

    def draft(part: Part) -> str:
        heading = _heading(title, part, size, "99", "99")
        return part_dot(graph, part, options, size, placeholder, heading, index)

    def fits(part: Part) -> bool:
        return fits_many([part])[0]

    # Refuse at once a map that would need far more pages than allowed: its boxes alone
    # fill ``area / room`` pages, and real pages hold much less (15 to 17 times, measured
    # on the essay and generated maps: docs/diagrams.md).
    everything = Part("whole", None, set(texts), set(), set(texts))
    about = math.ceil(PAGES_PER_AREA * _area(everything, texts, options, size) / _room(size))
    if about > max_pages:
        raise TooManyPages(
            f"this map needs about {about} {size.plural} or more; the limit is {max_pages}"
        )

    def key_for(ids: list[int]) -> list[Part]:
        """The key's pages: as many entries on a page as fit (measured), in columns of as
        many rows as the page's height holds at the minimum text size."""
        if not ids:  # an overview of no statement (an empty map) has no key
            return []
        line = BASE_FONT * 1.2  # natural points a key line takes
        room_h = max(h for _, h in size.orientations()) - 2 * size.margin
        rows = max(5, int((room_h / size.min_scale - 3 * line) / line))
        per_page = len(ids)
        while True:
            pages = key_parts(ids, per_page, min(rows, per_page))
            if all(fits_many(pages)) or per_page <= 5:
                return pages
            per_page = max(5, per_page * 2 // 3)
            rows = min(rows, per_page)

    parts = plan(graph, fits, fits_many)
    notices: list[str] = []
    whole = len(parts) == 1 and parts[0].kind == "whole"
    overview: Part | None = None
    if not whole:
        overview = overview_part(graph)
        if not fits(overview):  # a broad map may fit turned: conclusions on the left
            overview.direction = "RL"
        if not fits(overview):
            notices.append(
                f"The overview of all {len(graph.statements)} statements does not fit one "
                f"{size.single} at {size.min_text:g} pt, so it is left out."
            )
            overview = None
    ordered = list(parts)
    if overview is not None:
        # The overview's boxes show numbers only: its key follows it.
        key = key_for(sorted(texts))
        if size.name == "slides":
            ordered.extend([overview, *key])
        else:
            ordered[:0] = [overview, *key]
    if len(ordered) > max_pages:
        raise TooManyPages(f"this map needs {len(ordered)} {size.plural}; the limit is {max_pages}")

    def placement(width: float, height: float) -> tuple[float, float, float, tuple[int, int]]:
        """(page width, page height, scale, tiles) for a drawing of this natural size."""
        page_w, page_h, scale = size.best_fit(width, height)
        if scale >= size.min_scale - 1e-9:
            return page_w, page_h, scale, (1, 1)
        scale = size.min_scale
        page_w, page_h = min(
            size.orientations(), key=lambda wh: _tile_count(width, height, wh, size, scale)
        )
        room_w, room_h = page_w - 2 * size.margin, page_h - 2 * size.margin
        tiles = (math.ceil(width * scale / room_w), math.ceil(height * scale / room_h))
        return page_w, page_h, scale, tiles

    # Each part drawn the way that makes it largest on its page: rows staggered or level,
    # and, when a part is too broad for a page even alone, sideways (conclusions on the
    # left). All candidates are measured in one run. Then count the sheets each part
    # takes (tiles).
    sideways = "RL" if options.direction in ("BT", "TB") else "BT"
    choices = [
        (number, dataclasses.replace(part, way=way, direction=direction))
        for number, part in enumerate(ordered)
        for way in ([part.way] if part.way is not None else _ways(part, size))
        for direction in (part.direction, sideways)
    ]
    scores: dict[int, list[tuple[bool, float, Part]]] = {}
    for (number, choice), (width, height) in zip(
        choices, measure([draft(choice) for _, choice in choices]), strict=True
    ):
        scale = size.best_fit(width, height)[2]
        usual = choice.direction == ordered[number].direction
        # the usual direction whenever it fits; sideways only to avoid tiles
        scores.setdefault(number, []).append((usual and scale >= size.min_scale, scale, choice))
    best = {number: max(found, key=lambda t: (t[0], t[1])) for number, found in scores.items()}
    ordered = [best[number][2] for number in range(len(ordered))]

    told = [0]  # pages told as laid out: a second numbering draws them again, unsaid

    def draw(sheets: list[int]) -> list[Page]:
        """Every page drawn with its page numbers, given the sheets each part takes."""
        first_sheet = _first_sheets(sheets)
        total = sum(sheets)
        # statement -> the page that owns it; ("link", id) -> the page drawing it
        page_of: dict[PageKey, int] = {}
        for number, part in zip(first_sheet, ordered, strict=True):
            if part.kind in ("overview", "key"):
                continue
            for sid in part.owned:
                page_of.setdefault(sid, number)
            for link_id in part.links:
                page_of.setdefault(("link", link_id), number)
        dots = []
        for number, part in zip(first_sheet, ordered, strict=True):
            heading = title if whole else _heading(title, part, size, str(number), str(total))
            page_of[-1] = number
            dots.append(part_dot(graph, part, options, size, page_of, heading, index))
        pages: list[Page] = []
        for start in range(0, len(dots), PDF_BATCH):
            batch = dots[start : start + PDF_BATCH]
            for part, dot, (pdf, width, height) in zip(
                ordered[start:], batch, lay_out(batch), strict=False
            ):
                page_w, page_h, scale, tiles = placement(width, height)
                pages.append(Page(part, dot, pdf, width, height, page_w, page_h, scale, tiles))
            if progress is not None and len(pages) > told[0]:
                told[0] = len(pages)
                progress(len(pages), len(ordered))
        return pages

    if progress is not None:
        progress(0, len(ordered))
    sheets = []
    for part in ordered:
        tiles = placement(*measure([draft(part)])[0])[3]
        sheets.append(tiles[0] * tiles[1])
    # Number the sheets and draw the pages; a page drawn with its real numbers may take
    # fewer sheets than its draft (notes are narrower): then number again, at most twice.
    for _ in range(3):
        total = sum(sheets)
        if total > max_pages:
            raise TooManyPages(f"this map needs {total} {size.plural}; the limit is {max_pages}")
        pages = draw(sheets)
        drawn = [page.tiles[0] * page.tiles[1] for page in pages]
        if drawn == sheets:
            break
        sheets = drawn
    for number, tiled in zip(_first_sheets(sheets), pages, strict=True):
        if tiled.tiles != (1, 1):
            notices.append(
                f"{size.word.capitalize()} {number} ({_title(tiled.part, size) or 'the map'}) is "
                f"too big for one {size.single} at {size.min_text:g} pt, so it is "
                f"cut into {tiled.tiles[0] * tiled.tiles[1]} tiles."
            )
    return Paged(_combine(pages, size), pages, notices)


def _first_sheets(sheets: list[int]) -> list[int]:
    """The number of the first sheet of each part, given the sheets each takes."""
    firsts, number = [], 1
    for count in sheets:
        firsts.append(number)
        number += count
    return firsts


_PLAIN_GRAPH = re.compile(r"^graph [\d.e+-]+ ([\d.e+-]+) ([\d.e+-]+)$", re.MULTILINE)


def _plain_sizes(plain: bytes) -> list[tuple[float, float]]:
    """Each graph's natural size in points (as its PDF page would be: the drawing plus
    its pad) from Graphviz's ``plain`` output, which gives the drawing in inches."""
    return [
        (float(width) * 72 + 2 * _PAD_PT, float(height) * 72 + 2 * _PAD_PT)
        for width, height in _PLAIN_GRAPH.findall(plain.decode("utf-8", "replace"))
    ]


class _Placeholder(dict[PageKey, int]):
    """Page numbers while planning: every page is "99", none is the current one."""

    def get(self, key: PageKey, default: object = None) -> int | None:  # type: ignore[override]
        return None if key == -1 else 99


def _tile_count(
    width: float, height: float, page_wh: tuple[float, float], size: PageSize, scale: float
) -> int:
    room_w, room_h = page_wh[0] - 2 * size.margin, page_wh[1] - 2 * size.margin
    return math.ceil(width * scale / room_w) * math.ceil(height * scale / room_h)


def _combine(pages: list[Page], size: PageSize) -> bytes:
    """One PDF: each page's drawing placed, scaled, on a page of the exact size (centred
    across, from the top; cut into tiles when it is too big). The drawing's content
    stream is kept as it is, wrapped in a ``q <scale> 0 0 <scale> x y cm ... Q`` pair,
    so nothing is parsed or rewritten."""
    writer = PdfWriter()
    for page in pages:
        room_w = page.page_width - 2 * size.margin
        room_h = page.page_height - 2 * size.margin
        drawn_w, drawn_h = page.width * page.scale, page.height * page.scale
        columns, rows = page.tiles
        for row in range(rows):
            for column in range(columns):
                if columns == rows == 1:
                    x = size.margin + (room_w - drawn_w) / 2
                    y = page.page_height - size.margin - drawn_h
                    if size.name == "slides":  # centred both ways on a slide
                        y = size.margin + (room_h - drawn_h) / 2
                else:
                    x = size.margin - column * room_w
                    y = page.page_height - size.margin - drawn_h + row * room_h
                _place(writer, page, x, y)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _place(writer: PdfWriter, page: Page, x: float, y: float) -> None:
    """Add ``page``'s drawing to ``writer`` on a page of the page's size, at ``(x, y)``
    and its scale."""
    added = writer.add_page(PdfReader(io.BytesIO(page.pdf)).pages[0])
    scale = page.scale
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {x:.4f} {y:.4f} cm\n".encode())
    after.set_data(b"\nQ\n")
    contents = added.get(NameObject("/Contents"))
    existing = contents.get_object() if contents is not None else ArrayObject()
    streams = list(existing) if isinstance(existing, ArrayObject) else [contents]
    added[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *streams, writer._add_object(after)]
    )
    box = RectangleObject([0, 0, page.page_width, page.page_height])
    added.mediabox = box
    added.cropbox = box
    for name in ("/TrimBox", "/BleedBox", "/ArtBox"):
        added.pop(NameObject(name), None)


def page_image_dot(page: Page) -> str:
    """The DOT of ``page`` set to draw an image of exactly the page's shape (960 x 540 for
    a slide) at the page's scale: a ``viewport`` of the page's size in points, zoomed by the
    scale and centred on the drawing, at 72 dpi (one pixel a point). Padding computed from
    the drawing's measured size came out a pixel too wide when Graphviz rounded up. The
    settings go last in the graph, so they win over the DOT's own ``pad``. A page cut into
    tiles is drawn whole (wider or taller than one page), never clipped."""
    if page.tiles != (1, 1):
        pad_x = (page.page_width / page.scale - page.width) / 2 + _PAD_PT
        pad_y = (page.page_height / page.scale - page.height) / 2 + _PAD_PT
        return _with_graph_settings(
            page.dot,
            f'pad="{max(pad_x, 0) / 72:.4f},{max(pad_y, 0) / 72:.4f}" dpi={72 * page.scale:.4f}',
        )
    return _with_graph_settings(
        page.dot,
        f'pad=0 dpi=72 viewport="{page.page_width:.2f},{page.page_height:.2f},{page.scale:.6f}"',
    )


_PAD_PT = 0.1 * 72  # the pad of a page's drawing (part_dot), already in its natural size
