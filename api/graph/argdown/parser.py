"""The Argdown parser: tokens to statements, arguments and relations (recursive descent
over the document's lines; relation trees by indentation are walked with a stack)."""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from api.graph.argdown.lexer import _CONTENT, _Tok
from api.graph.budget import Budget, BudgetExceeded, NestingTooDeep
from api.graph.errors import FormatError
from api.graph.interchange import Tally, squash_space
from api.graph.safeload import load_json_text, load_yaml

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
    def __init__(
        self, tokens: list[_Tok], tally: Tally, end: tuple[int, int], budget: Budget | None = None
    ) -> None:
        self.toks = tokens
        self.budget = Budget.of(budget)
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
        self.budget.spend()
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
            if tok.kind == "item":
                if self.in_list:
                    break
                if toks and any(not _blank(t) for t in toks):
                    raise self.error(
                        tok,
                        f"expected an empty line before this list item '{tok.raw}' (an Argdown "
                        "list starts a block of its own and does not nest), or a relation "
                        "sign such as '+' in front of it",
                    )
            if (
                tok.kind in ("sdef", "sref", "adef", "aref")
                and toks
                and toks[-1].kind == "ws"
                and any(not _blank(t) for t in toks)
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
        if context in ("top", "item") and title is None:
            ec.top_level = True  # a paragraph or list item: prose unless it is used
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
        tags: dict[str, None] = {}
        data: dict[str, Any] = {}
        for n, tok in enumerate(toks):
            if tok.kind == "tag":
                tags[tok.value] = None
                if n < last_text:
                    pieces.append(tok.raw)
            elif tok.kind == "data":
                data.update(self.read_data(tok))
            elif tok.kind in ("ws", "esc", "text"):
                pieces.append(tok.value)
            else:
                pieces.append(tok.raw)
        return squash_space("".join(pieces)), list(tags), data

    def read_data(self, tok: _Tok) -> dict[str, Any]:
        """Return a data block's mapping (JSON, else YAML); note and ignore anything else.

        Raises ``FormatError`` at the block if it nests deeper than the budget allows.
        """
        raw = tok.value
        where = f"the data block at line {tok.line}, column {tok.col}"
        try:
            value = load_json_text(raw, self.budget, what=where)
        except NestingTooDeep as exc:
            line = tok.line + (exc.line or 1) - 1
            column = (exc.column or 1) + (tok.col - 1 if exc.line == 1 else 0)
            raise NestingTooDeep(exc.message, line=line, column=column) from None
        except BudgetExceeded:
            raise
        except FormatError:  # not JSON: YAML, as Argdown reads data
            value = load_yaml(raw, self.budget, what=where, line=tok.line, column=tok.col)
        if not isinstance(value, dict):
            self.tally.note(
                f"The data block at line {tok.line}, column {tok.col} is not a readable "
                "YAML mapping; it was ignored."
            )
            return {}
        return value

    def read_front_matter(self, tok: _Tok) -> dict[str, Any]:
        value = load_yaml(tok.value, self.budget, what="the front matter", line=tok.line, column=1)
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
