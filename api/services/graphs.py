"""Whole maps: import a graph as a new map, or replace a map's contents with one."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from api.graph.model import ArgumentGraph
from api.graph.model import Link as GraphLink
from api.graph.model import Statement as GraphStatement
from api.graph.validate import check_graph, resolve_quote
from api.models import ArgumentMap, Link, LinkPremise, Statement
from api.services.common import lock_map, normalize_newlines
from api.services.maps import MAP_FIELDS, clean_map_fields, map_create

BULK_BATCH = 500


def _links_in_target_order(links: Sequence[GraphLink]) -> list[list[GraphLink]]:
    """Group links so that every attacked link comes in an earlier group than its
    undercutters (``check_graph`` has ruled out cycles)."""
    level: dict[int, int] = {}
    by_id = {link.id: link for link in links}

    def depth(link: GraphLink) -> int:
        if link.id not in level:
            level[link.id] = 0 if link.target_link is None else depth(by_id[link.target_link]) + 1
        return level[link.id]

    groups: dict[int, list[GraphLink]] = defaultdict(list)
    for link in links:
        groups[depth(link)].append(link)
    return [groups[d] for d in sorted(groups)]


def _write_links(
    map_: ArgumentMap,
    links: Sequence[GraphLink],
    statement_pk: dict[int, int],
    *,
    keep_ids: set[int],
    user=None,
) -> dict[int, int]:
    """Insert the graph's links (ids in ``keep_ids`` keep their primary key) with their
    ordered premises; return graph link id -> primary key."""
    link_pk: dict[int, int] = {}
    for group in _links_in_target_order(links):
        rows = [
            Link(
                pk=link.id if link.id in keep_ids else None,
                map=map_,
                kind=link.kind.value,
                conclusion_id=statement_pk[link.conclusion] if link.conclusion else None,
                target_link_id=link_pk[link.target_link] if link.target_link else None,
                scheme=normalize_newlines(link.scheme).strip(),
                note=normalize_newlines(link.note).strip(),
            )
            for link in group
        ]
        created = bulk_create_with_history(rows, Link, batch_size=BULK_BATCH, default_user=user)
        link_pk.update((link.id, row.pk) for link, row in zip(group, created, strict=True))
    bulk_create_with_history(
        [
            LinkPremise(link_id=link_pk[link.id], statement_id=statement_pk[p], position=i)
            for link in links
            for i, p in enumerate(link.premises)
        ],
        LinkPremise,
        batch_size=BULK_BATCH,
        default_user=user,
    )
    return link_pk


def _statement_row(map_: ArgumentMap, s: GraphStatement, source_text: str, **extra) -> Statement:
    quote, start, end = resolve_quote(
        source_text, normalize_newlines(s.quote), s.quote_start, s.quote_end
    )
    return Statement(
        map=map_,
        text=normalize_newlines(s.text).strip(),
        quote=quote,
        quote_start=start,
        quote_end=end,
        attributed_to=s.attributed_to.strip(),
        base_score=s.base_score,
        **extra,
    )


@transaction.atomic
def map_import(
    *, graph: ArgumentGraph, slug: str, title: str = "", owner=None, is_private: bool = False
) -> ArgumentMap:
    """Create a map with all the graph's statements and links in one transaction, in bulk
    (a few queries per thousand rows). The graph's ids are references within it; the
    database gives new ones. Raises ``FormatError`` (with a JSON pointer into the graph)
    or ``ValidationError`` (a map field) and writes nothing when any rule is broken."""
    check_graph(graph)  # FormatError, with a JSON pointer, at the first broken rule
    info = graph.map
    fields: dict[str, Any] = {
        name: getattr(info, name) for name in MAP_FIELDS if name not in {"title", "is_private"}
    }
    fields["source_date"] = info.source_date or None
    map_ = map_create(
        slug=slug,
        title=title or info.title or slug,
        owner=owner,
        is_private=is_private,
        **fields,
    )
    rows = [_statement_row(map_, s, map_.source_text) for s in graph.statements]
    created = bulk_create_with_history(rows, Statement, batch_size=BULK_BATCH, default_user=owner)
    statement_pk = {s.id: row.pk for s, row in zip(graph.statements, created, strict=True)}
    _write_links(map_, graph.links, statement_pk, keep_ids=set(), user=owner)
    return map_


@transaction.atomic
def map_graph_replace(
    *,
    map_: ArgumentMap,
    graph: ArgumentGraph,
    expected_version: int | None,
    map_fields: dict[str, Any] | None = None,
    user=None,
) -> ArgumentMap:
    """Replace a map's statements and links with the graph's, atomically.

    Statements and links whose ids are this map's keep them (and their history); other
    ids are references within the graph and get new ones; what the graph leaves out is
    deleted. ``map_fields`` (title, source text, ...) change the map too. Raises
    ``PreconditionFailed`` when ``expected_version`` is stale, ``FormatError`` (with a JSON
    pointer) or ``ValidationError`` when any rule is broken; either way nothing is written.
    """
    locked = lock_map(map_, expected_version)
    cleaned = clean_map_fields(map_fields or {})
    unknown = set(cleaned) - set(MAP_FIELDS)
    if unknown:
        raise ValidationError({f"map.{name}": ["Cannot be set here."] for name in unknown})
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.full_clean()
    info = dataclasses.replace(graph.map, source_text=locked.source_text)
    graph = dataclasses.replace(graph, map=info)
    check_graph(graph)  # FormatError, with a JSON pointer, at the first broken rule

    existing = set(Statement.objects.filter(map=locked).values_list("pk", flat=True))
    existing_links = set(Link.objects.filter(map=locked).values_list("pk", flat=True))
    # Links are rewritten whole (their targets may point at links written later); those
    # that keep their id keep their primary key.
    Link.objects.filter(map=locked).delete()
    keep = [s for s in graph.statements if s.id in existing]
    Statement.objects.filter(map=locked).exclude(pk__in=[s.id for s in keep]).delete()
    if keep:
        bulk_update_with_history(
            [_statement_row(locked, s, locked.source_text, pk=s.id) for s in keep],
            Statement,
            ["text", "quote", "quote_start", "quote_end", "attributed_to", "base_score"],
            batch_size=BULK_BATCH,
            default_user=user,
        )
    new = [s for s in graph.statements if s.id not in existing]
    created = bulk_create_with_history(
        [_statement_row(locked, s, locked.source_text) for s in new],
        Statement,
        batch_size=BULK_BATCH,
        default_user=user,
    )
    statement_pk = {s.id: s.id for s in keep}
    statement_pk.update((s.id, row.pk) for s, row in zip(new, created, strict=True))
    _write_links(
        locked,
        graph.links,
        statement_pk,
        keep_ids={link.id for link in graph.links} & existing_links,
        user=user,
    )
    locked.version += 1
    locked.save()
    return locked
