"""Request bodies read within the import limits (``api.limits.import_budget``).

``JSONParser`` replaces DRF's (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): it measures
how deep the body nests, in one pass that does not recurse, before decoding it (DRF's
parser ends 50 000 ``[`` in a ``RecursionError``, a 500). A body nested deeper than
``ARGMAP_MAX_NESTING`` is a 400 that says so. Unpaired surrogates (``"\\ud800"``) are
left in: the services refuse them with a 400 naming the field
(``api.graph.validate.text_problem``), as they refuse any text no database stores.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from api.graph.errors import FormatError
from api.graph.safeload import load_json_text
from api.limits import import_budget


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting checked before decoding."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context=None) -> Any:
        # get_encoding is DRF 3.18's own helper; its stubs do not list it yet.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"JSON parse error - the body is not {encoding}: byte {exc.start} is "
                f"{raw[exc.start]:#04x}."
            ) from None
        try:
            return load_json_text(
                text, import_budget(), what="the request body", strip_lone_surrogates=False
            )
        except FormatError as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
