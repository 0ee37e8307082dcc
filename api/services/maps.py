"""Maps: create, change, delete, and free slugs.

A renamed map keeps its old slug as a ``FormerSlug``: its URLs redirect to the new one
(``api.selectors.moved_map_slug``) until a map takes that slug again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from api.graph.graphjson import MAP_KEYS
from api.graph.validate import RESERVED_SLUGS, RULE, name_ids, url_problem
from api.models import ArgumentMap, FormerSlug, Statement
from api.services.common import check_text, length_limit, lock_map, normalize_newlines
from api.services.quotas import check_quota

# The fields a write may set: the map's own fields of the graph JSON (``MAP_KEYS``) but
# the slug (given apart) and the version (bumped by every write), and ``is_private``.
MAP_FIELDS = (*(key for key in MAP_KEYS if key not in {"slug", "version"}), "is_private")


def clean_map_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = check_text(
            cleaned["title"], "title", max_length=length_limit("map.title")
        )
    for name in ("summary", "source_title", "source_author", "source_url"):
        if name in cleaned:
            cleaned[name] = check_text(
                cleaned[name], name, required=False, max_length=length_limit(f"map.{name}")
            )
    if "source_url" in cleaned:
        problem = url_problem(fields["source_url"])  # as sent: white space is no address
        if problem:
            raise ValidationError({"source_url": [problem]})
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
        names = name_ids("statement", broken, prefix="#")
        raise ValidationError(
            {
                "source_text": [
                    ValidationError(
                        f"The new source text no longer holds the quotes of {names}.", code=RULE
                    )
                ]
            }
        )


@transaction.atomic
def map_create(*, slug: str, title: str, owner=None, **fields: Any) -> ArgumentMap:
    """Create and return a map owned by ``owner`` (None: staff's); raise
    ``ValidationError`` for a taken slug or a bad field, ``QuotaExceeded`` past the
    owner's maps."""
    unknown = set(fields) - set(MAP_FIELDS)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            {
                "slug": [
                    ValidationError(f"{slug!r} is reserved; choose another slug.", code="unique")
                ]
            }
        )
    taken = ValidationError(
        {"slug": [ValidationError(f"A map with slug {slug!r} already exists.", code="unique")]}
    )
    if _slug_taken(slug):
        raise taken
    check_quota(owner=owner, new_maps=1)
    cleaned = clean_map_fields({"title": title, **fields})
    map_ = ArgumentMap(slug=slug, owner=owner, **cleaned)
    # The slug in any case is _slug_taken's rule (an error naming the field); the
    # database's constraint catches a create racing this one (IntegrityError, below).
    map_.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: a create racing this one took the slug
            map_.save()
    except IntegrityError:
        if _slug_taken(slug):
            raise taken from None
        raise
    FormerSlug.objects.filter(slug=slug).delete()  # the new map takes the name over
    return map_


@transaction.atomic
def map_update(
    *, map_: ArgumentMap, expected_version: int | None = None, **fields: Any
) -> ArgumentMap:
    """Change a map's own fields and return it, version bumped; a change that changes
    nothing writes nothing (no version, no history).

    Raises ``ValidationError`` if the change would break a statement's quote (the source
    text changed under it), ``PreconditionFailed`` if ``expected_version`` is stale.
    """
    unknown = set(fields) - set(MAP_FIELDS) - {"slug", "owner"}
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    locked = lock_map(map_, expected_version)
    cleaned = clean_map_fields(fields)
    new_slug = cleaned.get("slug", locked.slug)
    if new_slug != locked.slug and new_slug in RESERVED_SLUGS:
        raise ValidationError(
            {
                "slug": [
                    ValidationError(
                        f"{new_slug!r} is reserved; choose another slug.", code="unique"
                    )
                ]
            }
        )
    if new_slug != locked.slug and _slug_taken(new_slug, but=locked):
        raise ValidationError(
            {
                "slug": [
                    ValidationError(
                        f"A map with slug {cleaned['slug']!r} already exists.", code="unique"
                    )
                ]
            }
        )
    before = {name: getattr(locked, name) for name in cleaned}
    for name, value in cleaned.items():
        setattr(locked, name, value)
    if "source_text" in cleaned:
        map_check_source_text(map_=locked, source_text=locked.source_text)
    locked.full_clean(validate_constraints=False)  # the slug: _slug_taken, above
    if all(getattr(locked, name) == value for name, value in before.items()):
        return locked
    locked.version += 1  # the row is locked (select_for_update) until we commit
    locked.save()
    if locked.slug != before.get("slug", locked.slug):
        # The old slug now redirects here; the new one is no other map's former slug.
        FormerSlug.objects.filter(slug=locked.slug).delete()
        FormerSlug.objects.create(slug=before["slug"], map=locked)
    return locked


def _slug_taken(slug: str, but: ArgumentMap | None = None) -> bool:
    """Whether another map has ``slug``, in any case: ``Cats`` and ``cats`` never stand
    side by side (the ``map_slug_unique_in_any_case`` constraint holds it too)."""
    maps = ArgumentMap.objects.filter(slug__iexact=slug)
    return (maps.exclude(pk=but.pk) if but is not None else maps).exists()


@transaction.atomic
def map_delete(*, map_: ArgumentMap, expected_version: int | None = None) -> None:
    """Delete a map with all its statements and links."""
    lock_map(map_, expected_version).delete()


def map_free_slug(text: str) -> str:
    """Return a slug made from ``text`` that no map has, or had before a rename (``name``,
    ``name-2``, ...)."""
    base = slugify(text.rsplit(".", 1)[0] if "." in text[-9:] else text)[:90] or "map"
    # One query, however many maps share the name. A renamed map's former slug is not
    # free either: its URLs still lead to that map.
    taken = {
        slug.casefold()
        for slug in ArgumentMap.objects.filter(slug__istartswith=base)
        .order_by()
        .values_list("slug", flat=True)
        .union(FormerSlug.objects.filter(slug__istartswith=base).values_list("slug", flat=True))
    }
    taken |= RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
