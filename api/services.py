"""Writes: every change to a map goes through these functions.

They are keyword-only and atomic, and they hold every rule a map must keep, so the API,
the admin and the import commands cannot drift apart. A broken write raises Django's
``ValidationError`` with a message per field (``{"premises": ["..."]}``) and changes
nothing. Every successful write bumps the map's ``version``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from api.models import ArgumentMap, Link, LinkKind, LinkPremise, Statement

_ALLOWED_CONTROL = {"\n", "\t"}


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
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ["Must be a string."]})
    for index, char in enumerate(value):
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROL:
            raise ValidationError(
                {field: [f"Contains a control character (U+{ord(char):04X}) at position {index}."]}
            )
    value = value.strip()
    if required and not value:
        raise ValidationError({field: ["May not be empty."]})
    if max_length is not None and len(value) > max_length:
        raise ValidationError({field: [f"At most {max_length} characters (got {len(value)})."]})
    return value


def _resolve_quote(
    source_text: str, quote: str, quote_start: int | None, quote_end: int | None
) -> tuple[str, int | None, int | None]:
    """Make quote and offsets agree with the source text, or raise ``ValidationError``.

    Offsets alone give the quote; a quote alone is looked up (its first occurrence); both
    must agree; neither means no quote.
    """
    has_offsets = quote_start is not None or quote_end is not None
    if has_offsets and (quote_start is None or quote_end is None):
        missing = "quote_end" if quote_end is None else "quote_start"
        raise ValidationError({missing: ["quote_start and quote_end go together."]})
    if has_offsets:
        if not (0 <= quote_start < quote_end <= len(source_text)):
            raise ValidationError(
                {
                    "quote_start": [
                        f"Offsets {quote_start}:{quote_end} are not a non-empty range inside "
                        f"the source text (length {len(source_text)})."
                    ]
                }
            )
        passage = source_text[quote_start:quote_end]
        if quote and quote != passage:
            raise ValidationError(
                {"quote": [f"Does not match source_text[{quote_start}:{quote_end}]: {passage!r}."]}
            )
        return passage, quote_start, quote_end
    if not quote:
        return "", None, None
    start = source_text.find(quote)
    if start < 0:
        raise ValidationError({"quote": ["Not found verbatim in the map's source text."]})
    return quote, start, start + len(quote)


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
