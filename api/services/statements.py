"""Statements: validate, create, change, delete."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from api.graph.validate import name_ids
from api.models import ArgumentMap, Link, Statement
from api.services.common import (
    InUse,
    check_base_score,
    check_text,
    length_limit,
    lock_map,
    map_bump_version,
    resolve_quote_or_error,
)
from api.services.quotas import check_quota


def statement_validate(
    *,
    map_: ArgumentMap,
    text: Any,
    quote: Any = "",
    quote_start: int | None = None,
    quote_end: int | None = None,
    attributed_to: Any = "",
    base_score: Any = 0.5,
    note: Any = "",
) -> dict[str, Any]:
    """Return the statement's fields cleaned, or raise ``ValidationError`` per field."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    for name, check in (
        ("text", lambda: check_text(text, "text", max_length=length_limit("statement.text"))),
        (
            "attributed_to",
            lambda: check_text(
                attributed_to,
                "attributed_to",
                required=False,
                max_length=length_limit("statement.attributed_to"),
            ),
        ),
        (
            "quote",
            lambda: check_text(
                quote, "quote", required=False, max_length=length_limit("statement.quote")
            ),
        ),
        ("base_score", lambda: check_base_score(base_score)),
        (
            "note",
            lambda: check_text(
                note, "note", required=False, max_length=length_limit("statement.note")
            ),
        ),
    ):
        try:
            cleaned[name] = check()
        except ValidationError as exc:
            errors.update(exc.error_dict)  # with their codes
    if "quote" in cleaned:
        # A quote is matched verbatim against the source, so keep its exact characters.
        raw_quote = quote or ""
        try:
            cleaned["quote"], cleaned["quote_start"], cleaned["quote_end"] = resolve_quote_or_error(
                map_.source_text, raw_quote, quote_start, quote_end
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)  # with their codes
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def statement_create(
    *, map_: ArgumentMap, expected_version: int | None = None, **fields: Any
) -> Statement:
    """Create and return a statement in ``map_``; raise ``ValidationError`` per field,
    ``QuotaExceeded`` past the owner's statements."""
    locked = lock_map(map_, expected_version)
    cleaned = statement_validate(map_=locked, **fields)
    check_quota(owner=locked.owner, map_=locked, statements=1)
    statement = Statement.objects.create(map=locked, **cleaned)
    map_bump_version(locked)
    return statement


@transaction.atomic
def statement_update(
    *, statement: Statement, expected_version: int | None = None, **fields: Any
) -> Statement:
    """Change a statement and return it. Fields left out keep their value; a change
    that changes nothing writes nothing (no version, no history).

    Setting ``quote`` alone re-locates it in the source text; setting offsets alone takes
    the quote from them.
    """
    locked = lock_map(statement.map, expected_version)
    if "map" in fields and fields.pop("map").pk != locked.pk:
        raise ValidationError(
            {"map": [ValidationError("A statement cannot move to another map.", code="conflict")]}
        )
    merged: dict[str, Any] = {
        "text": statement.text,
        "attributed_to": statement.attributed_to,
        "base_score": statement.base_score,
        "note": statement.note,
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
    if all(getattr(statement, name) == value for name, value in cleaned.items()):
        return statement
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
    locked = lock_map(statement.map, expected_version)
    using = set(
        Link.objects.filter(premise_rows__statement=statement).values_list("pk", flat=True)
    ) | set(Link.objects.filter(conclusion=statement).values_list("pk", flat=True))
    if using and not cascade:
        names = name_ids("link", sorted(using))
        raise InUse(f"Statement {statement.pk} is used by {names}.", sorted(using))
    if using:
        # Their premise rows and undercutters go with them (CASCADE).
        Link.objects.filter(pk__in=using).delete()
    statement.delete()
    map_bump_version(locked)


# --- links -------------------------------------------------------------------------------
