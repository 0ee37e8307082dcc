"""Reads: turn the database rows of a map into an ``api.graph.ArgumentGraph``.

A whole map costs three queries whatever its size (statements, links, premises).

``map_graph_json`` is the fast path of ``GET /api/maps/{slug}/graph/``: the same three
queries, straight from rows to JSON bytes (orjson), with no graph objects and no DRF
serializer per row; ``map_graph_json_cached`` keeps those bytes (and their gzip) in
Django's cache per map version.
"""

from __future__ import annotations

import gzip
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import fields
from itertools import chain, groupby, islice
from operator import itemgetter
from typing import cast

import orjson
from django.core.cache import cache
from django.db.models import QuerySet

from api.graph import ArgumentGraph, Kind, Link, MapInfo, Statement
from api.graph.graphjson import MAP_KEYS, map_to_dict
from api.graph.model import Role, role_partition
from api.models import ArgumentMap, FormerSlug, Job, LinkPremise
from api.models import Link as LinkRow
from api.models import Statement as StatementRow

# The columns a graph reads: a statement's are the fields of ``api.graph.Statement``, in
# order; a link's those of ``api.graph.Link`` but the premises (rows of their own).
STATEMENT_COLUMNS = tuple(f.name for f in fields(Statement))
LINK_COLUMNS = ("id", "kind", "conclusion_id", "target_link_id", "scheme", "note")


def map_moved(slug: str, user, path: str, query: str = "") -> tuple[str, str] | None:
    """If ``slug`` is one a map this user may see had before a rename: its slug now, and
    ``path`` (that map's URL, ``.../maps/{slug}/...``, with its ``query``) under it. Else
    None: the old slug of a map hidden from the user answers as a slug nobody used."""
    new_slug = (
        FormerSlug.objects.filter(slug=slug, map__in=ArgumentMap.objects.visible_to(user))
        .values_list("map__slug", flat=True)
        .first()
    )
    if new_slug is None:
        return None
    location = path.replace(f"/maps/{slug}/", f"/maps/{new_slug}/", 1)
    return new_slug, f"{location}?{query}" if query else location


def job_get(job_id: str, user) -> Job | None:
    """The job, if ``user`` may see its map; None for an id no job has (or not a UUID)."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        return None
    return Job.objects.visible_to(user).select_related("map").filter(pk=job_id).first()


def map_info_get(map_: ArgumentMap) -> MapInfo:
    """The map's own fields (``MAP_KEYS``), the date as ISO text."""
    info = {key: getattr(map_, key) for key in MAP_KEYS}
    info["source_date"] = map_.source_date.isoformat() if map_.source_date else None
    return MapInfo(**info)


def map_graph_get(map_: ArgumentMap) -> ArgumentGraph:
    """Return the whole map as an ``ArgumentGraph`` in three queries."""
    statements = tuple(
        Statement(*row)
        for row in StatementRow.objects.filter(map=map_)
        .order_by("id")
        .values_list(*STATEMENT_COLUMNS)
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
        .values_list(*LINK_COLUMNS)
    )
    return ArgumentGraph(map=map_info_get(map_), statements=statements, links=links)


# Bump when the bytes ``map_graph_json`` writes change shape: old cache entries are then
# never read again.
GRAPH_JSON_CACHE_FORMAT = 1
# gzip level for the cached compressed body, paid once per map version. On a 100 000-
# statement map (39 MB of JSON): level 5 takes 0.34 s for 5.9 MB, level 6 (zlib's
# default) 0.63 s for 5.5 MB, level 1 0.15 s for 7.1 MB.
GRAPH_JSON_GZIP_LEVEL = 5


def map_graph_json(map_: ArgumentMap) -> bytes:
    """Return the whole map as JSON bytes: exactly ``graphjson.to_dict(map_graph_get(map_))``
    serialised, in the same three queries, without graph objects or a serializer.

    Each chunk of rows becomes dicts in the shape of ``graphjson.to_dict`` and is dumped by
    orjson at once; the chunks are joined without a copy."""
    premise_rows = (
        LinkPremise.objects.filter(link__map=map_)
        .order_by("link_id", "position", "id")
        .values_list("link_id", "statement_id")
        .iterator(chunk_size=_CHUNK)
    )
    second = itemgetter(1)
    premises = {
        link_id: tuple(map(second, rows))
        for link_id, rows in groupby(premise_rows, key=itemgetter(0))
    }
    premise_ids = set(chain.from_iterable(premises.values()))

    target_ids: set[int | None] = set()
    third = itemgetter(2)
    link_parts = []
    for rows in _row_chunks(
        LinkRow.objects.filter(map=map_).order_by("id").values_list(*LINK_COLUMNS)
    ):
        target_ids.update(map(third, rows))
        link_parts.append(
            orjson.dumps(
                [
                    {
                        "id": pk,
                        "kind": kind,
                        "premises": premises.get(pk, ()),
                        "conclusion": conclusion,
                        "target_link": target_link,
                        "scheme": scheme,
                        "note": note,
                    }
                    for pk, kind, conclusion, target_link, scheme, note in rows
                ]
            )
        )
    del premises
    target_ids.discard(None)
    targets = cast("set[int]", target_ids)

    # Roles as plain strings: a dict holding only strings, numbers and None is not
    # tracked by the cyclic garbage collector, so 100 000 of them never set it off.
    roles: dict[int, str] = {}
    for each, ids in role_partition(targets, premise_ids).items():
        roles.update(dict.fromkeys(ids, each.value))
    role, unlinked = roles.get, Role.UNLINKED.value
    statement_parts = [
        orjson.dumps(
            [
                {
                    "id": pk,
                    "text": text,
                    "quote": quote,
                    "quote_start": quote_start,
                    "quote_end": quote_end,
                    "attributed_to": attributed_to,
                    "base_score": base_score,
                    "note": note,
                    "role": role(pk, unlinked),
                }
                for pk, text, quote, quote_start, quote_end, attributed_to, base_score, note in rows
            ]
        )
        for rows in _row_chunks(
            StatementRow.objects.filter(map=map_).order_by("id").values_list(*STATEMENT_COLUMNS)
        )
    ]
    return b"".join(
        [
            b'{"map":',
            orjson.dumps(map_to_dict(map_info_get(map_))),
            b',"statements":',
            *_array(statement_parts),
            b',"links":',
            *_array(link_parts),
            b"}",
        ]
    )


# Rows fetched, turned into dicts and dumped at a time: enough that the per-chunk work
# does not count, and fewer than the 700 new objects after which the garbage collector
# runs (the driver's row tuples are such objects), so most chunks come and go between
# two of its runs.
_CHUNK = 500


def _row_chunks(queryset: QuerySet) -> Iterator[list[tuple]]:
    """The rows of a ``values_list`` queryset in lists of up to ``_CHUNK``, in one query,
    with Django's converters applied: ``iterator()``, public API only. The driver makes
    row tuples a chunk at a time, so they are freed young. (On PostgreSQL the settings
    turn off server-side cursors, which made this 1.3 to 1.7 times slower.)"""
    rows = queryset.iterator(chunk_size=_CHUNK)
    while chunk := list(islice(rows, _CHUNK)):
        yield chunk


def _array(parts: Iterable[bytes]) -> list[bytes | memoryview]:
    """Pieces that, joined, make one JSON array of the elements of the JSON arrays
    ``parts`` (``[a,b]`` and ``[c]`` give ``[a,b,c]``), without copying them."""
    pieces: list[bytes | memoryview] = [b"["]
    for part in parts:
        if len(part) > 2:  # not []
            if len(pieces) > 1:
                pieces.append(b",")
            pieces.append(memoryview(part)[1:-1])
    pieces.append(b"]")
    return pieces


def map_graph_cache_key(map_: ArgumentMap, *, gzipped: bool = False) -> str:
    """The cache key of the map's graph JSON: map pk and version, and the map's creation
    time, so a database rebuilt with the same pk and version (tests, benchmarks) never
    reads another map's bytes from a shared cache."""
    created = map_.created_at.timestamp() if map_.created_at else 0
    encoding = "gzip" if gzipped else "identity"
    return f"graphjson:{GRAPH_JSON_CACHE_FORMAT}:{map_.pk}:{map_.version}:{created:.6f}:{encoding}"


def map_graph_json_cached(map_: ArgumentMap, *, gzipped: bool = False) -> bytes:
    """Return ``map_graph_json(map_)`` (gzip-compressed when ``gzipped``) from Django's
    cache, computing and storing it on a miss. Keys include the map version, which every
    write bumps, so an entry is never stale; old versions expire with the cache timeout."""
    key = map_graph_cache_key(map_, gzipped=gzipped)
    data = cache.get(key)
    if data is not None:
        return data
    if gzipped:
        data = gzip.compress(
            map_graph_json_cached(map_), compresslevel=GRAPH_JSON_GZIP_LEVEL, mtime=0
        )
    else:
        data = map_graph_json(map_)
    cache.set(key, data)
    return data


def statements_attach_roles(statements: list[StatementRow]) -> None:
    """Set ``is_target`` and ``is_premise`` (from which ``role`` follows) on a page of
    statements, in two queries over the page's ids."""
    ids = [s.pk for s in statements]
    targets = set(
        LinkRow.objects.filter(conclusion_id__in=ids).values_list("conclusion_id", flat=True)
    )
    premises = set(
        LinkPremise.objects.filter(statement_id__in=ids).values_list("statement_id", flat=True)
    )
    for s in statements:
        s.is_target = s.pk in targets
        s.is_premise = s.pk in premises
