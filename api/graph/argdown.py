"""Argdown: import into and export from an ``ArgumentGraph``.

A hand-written lexer and recursive-descent parser for the Argdown syntax that argument
maps use (https://argdown.org), modelled on the reference implementation's lexer: the
same tokens, the same precedence, relations only at the start of a line, blocks
separated by empty lines. Every syntax error is a ``FormatError`` with the 1-based line
and column and what was expected there.

Understood: statements (``[Title]: text``; an untitled paragraph is a statement too;
the same title again is the same statement -- Argdown's equivalence class -- and
``[Title]`` alone refers to it); arguments (``<Title>: description``, ``<Title>``);
premise-conclusion structures (``(1) ...`` lines, inference lines ``----``,
``-- rule --`` or ``--`` / rule / ``--``, multi-step with intermediate conclusions);
relations by indentation: support ``+`` ``<+`` ``+>``, attack ``-`` ``<-`` ``->``,
undercut ``_`` ``<_`` ``_>`` (also under an inference line), contradiction ``><``;
headings ``# ...``; tags ``#tag`` and ``#(long tag)``; comments ``//``, ``/* */`` and
``<!-- -->``; YAML front matter between ``===`` lines and data blocks ``{...}``;
backslash escapes; Markdown links; ``@[...]``/``@<...>`` mentions; indented lists.

How Argdown maps onto the model:

- **Statements.** Each equivalence class becomes one statement. Its text is that of the
  last member that has one (Argdown's canonical member; ``{isCanonical: true}`` wins),
  with runs of whitespace squashed to one space; a class that is only ever referenced
  gets its title as text. Inline Markdown, mentions and shortcodes (``:heart:``) are
  kept as written. ``{attributed_to: ...}`` (or Argdown's ``proponent``) in a
  statement's data becomes ``attributed_to``. Untitled paragraphs that take part in no
  relation and no argument are prose, left out (as Argdown leaves them out of its map)
  and counted under ``"untitled paragraph"``.
- **Titles.** The model has no title field: titles only identify statements while the
  file is read. ``to_argdown`` makes new ones from the statement text (its first words,
  made unique), so an exported file reads well and exports stably.
- **Arguments with a premise-conclusion structure** become one ``support`` link per
  inference step: the premises are the statements since the previous inference plus
  the previous (intermediate) conclusion -- or the statements the inference's
  ``{uses: [1, 3]}`` names -- and the step's conclusion is the target. A multi-step
  argument is a chain of links. The inference rules are the scheme (joined by ", ");
  the argument's description (or its data's ``note``) and tags go into the note of its
  final step. Relations from the argument are relations of its main conclusion, as in
  Argdown.
- **Arguments without a PCS** stand for their description: it becomes a statement
  (carrying the argument's ``proponent``), and each relation of the argument a link
  from that statement; the argument's tags go into those links' notes. An argument
  with no description whose supporters include statements (``<+ [S]`` under it) is an
  argument whose premises are those statements: its relations become links with those
  co-premises. ``to_argdown`` writes oppose links and undercutters that way.
- **Relations.** Support -> ``support`` link; attack -> ``oppose`` link; contradiction
  ``><`` -> two ``oppose`` links, one each way (a contradiction is symmetric; notes say
  "contradiction"). A relation aimed at an argument with a PCS aims at its final
  inference (``target_link``), as Argdown's model does. An undercut aims at the
  argument's inference: its final step, or for an argument without a PCS the link(s)
  that argument makes. A relation aimed at an argument without a PCS but with a
  description aims at the description statement. An undercut of a statement is read
  as an attack on it.
- **Headings and tags.** The front matter's ``title``, else a first-level first heading,
  becomes the map title. The model has no groups and no tags: other headings are left
  out and counted (``"heading"``); tags on statements are removed from the text when
  they end it (``... #pro``), kept in it when they stand inside a sentence, and counted
  (``"tag"``); tags on arguments are kept in the notes of their links.

``to_argdown`` writes the map title as a heading, every statement as ``[Title]: text``
(with ``{"attributed_to": ...}`` data when it has one), every support link with a
conclusion as an argument ``<Argument n>`` whose PCS lists its co-premises (the scheme
as inference rule, the note as description), every other link as an argument
``<Objection n>`` / ``<Undercut n>`` without PCS whose premises support it (``<+``)
and which attacks (``->``) its conclusion or undercuts (``_>``) the argument of the
link it targets; its note and scheme go into its data. Special characters in texts are
backslash-escaped. Reading the output back gives the same statements (text up to
whitespace, attribution) and links (kind, premises, target, scheme, note).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from api.graph.errors import FormatError
from api.graph.interchange import ImportResult, Tally, plural, squash_space
from api.graph.model import ArgumentGraph, Kind, Link, MapInfo, Statement

try:  # PyYAML reads front matter and data blocks; JSON data is read without it.
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with drf-spectacular
    yaml = None

__all__ = ["ImportResult", "parse_argdown", "to_argdown"]

# ---------------------------------------------------------------------------- lexer

_NEWLINE = re.compile(r"\r\n|\n|\r")
_EMPTYLINE = re.compile(r"(?:\r\n|\n|\r)(?:[ \t]*(?:\r\n|\n|\r))+")
_INDENT = re.compile(r"[ \t]*")
_RELATION = re.compile(r"\+>|->|<\+|<-|<_|_>|><|\+|-|_(?=[ \t])")
_NUMBER = re.compile(r"\((\d+)\)")
_HEADING = re.compile(r"(#+)[ \t]")
_LIST_ITEM = re.compile(r"(?:\d+\.|\*)(?=[ \t])")
_FRONT_LINE = re.compile(r"={3,}[ \t]*(?=\r|\n|$)")
_FRONT_CLOSE = re.compile(r"(?:\r\n|\n|\r)={3,}[ \t]*(?=\r|\n|$)")
_LINK = re.compile(r"\[[^\]\r\n]+\]\([^)\r\n]+\)")
_SDEF = re.compile(r"\[([^\]\r\n]+)\]:")
_SREF = re.compile(r"\[([^\]\r\n]+)\]")
_ADEF = re.compile(r"<([^>\r\n]+)>:")
_AREF = re.compile(r"<([^>\r\n]+)>")
_MENTION = re.compile(r"@(?:\[[^\]\r\n]+\]|<[^>\r\n]+>)")
_TAG_CHARS = r"A-Za-z0-9_\-\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"
_TAG = re.compile(rf"#(?:\(([^)\r\n]+)\)|([{_TAG_CHARS}]+))")
_PLAIN_TAG = re.compile(rf"[{_TAG_CHARS}]+")
_TEXT = re.compile(r"[^\\@#\[<{/\r\n]+")
_DASHES_ONLY = re.compile(r"-+[ \t]*(?=\r|\n|$)")
_DASHES = re.compile(r"-+")
_SPACES = re.compile(r"[ \t]*")

# Token kinds that make up the text of a statement, argument or heading.
_CONTENT = frozenset(
    {"text", "ws", "esc", "data", "link", "tag", "sdef", "sref", "adef", "aref", "mention", "item"}
)


@dataclass(slots=True)
class _Tok:
    kind: str
    value: Any
    line: int
    col: int
    raw: str = ""
    indent: int = 0


class _Lexer:
    """Turns Argdown text into tokens (comments dropped, newlines inside text as "ws")."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.tokens: list[_Tok] = []

    def loc(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        return line, pos - self.starts[line - 1] + 1

    def error(self, pos: int, message: str) -> FormatError:
        line, col = self.loc(pos)
        return FormatError(message, line=line, column=col)

    def emit(self, kind: str, value: Any, pos: int, raw: str = "", indent: int = 0) -> None:
        line, col = self.loc(pos)
        self.tokens.append(_Tok(kind, value, line, col, raw, indent))

    def last_kind(self) -> str | None:
        return self.tokens[-1].kind if self.tokens else None

    def skip_comment(self, pos: int) -> int | None:
        """Return the position after a comment starting at ``pos``, or None if none does."""
        text = self.text
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                raise self.error(
                    pos, "expected '-->' to close this comment but found the end of the file"
                )
            return end + 3
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise self.error(
                    pos, "expected '*/' to close this comment but found the end of the file"
                )
            return end + 2
        if text.startswith("//", pos):
            m = _NEWLINE.search(text, pos)
            return m.start() if m else len(text)
        return None

    def run(self) -> list[_Tok]:
        text, n = self.text, len(self.text)
        pos = 0
        at_line_start = True
        while pos < n:
            ch = text[pos]
            if ch in "</":
                after = self.skip_comment(pos)
                if after is not None:
                    pos = after
                    continue
            if ch in "\r\n":
                m = _EMPTYLINE.match(text, pos)
                if m:
                    if self.last_kind() not in (None, "blank", "front"):
                        self.emit("blank", None, pos)
                    pos = m.end()
                else:
                    if self.last_kind() in _CONTENT:
                        self.emit("ws", " ", pos)
                    pos += 2 if text.startswith("\r\n", pos) else 1
                at_line_start = True
                continue
            if at_line_start:
                at_line_start = False
                pos = self.line_start(pos)
                continue
            pos = self.inline(pos)
        return self.tokens

    def line_start(self, pos: int) -> int:
        """Lex the structural token a line may open with; return where its content starts."""
        text = self.text
        indent_match = _INDENT.match(text, pos)
        indent = len(indent_match.group())
        p = indent_match.end()
        at_block_start = self.last_kind() in (None, "blank", "front")
        if (
            indent == 0
            and _FRONT_LINE.match(text, p)
            and all(t.kind == "blank" for t in self.tokens)
        ):
            return self.front_matter(p)
        if text.startswith("--", p):
            return self.inference(p, indent)
        m = _RELATION.match(text, p)
        if m:
            self.emit("rel", m.group(), p, raw=m.group(), indent=indent)
            return m.end()
        m = _NUMBER.match(text, p)
        if m:
            self.emit("num", int(m.group(1)), p, raw=m.group(), indent=indent)
            return m.end()
        if indent == 0 and at_block_start:
            m = _HEADING.match(text, p)
            if m:
                self.emit("head", len(m.group(1)), p, raw=m.group(1))
                return m.end()
        if indent > 0:
            m = _LIST_ITEM.match(text, p)
            if m:
                self.emit("item", m.group(), p, raw=m.group(), indent=indent)
                return m.end()
        return p

    def front_matter(self, pos: int) -> int:
        opening = _FRONT_LINE.match(self.text, pos)
        assert opening is not None
        closing = _FRONT_CLOSE.search(self.text, opening.end())
        if closing is None:
            raise self.error(
                pos,
                "expected a closing '===' line for the front matter but found the end of the file",
            )
        self.emit("front", self.text[opening.end() : closing.start()], pos)
        return closing.end()

    def inference(self, start: int, indent: int) -> int:
        """Lex an inference line (``----``, ``-- rule --``, ``--`` rule ``--``)."""
        text, n = self.text, len(self.text)
        pos = start + 2
        closed = _DASHES_ONLY.match(text, pos)
        if closed:
            self.emit("inf", ([], None), start, raw="--", indent=indent)
            return closed.end()
        parts: list[str] = []
        data: _Tok | None = None
        while True:
            if pos >= n:
                raise self.error(
                    start,
                    "expected '--' to close this inference rule but found the end of the file",
                )
            ch = text[pos]
            if text.startswith("--", pos):
                pos = _DASHES.match(text, pos).end()  # type: ignore[union-attr]
                break
            if ch in "</":
                after = self.skip_comment(pos)
                if after is not None:
                    pos = after
                    continue
            if ch == "{":
                end = _data_end(text, pos)
                if end is not None:
                    line, col = self.loc(pos)
                    data = _Tok("data", text[pos:end], line, col)
                    pos = end
                    continue
            parts.append(ch)
            pos += 1
        pos = _SPACES.match(text, pos).end()  # type: ignore[union-attr]
        if pos < n and text[pos] not in "\r\n":
            after = self.skip_comment(pos) if text[pos] in "</" else None
            if after is None:
                raise self.error(
                    pos,
                    "expected the end of the line after the inference rule "
                    f"but found {text[pos]!r}",
                )
            pos = after
        rules = [squash_space(rule) for rule in "".join(parts).split(",")]
        self.emit("inf", ([r for r in rules if r], data), start, raw="--", indent=indent)
        return pos

    def inline(self, pos: int) -> int:
        """Lex one content token at ``pos``; return the position after it."""
        text = self.text
        ch = text[pos]
        if ch == "{":
            end = _data_end(text, pos)
            if end is not None:
                self.emit("data", text[pos:end], pos, raw=text[pos:end])
                return end
        elif ch == "\\":
            if pos + 1 < len(text) and text[pos + 1] not in "\r\n":
                self.emit("esc", text[pos + 1], pos, raw=text[pos : pos + 2])
                return pos + 2
        elif ch == "[":
            for kind, pattern in (("link", _LINK), ("sdef", _SDEF), ("sref", _SREF)):
                m = pattern.match(text, pos)
                if m:
                    value = m.group() if kind == "link" else squash_space(m.group(1))
                    self.emit(kind, value, pos, raw=m.group())
                    return m.end()
        elif ch == "<":
            for kind, pattern in (("adef", _ADEF), ("aref", _AREF)):
                m = pattern.match(text, pos)
                if m:
                    self.emit(kind, squash_space(m.group(1)), pos, raw=m.group())
                    return m.end()
        elif ch == "#":
            m = _TAG.match(text, pos)
            if m:
                self.emit("tag", squash_space(m.group(1) or m.group(2)), pos, raw=m.group())
                return m.end()
        elif ch == "@":
            m = _MENTION.match(text, pos)
            if m:
                self.emit("mention", m.group(), pos, raw=m.group())
                return m.end()
        m = _TEXT.match(text, pos)
        end = m.end() if m else pos + 1
        self.emit("text", text[pos:end], pos, raw=text[pos:end])
        return end


def _data_end(text: str, start: int) -> int | None:
    """Return the position after the ``{...}`` block opening at ``start``, None if unclosed.

    Braces nest; braces inside quoted strings (JSON, or YAML quoted after ``{ [ , :``)
    do not count.
    """
    depth = 0
    quote = ""
    prev = ""
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
                prev = ch
            i += 1
            continue
        if ch in "\"'" and prev in ("{", "[", ",", ":"):
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        if not ch.isspace():
            prev = ch
        i += 1
    return None


# ---------------------------------------------------------------------------- parser

_OPS: dict[str, tuple[str, bool]] = {
    # relation symbol -> (kind, True if the parent is the source)
    "+": ("support", False),
    "<+": ("support", False),
    "+>": ("support", True),
    "-": ("attack", False),
    "<-": ("attack", False),
    "->": ("attack", True),
    "_": ("undercut", False),
    "<_": ("undercut", False),
    "_>": ("undercut", True),
    "><": ("contradiction", True),
}

Ref = tuple[Any, ...]  # ("ec", key) | ("arg", key) | ("inf", argument key, item index)


@dataclass
class _Occ:
    """One occurrence of a statement or argument in the text."""

    text: str | None
    tags: list[str]
    data: dict[str, Any]
    line: int
    col: int


@dataclass
class _EC:
    """An equivalence class: every statement with one title (or one untitled paragraph)."""

    key: Hashable
    title: str | None
    seq: int
    members: list[_Occ] = field(default_factory=list)
    top_level: bool = False
    in_pcs: bool = False


@dataclass
class _PcsStatement:
    key: Hashable
    number: int
    line: int
    col: int


@dataclass
class _Inference:
    rules: list[str]
    data: dict[str, Any]
    line: int
    col: int


@dataclass
class _Arg:
    key: Hashable
    title: str | None
    seq: int
    line: int
    col: int
    members: list[_Occ] = field(default_factory=list)
    pcs: list[_PcsStatement | _Inference] | None = None


@dataclass
class _Rel:
    kind: str  # support | attack | undercut | contradiction
    source: Ref
    target: Ref
    line: int
    col: int


def _describe_tok(tok: _Tok | None) -> str:
    if tok is None:
        return "the end of the file"
    if tok.kind == "blank":
        return "an empty line"
    if tok.kind == "rel":
        return f"the relation '{tok.raw}'"
    if tok.kind == "inf":
        return "an inference line"
    shown = tok.raw or str(tok.value)
    shown = shown if len(shown) <= 30 else shown[:27] + "..."
    return repr(shown)


class _Parser:
    def __init__(self, tokens: list[_Tok], tally: Tally, end: tuple[int, int]) -> None:
        self.toks = tokens
        self.i = 0
        self.tally = tally
        self.end = end
        self.ecs: dict[Hashable, _EC] = {}
        self.args: dict[Hashable, _Arg] = {}
        self.rels: list[_Rel] = []
        self.headings: list[tuple[int, str, int]] = []
        self.front: dict[str, Any] = {}
        self.seq = itertools.count()
        self.untitled = itertools.count(1)
        self.in_list = False

    # -- token access

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def skip_ws(self) -> None:
        while (tok := self.peek()) is not None and tok.kind == "ws":
            self.i += 1

    def error(self, tok: _Tok | None, message: str) -> FormatError:
        line, col = (tok.line, tok.col) if tok is not None else self.end
        return FormatError(message, line=line, column=col)

    # -- document

    def parse(self) -> None:
        previous_argument: Hashable | None = None
        after = "the start of the file"  # what a misplaced relation line follows
        while (tok := self.peek()) is not None:
            kind = tok.kind
            if kind in ("blank", "ws"):
                self.take()
                after = "an empty line" if kind == "blank" else after
                continue
            if kind == "front":
                self.take()
                self.front = self.read_front_matter(tok)
                after = "the front matter"
                continue
            if kind == "head":
                self.heading()
                after = "a heading"
            elif kind == "num":
                self.pcs(previous_argument)
            elif kind == "inf":
                raise self.error(
                    tok, "expected a numbered premise such as '(1) ...' before this inference line"
                )
            elif kind == "rel":
                raise self.error(
                    tok,
                    f"expected a statement or an argument above this '{tok.raw}' relation "
                    f"but found {after}",
                )
            elif kind == "item":
                self.list_block()
            else:
                ref = self.element("top", None)
                if ref is not None:
                    self.relations(ref)
                    if ref[0] == "arg":
                        previous_argument = ref[1]
                        continue
            previous_argument = None

    def heading(self) -> None:
        tok = self.take()
        text, _tags, _data = self.compose(self.content())
        self.headings.append((tok.value, text, tok.line))

    def list_block(self) -> None:
        self.in_list = True
        while (tok := self.peek()) is not None and tok.kind == "item":
            self.take()
            ref = self.element("item", tok)
            if ref is not None:
                self.relations(ref)
            self.skip_ws()
        self.in_list = False

    # -- elements

    def content(self) -> list[_Tok]:
        """Take the content tokens of one element (its text may run over several lines)."""
        toks: list[_Tok] = []
        while (tok := self.peek()) is not None and tok.kind in _CONTENT:
            if self.in_list and tok.kind == "item":
                break
            if (
                tok.kind in ("sdef", "sref", "adef", "aref")
                and toks
                and any(not _blank(t) for t in toks)
                and toks[-1].kind == "ws"
            ):
                raise self.error(
                    tok,
                    f"expected an empty line before {tok.raw} (Argdown separates statements "
                    "and arguments by empty lines), or a relation sign such as '+' in front of it",
                )
            toks.append(self.take())
        return toks

    def element(self, context: str, marker: _Tok | None) -> Ref | None:
        """Parse a statement or argument (its text runs to the next structural line)."""
        toks = self.content()
        start = next((n for n, t in enumerate(toks) if not _blank(t)), None)
        if start is None:
            if context == "top":
                return None
            assert marker is not None
            raise FormatError(
                f"expected a statement or an argument after '{marker.raw}' "
                f"but found {_describe_tok(self.peek())}",
                line=marker.line,
                column=marker.col + len(marker.raw),
            )
        first = toks[start]
        title: str | None = None
        rest = toks[start:]
        if first.kind in ("sdef", "sref", "adef", "aref"):
            title = first.value
            rest = toks[start + 1 :]
            if first.kind in ("sref", "aref"):
                bad = next(
                    (t for t in rest if t.kind not in ("ws", "tag", "data") and not _blank(t)), None
                )
                if bad is not None:
                    shown = bad.raw.strip() or bad.raw
                    raise FormatError(
                        f"expected ':' right after {first.raw} to give it a text, "
                        f"or nothing after it, but found {shown[:30]!r}",
                        line=bad.line,
                        column=bad.col + len(bad.raw) - len(bad.raw.lstrip()),
                    )
        text, tags, data = self.compose(rest)
        is_argument = first.kind in ("adef", "aref")
        if is_argument and context == "pcs":
            raise self.error(
                first,
                f"expected a statement in a premise-conclusion structure but found the "
                f"argument {first.raw}",
            )
        occ = _Occ(text or None, tags, data, first.line, first.col)
        if is_argument:
            arg = self.argument(title, first)
            arg.members.append(occ)
            return ("arg", arg.key)
        if title is None:
            if not text:
                if context == "top":
                    self.tally.note(f"Line {first.line} holds no statement text; it was skipped.")
                    return None
                raise self.error(first, f"expected statement text but found {_describe_tok(first)}")
            key: Hashable = ("untitled", next(self.untitled))
        else:
            key = title
        ec = self.ecs.get(key)
        if ec is None:
            ec = self.ecs[key] = _EC(key, title, next(self.seq))
        ec.members.append(occ)
        if context == "top" and title is None:
            ec.top_level = True
        return ("ec", key)

    def argument(self, title: str | None, tok: _Tok) -> _Arg:
        key: Hashable = title if title is not None else ("untitled", next(self.untitled))
        arg = self.args.get(key)
        if arg is None:
            arg = self.args[key] = _Arg(key, title, next(self.seq), tok.line, tok.col)
        return arg

    def compose(self, toks: list[_Tok]) -> tuple[str, list[str], dict[str, Any]]:
        """Return the text, tags and data of an element's content tokens.

        Tags that end the text are taken out of it; tags inside a sentence stay.
        """
        last_text = max(
            (
                n
                for n, t in enumerate(toks)
                if t.kind not in ("ws", "tag", "data") and not _blank(t)
            ),
            default=-1,
        )
        pieces: list[str] = []
        tags: list[str] = []
        data: dict[str, Any] = {}
        for n, tok in enumerate(toks):
            if tok.kind == "tag":
                if tok.value not in tags:
                    tags.append(tok.value)
                if n < last_text:
                    pieces.append(tok.raw)
            elif tok.kind == "data":
                data.update(self.read_data(tok))
            elif tok.kind in ("ws", "esc", "text"):
                pieces.append(tok.value)
            else:
                pieces.append(tok.raw)
        return squash_space("".join(pieces)), tags, data

    def read_data(self, tok: _Tok) -> dict[str, Any]:
        raw = tok.value
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
            if yaml is not None:
                try:
                    value = yaml.safe_load(raw)
                except yaml.YAMLError:
                    value = None
        if not isinstance(value, dict):
            self.tally.note(
                f"The data block at line {tok.line}, column {tok.col} is not a readable "
                "YAML mapping; it was ignored."
            )
            return {}
        return value

    def read_front_matter(self, tok: _Tok) -> dict[str, Any]:
        value: Any = None
        if yaml is not None:
            try:
                value = yaml.safe_load(tok.value)
            except yaml.YAMLError:
                value = None
        else:  # pragma: no cover - without PyYAML, read the title line only
            m = re.search(r"^title:[ \t]*(.+?)[ \t]*$", tok.value, re.MULTILINE)
            value = {"title": m.group(1).strip("'\"")} if m else {}
        if not isinstance(value, dict):
            self.tally.note("The front matter is not a readable YAML mapping; it was ignored.")
            return {}
        return value

    # -- relations and premise-conclusion structures

    def relations(self, root: Ref, root_undercut: Ref | None = None) -> None:
        """Parse the indented relation lines under ``root`` (a tree by indentation)."""
        stack: list[tuple[int, Ref]] = [(-1, root)]
        while (tok := self.peek()) is not None and tok.kind == "rel":
            self.take()
            while len(stack) > 1 and tok.indent <= stack[-1][0]:
                stack.pop()
            parent = stack[-1][1]
            child = self.element("relation", tok)
            assert child is not None
            self.relation(tok, parent, child, root_undercut if len(stack) == 1 else None)
            stack.append((tok.indent, child))

    def relation(self, tok: _Tok, parent: Ref, child: Ref, undercut_target: Ref | None) -> None:
        kind, parent_is_source = _OPS[tok.raw]
        if kind == "contradiction":
            for side, ref in (("after", child), ("above", parent)):
                if ref[0] != "ec":
                    raise self.error(
                        tok,
                        f"expected a statement {side} '><' (a contradiction is between "
                        f"statements) but found the argument <{self.args[ref[1]].title}>",
                    )
        source, target = (parent, child) if parent_is_source else (child, parent)
        if source[0] == "inf":
            raise self.error(
                tok,
                f"expected '<_', '<-' or '<+' under an inference line but found '{tok.raw}': "
                "an inference can be undercut or supported but is not itself a reason",
            )
        if kind == "undercut" and target[0] == "ec":
            if undercut_target is not None and target == parent:
                target = undercut_target
            else:
                kind = "attack"
                self.tally.note(
                    f"The undercut at line {tok.line} is aimed at a statement, not an "
                    "argument; it was read as an attack."
                )
        if kind == "attack" and target[0] == "inf":
            kind = "undercut"
        self.rels.append(_Rel(kind, source, target, tok.line, tok.col))

    def pcs(self, previous_argument: Hashable | None) -> None:
        first = self.peek()
        assert first is not None
        if previous_argument is not None:
            arg = self.args[previous_argument]
        else:
            arg = self.argument(None, first)
        if arg.pcs is not None:
            self.tally.note(
                f"Argument <{arg.title}> has more than one premise-conclusion structure; "
                "the last one was kept."
            )
        items: list[_PcsStatement | _Inference] = []
        last_inference: Ref | None = None
        last_tok = first
        while (tok := self.peek()) is not None and tok.kind in ("num", "inf", "ws"):
            self.take()
            if tok.kind == "ws":
                continue
            last_tok = tok
            if tok.kind == "num":
                ref = self.element("pcs", tok)
                assert ref is not None
                assert ref[0] == "ec"
                self.ecs[ref[1]].in_pcs = True
                items.append(_PcsStatement(ref[1], tok.value, tok.line, tok.col))
                self.relations(ref, last_inference)
                continue
            if isinstance(items[-1], _Inference):
                raise self.error(
                    tok, "expected a numbered statement '(n) ...' between two inference lines"
                )
            rules, data_tok = tok.value
            data = self.read_data(data_tok) if data_tok is not None else {}
            items.append(_Inference(rules, data, tok.line, tok.col))
            last_inference = ("inf", arg.key, len(items) - 1)
            self.relations(last_inference)
        if not any(isinstance(item, _Inference) for item in items):
            raise self.error(
                self.peek(),
                "expected an inference line ('----') and a conclusion after the premises "
                f"that start at line {first.line}, but found {_describe_tok(self.peek())}",
            )
        if isinstance(items[-1], _Inference):
            raise self.error(
                self.peek(),
                "expected the conclusion '(n) ...' after the inference line at line "
                f"{last_tok.line} but found {_describe_tok(self.peek())}",
            )
        arg.pcs = items


def _blank(tok: _Tok) -> bool:
    return tok.kind == "ws" or (tok.kind == "text" and not tok.value.strip())


# ---------------------------------------------------------------------------- building


@dataclass
class _Spec:
    """A link to be."""

    kind: Kind
    premises: list[Hashable]
    conclusion: Hashable | None
    target: _Spec | tuple[str, Hashable] | None  # a link, or ("yields", argument key)
    scheme: str
    note: str
    pos: tuple[int, int]
    origin: Hashable | None = None  # the argument (without PCS) this link stands for
    alive: bool = True


def _canonical(members: list[_Occ]) -> str | None:
    texted = [m for m in members if m.text]
    for m in reversed(texted):
        if m.data.get("isCanonical") is True:
            return m.text
    return texted[-1].text if texted else None


def _merged_data(members: list[_Occ]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for m in members:
        data.update(m.data)
    return data


def _attribution(data: dict[str, Any]) -> str:
    for key in ("attributed_to", "proponent"):
        value = data.get(key)
        if isinstance(value, str) and squash_space(value):
            return squash_space(value)
    return ""


def _format_tag(tag: str) -> str:
    return f"#{tag}" if _PLAIN_TAG.fullmatch(tag) else f"#({tag})"


def _unique_tags(members: list[_Occ]) -> list[str]:
    return list(dict.fromkeys(tag for m in members for tag in m.tags))


class _Builder:
    def __init__(self, parser: _Parser, tally: Tally) -> None:
        self.p = parser
        self.tally = tally
        self.specs: list[_Spec] = []
        self.last_step: dict[Hashable, _Spec] = {}
        self.step: dict[tuple[Hashable, int], _Spec] = {}
        self.bare: dict[Hashable, list[Hashable]] = {}
        self.described: dict[Hashable, str] = {}  # argument key -> description text

    def build(self) -> ArgumentGraph:
        p = self.p
        consumed = self.represent_arguments()
        for arg in p.args.values():
            if arg.pcs is not None:
                self.steps(arg)
        self.relation_links(consumed)
        self.expand_yields()
        self.check_links()
        statements, number = self.statements()
        links = self.links(number)
        return ArgumentGraph(
            map=MapInfo(slug="", title=self.title()), statements=statements, links=links
        )

    # -- arguments

    def represent_arguments(self) -> set[int]:
        """Decide what stands for each argument without a PCS; return consumed relations."""
        consumed: set[int] = set()
        involved = {
            ref[1] for rel in self.p.rels for ref in (rel.source, rel.target) if ref[0] == "arg"
        }
        supported_by: dict[Hashable, list[_Rel]] = {}
        elsewhere: set[Hashable] = set()  # arguments in a relation other than such support
        for rel in self.p.rels:
            if rel.kind == "support" and rel.target[0] == "arg" and rel.source[0] == "ec":
                supported_by.setdefault(rel.target[1], []).append(rel)
            else:
                elsewhere.update(r[1] for r in (rel.source, rel.target) if r[0] == "arg")
        for arg in self.p.args.values():
            if arg.pcs is not None:
                continue
            description = _canonical(arg.members)
            supporters = supported_by.get(arg.key, [])
            if description is None and supporters:
                self.bare[arg.key] = list(dict.fromkeys(rel.source[1] for rel in supporters))
                consumed.update(id(rel) for rel in supporters)
                if arg.key not in elsewhere:
                    # Its premises would stand for it, but it stands in no other relation.
                    self.tally.leave_out("relation", len(supporters))
                    lines = ", ".join(str(rel.line) for rel in supporters)
                    self.tally.note(
                        f"Argument <{arg.title}> has no content and takes part in no other "
                        f"relation; the relation(s) at line {lines} that support it were left out."
                    )
            elif description is not None or arg.key in involved:
                if description is None:
                    self.tally.note(
                        f"Argument <{arg.title}> has no description; its title stands for it."
                    )
                self.described[arg.key] = description or str(arg.title)
        return consumed

    def arg_note(self, arg: _Arg) -> str:
        data = _merged_data(arg.members)
        parts: list[str] = []
        if isinstance(data.get("note"), str):
            parts.append(squash_space(data["note"]))
        elif arg.pcs is not None:
            parts.append(_canonical(arg.members) or "")
        tags = _unique_tags(arg.members)
        if tags:
            parts.append(" ".join(_format_tag(t) for t in tags))
        return " ".join(part for part in parts if part)

    def steps(self, arg: _Arg) -> None:
        assert arg.pcs is not None
        items = arg.pcs
        numbers = {it.number: it.key for it in items if isinstance(it, _PcsStatement)}
        previous = -1
        spec: _Spec | None = None
        for index, item in enumerate(items):
            if not isinstance(item, _Inference):
                continue
            conclusion = items[index + 1]
            assert isinstance(conclusion, _PcsStatement)
            uses = item.data.get("uses")
            if isinstance(uses, list) and uses:
                premises = [numbers[u] for u in uses if isinstance(u, int) and u in numbers]
                if len(premises) < len(uses):
                    self.tally.note(
                        f"The inference at line {item.line} uses statement numbers that its "
                        "argument does not have; they were ignored."
                    )
            else:
                premises = [
                    it.key for it in items[previous + 1 : index] if isinstance(it, _PcsStatement)
                ]
            previous = index
            scheme = ", ".join(item.rules)
            if not scheme and isinstance(item.data.get("scheme"), str):
                scheme = squash_space(item.data["scheme"])
            spec = _Spec(
                Kind.SUPPORT, premises, conclusion.key, None, scheme, "", (item.line, item.col)
            )
            self.step[(arg.key, index)] = spec
            self.specs.append(spec)
        assert spec is not None
        spec.note = self.arg_note(arg)
        self.last_step[arg.key] = spec

    def out(self, ref: Ref) -> list[Hashable]:
        """Return the statements that speak for ``ref`` when it is a relation's source."""
        if ref[0] == "ec":
            return [ref[1]]
        arg = self.p.args[ref[1]]
        if arg.pcs is not None:
            last = arg.pcs[-1]
            assert isinstance(last, _PcsStatement)
            return [last.key]
        if arg.key in self.bare:
            return list(self.bare[arg.key])
        return [("desc", arg.key)]

    # -- links

    def relation_links(self, consumed: set[int]) -> None:
        seen: set[tuple[Any, ...]] = set()
        for rel in self.p.rels:
            if id(rel) in consumed:
                continue
            key = (rel.kind, rel.source, rel.target)
            mirrored = (rel.kind, rel.target, rel.source)
            if key in seen or (rel.kind == "contradiction" and mirrored in seen):
                continue
            seen.add(key)
            pos = (rel.line, rel.col)
            if rel.kind == "contradiction":
                for a, b in ((rel.source, rel.target), (rel.target, rel.source)):
                    self.specs.append(
                        _Spec(Kind.OPPOSE, self.out(a), b[1], None, "", "contradiction", pos)
                    )
                continue
            origin: Hashable | None = None
            note = scheme = ""
            if rel.source[0] == "arg" and self.p.args[rel.source[1]].pcs is None:
                origin = rel.source[1]
                arg = self.p.args[origin]
                note = self.arg_note(arg)
                given = _merged_data(arg.members).get("scheme")
                scheme = squash_space(given) if isinstance(given, str) else ""
            kind = Kind.SUPPORT if rel.kind == "support" else Kind.OPPOSE
            conclusion: Hashable | None = None
            target: _Spec | tuple[str, Hashable] | None = None
            if rel.target[0] == "ec":
                conclusion = rel.target[1]
            elif rel.target[0] == "inf":
                target = self.step[(rel.target[1], rel.target[2])]
            else:
                b = rel.target[1]
                if self.p.args[b].pcs is not None:
                    target = self.last_step[b]
                elif rel.kind == "undercut" or b in self.bare:
                    target = ("yields", b)
                else:
                    conclusion = ("desc", b)
            self.specs.append(
                _Spec(kind, self.out(rel.source), conclusion, target, scheme, note, pos, origin)
            )

    def expand_yields(self) -> None:
        """Aim links at an argument without PCS at the link(s) that argument makes."""
        pending = {id(s) for s in self.specs if isinstance(s.target, tuple)}
        by_origin: dict[Hashable, list[_Spec]] = {}
        for spec in self.specs:
            if spec.origin is not None:
                by_origin.setdefault(spec.origin, []).append(spec)
        replaced: dict[int, list[_Spec]] = {}
        progress = True
        while pending and progress:
            progress = False
            for spec in [s for s in self.specs if id(s) in pending]:
                assert isinstance(spec.target, tuple)
                b = spec.target[1]
                made = [s for s in by_origin.get(b, []) if s is not spec]
                if any(id(s) in pending for s in made):
                    continue
                progress = True
                pending.discard(id(spec))
                copies = [dataclasses.replace(spec, target=s) for s in made]
                if not copies and b in self.described:
                    spec.target = None
                    spec.conclusion = ("desc", b)
                    copies = [spec]
                    self.tally.note(
                        f"Argument <{self.p.args[b].title}> makes no link to undercut; "
                        f"the undercut at line {spec.pos[0]} attacks its description instead."
                    )
                elif not copies:
                    self.tally.note(
                        f"The relation at line {spec.pos[0]} aims at argument "
                        f"<{self.p.args[b].title}>, which makes no link; it was left out."
                    )
                replaced[id(spec)] = copies
                if spec.origin is not None:
                    siblings = by_origin[spec.origin]
                    index = next(n for n, s in enumerate(siblings) if s is spec)
                    siblings[index : index + 1] = copies
        for spec in self.specs:
            if id(spec) in pending:
                replaced[id(spec)] = []
                self.tally.note(
                    f"The undercut at line {spec.pos[0]} is part of a circle of undercuts "
                    "with nothing to aim at; it was left out."
                )
        self.specs = [new for spec in self.specs for new in replaced.get(id(spec), [spec])]

    def check_links(self) -> None:
        for spec in self.specs:
            spec.premises = list(dict.fromkeys(spec.premises))
            if spec.conclusion is not None and spec.conclusion in spec.premises:
                spec.premises.remove(spec.conclusion)
                self.tally.note(
                    f"The link at line {spec.pos[0]} had its conclusion among its premises; "
                    "it was taken out of the premises."
                )
            if not spec.premises:
                spec.alive = False
                self.tally.note(f"The link at line {spec.pos[0]} has no premise; it was left out.")
        changed = True
        while changed:
            changed = False
            for spec in self.specs:
                if spec.alive and isinstance(spec.target, _Spec) and not spec.target.alive:
                    spec.alive = False
                    changed = True
                    self.tally.note(
                        f"The link at line {spec.pos[0]} aims at a link that was left out; "
                        "it was left out too."
                    )

    # -- statements

    def statements(self) -> tuple[tuple[Statement, ...], dict[Hashable, int]]:
        used: set[Hashable] = set()
        for spec in self.specs:
            if spec.alive:
                used.update(spec.premises)
                if spec.conclusion is not None:
                    used.add(spec.conclusion)
        entries: list[tuple[int, Hashable, str, str]] = []  # seq, key, text, attributed_to
        prose = 0
        statement_tags = 0
        for ec in self.p.ecs.values():
            if ec.top_level and ec.title is None and not ec.in_pcs and ec.key not in used:
                prose += 1
                continue
            text = _canonical(ec.members)
            texts = {m.text for m in ec.members if m.text}
            if len(texts) > 1:
                self.tally.note(
                    f"Statement [{ec.title}] has {len(texts)} different texts; the last one "
                    "was kept (Argdown's canonical member)."
                )
            if text is None:
                text = str(ec.title)
                self.tally.note(f"Statement [{ec.title}] is never given a text; its title is used.")
            statement_tags += len(_unique_tags(ec.members))
            entries.append((ec.seq, ec.key, text, _attribution(_merged_data(ec.members))))
        for key, text in self.described.items():
            arg = self.p.args[key]
            entries.append((arg.seq, ("desc", key), text, _attribution(_merged_data(arg.members))))
        entries.sort(key=lambda entry: entry[0])
        if prose:
            self.tally.leave_out("untitled paragraph", prose)
            self.tally.note(
                f"{plural(prose, 'untitled paragraph')} taking part in no relation and no "
                f"argument {'was' if prose == 1 else 'were'} left out as prose (Argdown leaves "
                "them out of its map too)."
            )
        if statement_tags:
            self.tally.leave_out("tag", statement_tags)
            self.tally.note(
                f"{plural(statement_tags, 'tag')} on statements could not be kept: the model "
                "has no tags (tags on arguments are kept in the notes of their links)."
            )
        number = {key: n for n, (_seq, key, _text, _who) in enumerate(entries, start=1)}
        statements = tuple(
            Statement(id=number[key], text=text, attributed_to=who)
            for _seq, key, text, who in entries
        )
        return statements, number

    def links(self, number: dict[Hashable, int]) -> tuple[Link, ...]:
        alive = sorted((s for s in self.specs if s.alive), key=lambda s: s.pos)
        link_id = {id(s): n for n, s in enumerate(alive, start=1)}
        return tuple(
            Link(
                id=link_id[id(spec)],
                kind=spec.kind,
                premises=tuple(number[p] for p in spec.premises),
                conclusion=number[spec.conclusion] if spec.conclusion is not None else None,
                target_link=link_id[id(spec.target)] if isinstance(spec.target, _Spec) else None,
                scheme=spec.scheme,
                note=spec.note,
            )
            for spec in alive
        )

    def title(self) -> str:
        given = self.p.front.get("title")
        headings = self.p.headings
        title = ""
        kept_heading = False
        if isinstance(given, str | int | float) and not isinstance(given, bool):
            title = squash_space(str(given))
        elif headings and headings[0][0] == 1:
            title = headings[0][1]
            kept_heading = True
        dropped = len(headings) - (1 if kept_heading else 0)
        if dropped:
            self.tally.leave_out("heading", dropped)
            self.tally.note(
                f"{plural(dropped, 'heading')} could not be kept: the model has no groups"
                + (" (the first heading is the map title)." if kept_heading else ".")
            )
        return title


def parse_argdown(text: str) -> ImportResult:
    """Read an Argdown document into an ``ImportResult``.

    Returns the graph (statements numbered 1..n in order of first appearance, links
    1..m in order of their inference line or relation; the map's slug is ``""`` and its
    title the front matter's ``title`` or a first-level first heading), counts of what
    the model cannot hold (``"untitled paragraph"``, ``"heading"``, ``"tag"``) and notes
    on everything dropped or changed.

    Raises ``FormatError`` with line, column and what was expected for syntax errors:
    an unclosed comment, front matter or inference rule; a relation with nothing above
    it or no statement after it; text after a bare ``[Title]`` reference; an argument
    inside a premise-conclusion structure; a structure without inference line or
    conclusion; a contradiction involving an argument; an inference line as a source.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_argdown() takes str, not {type(text).__name__}")
    text = text.removeprefix("\ufeff")
    lexer = _Lexer(text)
    tokens = lexer.run()
    tally = Tally()
    parser = _Parser(tokens, tally, lexer.loc(len(text)))
    parser.parse()
    graph = _Builder(parser, tally).build()
    return tally.result(graph)


# ---------------------------------------------------------------------------- writing

_MAX_TITLE = 40
_MAX_TITLE_WORDS = 6
_UNSAFE_RULE = re.compile(r"[\\,{]|--|//|/\*|<!--|:\S+?:|\.\S+?\.")


def to_argdown(graph: ArgumentGraph) -> str:
    """Return ``graph`` as an Argdown document that Argdown tools and ``parse_argdown`` read.

    Statements get titles made from their first words; support links with a conclusion
    are arguments with a premise-conclusion structure, other links arguments whose
    premises support them (``<+``) and which attack (``->``) or undercut (``_>``) their
    target. Texts have whitespace squashed (Argdown has no line breaks inside a
    statement) and special characters escaped.

    Raises ``ValueError`` if a link names a statement or link the graph does not hold.
    """
    titles = _statement_titles(graph)
    argument_titles = {link.id: _argument_title(link) for link in graph.links}
    lines: list[str] = []
    if squash_space(graph.map.title):
        lines += [f"# {_escape(squash_space(graph.map.title))}", ""]
    for statement in graph.statements:
        line = f"[{titles[statement.id]}]: {_escape(squash_space(statement.text))}"
        who = squash_space(statement.attributed_to)
        if who:
            line += " " + _data({"attributed_to": who})
        lines += [line, ""]

    def title_of(statement_id: int, link: Link) -> str:
        if statement_id not in titles:
            raise ValueError(f"link {link.id} names statement {statement_id}, not in the graph")
        return titles[statement_id]

    for link in graph.links:
        note = squash_space(link.note)
        scheme = squash_space(link.scheme)
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
    return "\n".join(lines) + "\n" if lines else ""


def _argument_title(link: Link) -> str:
    if link.kind == Kind.SUPPORT:
        return f"Argument {link.id}"
    return f"Undercut {link.id}" if link.target_link is not None else f"Objection {link.id}"


def _statement_titles(graph: ArgumentGraph) -> dict[int, str]:
    """Return a short, unique title for every statement, made from its first words."""
    titles: dict[int, str] = {}
    used: set[str] = set()
    for statement in graph.statements:
        base = ""
        for n, word in enumerate(w for w in re.split(r"[\W_]+", statement.text) if w):
            candidate = f"{base} {word}".strip()
            if n >= _MAX_TITLE_WORDS or (base and len(candidate) > _MAX_TITLE):
                break
            base = candidate[:_MAX_TITLE]
        base = base or f"Statement {statement.id}"
        title = base
        counter = 2
        while title.casefold() in used:
            title = f"{base} {counter}"
            counter += 1
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
