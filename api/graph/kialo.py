"""Kialo's text export, in and out.

Kialo (and Kialo Edu) exports a discussion as numbered text::

    Discussion Title: Should hate speech be illegal?

    1. Hate speech should be banned.
    1.1. Con: It is better to challenge bad ideas than to ban them.
    1.1.1. Pro: People can be educated \\(most of them\\).
    1.2. Pro: -> See 1.1.1.

A claim's number is its place in the tree (``1.`` is the thesis, ``1.2.`` its second
child); ``Pro:``/``Con:`` give its stance towards its parent; a claim runs on over the
following lines until the next numbered line; ``-> See 1.1.1.`` makes an existing claim a
reason for another parent. Kialo escapes Markdown characters with a backslash (``\\(``)
and writes links as Markdown (``[Kialo](https://www.kialo.com)``).

Import: every claim is a statement (its text unescaped, Markdown links kept as written);
``Pro`` a supporting link, ``Con`` an opposing one; the thesis the main conclusion; the
discussion title the map's title. A ``-> See`` claim adds one link from the existing
statement, never a second statement and never a duplicate link.

Export: the same format, as a tree from the map's main conclusion, ``-> See`` for a
statement reached a second time, and a closing note of what Kialo cannot hold.

Both directions are linear in the size of the input and iterative (no recursion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.graph.errors import FormatError, decode_utf8
from api.graph.interchange import ImportResult, Tally, clean_text, plural
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Role, Statement

TITLE_PREFIX = "Discussion Title:"
# The line argmap writes after the last claim; what follows it is the closing note.
NOTE_MARKER = "[argmap] Kialo cannot hold everything in this map:"
# How deep the export goes below the thesis. A Kialo file numbers each claim by its path
# ("1.2.1.3."), so a chain n claims deep takes space growing with n squared: a 5 000-deep
# chain of a 2.8 MB map made a 29 MB file, past what an import takes.
MAX_DEPTH = 200

# A claim's number has as many parts as the claim is deep, however deep (a number of 200
# parts used to end the pattern, and a deeper claim ran into the one before it). The
# pattern is unambiguous (digits, then a dot), so matching it is linear in the line.
_CLAIM = re.compile(r"((?:\d{1,9}\.)+) (?:(Pro|Con): )?")
_SEE = re.compile(r"-> See ((?:\d{1,9}\.)+)")
# Markdown's escapable characters (ASCII punctuation) after a backslash.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_NEEDS_ESCAPE_AT_LINE_START = re.compile(r"(\d{1,9})\.|\[argmap\]|-> See")


def looks_like_kialo(text: str) -> bool:
    """Whether ``text`` (decoded) starts the way a Kialo export does."""
    return text.lstrip("\ufeff \t\r\n").startswith(TITLE_PREFIX)


@dataclass(slots=True)
class _Claim:
    number: str  # "1.2.3."
    stance: str | None  # "Pro", "Con" or None
    lines: list[str]
    line: int  # 1-based line of its number

    @property
    def parent(self) -> str:
        return self.number[: self.number.rstrip(".").rfind(".") + 1]

    @property
    def depth(self) -> int:
        return self.number.count(".")


def unescape(text: str) -> str:
    """Return Kialo text with its backslash escapes undone (``\\(`` -> ``(``)."""
    return _ESCAPED.sub(r"\1", text)


def _split_claims(text: str, tally: Tally) -> tuple[str, list[_Claim]]:
    """Return the discussion title and the claims, in file order (one pass)."""
    lines = text.split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    title = ""
    if index < len(lines) and lines[index].lstrip("\ufeff").startswith(TITLE_PREFIX):
        title = lines[index].lstrip("\ufeff")[len(TITLE_PREFIX) :].strip()
        index += 1
    claims: list[_Claim] = []
    seen: set[str] = set()
    current: _Claim | None = None
    for number in range(index, len(lines)):
        line = lines[number]
        if (
            line.startswith(NOTE_MARKER)
            and current is not None
            and current.lines
            and not current.lines[-1].strip()
        ):
            tally.leave_out("closing note", 1)
            tally.note(
                f"Line {number + 1} starts the closing note of an argmap export; it and the "
                "lines after it were not read as claims."
            )
            break
        match = _CLAIM.match(line)
        if match and _is_new_claim(match, current, seen):
            claim_number, stance = match.group(1), match.group(2)
            if claim_number in seen:
                raise FormatError(
                    f"claim {claim_number} appears a second time", line=number + 1, column=1
                )
            current = _Claim(claim_number, stance, [line[match.end() :]], number + 1)
            if current.depth > 1 and current.parent not in seen:
                raise FormatError(
                    f"claim {claim_number} comes before its parent {current.parent}",
                    line=number + 1,
                    column=1,
                )
            seen.add(claim_number)
            claims.append(current)
        elif current is not None:
            current.lines.append(line)
        elif line.strip():
            raise FormatError(
                "expected the thesis, numbered '1.', after the discussion title",
                line=number + 1,
                column=1,
            )
    return title, claims


def _is_new_claim(match: re.Match[str], current: _Claim | None, seen: set[str]) -> bool:
    """A numbered line starts a claim when its number can come next in the tree: the
    first claim is a single number, a later one has a stance or a known parent."""
    number = match.group(1)
    if current is None:
        return number.count(".") == 1
    if number.count(".") == 1:
        return False
    parent = number[: number.rstrip(".").rfind(".") + 1]
    return match.group(2) is not None or parent in seen


def parse_kialo(data: bytes | str) -> ImportResult:
    """Read a Kialo text export into a graph.

    Raises ``FormatError`` (with the line) for a file that is not one: no thesis, a claim
    before its parent, a number used twice. What cannot become a link (a reference to a
    claim that is not in the file, a claim without Pro or Con, a link that repeats
    another) is counted in ``left_out`` and explained in ``notes``.
    """
    text = decode_utf8(data) if isinstance(data, bytes | bytearray) else data
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    tally = Tally()
    title, claims = _split_claims(text, tally)
    if not claims:
        raise FormatError("expected a thesis numbered '1.' but found no claim", line=1, column=1)

    # Pass 1: every claim that is not a reference is a statement, ids in file order.
    statement_of: dict[str, int] = {}
    reference_of: dict[str, str] = {}
    statements: list[Statement] = []
    for claim in claims:
        body = clean_text("\n".join(claim.lines))
        see = _SEE.match(body)
        if see and claim.depth > 1:
            reference_of[claim.number] = see.group(1)
            if body[see.end() :].strip():
                tally.note(
                    f"Claim {claim.number} at line {claim.line} is a reference; the text after "
                    f"'-> See {see.group(1)}' was not kept."
                )
            continue
        body = unescape(body)
        if not body:
            tally.leave_out("empty claim")
            tally.note(f"Claim {claim.number} at line {claim.line} has no text; it was left out.")
            continue
        statement_of[claim.number] = len(statements) + 1
        statements.append(Statement(id=len(statements) + 1, text=body))

    # Pass 2: references point at the statement of the claim they name, followed along
    # chains of references; each claim is resolved once (linear, whatever the chains).
    resolved: set[str] = set()
    for number in reference_of:
        path: list[str] = []
        on_path: set[str] = set()
        current = number
        while current in reference_of and current not in resolved and current not in on_path:
            path.append(current)
            on_path.add(current)
            current = reference_of[current]
        found = statement_of.get(current)  # None: a missing claim, or a circle of references
        for step in path:
            resolved.add(step)
            if found is not None:
                statement_of[step] = found

    # Pass 3: one link per claim under a parent, never the same link twice.
    links: list[Link] = []
    made: dict[tuple[Kind, int, int], str] = {}
    for claim in claims[1:]:
        premise = statement_of.get(claim.number)
        parent = statement_of.get(claim.parent)
        if premise is None:
            if claim.number in reference_of:
                tally.leave_out("reference")
                tally.note(
                    f"Claim {claim.number} at line {claim.line} refers to "
                    f"{reference_of[claim.number]}, which is not a claim in this file; it "
                    "was left out."
                )
            continue
        if parent is None:
            tally.leave_out("relation")
            tally.note(
                f"Claim {claim.number} at line {claim.line} answers a claim that was left "
                "out; its link was left out."
            )
            continue
        if claim.stance is None:
            tally.leave_out("relation without Pro or Con")
            tally.note(
                f"Claim {claim.number} at line {claim.line} is neither Pro nor Con; it was "
                "kept without a link to its parent."
            )
            continue
        if premise == parent:
            tally.leave_out("relation")
            tally.note(
                f"Claim {claim.number} at line {claim.line} would make a statement a reason "
                "for itself; that link was left out."
            )
            continue
        kind = Kind.SUPPORT if claim.stance == "Pro" else Kind.OPPOSE
        key = (kind, premise, parent)
        if key in made:
            tally.note(
                f"Claim {claim.number} at line {claim.line} repeats the link of claim "
                f"{made[key]}; the link was kept once."
            )
            continue
        made[key] = claim.number
        links.append(Link(id=len(links) + 1, kind=kind, premises=(premise,), conclusion=parent))

    thesis = claims[0]
    if thesis.number not in statement_of:
        raise FormatError("expected the thesis's text after '1.'", line=thesis.line, column=1)
    info = MapInfo(slug="", title=title or " ".join(statements[0].text.split())[:300])
    return tally.result(ArgumentGraph(map=info, statements=tuple(statements), links=tuple(links)))


# --- export ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Return statement text as a Kialo claim: backslashes doubled, and every line that
    would read as a claim number, a reference or argmap's closing note escaped."""
    text = text.replace("\\", "\\\\")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _NEEDS_ESCAPE_AT_LINE_START.match(line)
        if match:
            at = match.end(1) if match.group(1) else (0 if line[0] == "[" else 1)
            lines[i] = line[:at] + "\\" + line[at:]
    return "\n".join(lines)


def to_kialo(graph: ArgumentGraph) -> str:
    """Return the map as a Kialo text export.

    The thesis is the main conclusion (the first, if there are several); its reasons
    follow as ``Pro``/``Con`` claims, depth first. A statement reached a second time is
    written as ``-> See <number>.``. What Kialo cannot hold is listed in a closing note:
    co-premises (written as separate claims), undercutters (written as claims under the
    premise of the link they attack), quotes, attributions, schemes and link notes, and
    statements the tree does not reach, or reaches deeper than ``MAX_DEPTH`` claims below
    the thesis.
    """
    lines = [f"{TITLE_PREFIX} {' '.join(graph.map.title.split())}", ""]
    if not graph.statements:
        return "\n".join(lines) + "\n"
    main = [s.id for s in graph.statements if graph.role(s.id) == Role.MAIN_CONCLUSION]
    thesis = main[0] if main else graph.statements[0].id

    into: dict[int, list[Link]] = {}
    undercutters: dict[int, list[Link]] = {}
    for link in graph.links:
        if link.conclusion is not None:
            into.setdefault(link.conclusion, []).append(link)
        else:
            assert link.target_link is not None
            undercutters.setdefault(link.target_link, []).append(link)

    number_of: dict[int, str] = {}
    written_links: set[int] = set()
    # A frame: (statement, its number, the link it was reached through or None).
    stack: list[tuple[int, str, Link | None]] = [(thesis, "1.", None)]
    stances: dict[str, str] = {}
    too_deep: set[int] = set()  # statements below MAX_DEPTH, not written there
    while stack:
        statement_id, number, via = stack.pop()
        prefix = f"{number} {stances.pop(number, '')}"
        if statement_id in number_of:
            lines.append(f"{prefix}-> See {number_of[statement_id]}")
            continue
        number_of[statement_id] = number
        lines.append(prefix + escape(graph.statement(statement_id).text))
        if number.count(".") > MAX_DEPTH:  # its reasons would be too deep
            too_deep.update(p for link in into.get(statement_id, []) for p in link.premises)
            continue
        children: list[tuple[int, Link]] = []
        for link in into.get(statement_id, []):
            written_links.add(link.id)
            children.extend((premise, link) for premise in link.premises)
        if via is not None:
            for link in undercutters.get(via.id, []):
                written_links.add(link.id)
                children.extend((premise, link) for premise in link.premises)
        frames = []
        for position, (child, link) in enumerate(children, start=1):
            child_number = f"{number}{position}."
            stances[child_number] = "Pro: " if link.kind == Kind.SUPPORT else "Con: "
            frames.append((child, child_number, link))
        stack.extend(reversed(frames))

    # What lies below the statements cut off is too deep as well (walked once each).
    below = [s for s in too_deep if s not in number_of]
    too_deep = set(below)
    while below:
        for link in into.get(below.pop(), []):
            for attack in (link, *undercutters.get(link.id, [])):
                for premise in attack.premises:
                    if premise not in number_of and premise not in too_deep:
                        too_deep.add(premise)
                        below.append(premise)
    notes = _export_notes(graph, number_of, written_links, too_deep)
    if notes:
        lines += ["", NOTE_MARKER, *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def _export_notes(
    graph: ArgumentGraph, number_of: dict[int, str], written: set[int], too_deep: set[int]
) -> list[str]:
    def were(count: int) -> str:
        return "was" if count == 1 else "were"

    notes: list[str] = []
    joint = [link for link in graph.links if len(link.premises) > 1 and link.id in written]
    if joint:
        groups = "; ".join(
            " + ".join(number_of[p].rstrip(".") for p in link.premises if p in number_of)
            for link in joint
        )
        notes.append(
            f"{plural(len(joint), 'link')} with co-premises (premises that only work "
            f"together) {were(len(joint))} written as separate claims: {groups}."
        )
    under = [link for link in graph.links if link.target_link is not None and link.id in written]
    if under:
        notes.append(
            f"{plural(len(under), 'undercutter')} (an attack on an inference, not on a claim) "
            f"{were(len(under))} written as claims under the premise of the link attacked."
        )
    for count, what in (
        (sum(1 for s in graph.statements if s.quote), "quote"),
        (sum(1 for s in graph.statements if s.attributed_to), "attribution"),
        (sum(1 for link in graph.links if link.scheme), "argument scheme"),
        (sum(1 for link in graph.links if link.note), "link note"),
    ):
        if count:
            notes.append(f"{plural(count, what)} not written: Kialo has no place for them.")
    if too_deep:
        notes.append(
            f"{plural(len(too_deep), 'statement')} more than {MAX_DEPTH} claims below the "
            f"thesis {were(len(too_deep))} not written: Kialo numbers each claim by its path "
            "from the thesis, so a deeper chain makes a file that grows with the square of its "
            "depth."
        )
    missing = [s.id for s in graph.statements if s.id not in number_of and s.id not in too_deep]
    if missing:
        shown = "; ".join(" ".join(graph.statement(i).text.split())[:80] for i in missing[:10])
        more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
        notes.append(
            f"{plural(len(missing), 'statement')} not reached from the thesis (another main "
            f"conclusion, or unlinked) {were(len(missing))} not written: {shown}{more}."
        )
    unwritten = [link for link in graph.links if link.id not in written]
    if unwritten:
        notes.append(
            f"{plural(len(unwritten), 'link')} between those statements {were(len(unwritten))} "
            "not written."
        )
    return notes
