"""Maps: create, change, delete, and free slugs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from api.graph.graphjson import MAP_KEYS
from api.models import ArgumentMap, Statement
from api.services.common import check_text, lock_map, normalize_newlines

# The fields a write may set: the map's own fields of the graph JSON (``MAP_KEYS``) but
# the slug (given apart) and the version (bumped by every write), and ``is_private``.
MAP_FIELDS = (*(key for key in MAP_KEYS if key not in {"slug", "version"}), "is_private")


def clean_map_fields(fields: dict[str, Any]) -> dict[str, Any]:
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
        text = normalize_newlines(cleaned["source_text"] or "")
        check_text(text, "source_text", required=False)
        cleaned["source_text"] = text
    return cleaned


def map_check_source_text(*, map_: ArgumentMap, source_text: str) -> None:
    """Raise ``ValidationError`` if ``source_text`` no longer holds the map's quotes."""
    if map_.pk is None:
        return
    source_text = normalize_newlines(source_text)
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
    cleaned = clean_map_fields({"title": title, **fields})
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
    locked = lock_map(map_, expected_version)
    cleaned = clean_map_fields(fields)
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
    lock_map(map_, expected_version).delete()


# --- statements --------------------------------------------------------------------------


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
