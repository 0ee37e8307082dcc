"""One entry point for reading a map file in any supported format, and for writing one.

Formats: ``aif`` (AIF JSON, as AIFdb and OVA write it), ``argdown`` and ``json`` (the
API's whole-map shape). The format is given, or told from the file name and content.
"""

from __future__ import annotations

import json
from pathlib import PurePath

from api.graph import graphjson
from api.graph.aif import load_json, parse_aif, to_aif
from api.graph.argdown import parse_argdown, to_argdown
from api.graph.budget import Budget
from api.graph.errors import FormatError, decode_utf8
from api.graph.interchange import ImportResult
from api.graph.model import ArgumentGraph

FORMATS = ("aif", "argdown", "json")
ARGDOWN_SUFFIXES = (".argdown", ".ad", ".md", ".txt")


def guess_format(content: bytes, filename: str = "", budget: Budget | None = None) -> str:
    """Return the format of a map file from its name, else from its first bytes.

    A ``.argdown`` (``.ad``, ``.md``, ``.txt``) file is Argdown; JSON with ``nodes`` or
    an ``AIF`` envelope is AIF; JSON with ``statements`` is the whole-map shape. Raises
    ``FormatError`` when none of these fits.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix in ARGDOWN_SUFFIXES:
        return "argdown"
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if suffix != ".json" and head not in (b"{", b"["):
        return "argdown"
    doc = load_json(content, budget)
    if isinstance(doc, dict) and ("nodes" in doc or "AIF" in doc):
        return "aif"
    if isinstance(doc, dict) and "statements" in doc:
        return "json"
    raise FormatError(
        "expected AIF JSON (with 'nodes' and 'edges') or argmap's whole-map JSON (with "
        "'statements' and 'links'); give the format explicitly if it is something else",
        pointer="",
    )


def read_map(
    content: bytes, *, filename: str = "", fmt: str | None = None, budget: Budget | None = None
) -> ImportResult:
    """Parse a map file. Raises ``FormatError`` pointing at the fault (JSON pointer, or
    line and column), ``BudgetExceeded`` (a ``FormatError`` naming the limit) when the
    file would take more work or nest deeper than ``budget`` allows (default limits when
    it is None), and ``ValueError`` for an unknown ``fmt``."""
    budget = Budget.of(budget)
    fmt = fmt or guess_format(content, filename, budget)
    if fmt == "aif":
        return parse_aif(content, budget=budget)
    if fmt == "json":
        return ImportResult(graph=graphjson.from_dict(load_json(content, budget), budget=budget))
    if fmt == "argdown":
        return parse_argdown(decode_utf8(content), budget=budget)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def write_map(graph: ArgumentGraph, fmt: str) -> bytes:
    """Return the graph as a file in ``fmt`` (UTF-8)."""
    if fmt == "aif":
        return json.dumps(to_aif(graph), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "json":
        return json.dumps(graphjson.to_dict(graph), ensure_ascii=False, indent=2).encode()
    if fmt == "argdown":
        return to_argdown(graph).encode("utf-8")
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
