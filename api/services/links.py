"""Links: validate, create, change, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from api.models import ArgumentMap, Link, LinkKind, LinkPremise, Statement
from api.services.common import InUse, check_text, lock_map, map_bump_version


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
    """Change a link and return it. Fields left out keep their value.

    Setting ``conclusion`` clears ``target_link`` and the other way round, unless both
    are given.
    """
    locked = lock_map(link.map, expected_version)
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
    locked = lock_map(link.map, expected_version)
    undercutters = sorted(link.undercutters.values_list("pk", flat=True))
    if undercutters and not cascade:
        names = ", ".join(map(str, undercutters))
        raise InUse(f"Link {link.pk} is attacked by links {names}.", undercutters)
    link.delete()  # with its premise rows and undercutters (CASCADE)
    map_bump_version(locked)
