"""``{{ text|neutralize_bidi }}``: user text on the pages without the invisible controls
that reorder or hide it (``api.graph.text.neutralize_bidi``); Django escapes it after.
``{% statement_href id %}``: the link to a statement of the page's argument."""

from __future__ import annotations

from django import template

from api.graph.text import neutralize_bidi as _neutralize_bidi

register = template.Library()


@register.simple_tag(takes_context=True)
def statement_href(context, statement_id: int) -> str:
    """The link to a statement in the page's argument: its anchor, behind the query of
    the part that lists it when a long argument is split into parts (``part_of``,
    ``part`` and ``part_queries`` in the context, from ``web.views.map_detail``)."""
    part_of = context.get("part_of")
    anchor = f"#s-{statement_id}"
    if not part_of:
        return anchor
    target = part_of.get(statement_id, context.get("part"))
    if target == context.get("part"):
        return anchor
    return f"?{context['part_queries'][target]}{anchor}"


@register.filter
def neutralize_bidi(value: object) -> str:
    return _neutralize_bidi("" if value is None else str(value))
