"""Quotas: how much one user may store (docs/quotas.md).

Maps and statements are the raw material of every render and page flood, so what one
user stores is bounded: ``ARGMAP_QUOTA_MAPS`` maps, ``ARGMAP_QUOTA_STATEMENTS_PER_MAP``
statements in one map, and ``ARGMAP_QUOTA_STATEMENTS`` statements in all their maps. A map
counts against its owner, whoever writes to it; maps of staff, and of no one (the
service's own), count against no quota. Every write that adds maps or statements asks
``check_quota`` first, within its transaction, once the map is locked: a write refused
writes nothing.
"""

from __future__ import annotations

from django.conf import settings

from api.models import ArgumentMap, Statement


class QuotaExceeded(Exception):
    """The write would pass a quota: ``quota`` names the setting, ``limit`` its value, and
    ``str()`` says what to do."""

    def __init__(self, message: str, quota: str, limit: int) -> None:
        super().__init__(message)
        self.quota = quota
        self.limit = limit


def exempt(owner) -> bool:
    """Staff, and the service itself (no owner), have no quota."""
    return owner is None or bool(getattr(owner, "is_staff", False))


def check_quota(
    *, owner, new_maps: int = 0, map_: ArgumentMap | None = None, statements: int = 0
) -> None:
    """Raise ``QuotaExceeded`` if ``owner`` storing ``new_maps`` maps more, and
    ``statements`` statements more (in ``map_``, or in a new map when ``map_`` is None;
    fewer when negative), would pass a quota. ``statements`` is what the write adds, net:
    a whole map replaced counts its new size less its old one."""
    if exempt(owner):
        return
    if new_maps > 0:
        limit = settings.ARGMAP_QUOTA_MAPS
        if ArgumentMap.objects.filter(owner=owner).count() + new_maps > limit:
            raise QuotaExceeded(
                f"You have {limit} maps, as many as one user may keep (ARGMAP_QUOTA_MAPS); "
                "delete one first.",
                "ARGMAP_QUOTA_MAPS",
                limit,
            )
    if statements <= 0:
        return
    per_map = settings.ARGMAP_QUOTA_STATEMENTS_PER_MAP
    in_map = map_.statements.count() if map_ is not None else 0
    if in_map + statements > per_map:
        raise QuotaExceeded(
            f"A map may hold {per_map} statements (ARGMAP_QUOTA_STATEMENTS_PER_MAP); this "
            f"would make {in_map + statements}.",
            "ARGMAP_QUOTA_STATEMENTS_PER_MAP",
            per_map,
        )
    total = settings.ARGMAP_QUOTA_STATEMENTS
    stored = Statement.objects.filter(map__owner=owner).count()
    if stored + statements > total:
        raise QuotaExceeded(
            f"Your maps may hold {total} statements in all (ARGMAP_QUOTA_STATEMENTS); they "
            f"hold {stored}, and this would add {statements}. Delete some first.",
            "ARGMAP_QUOTA_STATEMENTS",
            total,
        )
