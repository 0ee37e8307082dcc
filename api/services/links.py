"""Links: validate, create, change, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from api.graph.validate import RULE, is_id, link_key, link_problems, name_ids
from api.models import ArgumentMap, Link, LinkPremise, Statement
from api.services.common import (
    InUse,
    check_text,
    lock_map,
    map_bump_version,
    normalize_newlines,
)


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

    ``premises``, ``conclusion`` and ``target_link`` may be objects or primary keys. The
    rules are ``api.graph.validate.link_problems`` (an id outside this map, or out of
    range, is unknown: other maps, private ones included, are not named), plus: no cycle
    of undercutters, and no duplicate of another link of the map (``link_key``).
    Raises ``ValidationError`` per field.
    """
    scheme, note = (
        "" if v is None else normalize_newlines(v) if isinstance(v, str) else v
        for v in (scheme, note)
    )
    premise_pks = [_as_pk(p) for p in (premises or [])]
    conclusion_pk, target_pk = _as_pk(conclusion), _as_pk(target_link)
    statement_ids = [pk for pk in [*premise_pks, conclusion_pk] if is_id(pk)]
    statements = Statement.objects.filter(map=map_).in_bulk(statement_ids)
    target_obj = Link.objects.filter(map=map_, pk=target_pk).first() if is_id(target_pk) else None
    problems = link_problems(
        kind=kind,
        premises=premise_pks,
        conclusion=conclusion_pk,
        target_link=target_pk,
        scheme=scheme,
        note=note,
        link_id=link.pk if link is not None else None,
        statement_known=lambda pk: is_id(pk) and pk in statements,
        link_known=lambda pk: target_obj is not None,
        max_lengths=settings.ARGMAP_MAX_LENGTHS,
    )
    errors: dict[str, list[str | ValidationError]] = {}
    for where, message, code in problems:
        errors.setdefault(where.split("/")[0], []).append(ValidationError(message, code=code))
    if (
        not errors
        and target_obj is not None
        and link is not None
        and _undercut_chain_reaches(target_obj, link.pk)
    ):
        errors["target_link"] = [
            ValidationError(
                f"Link {target_obj.pk} already leads back to link {link.pk}: undercutters "
                "may not attack each other in a cycle.",
                code=RULE,
            )
        ]
    if not errors:
        duplicate = _duplicate_of(map_, kind, premise_pks, conclusion_pk, target_pk, link)
        if duplicate is not None:
            errors["premises"] = [
                ValidationError(
                    f"Link {duplicate} already has this kind, these premises (in any order) "
                    "and this target.",
                    code="unique",
                )
            ]
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "premises": [statements[pk] for pk in premise_pks],
        "conclusion": statements[conclusion_pk] if conclusion_pk is not None else None,
        "target_link": target_obj,
        "scheme": check_text(scheme, "scheme", required=False),
        "note": check_text(note, "note", required=False),
    }


def _duplicate_of(
    map_: ArgumentMap,
    kind: str,
    premises: Sequence[int],
    conclusion: int | None,
    target_link: int | None,
    link: Link | None,
) -> int | None:
    """The id of another link of the map with the same ``link_key``, or None."""
    key = link_key(kind, premises, conclusion, target_link)
    candidates = Link.objects.filter(
        map=map_, kind=kind, conclusion_id=conclusion, target_link_id=target_link
    )
    if link is not None:
        candidates = candidates.exclude(pk=link.pk)
    premise_sets: dict[int, set[int]] = {}
    rows = LinkPremise.objects.filter(link__in=candidates, statement_id__in=premises)
    for link_id, statement_id in rows.values_list("link_id", "statement_id"):
        premise_sets.setdefault(link_id, set()).add(statement_id)
    # Only candidates holding every premise are read whole.
    full = [pk for pk, held in premise_sets.items() if len(held) == len(key[1])]
    counts = dict(
        LinkPremise.objects.filter(link_id__in=full)
        .values("link_id")
        .annotate(n=Count("id"))
        .values_list("link_id", "n")
    )
    same = sorted(pk for pk in full if counts.get(pk) == len(key[1]))
    return same[0] if same else None


def _undercut_chain_reaches(start: Link, link_pk: int) -> bool:
    """Whether following target links from ``start`` comes to ``link_pk``."""
    current: Link | None = start
    seen: set[int] = set()
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
    locked = lock_map(map_, expected_version)
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
    """Change a link and return it. Fields left out keep their value; a change that
    changes nothing writes nothing (no version, no history).

    Setting ``conclusion`` clears ``target_link`` and the other way round, unless both
    are given.
    """
    locked = lock_map(link.map, expected_version)
    if "map" in fields and _as_pk(fields.pop("map")) != locked.pk:
        raise ValidationError(
            {"map": [ValidationError("A link cannot move to another map.", code="conflict")]}
        )
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
    merged_before = dict(merged)
    if "conclusion" in fields and "target_link" not in fields:
        merged["target_link"] = None
    if "target_link" in fields and "conclusion" not in fields:
        merged["conclusion"] = None
    merged.update(fields)
    cleaned = link_validate(map_=locked, link=link, **merged)
    if (
        [s.pk for s in cleaned["premises"]] == merged_before["premises"]
        and cleaned["kind"] == link.kind
        and _as_pk(cleaned["conclusion"]) == link.conclusion_id
        and _as_pk(cleaned["target_link"]) == link.target_link_id
        and cleaned["scheme"] == link.scheme
        and cleaned["note"] == link.note
    ):
        return link
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
    locked = lock_map(link.map, expected_version)
    undercutters = sorted(link.undercutters.values_list("pk", flat=True))
    if undercutters and not cascade:
        names = name_ids("link", undercutters)
        raise InUse(f"Link {link.pk} is attacked by {names}.", undercutters)
    link.delete()  # with its premise rows and undercutters (CASCADE)
    map_bump_version(locked)
