"""Writes: every change to a map goes through these functions.

They are keyword-only and atomic, and they hold every rule a map must keep, so the API,
the admin and the import commands cannot drift apart. A broken write raises Django's
``ValidationError`` with a message per field (``{"premises": ["..."]}``) and changes
nothing. Every successful write bumps the map's ``version``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from api.graph.model import ArgumentGraph
from api.graph.model import Link as GraphLink
from api.graph.model import Statement as GraphStatement
from api.graph.validate import check_graph, resolve_quote, text_problem
from api.models import ArgumentMap, Link, LinkKind, LinkPremise, Statement


class PreconditionFailed(Exception):
    """The caller's expected map version (``If-Match``) is not the current one."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the map is at version {current_version}")
        self.current_version = current_version


class InUse(Exception):
    """The object cannot be deleted: links still use it. ``link_ids`` names them."""

    def __init__(self, message: str, link_ids: Sequence[int]) -> None:
        super().__init__(message)
        self.link_ids = list(link_ids)


# --- checks shared by every entry point ---------------------------------------------


def check_text(value: Any, field: str, *, required: bool = True, max_length: int | None = None):
    """Return ``value`` stripped; raise ``ValidationError`` naming ``field`` if it is empty
    (when required), too long, or holds control characters."""
    value = "" if value is None else value
    problem = text_problem(value, required=required, max_length=max_length)
    if problem:
        raise ValidationError({field: [problem]})
    return value.strip()


def _resolve_quote(
    source_text: str, quote: str, quote_start: int | None, quote_end: int | None
) -> tuple[str, int | None, int | None]:
    try:
        return resolve_quote(source_text, quote, quote_start, quote_end)
    except ValueError as exc:
        field, message = exc.args
        raise ValidationError({field: [message]}) from None


def _check_base_score(value: Any) -> float:
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"base_score": ["Must be a number between 0 and 1."]}) from None
    if not 0.0 <= score <= 1.0:
        raise ValidationError({"base_score": [f"Must be between 0 and 1 (got {score})."]})
    return score


def _lock_map(map_: ArgumentMap, expected_version: int | None) -> ArgumentMap:
    """Lock the map's row for this transaction and check the caller's expected version."""
    locked = ArgumentMap.objects.select_for_update().get(pk=map_.pk)
    if expected_version is not None and locked.version != expected_version:
        raise PreconditionFailed(locked.version)
    return locked


def map_bump_version(map_: ArgumentMap) -> None:
    """Record a change to the map: version + 1 and a fresh ``updated_at``."""
    ArgumentMap.objects.filter(pk=map_.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    map_.refresh_from_db(fields=["version", "updated_at"])


# --- maps ------------------------------------------------------------------------------

MAP_FIELDS = (
    "title",
    "summary",
    "source_title",
    "source_author",
    "source_date",
    "source_url",
    "source_text",
    "is_private",
)


def _clean_map_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = check_text(cleaned["title"], "title", max_length=300)
    for name, max_length in (
        ("summary", None),
        ("source_title", 500),
        ("source_author", 300),
        ("source_url", 1000),
    ):
        if name in cleaned:
            cleaned[name] = check_text(cleaned[name], name, required=False, max_length=max_length)
    if "source_text" in cleaned:
        # The source text is kept exactly: quotes point into it by offset.
        text = cleaned["source_text"] or ""
        check_text(text, "source_text", required=False)
        cleaned["source_text"] = text
    return cleaned


def map_check_source_text(*, map_: ArgumentMap, source_text: str) -> None:
    """Raise ``ValidationError`` if ``source_text`` no longer holds the map's quotes."""
    if map_.pk is None:
        return
    broken = [
        pk
        for pk, quote, start, end in Statement.objects.filter(map=map_)
        .exclude(quote_start=None)
        .values_list("pk", "quote", "quote_start", "quote_end")
        if source_text[start:end] != quote
    ]
    if broken:
        names = ", ".join(f"#{pk}" for pk in broken)
        raise ValidationError(
            {
                "source_text": [
                    f"The new source text no longer holds the quotes of statements {names}."
                ]
            }
        )


@transaction.atomic
def map_create(*, slug: str, title: str, owner=None, **fields: Any) -> ArgumentMap:
    """Create and return a map owned by ``owner`` (None: staff's); raise
    ``ValidationError`` for a taken slug or a bad field."""
    unknown = set(fields) - set(MAP_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    if ArgumentMap.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [f"A map with slug {slug!r} already exists."]})
    cleaned = _clean_map_fields({"title": title, **fields})
    map_ = ArgumentMap(slug=slug, owner=owner, **cleaned)
    map_.full_clean()
    map_.save()
    return map_


@transaction.atomic
def map_update(
    *, map_: ArgumentMap, expected_version: int | None = None, **fields: Any
) -> ArgumentMap:
    """Change a map's own fields and return it, version bumped.

    Raises ``ValidationError`` if the change would break a statement's quote (the source
    text changed under it), ``PreconditionFailed`` if ``expected_version`` is stale.
    """
    unknown = set(fields) - set(MAP_FIELDS) - {"slug", "owner"}
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    locked = _lock_map(map_, expected_version)
    cleaned = _clean_map_fields(fields)
    new_slug = cleaned.get("slug", locked.slug)
    if new_slug != locked.slug and ArgumentMap.objects.filter(slug=new_slug).exists():
        raise ValidationError({"slug": [f"A map with slug {cleaned['slug']!r} already exists."]})
    for name, value in cleaned.items():
        setattr(locked, name, value)
    if "source_text" in cleaned:
        map_check_source_text(map_=locked, source_text=locked.source_text)
    locked.full_clean()
    locked.version += 1  # the row is locked (select_for_update) until we commit
    locked.save()
    return locked


@transaction.atomic
def map_delete(*, map_: ArgumentMap, expected_version: int | None = None) -> None:
    """Delete a map with all its statements and links."""
    _lock_map(map_, expected_version).delete()


# --- statements --------------------------------------------------------------------------


def statement_validate(
    *,
    map_: ArgumentMap,
    text: Any,
    quote: Any = "",
    quote_start: int | None = None,
    quote_end: int | None = None,
    attributed_to: Any = "",
    base_score: Any = 0.5,
) -> dict[str, Any]:
    """Return the statement's fields cleaned, or raise ``ValidationError`` per field."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, check in (
        ("text", lambda: check_text(text, "text")),
        (
            "attributed_to",
            lambda: check_text(attributed_to, "attributed_to", required=False, max_length=200),
        ),
        ("quote", lambda: check_text(quote, "quote", required=False)),
        ("base_score", lambda: _check_base_score(base_score)),
    ):
        try:
            cleaned[name] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "quote" in cleaned:
        # A quote is matched verbatim against the source, so keep its exact characters.
        raw_quote = quote or ""
        try:
            cleaned["quote"], cleaned["quote_start"], cleaned["quote_end"] = _resolve_quote(
                map_.source_text, raw_quote, quote_start, quote_end
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def statement_create(
    *, map_: ArgumentMap, expected_version: int | None = None, **fields: Any
) -> Statement:
    """Create and return a statement in ``map_``; raise ``ValidationError`` per field."""
    locked = _lock_map(map_, expected_version)
    cleaned = statement_validate(map_=locked, **fields)
    statement = Statement.objects.create(map=locked, **cleaned)
    map_bump_version(locked)
    return statement


@transaction.atomic
def statement_update(
    *, statement: Statement, expected_version: int | None = None, **fields: Any
) -> Statement:
    """Change a statement and return it. Fields left out keep their value.

    Setting ``quote`` alone re-locates it in the source text; setting offsets alone takes
    the quote from them.
    """
    locked = _lock_map(statement.map, expected_version)
    if "map" in fields and fields.pop("map").pk != locked.pk:
        raise ValidationError({"map": ["A statement cannot move to another map."]})
    merged = {
        "text": statement.text,
        "attributed_to": statement.attributed_to,
        "base_score": statement.base_score,
        "quote": statement.quote,
        "quote_start": statement.quote_start,
        "quote_end": statement.quote_end,
    }
    if "quote" in fields and "quote_start" not in fields and "quote_end" not in fields:
        merged["quote_start"] = merged["quote_end"] = None
    if ("quote_start" in fields or "quote_end" in fields) and "quote" not in fields:
        merged["quote"] = ""
    merged.update(fields)
    cleaned = statement_validate(map_=locked, **merged)
    for name, value in cleaned.items():
        setattr(statement, name, value)
    statement.save()
    map_bump_version(locked)
    return statement


@transaction.atomic
def statement_delete(
    *, statement: Statement, expected_version: int | None = None, cascade: bool = False
) -> None:
    """Delete a statement.

    Raises ``InUse`` naming the links that use it as premise or conclusion, unless
    ``cascade`` is true: then those links (and links undercutting them) go too.
    """
    locked = _lock_map(statement.map, expected_version)
    using = set(
        Link.objects.filter(premise_rows__statement=statement).values_list("pk", flat=True)
    ) | set(Link.objects.filter(conclusion=statement).values_list("pk", flat=True))
    if using and not cascade:
        names = ", ".join(str(pk) for pk in sorted(using))
        raise InUse(f"Statement {statement.pk} is used by links {names}.", sorted(using))
    if using:
        # Their premise rows and undercutters go with them (CASCADE).
        Link.objects.filter(pk__in=using).delete()
    statement.delete()
    map_bump_version(locked)


# --- links -------------------------------------------------------------------------------


def _as_pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def link_validate(
    *,
    map_: ArgumentMap,
    kind: Any,
    premises: Iterable[Any],
    conclusion: Any = None,
    target_link: Any = None,
    scheme: Any = "",
    note: Any = "",
    link: Link | None = None,
) -> dict[str, Any]:
    """Check a link against every rule and return its fields with objects resolved.

    ``premises``, ``conclusion`` and ``target_link`` may be objects or primary keys.
    Raises ``ValidationError`` per field: an unknown kind; no premise; a premise,
    conclusion or target link that is unknown or in another map; a duplicate premise;
    both or neither of conclusion and target link; a premise that is also the conclusion;
    a link that targets itself.
    """
    errors: dict[str, list[str]] = {}
    if kind not in LinkKind.values:
        errors["kind"] = [f"Must be one of {', '.join(LinkKind.values)} (got {kind!r})."]

    premise_pks = [_as_pk(p) for p in (premises or [])]
    premise_objs: list[Statement] = []
    if not premise_pks:
        errors["premises"] = ["A link needs at least one premise."]
    elif len(set(premise_pks)) != len(premise_pks):
        errors["premises"] = ["A statement appears twice among the premises."]
    else:
        found = Statement.objects.in_bulk([pk for pk in premise_pks if isinstance(pk, int)])
        unknown = [pk for pk in premise_pks if pk not in found]
        foreign = [pk for pk in premise_pks if pk in found and found[pk].map_id != map_.pk]
        if unknown:
            errors["premises"] = [f"Unknown statement ids: {', '.join(map(str, unknown))}."]
        elif foreign:
            errors["premises"] = [
                f"Statements {', '.join(map(str, foreign))} belong to another map."
            ]
        else:
            premise_objs = [found[pk] for pk in premise_pks]

    conclusion_pk, target_pk = _as_pk(conclusion), _as_pk(target_link)
    conclusion_obj = target_obj = None
    if (conclusion_pk is None) == (target_pk is None):
        errors["conclusion"] = [
            "Give exactly one of conclusion (a statement) and target_link (a link)."
        ]
    elif conclusion_pk is not None:
        conclusion_obj = Statement.objects.filter(pk=conclusion_pk).first()
        if conclusion_obj is None:
            errors["conclusion"] = [f"Unknown statement id {conclusion_pk}."]
        elif conclusion_obj.map_id != map_.pk:
            errors["conclusion"] = [f"Statement {conclusion_pk} belongs to another map."]
        elif conclusion_pk in premise_pks:
            errors["premises"] = [
                f"Statement {conclusion_pk} cannot be a premise of a link that targets it."
            ]
    else:
        target_obj = Link.objects.filter(pk=target_pk).first()
        if target_obj is None:
            errors["target_link"] = [f"Unknown link id {target_pk}."]
        elif target_obj.map_id != map_.pk:
            errors["target_link"] = [f"Link {target_pk} belongs to another map."]
        elif link is not None and target_obj.pk == link.pk:
            errors["target_link"] = ["A link cannot target itself."]
        elif link is not None and _undercut_chain_reaches(target_obj, link.pk):
            errors["target_link"] = [
                f"Link {target_obj.pk} already leads back to link {link.pk}: undercutters "
                "may not attack each other in a cycle."
            ]

    cleaned: dict[str, Any] = {}
    for name, value, max_length in (("scheme", scheme, 200), ("note", note, None)):
        try:
            cleaned[name] = check_text(value, name, required=False, max_length=max_length)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    cleaned.update(
        kind=kind, premises=premise_objs, conclusion=conclusion_obj, target_link=target_obj
    )
    return cleaned


def _undercut_chain_reaches(start: Link, link_pk: int) -> bool:
    """Whether following target links from ``start`` comes to ``link_pk``."""
    current, seen = start, set()
    while current is not None and current.pk not in seen:
        if current.pk == link_pk:
            return True
        seen.add(current.pk)
        current = current.target_link
    return False


def _set_premises(link: Link, premises: Sequence[Statement]) -> None:
    LinkPremise.objects.filter(link=link).delete()
    LinkPremise.objects.bulk_create(
        LinkPremise(link=link, statement=s, position=i) for i, s in enumerate(premises)
    )


@transaction.atomic
def link_create(
    *,
    map_: ArgumentMap,
    kind: str,
    premises: Sequence[Any],
    conclusion: Any = None,
    target_link: Any = None,
    scheme: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Link:
    """Create and return a link with its ordered premises; see ``link_validate``."""
    locked = _lock_map(map_, expected_version)
    cleaned = link_validate(
        map_=locked,
        kind=kind,
        premises=premises,
        conclusion=conclusion,
        target_link=target_link,
        scheme=scheme,
        note=note,
    )
    premise_objs = cleaned.pop("premises")
    link = Link.objects.create(map=locked, **cleaned)
    _set_premises(link, premise_objs)
    map_bump_version(locked)
    return link


@transaction.atomic
def link_update(*, link: Link, expected_version: int | None = None, **fields: Any) -> Link:
    """Change a link and return it. Fields left out keep their value.

    Setting ``conclusion`` clears ``target_link`` and the other way round, unless both
    are given.
    """
    locked = _lock_map(link.map, expected_version)
    if "map" in fields and _as_pk(fields.pop("map")) != locked.pk:
        raise ValidationError({"map": ["A link cannot move to another map."]})
    merged: dict[str, Any] = {
        "kind": link.kind,
        "premises": list(
            link.premise_rows.order_by("position").values_list("statement_id", flat=True)
        ),
        "conclusion": link.conclusion_id,
        "target_link": link.target_link_id,
        "scheme": link.scheme,
        "note": link.note,
    }
    if "conclusion" in fields and "target_link" not in fields:
        merged["target_link"] = None
    if "target_link" in fields and "conclusion" not in fields:
        merged["conclusion"] = None
    merged.update(fields)
    cleaned = link_validate(map_=locked, link=link, **merged)
    premise_objs = cleaned.pop("premises")
    for name, value in cleaned.items():
        setattr(link, name, value)
    link.save()
    _set_premises(link, premise_objs)
    map_bump_version(locked)
    return link


@transaction.atomic
def link_delete(*, link: Link, expected_version: int | None = None, cascade: bool = False) -> None:
    """Delete a link. Raises ``InUse`` naming the links that undercut it, unless
    ``cascade`` is true: then they go too."""
    locked = _lock_map(link.map, expected_version)
    undercutters = sorted(link.undercutters.values_list("pk", flat=True))
    if undercutters and not cascade:
        names = ", ".join(map(str, undercutters))
        raise InUse(f"Link {link.pk} is attacked by links {names}.", undercutters)
    link.delete()  # with its premise rows and undercutters (CASCADE)
    map_bump_version(locked)


# --- whole maps: import and replace -------------------------------------------------------

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
                scheme=link.scheme.strip(),
                note=link.note.strip(),
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
    quote, start, end = resolve_quote(source_text, s.quote, s.quote_start, s.quote_end)
    return Statement(
        map=map_,
        text=s.text.strip(),
        quote=quote,
        quote_start=start,
        quote_end=end,
        attributed_to=s.attributed_to.strip(),
        base_score=s.base_score,
        **extra,
    )


def map_free_slug(text: str) -> str:
    """Return a slug made from ``text`` that no map has yet (``name``, ``name-2``, ...)."""
    base = slugify(text.rsplit(".", 1)[0] if "." in text[-9:] else text)[:90] or "map"
    # One query, however many maps already share the name.
    taken = set(ArgumentMap.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


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
    fields = {
        "summary": info.summary,
        "source_title": info.source_title,
        "source_author": info.source_author,
        "source_date": info.source_date or None,
        "source_url": info.source_url,
        "source_text": info.source_text,
        "is_private": is_private,
    }
    map_ = map_create(slug=slug, title=title or info.title or slug, owner=owner, **fields)
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
    locked = _lock_map(map_, expected_version)
    cleaned = _clean_map_fields(map_fields or {})
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
