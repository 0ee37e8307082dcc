"""What every write shares: the errors it raises, text checks, and the map lock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from api.graph.validate import RULE, resolve_quote, text_problem
from api.models import ArgumentMap


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


def normalize_newlines(value: str) -> str:
    """Line ends as ``\n``: browsers submit textareas with CRLF, files may hold CR alone.

    Every text a write stores passes through here first (source text, statements, quotes,
    notes), so offsets into the source text mean the same whatever sent it."""
    if "\r" not in value:
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def length_limit(key: str) -> int:
    """The longest text a field may hold (``settings.ARGMAP_MAX_LENGTHS``, e.g.
    ``"statement.text"``)."""
    return settings.ARGMAP_MAX_LENGTHS[key]


def check_text(value: Any, field: str, *, required: bool = True, max_length: int | None = None):
    """Return ``value`` stripped; raise ``ValidationError`` naming ``field`` if it is empty
    (when required), too long, or holds control characters."""
    value = "" if value is None else value
    if isinstance(value, str):
        value = normalize_newlines(value)
    problem = text_problem(value, required=required, max_length=max_length)
    if problem:
        raise ValidationError({field: [problem]})
    return value.strip()


def resolve_quote_or_error(
    source_text: str, quote: str, quote_start: int | None, quote_end: int | None
) -> tuple[str, int | None, int | None]:
    try:
        return resolve_quote(source_text, normalize_newlines(quote), quote_start, quote_end)
    except ValueError as exc:
        field, message = exc.args
        raise ValidationError({field: [ValidationError(message, code=RULE)]}) from None


def check_base_score(value: Any) -> float:
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"base_score": ["Must be a number between 0 and 1."]}) from None
    if not 0.0 <= score <= 1.0:
        raise ValidationError({"base_score": [f"Must be between 0 and 1 (got {score})."]})
    return score


def lock_map(map_: ArgumentMap, expected_version: int | None) -> ArgumentMap:
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
