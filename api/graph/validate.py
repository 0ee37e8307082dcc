"""The rules every map keeps, in plain Python, for whole graphs and single values.

``api.services`` applies the same functions to single writes, so an import, a whole-graph
replace and a one-statement POST cannot disagree about what a valid map is.
"""

from __future__ import annotations

import unicodedata

from api.graph.errors import FormatError
from api.graph.model import ArgumentGraph, Kind

ALLOWED_CONTROL = frozenset("\n\t")


def text_problem(
    value: object, *, required: bool = True, max_length: int | None = None
) -> str | None:
    """Return why ``value`` is not acceptable text (a sentence), or None if it is.

    Text must be a string without control characters (tab and newline allowed), not
    empty after stripping when ``required``, and at most ``max_length`` characters.
    """
    if not isinstance(value, str):
        return "Must be a string."
    for index, char in enumerate(value):
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROL:
            return f"Contains a control character (U+{ord(char):04X}) at position {index}."
    stripped = value.strip()
    if required and not stripped:
        return "May not be empty."
    if max_length is not None and len(stripped) > max_length:
        return f"At most {max_length} characters (got {len(stripped)})."
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


def check_graph(graph: ArgumentGraph) -> None:
    """Raise ``FormatError`` (with a JSON pointer into the whole-map shape) at the first
    statement or link that breaks a rule of the model; return None if all hold.

    Rules: unique ids; statement text, attribution and quote as ``text_problem`` and
    ``resolve_quote`` require; base scores in [0, 1]; a link has a known kind, at least
    one premise, no premise twice, only known premises, exactly one of a known conclusion
    and a known target link, no premise that is also its conclusion, no target link that
    is itself; and undercutters do not attack each other in a cycle.
    """
    seen: set[int] = set()
    for index, s in enumerate(graph.statements):
        where = f"/statements/{index}"
        if s.id in seen:
            raise FormatError(f"Statement id {s.id} appears twice.", pointer=f"{where}/id")
        seen.add(s.id)
        for field, value, required, max_length in (
            ("text", s.text, True, None),
            ("attributed_to", s.attributed_to, False, 200),
            ("quote", s.quote, False, None),
        ):
            problem = text_problem(value, required=required, max_length=max_length)
            if problem:
                raise FormatError(problem, pointer=f"{where}/{field}")
        try:
            resolve_quote(graph.map.source_text, s.quote, s.quote_start, s.quote_end)
        except ValueError as exc:
            field, message = exc.args
            raise FormatError(message, pointer=f"{where}/{field}") from None
        if not 0.0 <= s.base_score <= 1.0:
            raise FormatError("Must be between 0 and 1.", pointer=f"{where}/base_score")

    link_ids = {link.id for link in graph.links}
    seen_links: set[int] = set()
    for index, link in enumerate(graph.links):
        where = f"/links/{index}"
        if link.id in seen_links:
            raise FormatError(f"Link id {link.id} appears twice.", pointer=f"{where}/id")
        seen_links.add(link.id)
        if link.kind not in (Kind.SUPPORT, Kind.OPPOSE):
            raise FormatError("Must be support or oppose.", pointer=f"{where}/kind")
        if not link.premises:
            raise FormatError("A link needs at least one premise.", pointer=f"{where}/premises")
        if len(set(link.premises)) != len(link.premises):
            raise FormatError(
                "A statement appears twice among the premises.", pointer=f"{where}/premises"
            )
        for i, premise in enumerate(link.premises):
            if premise not in seen:
                raise FormatError(
                    f"Unknown statement id {premise}.", pointer=f"{where}/premises/{i}"
                )
        if (link.conclusion is None) == (link.target_link is None):
            raise FormatError(
                "Give exactly one of conclusion (a statement) and target_link (a link).",
                pointer=f"{where}/conclusion",
            )
        if link.conclusion is not None:
            if link.conclusion not in seen:
                raise FormatError(
                    f"Unknown statement id {link.conclusion}.", pointer=f"{where}/conclusion"
                )
            if link.conclusion in link.premises:
                raise FormatError(
                    f"Statement {link.conclusion} cannot be a premise of a link that targets it.",
                    pointer=f"{where}/premises",
                )
        else:
            if link.target_link not in link_ids:
                raise FormatError(
                    f"Unknown link id {link.target_link}.", pointer=f"{where}/target_link"
                )
            if link.target_link == link.id:
                raise FormatError("A link cannot target itself.", pointer=f"{where}/target_link")
        problem = text_problem(link.scheme, required=False, max_length=200)
        if problem:
            raise FormatError(problem, pointer=f"{where}/scheme")
        problem = text_problem(link.note, required=False)
        if problem:
            raise FormatError(problem, pointer=f"{where}/note")

    index_of = {link.id: i for i, link in enumerate(graph.links)}
    for link in graph.links:
        # Follow the chain of attacked links; coming back to the start is a cycle.
        current, steps = link.target_link, 0
        while current is not None and steps <= len(graph.links):
            if current == link.id:
                raise FormatError(
                    "Undercutters attack each other in a cycle; a link must end at a statement.",
                    pointer=f"/links/{index_of[link.id]}/target_link",
                )
            current = graph.link(current).target_link
            steps += 1
