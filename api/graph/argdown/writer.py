"""Writing an ``ArgumentGraph`` as Argdown."""

from __future__ import annotations

import json
import re
import unicodedata

from api.graph.interchange import squash_space
from api.graph.model import ArgumentGraph, Kind, Link
from api.graph.text import strip_bidi_controls

_MAX_TITLE = 40
_MAX_TITLE_WORDS = 6
_UNSAFE_RULE = re.compile(r"[\\,{]|--|//|/\*|<!--|:\S+?:|\.\S+?\.")


def to_argdown(graph: ArgumentGraph) -> str:
    """Return ``graph`` as an Argdown document that Argdown tools and ``parse_argdown`` read.

    Statements get titles made from their first words; support links with a conclusion
    are arguments with a premise-conclusion structure, other links arguments whose
    premises support them (``<+``) and which attack (``->``) or undercut (``_>``) their
    target. Texts have whitespace squashed (Argdown has no line breaks inside a
    statement) and special characters escaped. Bidirectional controls
    (``api.graph.text.BIDI_CONTROLS``), which Argdown cannot escape and which would make
    the file read differently from what it holds, are left out, and a closing comment
    says how many.

    Raises ``ValueError`` if a link names a statement or link the graph does not hold.
    """
    titles = _statement_titles(graph)
    argument_titles = {link.id: _argument_title(link) for link in graph.links}
    lines: list[str] = []
    removed = [0]

    def text(value: str) -> str:
        """One line's text: squashed, without bidirectional controls (counted)."""
        kept, n = strip_bidi_controls(squash_space(value))
        removed[0] += n
        return kept

    title = text(graph.map.title)
    if title:
        lines += [f"# {_escape(title)}", ""]
    for statement in graph.statements:
        line = f"[{titles[statement.id]}]: {_escape(text(statement.text))}"
        who = text(statement.attributed_to)
        if who:
            line += " " + _data({"attributed_to": who})
        lines += [line, ""]

    def title_of(statement_id: int, link: Link) -> str:
        if statement_id not in titles:
            raise ValueError(f"link {link.id} names statement {statement_id}, not in the graph")
        return titles[statement_id]

    for link in graph.links:
        note = text(link.note)
        scheme = text(link.scheme)
        name = argument_titles[link.id]
        if link.kind == Kind.SUPPORT and link.conclusion is not None:
            lines += [f"<{name}>: {_escape(note)}" if note else f"<{name}>", ""]
            for n, premise in enumerate(link.premises, start=1):
                lines.append(f"({n}) [{title_of(premise, link)}]")
            lines.append(_inference_line(scheme))
            lines.append(f"({len(link.premises) + 1}) [{title_of(link.conclusion, link)}]")
            lines.append("")
            continue
        data = {key: value for key, value in (("note", note), ("scheme", scheme)) if value}
        lines.append(f"<{name}>" + (f" {_data(data)}" if data else ""))
        for premise in link.premises:
            lines.append(f"  <+ [{title_of(premise, link)}]")
        if link.conclusion is not None:
            op = "+>" if link.kind == Kind.SUPPORT else "->"
            lines.append(f"  {op} [{title_of(link.conclusion, link)}]")
        elif link.target_link is not None:
            if link.target_link not in argument_titles:
                raise ValueError(
                    f"link {link.id} targets link {link.target_link}, not in the graph"
                )
            op = "+>" if link.kind == Kind.SUPPORT else "_>"
            lines.append(f"  {op} <{argument_titles[link.target_link]}>")
        lines.append("")
    while lines and not lines[-1]:
        lines.pop()
    if removed[0]:
        lines += [
            "",
            f"// argmap left out {removed[0]} bidirectional control character(s) "
            "(U+202A-U+202E, U+2066-U+2069): Argdown cannot escape them.",
        ]
    return "\n".join(lines) + "\n" if lines else ""


def _argument_title(link: Link) -> str:
    if link.kind == Kind.SUPPORT:
        return f"Argument {link.id}"
    return f"Undercut {link.id}" if link.target_link is not None else f"Objection {link.id}"


def _statement_titles(graph: ArgumentGraph) -> dict[int, str]:
    """Return a short, unique title for every statement, made from its first words."""
    titles: dict[int, str] = {}
    used: set[str] = set()
    tried: dict[str, int] = {}  # base -> the last counter found taken (each tried once)
    for statement in graph.statements:
        base = ""
        for n, word in enumerate(w for w in re.split(r"[\W_]+", statement.text) if w):
            candidate = f"{base} {word}".strip()
            if n >= _MAX_TITLE_WORDS or (base and len(candidate) > _MAX_TITLE):
                break
            base = candidate[:_MAX_TITLE]
        base = base or f"Statement {statement.id}"
        title = base
        counter = tried.get(base.casefold(), 1)
        while title.casefold() in used:
            counter += 1
            title = f"{base} {counter}"
        tried[base.casefold()] = counter
        used.add(title.casefold())
        titles[statement.id] = title
    return titles


def _escape(text: str) -> str:
    """Backslash-escape what Argdown would read as syntax inside a line of text.

    Besides the characters that open references, tags, data, comments, emphasis and
    front matter, a ``:`` or ``.`` is escaped when the same character closes a run
    without spaces after it: Argdown 2 reads ``:name:`` and ``.name.`` as shortcodes.
    """
    shortcode = _shortcode_openers(text)
    out: list[str] = []
    for i, ch in enumerate(text):
        following = text[i + 1 : i + 2]
        if (
            ch in "\\[<{#*_"
            or (ch == "/" and following in ("/", "*"))
            or (ch == "=" and following == "=")
            or i in shortcode
        ):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _shortcode_openers(text: str) -> set[int]:
    """Return the positions of ``:``/``.`` that recur, after one character or more, in
    the same word (so would open an Argdown shortcode such as ``:heart:``)."""
    openers: set[int] = set()
    seen: dict[str, list[int]] = {":": [], ".": []}  # later positions, nearest last
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch.isspace():
            seen = {":": [], ".": []}
        elif ch in seen:
            later = seen[ch]
            if later and (later[-1] >= i + 2 or len(later) > 1):
                openers.add(i)
            later.append(i)
            del later[:-2]
    return openers


def _inference_line(scheme: str) -> str:
    if not scheme:
        return "----"
    if _UNSAFE_RULE.search(scheme):
        return f"-- {_data({'scheme': scheme})} --"
    return f"-- {scheme} --"


def _json_string(value: str) -> str:
    """Return ``value`` as a JSON string that is also safe YAML inside an Argdown data block.

    Braces are escaped so that no ``}`` ends the block early, angle brackets so that
    Argdown cannot read ``<Title> {"note": "<b>: ..."}`` as one argument definition, and
    characters YAML refuses or that would break a line are escaped too.
    """
    out: list[str] = []
    for ch in json.dumps(value, ensure_ascii=False):
        if ch in "{}<>\u2028\u2029\ufeff" or unicodedata.category(ch) in ("Cc", "Cs", "Cn", "Co"):
            if ord(ch) > 0xFFFF:
                high, low = divmod(ord(ch) - 0x10000, 0x400)
                out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
            else:
                out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _data(mapping: dict[str, str]) -> str:
    return (
        "{" + ", ".join(f"{_json_string(k)}: {_json_string(v)}" for k, v in mapping.items()) + "}"
    )
