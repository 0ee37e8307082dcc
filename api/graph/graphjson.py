"""The whole-map JSON shape (``GET /api/maps/{slug}/graph/``) to and from the graph."""

from __future__ import annotations

from typing import Any

from api.graph.model import ArgumentGraph, MapInfo

MAP_KEYS = (
    "slug",
    "title",
    "summary",
    "source_title",
    "source_author",
    "source_date",
    "source_url",
    "source_text",
    "version",
)


def map_to_dict(info: MapInfo) -> dict[str, Any]:
    """Return the map's own fields as a JSON-ready dict."""
    return {key: getattr(info, key) for key in MAP_KEYS}


def to_dict(graph: ArgumentGraph) -> dict[str, Any]:
    """Return the graph in the API's whole-map shape: ``{"map", "statements", "links"}``."""
    roles = graph.roles
    return {
        "map": map_to_dict(graph.map),
        "statements": [
            {
                "id": s.id,
                "text": s.text,
                "quote": s.quote,
                "quote_start": s.quote_start,
                "quote_end": s.quote_end,
                "attributed_to": s.attributed_to,
                "base_score": s.base_score,
                "role": roles[s.id].value,
            }
            for s in graph.statements
        ],
        "links": [
            {
                "id": link.id,
                "kind": link.kind.value,
                "premises": list(link.premises),
                "conclusion": link.conclusion,
                "target_link": link.target_link,
                "scheme": link.scheme,
                "note": link.note,
            }
            for link in graph.links
        ],
    }
