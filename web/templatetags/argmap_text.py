"""``{{ text|neutralize_bidi }}``: user text on the pages without the invisible controls
that reorder or hide it (``api.graph.text.neutralize_bidi``); Django escapes it after."""

from __future__ import annotations

from django import template

from api.graph.text import neutralize_bidi as _neutralize_bidi

register = template.Library()


@register.filter
def neutralize_bidi(value: object) -> str:
    return _neutralize_bidi("" if value is None else str(value))
