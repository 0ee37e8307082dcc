"""The Argdown lexer: text to tokens, in one pass.

Modelled on the reference implementation's lexer (the same tokens, relations only at
the start of a line, comments dropped, newlines inside text as ``"ws"`` tokens).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from api.graph.budget import Budget
from api.graph.errors import FormatError
from api.graph.interchange import squash_space

# One line break: CRLF (Windows), LF or a lone CR. A CR is a break of its own only when no
# LF follows, so that no pattern can split a CRLF into two breaks (an empty line).
_NL = r"(?:\r\n|\n|\r(?!\n))"
_NEWLINE = re.compile(_NL)
_EMPTYLINE = re.compile(rf"{_NL}(?:[ \t]*{_NL})+")
_INDENT = re.compile(r"[ \t]*")
_RELATION = re.compile(r"\+>|->|<\+|<-|<_|_>|><|\+|-|_(?=[ \t])")
_NUMBER = re.compile(r"\((\d+)\)")
_HEADING = re.compile(r"(#+)[ \t]")
_LIST_ITEM = re.compile(r"(?:\d+\.|\*)(?=[ \t])")
_FRONT_LINE = re.compile(r"={3,}[ \t]*(?=\r|\n|$)")
_FRONT_CLOSE = re.compile(rf"{_NL}={{3,}}[ \t]*(?=\r|\n|$)")
# Where a bracket that opens a title, link, mention or long tag may close: the next
# closing bracket or line end (the bracket closes only if that is not a line end).
_STOP_BRACKET = re.compile(r"[\]\r\n]")
_STOP_ANGLE = re.compile(r"[>\r\n]")
_STOP_PAREN = re.compile(r"[)\r\n]")
_TAG_CHARS = r"A-Za-z0-9_\-\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"
_PLAIN_TAG = re.compile(rf"[{_TAG_CHARS}]+")
_TEXT = re.compile(r"[^\\@#\[<{/\r\n]+")
_DASHES_ONLY = re.compile(r"-+[ \t]*(?=\r|\n|$)")
_DASHES = re.compile(r"-+")
_SPACES = re.compile(r"[ \t]*")

# What a token costs the budget: it is the unit of work of the lexer, the parser and the
# builder alike, some microseconds in all, where a character scanned is a fraction of one.
TOKEN_STEPS = 2

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

    def __init__(self, text: str, budget: Budget | None = None) -> None:
        self.text = text
        self.budget = Budget.of(budget)
        self.budget.spend(text.count("\n") + text.count("\r") + 1)  # before the work
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.tokens: list[_Tok] = []
        # What earlier scans learnt, so that no part of the text is scanned again for
        # every bracket that opens in it: see ``stop`` and ``data_end``.
        self.stops: dict[re.Pattern[str], tuple[int, int]] = {}
        self.closes: dict[int, int | None] = {}

    def loc(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        return line, pos - self.starts[line - 1] + 1

    def error(self, pos: int, message: str) -> FormatError:
        line, col = self.loc(pos)
        return FormatError(message, line=line, column=col)

    def emit(self, kind: str, value: Any, pos: int, raw: str = "", indent: int = 0) -> None:
        self.budget.spend(TOKEN_STEPS)
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

    def stop(self, pattern: re.Pattern[str], pos: int) -> int:
        """Return the first position from ``pos`` on where ``pattern`` (one character)
        matches, or the end of the text.

        The answer for the last search is kept per pattern: it holds for every ``pos``
        between where that search started and what it found, so a run of opening
        brackets with no closing one is scanned once, not once per bracket.
        """
        known = self.stops.get(pattern)
        if known is not None and known[0] <= pos <= known[1]:
            return known[1]
        m = pattern.search(self.text, pos)
        found = m.start() if m else len(self.text)
        self.budget.spend(found - pos + 1)
        self.stops[pattern] = (pos, found)
        return found

    def closing(self, pattern: re.Pattern[str], closer: str, pos: int) -> int | None:
        """Return where ``closer`` closes a bracket whose content starts at ``pos``:
        the content is not empty and holds no line end. None if it does not close."""
        found = self.stop(pattern, pos)
        if found > pos and found < len(self.text) and self.text[found] == closer:
            return found
        return None

    def data_end(self, start: int) -> int | None:
        """Return the position after the ``{...}`` block opening at ``start``, None if unclosed.

        Braces nest; braces inside quoted strings (JSON, or YAML quoted after ``{ [ , :``)
        do not count. One scan finds the closing brace of every ``{`` it meets outside
        quotes (a later scan from such a brace would see the same characters in the same
        state); those answers are kept, so a flood of unclosed braces is scanned once.
        """
        if start in self.closes:
            return self.closes[start]
        text = self.text
        opened: list[int] = []
        quote = ""
        prev = ""
        i = start
        # Never scan further than the budget allows: past it, ``spend`` below raises.
        n = min(len(text), start + self.budget.remaining + 1)
        end: int | None = None
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
                opened.append(i)
            elif ch == "}" and opened:
                self.closes[opened.pop()] = i + 1
                if not opened:
                    end = i + 1
                    break
            if not ch.isspace():
                prev = ch
            i += 1
        self.budget.spend(i - start + 1)
        for position in opened:
            self.closes[position] = None
        return end

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
        assert indent_match is not None  # the pattern matches the empty string too
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
                end = self.data_end(pos)
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
            end = self.data_end(pos)
            if end is not None:
                self.emit("data", text[pos:end], pos, raw=text[pos:end])
                return end
        elif ch == "\\":
            if pos + 1 < len(text) and text[pos + 1] not in "\r\n":
                self.emit("esc", text[pos + 1], pos, raw=text[pos : pos + 2])
                return pos + 2
        elif ch == "[":
            close = self.closing(_STOP_BRACKET, "]", pos + 1)
            if close is not None:
                paren = None
                if text.startswith("(", close + 1):
                    paren = self.closing(_STOP_PAREN, ")", close + 2)
                if paren is not None:
                    self.emit("link", text[pos : paren + 1], pos, raw=text[pos : paren + 1])
                    return paren + 1
                title = squash_space(text[pos + 1 : close])
                if text.startswith(":", close + 1):
                    self.emit("sdef", title, pos, raw=text[pos : close + 2])
                    return close + 2
                self.emit("sref", title, pos, raw=text[pos : close + 1])
                return close + 1
        elif ch == "<":
            close = self.closing(_STOP_ANGLE, ">", pos + 1)
            if close is not None:
                title = squash_space(text[pos + 1 : close])
                if text.startswith(":", close + 1):
                    self.emit("adef", title, pos, raw=text[pos : close + 2])
                    return close + 2
                self.emit("aref", title, pos, raw=text[pos : close + 1])
                return close + 1
        elif ch == "#":
            if text.startswith("(", pos + 1):
                close = self.closing(_STOP_PAREN, ")", pos + 2)
                if close is not None:
                    tag = squash_space(text[pos + 2 : close])
                    self.emit("tag", tag, pos, raw=text[pos : close + 1])
                    return close + 1
            else:
                m = _PLAIN_TAG.match(text, pos + 1)
                if m:
                    tag = m.group()  # ASCII tag characters hold no space to squash
                    tag = tag if tag.isascii() else squash_space(tag)
                    self.emit("tag", tag, pos, raw=text[pos : m.end()])
                    return m.end()
        elif ch == "@" and text.startswith(("[", "<"), pos + 1):
            bracket = text[pos + 1]
            stop, closer = (_STOP_BRACKET, "]") if bracket == "[" else (_STOP_ANGLE, ">")
            close = self.closing(stop, closer, pos + 2)
            if close is not None:
                self.emit("mention", text[pos : close + 1], pos, raw=text[pos : close + 1])
                return close + 1
        m = _TEXT.match(text, pos)
        end = m.end() if m else pos + 1
        self.emit("text", text[pos:end], pos, raw=text[pos:end])
        return end
