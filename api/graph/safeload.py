"""JSON and YAML read without recursion on the input's shape, and without lone surrogates.

Python's ``json`` and PyYAML's composer recurse once per level of nesting: 50 000 ``[``
end in a ``RecursionError``. So the nesting is measured first, in one pass that does
not recurse (a regular expression over JSON's brackets and strings; PyYAML's event
stream, which its parser makes with an explicit stack), and refused past the budget's
``max_depth`` with a ``FormatError`` saying where. Only then is the text decoded.

JSON can also carry unpaired surrogates (``"\\ud800"``) that no database stores; they
are removed from every string and key, as the importers' ``clean_text`` does.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import yaml

from api.graph.budget import Budget
from api.graph.errors import FormatError

__all__ = [
    "check_json_depth",
    "json_syntax_error",
    "load_json_text",
    "load_yaml",
    "strip_surrogates",
]

# Everything but the brackets that nest: whole strings (brackets in them and all; one
# never closed runs to the end, so no match is ever retried from inside) and runs of
# other characters. What is left are the brackets, whose running count is the depth.
_NOT_BRACKETS = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\Z)|[^"\[\]{}]++', re.DOTALL)
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
# The same text as tokens, to say where the limit was passed: a run of openers, a run of
# closers, a run of anything else (whole strings included), or a quote that opens a
# string never closed (after which the decoder fails before it could nest any deeper).
_JSON_TOKENS = re.compile(r'[\[{]+|[\]}]+|(?:"(?:[^"\\]|\\.)*+"|[^"\[\]{}]++)++|"', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def check_json_depth(text: str, budget: Budget, *, what: str = "the JSON") -> None:
    """Raise ``NestingTooDeep`` (with line and column) where ``text`` nests deeper than
    ``budget.max_depth`` arrays and objects; spend one step per bracket.

    The brackets outside strings are picked out and counted by the regular expression
    engine and ``itertools.accumulate`` (no Python loop per character); a running count
    that goes below zero only happens after the point where the decoder stops anyway.
    """
    brackets = _NOT_BRACKETS.sub("", text)
    budget.spend(len(brackets) + 1)
    deepest = max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0)
    if deepest > budget.max_depth:
        _locate_too_deep(text, budget, what)


def _locate_too_deep(text: str, budget: Budget, what: str) -> None:
    """Raise ``NestingTooDeep`` at the bracket of ``text`` that passes the limit."""
    depth = 0
    limit = budget.max_depth
    for m in _JSON_TOKENS.finditer(text):
        first = text[m.start()]
        if first in "[{":
            depth += m.end() - m.start()
            if depth > limit:
                line, column = _line_column(text, m.end() - (depth - limit))
                budget.check_depth(depth, what=what, line=line, column=column)
        elif first in "]}":
            depth -= m.end() - m.start()
        elif first == '"' and m.end() - m.start() == 1:
            break


def load_json_text(
    text: str, budget: Budget, *, what: str = "the JSON", strip_lone_surrogates: bool = True
) -> Any:
    """Decode ``text`` as JSON within ``budget``: nesting checked first, unpaired
    surrogates removed (unless ``strip_lone_surrogates`` is false: then the caller's
    validation refuses them).

    Raises ``FormatError`` with line and column where the text is not JSON or nests too
    deep, ``BudgetExceeded`` past the step limit. ``NaN`` and ``Infinity`` are refused.
    """
    text = text.removeprefix("\ufeff")
    check_json_depth(text, budget, what=what)
    value = _decode(text)
    if strip_lone_surrogates and _SURROGATE_ESCAPE.search(text):
        value = strip_surrogates(value, budget)
    return value


def _decode(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        found = repr(exc.doc[exc.pos]) if exc.pos < len(exc.doc) else "the end of the file"
        raise FormatError(
            f"expected JSON ({exc.msg[0].lower()}{exc.msg[1:]}) but found {found}",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except ValueError as exc:  # NaN, Infinity
        raise FormatError(f"expected JSON but found {exc}") from None


def json_syntax_error(text: str) -> FormatError | None:
    """Where ``text`` stops being JSON, for text that nests deeper than allowed: the error,
    or None if it is JSON at least as deep as it nests (then it is refused as too deep).

    Tells a deeply nested JSON file from text in another format that merely holds many
    brackets (an Argdown paragraph of ``[``). The decoder stops at the first character
    that is not JSON, and its own recursion guard stops it on deep input.
    """
    try:
        _decode(text.removeprefix("\ufeff"))
    except RecursionError:
        return None  # still JSON that deep
    except FormatError as exc:
        return exc
    return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name}, which JSON does not allow")


def strip_surrogates(value: Any, budget: Budget | None = None) -> Any:
    """Return ``value`` (decoded JSON) with unpaired surrogates removed from every string
    and key. Walks with an explicit stack; lists and dicts are changed in place."""
    budget = Budget.of(budget)

    def clean(item: Any) -> Any:
        return _SURROGATES.sub("", item) if isinstance(item, str) else item

    value = clean(value)
    stack = [value]
    while stack:
        container = stack.pop()
        budget.spend()
        if isinstance(container, list):
            for i, item in enumerate(container):
                container[i] = clean(item)
                if isinstance(item, list | dict):
                    stack.append(item)
        elif isinstance(container, dict):
            items = [(clean(k), clean(v)) for k, v in container.items()]
            container.clear()
            for k, v in items:
                container.setdefault(k, v)
                if isinstance(v, list | dict):
                    stack.append(v)
    return value


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def load_yaml(
    text: str, budget: Budget, *, what: str = "the YAML", line: int = 1, column: int = 1
) -> Any:
    """Return ``text`` read as YAML (the safe loader), or ``None`` if it is not YAML.

    The nesting is checked on PyYAML's event stream first (its parser keeps a stack; the
    composer that builds values recurses). Raises ``NestingTooDeep`` at ``line``/``column``
    (where the text starts in its file) past ``budget.max_depth``; spends a step per
    character and per event.
    """
    budget.spend(len(text) + 1)  # PyYAML reads in Python, a character at a time
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            budget.spend()
            if isinstance(event, _OPEN):
                depth += 1
                if depth > budget.max_depth:
                    mark = event.start_mark  # set on every event the parser makes
                    at_line, at_column = (mark.line, mark.column) if mark else (0, 0)
                    budget.check_depth(
                        depth,
                        what=what,
                        line=line + at_line,
                        column=(column if at_line == 0 else 1) + at_column,
                    )
            elif isinstance(event, _CLOSE):
                depth -= 1
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None
