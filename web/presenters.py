"""What the coaches' pages show, computed from an ``ArgumentGraph``: plain Python, no Django.

- ``essay_paragraphs`` cuts the source text into paragraphs of segments, each segment
  carrying the statements whose quotes cover it (quotes may overlap or nest), so the
  template can wrap quoted passages in ``<mark>`` and let Django escape the text itself;
- ``argument_sections`` groups the statements by role, each with its reasons, objections
  and the links it is a premise of;
- ``diagram_alt`` describes the diagram in one sentence for its ``alt`` text;
- ``opening_view`` says where the diagram opens: on its main conclusion and that
  conclusion's direct reasons, at a readable size (``api.graph.layout``);
- ``job_status`` says how far a job drawing a download is (site.js says the same as it
  follows the job).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import pairwise

from api.graph.layout import Box, Drawing, opening
from api.graph.model import ArgumentGraph, Kind, Link, Role, Statement
from api.graph.text import neutralize_bidi

__all__ = [
    "MAX_INDENT",
    "ROLE_ORDER",
    "LinkItem",
    "OpeningView",
    "Paragraph",
    "Reply",
    "Section",
    "Segment",
    "StatementItem",
    "Use",
    "argument_sections",
    "diagram_alt",
    "essay_paragraphs",
    "job_status",
    "opening_view",
    "shorten",
    "statement_order",
]

# A paragraph ends at a blank line (spaces or tabs on it are allowed).
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

ROLE_ORDER = (
    (Role.MAIN_CONCLUSION, "Main conclusion", "Main conclusions"),
    (Role.INTERMEDIATE_CONCLUSION, "Intermediate conclusion", "Intermediate conclusions"),
    (Role.PREMISE, "Premise", "Premises"),
    (Role.UNLINKED, "Unlinked statement", "Unlinked statements"),
)


def shorten(text: str, limit: int = 80) -> str:
    """Return ``text`` on one line, without the controls that reorder or hide text
    (``neutralize_bidi``), cut to ``limit`` characters with "…" if longer."""
    text = " ".join(neutralize_bidi(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- the essay ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of essay text covered by the same quotes.

    ``statements``: ids of the statements quoting it, innermost (shortest quote) first;
    empty for unquoted text. ``anchors``: ids whose quote starts in this segment (the
    page gives the first one the ``q-<id>`` id of the ``<mark>``, the others an empty
    anchor just before it).
    """

    text: str
    statements: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()

    @property
    def primary(self) -> int | None:
        """The statement a click on this passage leads to: the innermost quote."""
        return self.statements[0] if self.statements else None

    @property
    def anchor(self) -> int | None:
        return self.anchors[0] if self.anchors else None

    @property
    def extra_anchors(self) -> tuple[int, ...]:
        return self.anchors[1:]

    @property
    def statements_attr(self) -> str:
        """The ids as a space-separated list, for a ``data-statements`` attribute."""
        return " ".join(str(i) for i in self.statements)

    @property
    def depth(self) -> int:
        """How many quotes overlap here, capped at 3 (for the shade of the highlight)."""
        return min(len(self.statements), 3)


@dataclass(frozen=True, slots=True)
class Paragraph:
    segments: tuple[Segment, ...]


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank paragraph, without its surrounding whitespace."""
    spans = []
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            left = start + (len(chunk) - len(chunk.lstrip()))
            spans.append((left, left + len(stripped)))
        if match:
            start = match.end()
    return spans


def essay_paragraphs(text: str, statements: tuple[Statement, ...]) -> list[Paragraph]:
    """Cut ``text`` into paragraphs of segments, marking which quotes cover each segment.

    Quotes come from the statements' ``quote_start``/``quote_end`` offsets; empty or
    out-of-range ones are ignored. Where quotes overlap, the text is cut at every quote's
    start and end, so each segment has one set of covering statements. A quote that runs
    over a paragraph break is split into one segment per paragraph.
    """
    n = len(text)
    quotes = {
        s.id: (s.quote_start, s.quote_end)
        for s in statements
        if s.quote_start is not None
        and s.quote_end is not None
        and 0 <= s.quote_start < s.quote_end <= n
    }
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for sid, (start, end) in quotes.items():
        starts.setdefault(start, []).append(sid)
        ends.setdefault(end, []).append(sid)

    paragraphs: list[Paragraph] = []
    active: set[int] = set()
    anchored: set[int] = set()
    # A sweep over the boundaries: quote starts and ends, and paragraph edges.
    spans = _paragraph_spans(text)
    cuts = sorted({0, n, *starts, *ends, *(p for span in spans for p in span)})
    span_index = 0
    current: list[Segment] = []

    def innermost(sid: int) -> tuple[int, int]:
        start, end = quotes[sid]
        return (end - start, sid)

    for left, right in pairwise(cuts):
        active.difference_update(ends.get(left, ()))
        active.update(starts.get(left, ()))
        while span_index < len(spans) and spans[span_index][1] <= left:
            if current:
                paragraphs.append(Paragraph(tuple(current)))
                current = []
            span_index += 1
        if span_index == len(spans) or left < spans[span_index][0]:
            continue  # whitespace between paragraphs
        covering = tuple(sorted(active, key=innermost))
        anchors = tuple(sid for sid in covering if sid not in anchored)
        anchored.update(anchors)
        current.append(Segment(text[left:right], covering, anchors))
    if current:
        paragraphs.append(Paragraph(tuple(current)))
    return paragraphs


# --- the argument ---------------------------------------------------------------------


# Replies nested deeper than this are shown at this indentation (their depth is still
# said in words), so a long chain of undercutters stays readable on a phone.
MAX_INDENT = 6


@dataclass(slots=True)
class LinkItem:
    """A link as the page shows it: its premises and the links that target it.

    ``replies``: the links that target this one (each with its own replies: a tree).
    ``against`` is set when the link is listed as an objection to a statement although it
    targets a link into that statement (an undercutter): the link it attacks.
    ``challenges``: for a reason, the undercutters attacking it, which the page lists in
    full among the objections and only names under the reason.
    """

    link: Link
    premises: tuple[Statement, ...]
    replies: list[LinkItem] = field(default_factory=list)
    against: LinkItem | None = None
    challenges: list[LinkItem] = field(default_factory=list)

    @property
    def is_support(self) -> bool:
        return self.link.kind == Kind.SUPPORT

    @property
    def co_premises(self) -> bool:
        return len(self.premises) > 1

    @property
    def thread(self) -> list[Reply]:
        """Every reply below this link, depth first, each with its depth (1: a reply to
        this link). The page lists them flat, indented by depth, so that a chain of
        replies of any length renders without a template including itself."""
        rows: list[Reply] = []
        stack = [(reply, 1) for reply in reversed(self.replies)]
        while stack:
            item, depth = stack.pop()
            rows.append(Reply(item, depth))
            stack.extend((reply, depth + 1) for reply in reversed(item.replies))
        return rows


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply in a link's thread: the reply and how deep it is (1 = a direct reply)."""

    item: LinkItem
    depth: int

    @property
    def indent(self) -> int:
        """The depth to indent by on the page: ``depth`` capped at ``MAX_INDENT``."""
        return min(self.depth, MAX_INDENT)

    @property
    def deep(self) -> bool:
        """Deeper than the page indents: the page says the depth in words."""
        return self.depth > MAX_INDENT


@dataclass(frozen=True, slots=True)
class Use:
    """A link this statement is a premise of: what it bears on, and with which others."""

    link: Link
    others: tuple[Statement, ...]
    conclusion: Statement | None
    target_link: LinkItem | None

    @property
    def is_support(self) -> bool:
        return self.link.kind == Kind.SUPPORT


@dataclass(slots=True)
class StatementItem:
    statement: Statement
    role: Role
    reasons: list[LinkItem]
    objections: list[LinkItem]
    uses: list[Use]
    focus_query: str = ""  # the page's query string with the diagram centred here
    # How many reasons, objections and uses were left out (``argument_sections``'s cap).
    more_reasons: int = 0
    more_objections: int = 0
    more_uses: int = 0

    @property
    def has_passage(self) -> bool:
        s = self.statement
        return s.quote_start is not None and s.quote_end is not None and s.quote_end > s.quote_start


@dataclass(frozen=True, slots=True)
class Section:
    role: Role
    title: str
    items: tuple[StatementItem, ...]


class _Links:
    """Index of a graph's links by what they target."""

    def __init__(self, graph: ArgumentGraph) -> None:
        self.graph = graph
        self.into_statement: dict[int, list[Link]] = {}
        self.into_link: dict[int, list[Link]] = {}
        self.from_statement: dict[int, list[Link]] = {}
        for link in graph.links:
            if link.conclusion is not None:
                self.into_statement.setdefault(link.conclusion, []).append(link)
            if link.target_link is not None:
                self.into_link.setdefault(link.target_link, []).append(link)
            for sid in link.premises:
                self.from_statement.setdefault(sid, []).append(link)

    def premises(self, link: Link) -> tuple[Statement, ...]:
        return tuple(self.graph.statement(sid) for sid in link.premises)

    def item(self, link: Link) -> LinkItem:
        """The link with the links that target it, and theirs, to any depth (walked with
        a stack; a link met twice, which only a circle of targets allows, is cut)."""
        root = LinkItem(link, self.premises(link))
        seen = {link.id}
        stack = [root]
        while stack:
            parent = stack.pop()
            for reply in self.into_link.get(parent.link.id, ()):
                if reply.id in seen:
                    continue
                seen.add(reply.id)
                child = LinkItem(reply, self.premises(reply))
                parent.replies.append(child)
                stack.append(child)
        return root

    def bare(self, link: Link) -> LinkItem:
        return LinkItem(link, self.premises(link))


def statement_order(graph: ArgumentGraph) -> list[int]:
    """The statements' ids in the order the page lists them: by role (main conclusions
    first), in id order within a role."""
    rank = {role: n for n, (role, _, _) in enumerate(ROLE_ORDER)}
    return [s.id for s in sorted(graph.statements, key=lambda s: (rank[graph.role(s.id)], s.id))]


def argument_sections(
    graph: ArgumentGraph, only: Collection[int] | None = None, max_links: int | None = None
) -> list[Section]:
    """Group the statements by role (main conclusions first), in id order within a role.

    Each statement gets its reasons (support links into it), its objections (oppose links
    into it, then the links attacking the inference of any link into it) and its uses (the
    links it is a premise of). Roles with no statement are left out. ``only``: just these
    statements (a part of a long page); ``max_links``: at most that many reasons,
    objections and uses each, the number left out kept on the item.
    """
    index = _Links(graph)
    items: dict[Role, list[StatementItem]] = {role: [] for role, _, _ in ROLE_ORDER}
    for s in graph.statements:
        if only is not None and s.id not in only:
            continue
        into = index.into_statement.get(s.id, [])
        reasons = [index.item(link) for link in into if link.kind == Kind.SUPPORT]
        for reason in reasons:
            reason.challenges = [r for r in reason.replies if not r.is_support]
            reason.replies = [r for r in reason.replies if r.is_support]
        objections = [index.item(link) for link in into if link.kind == Kind.OPPOSE]
        for link in into:
            if link.kind != Kind.SUPPORT:
                continue  # replies to an objection are shown under that objection
            for undercutter in index.into_link.get(link.id, ()):
                if undercutter.kind == Kind.OPPOSE:
                    attack = index.item(undercutter)
                    attack.against = index.bare(link)
                    objections.append(attack)
        uses = []
        for link in index.from_statement.get(s.id, []):
            target = None
            if link.target_link is not None:
                target = index.bare(graph.link(link.target_link))
            uses.append(
                Use(
                    link=link,
                    others=tuple(p for p in index.premises(link) if p.id != s.id),
                    conclusion=(
                        graph.statement(link.conclusion) if link.conclusion is not None else None
                    ),
                    target_link=target,
                )
            )
        role = graph.role(s.id)
        item = StatementItem(s, role, reasons, objections, uses)
        if max_links is not None:
            item.more_reasons = max(0, len(reasons) - max_links)
            item.more_objections = max(0, len(objections) - max_links)
            item.more_uses = max(0, len(uses) - max_links)
            del reasons[max_links:], objections[max_links:], uses[max_links:]
        items[role].append(item)
    return [
        Section(role, singular if len(items[role]) == 1 else plural, tuple(items[role]))
        for role, singular, plural in ROLE_ORDER
        if items[role]
    ]


def main_conclusions(graph: ArgumentGraph) -> list[Statement]:
    return [s for s in graph.statements if graph.role(s.id) == Role.MAIN_CONCLUSION]


def diagram_alt(
    graph: ArgumentGraph, *, focus: Statement | None = None, depth: int | None = None
) -> str:
    """One sentence for the diagram's ``alt``: what it shows, its size, its conclusion."""
    n_statements, n_links = len(graph.statements), len(graph.links)
    counts = (
        f"{n_statements} statement{'s' * (n_statements != 1)}, {n_links} link{'s' * (n_links != 1)}"
    )
    title = graph.map.title
    mains = main_conclusions(graph)
    if mains:
        label = "main conclusion" if len(mains) == 1 else "main conclusions"
        conclusion = f"; {label}: " + "; ".join(shorten(s.text, 200) for s in mains)
    else:
        conclusion = ""
    if focus is not None:
        steps = f"{depth} link step{'s' * (depth != 1)}" if depth is not None else "a few steps"
        return (
            f"Part of the argument map of {neutralize_bidi(title)}: the claims within {steps} of "
            f"statement {focus.id} (“{shorten(focus.text, 200)}”). "
            + _sentence(f"The whole map has {counts}{conclusion}")
        )
    return _sentence(f"Argument map of {neutralize_bidi(title)}: {counts}{conclusion}")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


# The smallest zoom the diagram opens at: statement text (12 pt, 16 px at 100 %) stays at
# least 9.6 px. Below it the page scrolls rather than shrinks.
OPENING_MIN_ZOOM = 0.6
# How much of the window's height the opening part may take (the frame is 78vh high).
OPENING_HEIGHT_VH = 70


def _fractions(box: Box) -> str:
    return " ".join(f"{v:.5f}" for v in (box.left, box.top, box.right, box.bottom))


def _percent(value: float) -> str:
    return f"{value * 100:.4f}%"


@dataclass(frozen=True)
class OpeningView:
    """Where the diagram opens, as data attributes for the page's CSS and script.

    ``head`` is the box of the statement it opens on (the main conclusion), ``part`` the
    box of it and its direct reasons; both as "left top right bottom" fractions of the
    drawing. ``anchor`` is ``part`` made symmetric around ``head``'s centre, so that
    centring it (what CSS can do without the script) centres the main conclusion, with
    its reasons around it when they fit. ``fit_width`` and ``fit_height`` are the widths
    (in frame widths, and in window heights per ``OPENING_HEIGHT_VH``) at which the anchor
    fills the frame."""

    width: str  # the drawing at 100 %, CSS px
    height: str
    head: str
    part: str
    anchor: dict[str, str]  # left, top, width, height as CSS percentages
    fit_width: str
    fit_height: str
    min_zoom: str = f"{OPENING_MIN_ZOOM}"
    height_vh: str = f"{OPENING_HEIGHT_VH}"


def opening_view(graph: ArgumentGraph, drawing: Drawing, around: int | None) -> OpeningView | None:
    """Where a drawing of ``graph`` opens (see ``OpeningView``): on ``around`` when the
    diagram is focused on it, else on the main conclusion; ``None`` when that statement
    is not in the drawing."""
    ids = opening(graph, around)
    if not ids or ids[0] not in drawing.boxes:
        return None
    ids = [sid for sid in ids if sid in drawing.boxes]
    head = drawing.boxes[ids[0]]
    part = head
    for sid in ids[1:]:
        part = part.union(drawing.boxes[sid])
    cx, cy = (head.left + head.right) / 2, (head.top + head.bottom) / 2
    half_w = max(cx - part.left, part.right - cx)
    half_h = max(cy - part.top, part.bottom - cy)
    anchor = Box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    return OpeningView(
        width=f"{drawing.width:.1f}",
        height=f"{drawing.height:.1f}",
        head=_fractions(head),
        part=_fractions(part),
        anchor={
            "left": _percent(anchor.left),
            "top": _percent(anchor.top),
            "width": _percent(anchor.width),
            "height": _percent(anchor.height),
        },
        fit_width=f"{1 / max(anchor.width, 1e-6):.4f}",
        fit_height=f"{drawing.width / max(drawing.height * anchor.height, 1e-6):.4f}",
    )


def job_status(state: str, done: int | None, total: int | None) -> str:
    """How far a job drawing a handout or deck is, in a sentence (``api.models.JobState``
    values; pages laid out of pages in all, once the worker knows)."""
    if state == "queued":
        return "Waiting for a worker to start it."
    if state == "running":
        if total:
            return f"{done or 0} of {total} pages laid out."
        return "Started: laying out the pages."
    if state == "done":
        return "Ready: the download starts now."
    return "It could not be drawn."
