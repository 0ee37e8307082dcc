"""The error an importer raises when a file is not in the format it claims to be.

A ``FormatError`` says what is wrong and where: a JSON pointer (RFC 6901) for JSON input
such as AIF, or a 1-based line and column for text input such as Argdown (and for JSON
that does not parse at all). ``api.exceptions`` turns it into a 400 response.
"""

from __future__ import annotations

from typing import Any


def json_pointer(*parts: str | int) -> str:
    """Return the RFC 6901 JSON pointer to the value reached by ``parts``.

    ``json_pointer("nodes", 3, "type")`` is ``"/nodes/3/type"``; ``~`` and ``/`` inside
    a key are escaped as ``~0`` and ``~1``. No parts give ``""`` (the whole document).
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def describe(value: Any) -> str:
    """Return a short phrase naming the JSON type of ``value`` (for "but found ...")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def decode_utf8(data: bytes) -> str:
    """Return ``data`` decoded as UTF-8 (a leading BOM dropped); raise ``FormatError`` with
    the line and column of the first byte that is not UTF-8."""
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FormatError(
            f"expected UTF-8 text but found the byte {data[exc.start]:#04x}",
            line=line,
            column=column,
        ) from None


class FormatError(Exception):
    """An interchange file that cannot be read, with the place it went wrong.

    ``message`` says what was expected and what was found. ``pointer`` is set for
    errors inside a parsed JSON document; ``line`` and ``column`` (both 1-based) for
    errors in text. Fields that do not apply are ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.line = line
        self.column = column

    def location(self) -> str:
        """Return where the error is, e.g. ``"line 4, column 7"`` or ``"at /nodes/3"``."""
        parts: list[str] = []
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        if self.pointer is not None:
            parts.append(f"at {self.pointer or '/'}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def __repr__(self) -> str:
        return (
            f"FormatError({self.message!r}, pointer={self.pointer!r}, "
            f"line={self.line!r}, column={self.column!r})"
        )


class BrokenRule(FormatError):
    """A document of the right shape whose content breaks a rule of maps: an id that
    names nothing in it, a quote not in the source, undercutters in a cycle... The API
    answers 422 for it; for a ``FormatError`` of the shape itself, 400."""
