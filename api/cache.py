"""How much of the cache a computed result may take: one policy for diagrams and evaluations.

Anyone may ask for a public map's diagram with any options, so caching every answer for a
day would let one client fill Redis (a 5 000-statement PNG with ``?wrap=16`` once added a
50 MB key). :func:`cache_bounded_get_or_set` therefore stores a result only if

* it is at most ``ARGMAP_CACHE_MAX_ENTRY_BYTES`` (larger ones are recomputed each time,
  within the renderer's own limits);
* it is small (at most ``ARGMAP_CACHE_SMALL_ENTRY_BYTES``: evaluations, "too complex"
  answers, most diagrams) or has been asked for before within
  ``ARGMAP_CACHE_REPEAT_WINDOW`` seconds: what is asked often is kept, a sweep through
  option combinations is not;
* the entries already stored for the same map version leave room for it under
  ``ARGMAP_CACHE_MAX_MAP_BYTES``.

Keys carry the map version, so an edit leaves the old entries unused; Redis's
``maxmemory`` with an LRU policy (docs/deploy.md) drops them.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")


def _size(value: object) -> int:
    if isinstance(value, bytes):
        return len(value)
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def cache_bounded_get_or_set(key: str, compute: Callable[[], T], *, scope: str) -> T:
    """Return the cached value of ``key``, or ``compute()`` it and store it if the policy
    allows (see the module docstring).

    ``scope`` names what the per-map limit counts against, e.g. ``"map:7:v3"``.
    Exceptions from ``compute`` propagate and nothing is stored.
    """
    value = cache.get(key)
    if value is not None:
        return value
    value = compute()
    cache_bounded_set(key, value, scope=scope)
    return value


def cache_bounded_set(key: str, value: object, *, scope: str) -> bool:
    """Store ``value`` under ``key`` if the policy allows; return whether it was stored."""
    size = _size(value)
    if size > settings.ARGMAP_CACHE_MAX_ENTRY_BYTES:
        return False
    if size > settings.ARGMAP_CACHE_SMALL_ENTRY_BYTES:
        digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        first_ask = cache.add(f"asked:{digest}", 1, timeout=settings.ARGMAP_CACHE_REPEAT_WINDOW)
        if first_ask:
            return False
    counter = f"cache-bytes:{scope}"
    cache.add(counter, 0)
    try:
        total = cache.incr(counter, size)
    except ValueError:  # the counter expired in between: start again
        cache.add(counter, size)
        total = size
    if total > settings.ARGMAP_CACHE_MAX_MAP_BYTES:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
            cache.decr(counter, size)
        return False
    cache.set(key, value)
    return True
