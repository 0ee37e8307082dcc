"""Reads: turn the database rows of a map into an ``api.graph.ArgumentGraph``.

A whole map costs three queries whatever its size (statements, links, premises).
"""

from __future__ import annotations

from collections import defaultdict

from api.graph import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.models import ArgumentMap, LinkPremise
from api.models import Link as LinkRow
from api.models import Statement as StatementRow


def map_info_get(map_: ArgumentMap) -> MapInfo:
    return MapInfo(
        slug=map_.slug,
        title=map_.title,
        summary=map_.summary,
        source_title=map_.source_title,
        source_author=map_.source_author,
        source_date=map_.source_date.isoformat() if map_.source_date else None,
        source_url=map_.source_url,
        source_text=map_.source_text,
        version=map_.version,
    )


def map_graph_get(map_: ArgumentMap) -> ArgumentGraph:
    """Return the whole map as an ``ArgumentGraph`` in three queries."""
    statements = tuple(
        Statement(*row)
        for row in StatementRow.objects.filter(map=map_)
        .order_by("id")
        .values_list(
            "id", "text", "quote", "quote_start", "quote_end", "attributed_to", "base_score"
        )
    )
    premises: dict[int, list[int]] = defaultdict(list)
    for link_id, statement_id in (
        LinkPremise.objects.filter(link__map=map_)
        .order_by("link_id", "position", "id")
        .values_list("link_id", "statement_id")
    ):
        premises[link_id].append(statement_id)
    links = tuple(
        Link(
            id=pk,
            kind=Kind(kind),
            premises=tuple(premises[pk]),
            conclusion=conclusion,
            target_link=target_link,
            scheme=scheme,
            note=note,
        )
        for pk, kind, conclusion, target_link, scheme, note in LinkRow.objects.filter(map=map_)
        .order_by("id")
        .values_list("id", "kind", "conclusion_id", "target_link_id", "scheme", "note")
    )
    return ArgumentGraph(map=map_info_get(map_), statements=statements, links=links)
