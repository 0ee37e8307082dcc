"""Request body parsers: DRF's, with JSON nested too deeply for the decoder a 400."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's decoder goes (about a thousand
    levels: no argument map needs more than four) is a 400, not a ``RecursionError``."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply (a whole map needs four levels)."
            ) from None
