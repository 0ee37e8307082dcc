"""Whole maps: import a graph as a new map, or replace a map's contents with one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from api.graph.model import ArgumentGraph
from api.graph.model import Link as GraphLink
from api.graph.model import Statement as GraphStatement
from api.graph.validate import (
    SLUG_MESSAGE,
    STATEMENT_FIELDS,
    check_graph,
    check_graph_values,
    is_slug,
    links_in_target_order,
    resolve_quote,
)
from api.models import ArgumentMap, Link, LinkPremise, Statement
from api.services.common import lock_map, map_bump_version, normalize_newlines
from api.services.maps import MAP_FIELDS, clean_map_fields, map_create
from api.services.quotas import check_quota

BULK_BATCH = 500


# Told the rows written so far and the rows in all, as a big import goes on.
Progress = Callable[[int, int], None]


def _create_in_batches(rows: list, model, user, progress: Callable[[int], None] | None) -> list:
    """``bulk_create_with_history`` of the rows, ``BULK_BATCH`` at a time, telling
    ``progress`` the rows written after each batch."""
    created: list = []
    for start in range(0, len(rows), BULK_BATCH):
        batch = rows[start : start + BULK_BATCH]
        created += bulk_create_with_history(batch, model, batch_size=BULK_BATCH, default_user=user)
        if progress is not None:
            progress(len(batch))
    return created


def _write_links(
    map_: ArgumentMap,
    links: Sequence[GraphLink],
    statement_pk: dict[int, int],
    *,
    keep_ids: set[int],
    user=None,
    progress: Callable[[int], None] | None = None,
) -> dict[int, int]:
    """Insert the graph's links (ids in ``keep_ids`` keep their primary key) with their
    ordered premises; return graph link id -> primary key. ``progress`` is told the links
    written after each batch."""
    link_pk: dict[int, int] = {}
    for group in links_in_target_order(links):
        rows = [
            Link(
                pk=link.id if link.id in keep_ids else None,
                map=map_,
                kind=link.kind.value,
                conclusion_id=statement_pk[link.conclusion] if link.conclusion else None,
                target_link_id=link_pk[link.target_link] if link.target_link else None,
                scheme=link.scheme.strip(),
                note=link.note.strip(),
            )
            for link in group
        ]
        created = _create_in_batches(rows, Link, user, progress)
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


def _text(value: Any) -> Any:
    return normalize_newlines(value) if isinstance(value, str) else value


def _normalized(graph: ArgumentGraph) -> ArgumentGraph:
    """The graph with Unix line ends in every text, as every write stores them."""
    return dataclasses.replace(
        graph,
        map=dataclasses.replace(graph.map, source_text=_text(graph.map.source_text)),
        statements=tuple(
            dataclasses.replace(
                s,
                text=_text(s.text),
                quote=_text(s.quote),
                attributed_to=_text(s.attributed_to),
                note=_text(s.note),
            )
            for s in graph.statements
        ),
        links=tuple(
            dataclasses.replace(link, scheme=_text(link.scheme), note=_text(link.note))
            for link in graph.links
        ),
    )


def _checked(graph: ArgumentGraph) -> ArgumentGraph:
    """Normalise the graph's texts and check it (``FormatError`` with a JSON pointer at
    the first broken rule)."""
    graph = _normalized(graph)
    check_graph(graph, max_lengths=settings.ARGMAP_MAX_LENGTHS)
    return graph


def _statement_row(map_: ArgumentMap, s: GraphStatement, source_text: str, **extra) -> Statement:
    quote, start, end = resolve_quote(source_text, s.quote, s.quote_start, s.quote_end)
    return Statement(
        map=map_,
        text=s.text.strip(),
        quote=quote,
        quote_start=start,
        quote_end=end,
        attributed_to=s.attributed_to.strip(),
        base_score=s.base_score,
        note=s.note.strip(),
        **extra,
    )


@transaction.atomic
def map_import(
    *,
    graph: ArgumentGraph,
    slug: str,
    title: str = "",
    owner=None,
    is_private: bool = False,
    progress: Progress | None = None,
) -> ArgumentMap:
    """Create a map with all the graph's statements and links in one transaction, in bulk
    (a few queries per thousand rows). The graph's ids are references within it; the
    database gives new ones. Raises ``FormatError`` (with a JSON pointer into the graph)
    or ``ValidationError`` (a map field) and writes nothing when any rule is broken.
    Every row gets its first history record. ``progress``, if given, is told ``(rows
    written, rows)``, statements and links, after each batch of ``BULK_BATCH``."""
    graph = _checked(graph)
    check_quota(owner=owner, statements=len(graph.statements))
    map_ = _create_for(graph, slug, title, owner, is_private)
    _write_graph_rows(map_, graph, owner, progress)
    return map_


def map_import_begin(
    *, graph: ArgumentGraph, slug: str, title: str = "", owner=None, is_private: bool = False
) -> ArgumentMap:
    """The first half of an import too big for a request: check the graph as
    ``map_import`` does and create its map, empty, taking the slug; ``map_import_rows``
    writes the rows later (a job, docs/jobs.md). Raises as ``map_import``."""
    graph = _checked(graph)
    check_quota(owner=owner, statements=len(graph.statements))
    return _create_for(graph, slug, title, owner, is_private)


@transaction.atomic
def map_import_rows(
    *,
    map_: ArgumentMap,
    graph: ArgumentGraph,
    expected_version: int,
    owner=None,
    progress: Progress | None = None,
) -> ArgumentMap:
    """The second half: write the graph's statements and links into the map that
    ``map_import_begin`` made, as ``map_import`` writes them, and bump its version. Raises
    ``PreconditionFailed`` if the map is no longer at ``expected_version`` (changed
    meanwhile: nothing is written), and as ``map_import``."""
    graph = _checked(graph)
    locked = lock_map(map_, expected_version)
    # Checked again: other writes may have filled the owner's quota since the map was made.
    check_quota(owner=locked.owner, map_=locked, statements=len(graph.statements))
    _write_graph_rows(locked, graph, owner, progress)
    map_bump_version(locked)
    return locked


def _create_for(
    graph: ArgumentGraph, slug: str, title: str, owner, is_private: bool
) -> ArgumentMap:
    """The map of an import: the graph's map fields, with ``title`` (if given) over the
    graph's."""
    info = graph.map
    fields: dict[str, Any] = {
        name: getattr(info, name) for name in MAP_FIELDS if name not in {"title", "is_private"}
    }
    fields["source_date"] = info.source_date or None
    return map_create(
        slug=slug,
        title=title or info.title or slug,
        owner=owner,
        is_private=is_private,
        **fields,
    )


def _write_graph_rows(
    map_: ArgumentMap, graph: ArgumentGraph, owner, progress: Progress | None
) -> None:
    """Insert a checked graph's statements and links into ``map_``, in bulk, telling
    ``progress`` the rows written after each batch."""
    total, written = len(graph.statements) + len(graph.links), [0]

    def wrote(rows: int) -> None:
        written[0] += rows
        if progress is not None:
            progress(written[0], total)

    rows = [_statement_row(map_, s, map_.source_text) for s in graph.statements]
    created = _create_in_batches(rows, Statement, owner, wrote)
    statement_pk = {s.id: row.pk for s, row in zip(graph.statements, created, strict=True)}
    _write_links(map_, graph.links, statement_pk, keep_ids=set(), user=owner, progress=wrote)


def _map_fields_for_replace(
    locked: ArgumentMap, fields: dict[str, Any], *, compare: bool = True
) -> dict[str, Any]:
    """The map fields of a whole-map write, cleaned; ``map.<name>`` errors otherwise.

    ``slug`` and ``version`` may be sent back as read, not changed: the slug changes with
    ``map_update`` (PATCH the map), the version with every write. Without ``compare``
    (before the map is locked), only what the fields are by themselves is checked."""
    fields = dict(fields)
    errors: dict[str, list[str | ValidationError]] = {}
    for name in sorted(set(fields) - set(MAP_FIELDS) - {"slug", "version"}):
        errors[f"map.{name}"] = ["Unknown field."]
    # Sent as read: another slug or version (of the right type) clashes with the map.
    for name, valid, now, invalid, clash in (
        (
            "slug",
            is_slug,
            locked.slug,
            SLUG_MESSAGE,
            "Cannot be set here (the map is {now!r}): rename a map by changing the map "
            "itself (PATCH /api/maps/{{slug}}/).",
        ),
        (
            "version",
            lambda value: type(value) is int,
            locked.version,
            "Must be the map's version, a whole number.",
            "Cannot be set: it counts the map's changes (now {now}). Send the version you "
            "read as If-Match.",
        ),
    ):
        if name not in fields:
            continue
        sent = fields.pop(name)
        if not valid(sent):
            errors[f"map.{name}"] = [invalid]
        elif compare and sent != now:
            errors[f"map.{name}"] = [ValidationError(clash.format(now=now), code="conflict")]
    if "is_private" in fields and not isinstance(fields["is_private"], bool):
        errors["map.is_private"] = ["Must be true or false."]
    if fields.get("source_date") == "":  # the model would take blank for no date
        errors["map.source_date"] = ["Must be a date (YYYY-MM-DD), or null for none."]
    if errors:
        raise ValidationError(errors)
    try:
        return clean_map_fields(fields)
    except ValidationError as exc:
        raise ValidationError(
            {f"map.{name}": messages for name, messages in exc.message_dict.items()}
        ) from None


def _current_links(map_: ArgumentMap) -> dict[int, tuple]:
    """The map's links as ``id -> (kind, premises, conclusion, target, scheme, note)``."""
    premises: dict[int, list[int]] = {}
    rows = LinkPremise.objects.filter(link__map=map_).order_by("link_id", "position", "id")
    for link_id, statement_id in rows.values_list("link_id", "statement_id"):
        premises.setdefault(link_id, []).append(statement_id)
    return {
        pk: (kind, tuple(premises.get(pk, ())), conclusion, target, scheme, note)
        for pk, kind, conclusion, target, scheme, note in Link.objects.filter(map=map_).values_list(
            "pk", "kind", "conclusion_id", "target_link_id", "scheme", "note"
        )
    }


def _graph_link_row(link: GraphLink) -> tuple:
    return (
        link.kind.value,
        tuple(link.premises),
        link.conclusion,
        link.target_link,
        link.scheme.strip(),
        link.note.strip(),
    )


def _clean_map(map_: ArgumentMap, *, only: set[str] | None = None) -> None:
    """The model's checks of the map (of the fields in ``only``), as ``map.<name>`` errors."""
    try:
        if only is None:
            map_.full_clean()
        else:
            map_.clean_fields(exclude=[f.name for f in map_._meta.fields if f.name not in only])
    except ValidationError as exc:
        raise ValidationError(
            {f"map.{name}": messages for name, messages in exc.message_dict.items()}
        ) from None


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
    deleted. ``map_fields`` (title, source text, ...) change the map too; ``slug`` and
    ``version`` may be among them unchanged, any other key is refused. Only what differs
    is written: a graph equal to the map's changes no version and no history. Raises
    ``PreconditionFailed`` when ``expected_version`` is stale, ``FormatError`` (with a
    JSON pointer) or ``ValidationError`` when any rule is broken; either way nothing is
    written.
    """
    # What the body rules out by itself is refused (400) before the precondition (412).
    graph = _normalized(graph)
    check_graph_values(graph, max_lengths=settings.ARGMAP_MAX_LENGTHS)
    sent = _map_fields_for_replace(map_, map_fields or {}, compare=False)
    _clean_map(ArgumentMap(**sent), only=set(sent))  # a date, an address...
    locked = lock_map(map_, expected_version)
    cleaned = _map_fields_for_replace(locked, map_fields or {})
    before = {name: getattr(locked, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(locked, name, value)
    _clean_map(locked)
    map_changed = any(getattr(locked, name) != value for name, value in before.items())
    info = dataclasses.replace(graph.map, source_text=locked.source_text)
    graph = dataclasses.replace(graph, map=info)
    # The rest of the rules; the values were checked above, once.
    check_graph(graph, max_lengths=settings.ARGMAP_MAX_LENGTHS, values_checked=True)

    current = {
        row[0]: row[1:]
        for row in Statement.objects.filter(map=locked).values_list("pk", *STATEMENT_FIELDS)
    }
    keep = [s for s in graph.statements if s.id in current]
    new = [s for s in graph.statements if s.id not in current]
    removed = set(current) - {s.id for s in keep}
    changed = [
        row
        for row in (_statement_row(locked, s, locked.source_text, pk=s.id) for s in keep)
        if tuple(getattr(row, c) for c in STATEMENT_FIELDS) != current[row.pk]
    ]
    existing_links = _current_links(locked)
    links_changed = {link.id: _graph_link_row(link) for link in graph.links} != existing_links
    if not (map_changed or new or removed or changed or links_changed):
        return locked
    check_quota(owner=locked.owner, map_=locked, statements=len(new) - len(removed))

    if links_changed:
        # Links are rewritten whole (their targets may point at links written later);
        # those that keep their id keep their primary key.
        Link.objects.filter(map=locked).delete()
    Statement.objects.filter(pk__in=removed).delete()
    if changed:
        bulk_update_with_history(
            changed,
            Statement,
            list(STATEMENT_FIELDS),
            batch_size=BULK_BATCH,
            default_user=user,
        )
    created = bulk_create_with_history(
        [_statement_row(locked, s, locked.source_text) for s in new],
        Statement,
        batch_size=BULK_BATCH,
        default_user=user,
    )
    if links_changed:
        statement_pk = {s.id: s.id for s in keep}
        statement_pk.update((s.id, row.pk) for s, row in zip(new, created, strict=True))
        _write_links(
            locked,
            graph.links,
            statement_pk,
            keep_ids={link.id for link in graph.links} & set(existing_links),
            user=user,
        )
    locked.version += 1
    locked.save()
    return locked
