"""The rules every map keeps, in plain Python, for whole graphs and single values.

``api.services`` applies the same functions to single writes, so an import, a whole-graph
replace and a one-statement POST cannot disagree about what a valid map is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from api.graph.errors import BrokenRule, FormatError
from api.graph.graphjson import MAP_KEYS
from api.graph.model import ArgumentGraph, Kind, Link, Role

ALLOWED_CONTROL = frozenset("\n\t")


def char_class(chars: Iterable[str]) -> str:
    """The inside of a character class holding exactly ``chars``, as ranges of ``\\uXXXX``
    escapes (BMP characters): Python and JSON Schema (ECMA-262) read it alike."""
    codes = sorted({ord(c) for c in chars})
    assert all(code <= 0xFFFF for code in codes)
    parts: list[str] = []
    start = previous = None
    for code in [*codes, None]:
        if code is not None and previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None and previous is not None:
            parts.append(f"\\u{start:04x}" + (f"-\\u{previous:04x}" if previous > start else ""))
        start = previous = code
    return "".join(parts)


# Unicode's control characters (category Cc: U+0000-001F, U+007F-009F) but tab and newline.
CONTROL_CLASS = char_class(
    c for c in map(chr, [*range(0x20), *range(0x7F, 0xA0)]) if c not in ALLOWED_CONTROL
)
CONTROL = re.compile(f"[{CONTROL_CLASS}]")
# What a client may send: a carriage return too, since every line break is stored as "\n"
# (``normalize_newlines``) before the control characters are looked for.
SENT_CONTROL_CLASS = char_class(
    c for c in map(chr, [*range(0x20), *range(0x7F, 0xA0)]) if c not in ALLOWED_CONTROL | {"\r"}
)
# The white space that stripping removes (``str.isspace``), but for the controls.
# The white space of str.isspace (and so of str.strip and str.split), in the BMP.
_WHITE_SPACE = [c for c in map(chr, range(0x10000)) if c.isspace()]
SPACE_CLASS = char_class(c for c in _WHITE_SPACE if not CONTROL.match(c))
# Text as the API's schema states it: no control character. TEXT_PATTERN matches no empty
# string (a field that may be blank is documented as this pattern or ""); a field that may
# not be blank holds something besides white space (REQUIRED_TEXT_PATTERN).
TEXT_PATTERN = f"^[^{SENT_CONTROL_CLASS}]+$"
REQUIRED_TEXT_PATTERN = (
    f"^[^{SENT_CONTROL_CLASS}]*[^{CONTROL_CLASS}{SPACE_CLASS}][^{SENT_CONTROL_CLASS}]*$"
)
# A web address: http or https, a host, then anything but white space and control
# characters. Read whole (``URL.fullmatch``); blank is no address.
_URL_CHAR = f"{CONTROL_CLASS}{SPACE_CLASS}"
URL_PATTERN = f"^[Hh][Tt][Tt][Pp][Ss]?://[^{_URL_CHAR}/?#]+(?:[/?#][^{_URL_CHAR}]*)?$"
URL = re.compile(URL_PATTERN)
# A map's slug, as Django's SlugField and the map's URL take it.
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
SLUG = re.compile(SLUG_PATTERN)
# Slugs that name an endpoint beside the maps (``/api/maps/import/``): no map takes them,
# and a map's own URL (``/api/maps/{slug}/``) is never one of them.
RESERVED_SLUGS = frozenset({"import"})
MAP_URL_SLUG_PATTERN = (
    f"^(?!(?:{'|'.join(sorted(map(re.escape, RESERVED_SLUGS)))})$){SLUG_PATTERN[1:]}"
)
MAX_SLUG_LENGTH = 100
SLUG_MESSAGE = (
    f"Must be a map's slug: letters, digits, '-' and '_', at most {MAX_SLUG_LENGTH} characters."
)


def is_slug(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_SLUG_LENGTH and bool(SLUG.fullmatch(value))


SURROGATE = re.compile("[\ud800-\udfff]")

# A query's text (a search, an attribution): anything but NUL, which no database query
# carries (Django's forms refuse it).
QUERY_TEXT_PATTERN = "^[^\\u0000]+$"
# The white space that str.split() splits words at (str.isspace, control characters too).
SPLIT_CLASS = char_class(_WHITE_SPACE)


def words_pattern(max_words: int) -> str:
    """Text of at most ``max_words`` words (as ``str.split`` counts them), without NUL."""
    space, word = f"[{SPLIT_CLASS}]", f"[^{SPLIT_CLASS}\\u0000]+"
    return f"^{space}*(?:{word}{space}+){{0,{max_words - 1}}}(?:{word})?{space}*$"


# A boolean in a query string, as OpenAPI clients write one (and as schemathesis reads
# one): nothing else is a boolean, so the schema's "boolean" is exactly what is taken.
QUERY_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
# A whole number as a query writes one: ASCII digits, with a sign at most. Python's int()
# also reads other scripts' digits ("５" is 5), white space around them and underscores.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(text: str) -> int:
    """The integer ``text`` writes in ASCII digits (a sign allowed, nothing else); raises
    ``ValueError`` for anything else."""
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"not a whole number in ASCII digits: {text!r}")
    return int(text)


BOOLEAN_MESSAGE = "Must be true or false (or 1 or 0)"

# The largest id a database row can have (a signed 64-bit integer): a larger one is an
# unknown id, never a query that overflows.
MAX_ID = 2**63 - 1

# Longest text each field may hold, in characters. ``settings.ARGMAP_MAX_LENGTHS`` starts
# from these (each overridable from the environment) and the services pass it in; fields
# stored in a sized column (title, attribution, scheme, ...) cannot exceed the column.
DEFAULT_MAX_LENGTHS: dict[str, int] = {
    "map.title": 300,
    "map.summary": 10_000,
    "map.source_title": 500,
    "map.source_author": 300,
    "map.source_url": 1000,
    "statement.text": 2000,
    "statement.quote": 5000,
    "statement.attributed_to": 200,
    "statement.note": 5000,
    "link.scheme": 200,
    "link.note": 5000,
}
COLUMN_LENGTHS: dict[str, int] = {
    "map.title": 300,
    "map.source_title": 500,
    "map.source_author": 300,
    "map.source_url": 1000,
    "statement.attributed_to": 200,
    "link.scheme": 200,
}
KINDS = (Kind.SUPPORT.value, Kind.OPPOSE.value)


def name_ids(noun: str, ids: Iterable[Any], *, prefix: str = "") -> str:
    """``"link 5"`` or ``"links 5, 6"``: a noun and its ids, singular or plural."""
    ids = list(ids)
    names = ", ".join(f"{prefix}{i}" for i in ids)
    return f"{noun} {names}" if len(ids) == 1 else f"{noun}s {names}"


def is_id(value: Any) -> bool:
    """Whether ``value`` can be a row's id (an int in 1..MAX_ID, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def text_problem(
    value: object, *, required: bool = True, max_length: int | None = None
) -> str | None:
    """Return why ``value`` is not acceptable text (a sentence), or None if it is.

    Text must be a string without control characters (tab and newline allowed) or lone
    surrogates (which JSON can carry but no database stores), not empty after stripping
    when ``required``, and at most ``max_length`` characters.
    """
    if not isinstance(value, str):
        return "Must be a string."
    surrogate = SURROGATE.search(value)
    if surrogate:
        index = surrogate.start()
        return (
            f"Contains a lone surrogate (U+{ord(value[index]):04X}) at position {index}: "
            "not a character, and not storable."
        )
    control = CONTROL.search(value)
    if control:
        index = control.start()
        return f"Contains a control character (U+{ord(value[index]):04X}) at position {index}."
    if required and not value.strip():
        return "May not be empty."
    if max_length is not None and len(value) > max_length:
        return f"At most {max_length} characters (got {len(value)})."
    return None


def url_problem(value: str) -> str | None:
    """Why ``value`` is not a web address (``URL_PATTERN``), or None if it is one or blank."""
    if value and not URL.fullmatch(value):
        return "Must be a web address starting with http:// or https://, without spaces."
    return None


def resolve_quote(
    source_text: str, quote: str, quote_start: int | None, quote_end: int | None
) -> tuple[str, int | None, int | None]:
    """Make a quote and its offsets agree with the source text.

    Offsets alone give the quote; a quote alone is looked up (its first occurrence); both
    must agree; neither means no quote. Returns ``(quote, start, end)``; raises
    ``ValueError(field, message)`` naming the field at fault.
    """
    has_offsets = quote_start is not None or quote_end is not None
    if has_offsets and (quote_start is None or quote_end is None):
        missing = "quote_end" if quote_end is None else "quote_start"
        raise ValueError(missing, "quote_start and quote_end go together.")
    if quote_start is not None and quote_end is not None:
        if not (0 <= quote_start < quote_end <= len(source_text)):
            raise ValueError(
                "quote_start",
                f"Offsets {quote_start}:{quote_end} are not a non-empty range inside the "
                f"source text (length {len(source_text)}).",
            )
        passage = source_text[quote_start:quote_end]
        if quote and quote != passage:
            raise ValueError(
                "quote", f"Does not match source_text[{quote_start}:{quote_end}]: {passage!r}."
            )
        return passage, quote_start, quote_end
    if not quote:
        return "", None, None
    start = source_text.find(quote)
    if start < 0:
        raise ValueError("quote", "Not found verbatim in the map's source text.")
    return quote, start, start + len(quote)


# What kind of fault a problem is (``Problem.code``), which the API answers with its own
# status: a value the schema rules out (400), an id that names nothing (404), or a well
# formed value that breaks a rule of maps (422).
INVALID = "invalid"
MISSING = "does_not_exist"
RULE = "rule"


NO_PREMISE = "A link needs at least one premise."


def repeated_premise(premises: Iterable[Any]) -> str | None:
    """Why these premises are refused if one appears twice (the schema's ``uniqueItems``);
    None if none does."""
    seen: set[Any] = set()
    for premise in premises:
        if premise in seen:
            return f"Statement {premise} appears twice among the premises."
        seen.add(premise)
    return None


ONE_TARGET = "Give exactly one of conclusion (a statement) and target_link (a link)."


def target_count_problem(conclusion: Any, target_link: Any) -> str | None:
    """Why a link is refused if it names no target or both (the schema's ``oneOf`` of a
    new link and of a whole map's link); None if it names exactly one."""
    return ONE_TARGET if (conclusion is None) == (target_link is None) else None


class Problem(NamedTuple):
    where: str
    message: str
    code: str


def link_problems(
    *,
    kind: Any,
    premises: Sequence[Any],
    conclusion: Any,
    target_link: Any,
    scheme: Any = "",
    note: Any = "",
    link_id: Any = None,
    statement_known: Callable[[Any], bool],
    link_known: Callable[[Any], bool],
    max_lengths: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Every rule a single link keeps, as ``Problem(where, message, code)`` (none: it is
    fine).

    ``where`` is the field at fault, with the premise's index for an unknown premise
    (``"premises/2"``). ``statement_known`` and ``link_known`` say whether an id names a
    statement or link of the same map; one that does not is "not in this map", whether
    it is in another map or nowhere (so private maps are not revealed). Rules: a known
    kind; at least one premise, none twice, all known; exactly one of a known conclusion
    and a known target link; no premise that is also the conclusion; no link that
    targets itself; scheme and note as
    ``text_problem`` requires. Relations between links (cycles of undercutters,
    duplicates) are ``undercut_cycles`` and ``link_key``'s.
    """
    limits = max_lengths or DEFAULT_MAX_LENGTHS
    problems: list[Problem] = []
    if kind not in KINDS:
        problems.append(Problem("kind", f"Must be support or oppose (got {kind!r}).", INVALID))
    premises = list(premises)
    if not premises:
        problems.append(Problem("premises", NO_PREMISE, INVALID))
    else:
        twice = repeated_premise(premises)
        if twice:
            problems.append(Problem("premises", twice, INVALID))
        else:
            unknown = [(i, p) for i, p in enumerate(premises) if not statement_known(p)]
            if unknown:
                names = name_ids("statement", (p for _, p in unknown))
                problems.append(
                    Problem(f"premises/{unknown[0][0]}", f"No {names} in this map.", MISSING)
                )
    targets = target_count_problem(conclusion, target_link)
    if targets:
        problems.append(Problem("conclusion", targets, RULE))
    elif conclusion is not None:
        if not statement_known(conclusion):
            problems.append(
                Problem("conclusion", f"No statement {conclusion} in this map.", MISSING)
            )
        elif conclusion in premises:
            problems.append(
                Problem(
                    "premises",
                    f"Statement {conclusion} cannot be a premise of a link that targets it.",
                    RULE,
                )
            )
    elif link_id is not None and target_link == link_id:
        problems.append(Problem("target_link", "A link cannot target itself.", RULE))
    elif not link_known(target_link):
        problems.append(Problem("target_link", f"No link {target_link} in this map.", MISSING))
    for field, value in (("scheme", scheme), ("note", note)):
        key = f"link.{field}"
        max_length = limits.get(key, DEFAULT_MAX_LENGTHS[key])
        problem = text_problem(value, required=False, max_length=max_length)
        if problem:
            problems.append(Problem(field, problem, INVALID))
    return problems


def link_key(
    kind: Any, premises: Iterable[Any], conclusion: Any, target_link: Any
) -> tuple[str, frozenset, Any, Any]:
    """What makes two links the same: kind, the set of premises (in any order), target."""
    return (str(kind), frozenset(premises), conclusion, target_link)


def duplicate_message(link_id: Any, original_id: Any) -> str:
    return (
        f"Link {link_id} duplicates link {original_id}: the same kind, premises (in any "
        "order) and target."
    )


def undercut_cycles(links: Sequence[Link]) -> set[int]:
    """The ids of links that undercut each other in a cycle (following ``target_link``).

    Linear: every link is walked once (each has at most one target)."""
    target = {link.id: link.target_link for link in links}
    done: set[int] = set()
    on_cycle: set[int] = set()
    for link in links:
        path: list[int] = []
        position: dict[int, int] = {}
        current: int | None = link.id
        while current is not None and current in target and current not in done:
            if current in position:
                on_cycle.update(path[position[current] :])
                break
            position[current] = len(path)
            path.append(current)
            current = target[current]
        done.update(path)
    return on_cycle


def links_in_target_order(links: Sequence[Link]) -> list[list[Link]]:
    """Group links so that every attacked link comes in an earlier group than its
    undercutters. Iterative and linear; a target outside ``links`` (or a cycle, which
    ``check_graph`` refuses) counts as a link to a statement."""
    by_id = {link.id: link for link in links}
    depth: dict[int, int] = {}
    for link in links:
        path: list[int] = []
        on_path: set[int] = set()
        current: int | None = link.id
        while current is not None and current in by_id and current not in depth:
            if current in on_path:
                break
            on_path.add(current)
            path.append(current)
            current = by_id[current].target_link
        level = depth.get(current, -1) if current is not None else -1
        for link_id in reversed(path):
            level += 1
            depth[link_id] = level
    groups: dict[int, list[Link]] = {}
    for link in links:
        groups.setdefault(depth[link.id], []).append(link)
    return [groups[d] for d in sorted(groups)]


def merge_duplicate_links(graph: ArgumentGraph) -> tuple[ArgumentGraph, list[str]]:
    """Return the graph with duplicate links merged into the first of each, and a note
    for each merge. The kept link takes the duplicate's scheme if it has none, and its
    note if different; undercutters of a duplicate attack the kept link instead (which
    may make them duplicates in turn: they are merged too)."""
    merged_into: dict[int, int] = {}
    kept: dict[int, Link] = {}
    first: dict[tuple, int] = {}
    notes: list[str] = []
    for group in links_in_target_order(graph.links):
        for link in group:
            target = (
                None
                if link.target_link is None
                else merged_into.get(link.target_link, link.target_link)
            )
            key = link_key(link.kind, link.premises, link.conclusion, target)
            if key in first:
                original = kept[first[key]]
                merged_into[link.id] = original.id
                note = original.note
                if link.note and link.note not in note:
                    note = f"{note}\n{link.note}" if note else link.note
                kept[original.id] = dataclasses.replace(
                    original, scheme=original.scheme or link.scheme, note=note
                )
                notes.append(
                    f"Link {link.id} duplicated link {original.id} (the same kind, premises "
                    "and target) and was merged into it."
                )
                continue
            first[key] = link.id
            kept[link.id] = dataclasses.replace(link, target_link=target)
    if not merged_into:
        return graph, []
    links = tuple(kept[link.id] for link in graph.links if link.id in kept)
    return dataclasses.replace(graph, links=links), notes


def check_graph_values(
    graph: ArgumentGraph, *, max_lengths: Mapping[str, int] | None = None
) -> None:
    """Raise ``FormatError`` at the first value the whole-map shape rules out by itself
    (a statement's or link's text, a score), whatever the map holds: what a write is
    refused for before its precondition is looked at. Linear."""
    limits = {**DEFAULT_MAX_LENGTHS, **(max_lengths or {})}
    for index, s in enumerate(graph.statements):
        where = f"/statements/{index}"
        for field, value, required in (
            ("text", s.text, True),
            ("attributed_to", s.attributed_to, False),
            ("quote", s.quote, False),
            ("note", s.note, False),
        ):
            max_length = limits[f"statement.{field}"]
            problem = text_problem(value, required=required, max_length=max_length)
            if problem:
                raise FormatError(problem, pointer=f"{where}/{field}")
        if not 0.0 <= s.base_score <= 1.0:
            raise FormatError("Must be between 0 and 1.", pointer=f"{where}/base_score")
    for index, link in enumerate(graph.links):
        if not link.premises:
            raise FormatError(NO_PREMISE, pointer=f"/links/{index}/premises")
        twice = repeated_premise(link.premises)
        if twice:
            raise FormatError(twice, pointer=f"/links/{index}/premises")
        targets = target_count_problem(link.conclusion, link.target_link)
        if targets:
            raise FormatError(targets, pointer=f"/links/{index}/conclusion")
        for field, value in (("scheme", link.scheme), ("note", link.note)):
            problem = text_problem(value, required=False, max_length=limits[f"link.{field}"])
            if problem:
                raise FormatError(problem, pointer=f"/links/{index}/{field}")


def check_graph(
    graph: ArgumentGraph,
    *,
    max_lengths: Mapping[str, int] | None = None,
    values_checked: bool = False,
) -> None:
    """Raise ``FormatError`` (with a JSON pointer into the whole-map shape) at the first
    statement or link that breaks a rule of the model; return None if all hold. A value
    the shape rules out (text, a score) is a ``FormatError``; an id that names nothing in
    the graph, a quote not in the source, a cycle or a duplicate is a ``BrokenRule``.

    Rules: unique ids; statement text, attribution and quote as ``text_problem`` and
    ``resolve_quote`` require, within ``max_lengths`` (``DEFAULT_MAX_LENGTHS`` for what it
    leaves out); base scores in [0, 1]; each link as ``link_problems`` requires;
    undercutters do not attack each other in a cycle; and no link duplicates another
    (``link_key``). Linear in the size of the graph.
    """
    limits = {**DEFAULT_MAX_LENGTHS, **(max_lengths or {})}
    if not values_checked:  # a caller that checked them before a lock says so
        check_graph_values(graph, max_lengths=limits)
    seen: set[int] = set()
    for index, s in enumerate(graph.statements):
        where = f"/statements/{index}"
        if s.id in seen:
            raise BrokenRule(f"Statement id {s.id} appears twice.", pointer=f"{where}/id")
        seen.add(s.id)
        try:
            resolve_quote(graph.map.source_text, s.quote, s.quote_start, s.quote_end)
        except ValueError as exc:
            field, message = exc.args
            raise BrokenRule(message, pointer=f"{where}/{field}") from None

    link_ids = {link.id for link in graph.links}
    seen_links: set[int] = set()
    for index, link in enumerate(graph.links):
        where = f"/links/{index}"
        if link.id in seen_links:
            raise BrokenRule(f"Link id {link.id} appears twice.", pointer=f"{where}/id")
        seen_links.add(link.id)
        problems = link_problems(
            kind=link.kind,
            premises=link.premises,
            conclusion=link.conclusion,
            target_link=link.target_link,
            scheme=link.scheme,
            note=link.note,
            link_id=link.id,
            statement_known=seen.__contains__,
            link_known=link_ids.__contains__,
            max_lengths=limits,
        )
        if problems:
            field, message, code = problems[0]
            error = FormatError if code == INVALID else BrokenRule
            raise error(message, pointer=f"{where}/{field}")

    cycle = undercut_cycles(graph.links)
    if cycle:
        index = next(i for i, link in enumerate(graph.links) if link.id in cycle)
        raise BrokenRule(
            "Undercutters attack each other in a cycle; a link must end at a statement.",
            pointer=f"/links/{index}/target_link",
        )

    first: dict[tuple, int] = {}
    for index, link in enumerate(graph.links):
        key = link_key(link.kind, link.premises, link.conclusion, link.target_link)
        if key in first:
            raise BrokenRule(duplicate_message(link.id, first[key]), pointer=f"/links/{index}")
        first[key] = link.id


# The keys of the whole-map shape (``GET /api/maps/{slug}/graph/``), as a write must send
# them: every one, and no other. ``role`` is derived (sent back as read, it is ignored);
# ``is_private`` may be added to ``map``.
WHOLE_MAP_KEYS = ("map", "statements", "links")
# A statement's and a link's own fields (besides ``id``, and the map they belong to), in
# the order the API shows them: the serializers and the services use these too.
STATEMENT_FIELDS = (
    "text",
    "quote",
    "quote_start",
    "quote_end",
    "attributed_to",
    "base_score",
    "note",
)
LINK_FIELDS = ("kind", "premises", "conclusion", "target_link", "scheme", "note")
# A statement's ``note`` came after the first clients: a whole-map write may leave it out.
OPTIONAL_STATEMENT_KEYS = ("note",)
WHOLE_MAP_STATEMENT_KEYS = (
    "id",
    *(f for f in STATEMENT_FIELDS if f not in OPTIONAL_STATEMENT_KEYS),
)
WHOLE_MAP_LINK_KEYS = ("id", *LINK_FIELDS)
ROLES = tuple(role.value for role in Role)


def _check_keys(
    item: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    if not isinstance(item, dict):
        return  # the wrong type is graphjson.from_dict's to name
    for key in required:
        if key not in item:
            raise FormatError(
                f"Missing {key!r}: a whole-map write sends every key of the shape GET "
                "returns (nothing is left to a default).",
                pointer=f"{where}/{key}",
            )
    allowed = {*required, *optional}
    for key in item:
        if key not in allowed:
            raise FormatError(
                f"Unknown key {key!r}; expected {', '.join(repr(k) for k in allowed)}.",
                pointer=f"{where}/{key}",
            )


def check_whole_map_keys(data: Any) -> None:
    """Raise ``FormatError`` (with a JSON pointer) at the first key missing from, or
    unknown to, a whole-map write; the types are ``graphjson.from_dict``'s to check."""
    _check_keys(data, "", WHOLE_MAP_KEYS)
    if not isinstance(data, dict):
        return
    _check_keys(data["map"], "/map", MAP_KEYS, ("is_private",))
    for name, keys, optional in (
        ("statements", WHOLE_MAP_STATEMENT_KEYS, (*OPTIONAL_STATEMENT_KEYS, "role")),
        ("links", WHOLE_MAP_LINK_KEYS, ()),
    ):
        items = data[name]
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            _check_keys(item, f"/{name}/{index}", keys, optional)
            role = item.get("role", ROLES[0]) if isinstance(item, dict) else ROLES[0]
            if role not in ROLES:
                raise FormatError(
                    f"Must be one of {', '.join(ROLES)} (the role is derived from the "
                    "links; it is read-only and ignored here).",
                    pointer=f"/{name}/{index}/role",
                )
