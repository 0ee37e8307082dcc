"""One entry point for reading a map file in any supported format, and for writing one.

Formats read: ``aif`` (AIF JSON, as AIFdb and OVA write it), ``argdown``, ``json`` (the
API's whole-map shape), ``kialo`` (Kialo's text export), ``microtexts`` (the
argumentative microtexts' ``<arggraph>`` XML) and ``sadface`` (SADFace JSON). Formats
written: all but ``microtexts``.

The format is given, or told from the content (never from the file name): XML with
an ``<arggraph>`` root is a microtext; JSON is SADFace, AIF or whole-map JSON by its keys;
text that starts with ``Discussion Title:`` is Kialo; any other text (a ``[`` that does
not begin JSON included) is read as Argdown, and refused when it holds no statement, with
the list of formats tried. A file whose name says its format (``notes.argdown``) and
that holds no statement is an empty map, not refused: the format's own tools accept it
(Argdown's CLI exports a file of headings and prose as an empty map); the notes say
what was left out.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import PurePath
from typing import Any

from api.graph import graphjson
from api.graph.aif import load_json, parse_aif, to_aif
from api.graph.argdown import parse_argdown, to_argdown
from api.graph.budget import Budget, BudgetExceeded, NestingTooDeep
from api.graph.errors import FormatError, decode_utf8
from api.graph.interchange import ImportResult
from api.graph.kialo import looks_like_kialo, parse_kialo, to_kialo
from api.graph.microtexts import looks_like_microtext, parse_microtext
from api.graph.model import ArgumentGraph
from api.graph.sadface import looks_like_sadface, parse_sadface, to_sadface
from api.graph.safeload import json_syntax_error
from api.graph.validate import merge_duplicate_links

# What each format is called when a person reads it, in the order detection tries them.
FORMAT_NAMES = {
    "microtexts": "argumentative microtexts XML (<arggraph>)",
    "sadface": "SADFace JSON",
    "aif": "AIF JSON",
    "json": "argmap's whole-map JSON",
    "kialo": "Kialo text export",
    "argdown": "Argdown",
}
FORMATS = tuple(sorted(FORMAT_NAMES))
EXPORT_FORMATS = ("aif", "argdown", "json", "kialo", "sadface")
# The one list of Argdown file extensions.
ARGDOWN_SUFFIXES = (".argdown", ".ad")
# Files a folder given to ``import_map`` is searched for.
IMPORT_SUFFIXES = (".json", ".xml", ".txt", *ARGDOWN_SUFFIXES)
# A microtext's text beside its XML (micro_b001.xml, micro_b001.txt).
COMPANION_SUFFIX = ".txt"
# The file each export is saved as: media type and file name suffix.
EXPORT_TYPES = {
    "aif": ("application/json", "aif.json"),
    "argdown": ("text/plain; charset=utf-8", "argdown"),
    "json": ("application/json", "json"),
    "kialo": ("text/plain; charset=utf-8", "kialo.txt"),
    "sadface": ("application/json", "sadface.json"),
}


# XML, as opposed to Argdown that starts with an argument's title (``<Title>``): a
# declaration or doctype, or a first element that has attributes, closes itself or is
# closed by its end tag further on.
_XML_START = re.compile(rb"<(?:\?xml|!DOCTYPE)|<([A-Za-z_][\w.:-]*)(?:\s+[\w.:-]+\s*=|\s*/>)")
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>]")


def _looks_like_xml(content: bytes) -> bool:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if _XML_START.match(head):
        return True
    tag = _FIRST_TAG.match(head)
    return tag is not None and b"</" + tag.group(1) + b">" in content[:65536]


def named_as(filename: str, fmt: str) -> bool:
    """Whether ``filename`` ends with a suffix of format ``fmt``'s files (the one argmap
    exports it with; for Argdown, ``ARGDOWN_SUFFIXES``)."""
    suffixes = ARGDOWN_SUFFIXES if fmt == "argdown" else ()
    if fmt in EXPORT_TYPES:
        suffixes = (*suffixes, "." + EXPORT_TYPES[fmt][1])
    return filename.lower().endswith(suffixes) if suffixes else False


def tried() -> str:
    """The formats detection tries, for a message: "AIF JSON, Argdown, ..."."""
    return ", ".join(FORMAT_NAMES.values())


def _json(content: bytes, budget: Budget | None = None) -> Any:
    """The parsed JSON document, or None when ``content`` is not JSON at all (JSON nested
    too deep, or too much work to read, is refused as such)."""
    try:
        return load_json(content, budget)
    except NestingTooDeep:
        if json_syntax_error(decode_utf8(content)) is None:
            raise
        return None  # brackets, but not JSON: another format (Argdown) may read it
    except BudgetExceeded:
        raise
    except FormatError:
        return None
    except RecursionError:
        raise FormatError("the JSON nests too deeply to read", pointer="") from None


def guess_format(content: bytes, filename: str = "", budget: Budget | None = None) -> str:
    """Return the format of a map file, told from its content (``filename`` is taken for
    the callers' convenience and not used: a name proves nothing).

    Raises ``FormatError`` naming the formats tried when the content is JSON or XML of
    none of the known shapes (anything else is left to the Argdown reader, which refuses
    it when it holds no statement). JSON is read within ``budget`` (see ``read_map``).
    """
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        if looks_like_microtext(content):
            return "microtexts"
        if not _looks_like_xml(content):  # an Argdown argument: "<Title>: ..."
            return "argdown"
        raise FormatError(
            f"this XML is not an argumentative microtext (no <arggraph> root); tried {tried()}",
            line=1,
            column=1,
        )
    if head in (b"{", b"["):
        doc = _json(content, budget)
        if doc is not None:
            if looks_like_sadface(doc):
                return "sadface"
            if isinstance(doc, dict) and ("nodes" in doc or "AIF" in doc):
                return "aif"
            if isinstance(doc, dict) and "statements" in doc:
                return "json"
            raise FormatError(
                "this JSON is none of SADFace (atoms and schemes), AIF (with 'nodes' and "
                "'edges') and argmap's whole-map JSON (with 'statements' and 'links'); "
                f"tried {tried()}",
                pointer="",
            )
        if head == b"{":  # no other format starts so: say where it stops being JSON
            raise json_syntax_error(decode_utf8(content)) or FormatError(
                f"expected JSON; tried {tried()}", line=1, column=1
            )
    try:
        text = decode_utf8(content)
    except FormatError as exc:
        raise FormatError(
            f"{exc.message}; tried {tried()}", line=exc.line, column=exc.column
        ) from None
    if looks_like_kialo(text):
        return "kialo"
    return "argdown"


def read_map(
    content: bytes,
    *,
    filename: str = "",
    fmt: str | None = None,
    source_text: str | None = None,
    budget: Budget | None = None,
) -> ImportResult:
    """Parse a map file. ``source_text`` is a microtext's companion text, when known.

    Raises ``FormatError`` pointing at the fault (JSON pointer, or line and column); a
    file that holds no statement is refused too, naming the formats tried when the
    format was told from the content, unless ``filename`` ends with the format's suffix
    (``named_as``): then it is an empty map. ``NestingTooDeep`` and ``BudgetExceeded`` (both
    ``FormatError``s, naming the limit) when the file nests deeper or takes more work
    than ``budget`` allows (default limits when it is None). ``ValueError`` for an
    unknown ``fmt``. Duplicate links (the same kind, premises and target) are merged,
    each with a note.
    """
    budget = Budget.of(budget)
    detected = fmt is None
    if fmt is not None and fmt not in FORMAT_NAMES:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    fmt = fmt or guess_format(content, filename, budget)
    try:
        result = _read(content, fmt, filename, source_text, budget)
    except RecursionError:
        raise FormatError("the file nests too deeply to read", line=1, column=1) from None
    if not result.graph.statements and not named_as(filename, fmt):
        reason = f"it holds no statement when read as {FORMAT_NAMES[fmt]}"
        if detected:
            reason = (
                f"the file is not an argument map in any known format ({reason}); tried {tried()}"
            )
        raise FormatError(reason, line=1, column=1)
    graph, merged = merge_duplicate_links(result.graph)
    if merged:  # every importer: duplicate links merged, each with a note
        result = dataclasses.replace(result, graph=graph, notes=(*result.notes, *merged))
    return result


def _read(
    content: bytes, fmt: str, filename: str, source_text: str | None, budget: Budget
) -> ImportResult:
    if fmt == "aif":
        return parse_aif(content, budget=budget)
    if fmt == "json":
        return ImportResult(graph=graphjson.from_dict(load_json(content, budget), budget=budget))
    if fmt == "argdown":
        return parse_argdown(decode_utf8(content), budget=budget)
    if fmt == "kialo":
        return parse_kialo(content)
    if fmt == "sadface":
        return parse_sadface(load_json(content, budget))
    assert fmt == "microtexts"
    companion = PurePath(filename).with_suffix(COMPANION_SUFFIX).name if filename else ""
    return parse_microtext(content, source_text=source_text, text_name=companion)


def write_map(graph: ArgumentGraph, fmt: str) -> bytes:
    """Return the graph as a file in ``fmt`` (UTF-8)."""
    if fmt == "aif":
        return json.dumps(to_aif(graph), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "json":
        return json.dumps(graphjson.to_dict(graph), ensure_ascii=False, indent=2).encode()
    if fmt == "argdown":
        return to_argdown(graph).encode("utf-8")
    if fmt == "kialo":
        return to_kialo(graph).encode("utf-8")
    if fmt == "sadface":
        return json.dumps(to_sadface(graph), ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}")
