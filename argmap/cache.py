"""A Redis cache that is never an outage: Django's ``RedisCache``, carried on while Redis is
unreachable.

Redis holds nothing that cannot be rebuilt (computed diagrams, graph JSON, evaluations,
rate-limit counters), so when it cannot be reached, the service goes on without it:

* every cache call that fails to reach Redis is answered by a *fallback* instead:
  ``"bypass"`` (Django's ``DummyCache``: nothing found, nothing kept, so results are
  computed afresh) for the cache of results, or ``"local"`` (a ``LocMemCache`` in this
  process) for the counters of rate limits and render caps, which then hold per process;
* after a failure, Redis is left alone for ``RETRY_AFTER`` seconds (no request waits on
  a dead server meanwhile), then tried again, so the service is whole again soon after
  Redis is back, without a restart;
* a warning is logged when Redis is lost, at most once a minute while it stays lost, and
  a line when it is back.

Settings, in ``CACHES[alias]["OPTIONS"]`` (the rest go to redis-py's connection pool):
``FALLBACK`` (``"bypass"`` or ``"local"``), ``RETRY_AFTER`` (seconds, default 5), and
short socket timeouts by default (``socket_connect_timeout`` 0.5 s, ``socket_timeout``
2 s), so an unreachable host costs a request at most that once per ``RETRY_AFTER``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("argmap.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY = 60.0  # seconds between two warnings while Redis stays unreachable


class _Health:
    """Per process and per Redis server: when to try Redis again, and when it was last
    reported lost. Shared by the threads of a process (Django gives each thread its own
    cache objects)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until: dict[str, float] = {}
        self.warned_at: dict[str, float] = {}

    def may_try(self, server: str) -> bool:
        with self.lock:
            return time.monotonic() >= self.down_until.get(server, 0.0)

    def failed(self, server: str, error: BaseException, retry_after: float) -> None:
        now = time.monotonic()
        with self.lock:
            self.down_until[server] = now + retry_after
            warn = now - self.warned_at.get(server, -WARN_EVERY) >= WARN_EVERY
            if warn:
                self.warned_at[server] = now
        if warn:
            logger.warning(
                "Redis at %s is unreachable (%s): the cache is bypassed and rate limits hold "
                "per process until it is back; trying again every %g s.",
                server,
                error,
                retry_after,
            )

    def succeeded(self, server: str) -> None:
        with self.lock:
            was_down = self.down_until.pop(server, None) is not None
            self.warned_at.pop(server, None)
        if was_down:
            logger.warning("Redis at %s is reachable again.", server)


HEALTH = _Health()


def _where(server: str) -> str:
    """The host and port of a Redis URL, for logs (never its password)."""
    parts = urlsplit(server)
    return f"{parts.hostname or server}:{parts.port or 6379}"


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        fallback = options.pop("FALLBACK", "bypass")
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 2)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self.where = _where(server)
        same: dict[str, Any] = {
            key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION") if key in params
        }
        if fallback == "local":
            # A LocMemCache's store is per process and per name, shared by its threads.
            self.fallback: DummyCache | LocMemCache = LocMemCache(
                f"redis-fallback:{server}", {**same, "OPTIONS": {"MAX_ENTRIES": 10_000}}
            )
        elif fallback == "bypass":
            self.fallback = DummyCache(server, same)
        else:
            raise ValueError(f"FALLBACK must be 'bypass' or 'local', not {fallback!r}")

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if HEALTH.may_try(self.where):
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                HEALTH.failed(self.where, error, self.retry_after)
            else:
                HEALTH.succeeded(self.where)
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    # Every call that reaches Redis (decr, get_or_set and the rest go through these).
    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")
