"""How many diagrams are drawn at once, across every worker: ``render_slot()``.

Graphviz takes a core while it runs, so renders at once are capped for the whole service
(``ARGMAP_MAX_CONCURRENT_RENDERS``, by default one less than this machine's cores), not
per process: with eleven gunicorn workers each allowed two, renders alone could take
every core and every worker, and reads would wait behind them.

The slots are a sorted set in the "counters" cache's Redis: a render adds a member (its
token, scored by when it expires) if fewer than the cap are there, and removes it when
done. A worker killed mid-render cannot give its slot back, so a slot is a lease of
``LEASE`` seconds, renewed by a thread of the holder every third of that while it renders,
and an expired member is swept by the next render. (A slot once expired only after its
render's budget: a job's worker killed by the OOM killer kept the slot for 5 minutes, and
on a 2-core machine, with one slot, nothing else could be drawn meanwhile.) Without
Redis (``make run``), or while it is unreachable (``argmap.cache``), the cap holds per
process with a semaphore.

A render that finds no slot waits up to ``ARGMAP_RENDER_QUEUE_TIMEOUT`` seconds (by
default none: a waiting request would hold a worker thread that reads need), then gets
``NoRenderSlot`` (the API answers 503 with ``Retry-After``).
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import caches

from argmap.cache import HEALTH, UNREACHABLE, ResilientRedisCache

SLOTS_KEY = "argmap:render-slots"
POLL = 0.1  # seconds between two tries for a Redis slot
LEASE = 15  # seconds a slot is held without word from its holder

# KEYS[1]: the set; ARGV: now, expiry, cap, token. 1 if the token took a slot.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2] - ARGV[1]))
  return 1
end
return 0
"""
# KEYS[1]: the set; ARGV: expiry, token, seconds. Renews the token's lease if it holds one.
_RENEW = """
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])))
  return 1
end
return 0
"""


class NoRenderSlot(Exception):
    """Every render slot stayed taken for the whole wait."""

    def __init__(self, cap: int, wait: int) -> None:
        self.cap = cap
        self.wait = wait
        super().__init__(
            f"All {cap} diagram renderers of the service are busy "
            f"(ARGMAP_MAX_CONCURRENT_RENDERS); try again in {wait} s."
        )


_local: threading.BoundedSemaphore | None = None
_local_cap = 0
_local_lock = threading.Lock()


def _local_slots(cap: int) -> threading.BoundedSemaphore:
    global _local, _local_cap
    with _local_lock:
        if _local is None or _local_cap != cap:
            _local, _local_cap = threading.BoundedSemaphore(cap), cap
        return _local


def _renew(client, token: str, done: threading.Event) -> None:
    """Renew the slot's lease every third of it until ``done`` (the render's end); a
    Redis that cannot be reached meanwhile is left to the render's own calls to report."""
    while not done.wait(LEASE / 3):
        with contextlib.suppress(*UNREACHABLE):
            client.eval(_RENEW, 1, SLOTS_KEY, time.time() + LEASE, token, LEASE)


def _redis() -> ResilientRedisCache | None:
    cache = caches["counters"]
    if isinstance(cache, ResilientRedisCache) and HEALTH.may_try(cache.where):
        return cache
    return None


@contextlib.contextmanager
def render_slot(*, seconds: int | None = None, wait: int | None = None) -> Iterator[None]:
    """Hold one of the service's render slots for the ``with`` block, for a render of at
    most ``seconds`` (a request's budget, ``ARGMAP_RENDER_REQUEST_SECONDS``, unless a job's
    is given); ``NoRenderSlot`` if none frees up within ``wait`` seconds
    (``ARGMAP_RENDER_QUEUE_TIMEOUT`` unless given)."""
    cap = settings.ARGMAP_MAX_CONCURRENT_RENDERS
    seconds = settings.ARGMAP_RENDER_REQUEST_SECONDS if seconds is None else seconds
    wait = settings.ARGMAP_RENDER_QUEUE_TIMEOUT if wait is None else wait
    retry = max(1, round(seconds / 4))
    cache = _redis()
    if cache is not None:
        token = uuid.uuid4().hex
        try:
            client = cache._cache.get_client(write=True)
            deadline = time.monotonic() + wait
            while True:
                now = time.time()
                if client.eval(_TAKE, 1, SLOTS_KEY, now, now + LEASE, cap, token):
                    break
                if time.monotonic() >= deadline:
                    raise NoRenderSlot(cap, retry)
                time.sleep(POLL)
        except UNREACHABLE as error:
            HEALTH.failed(cache.where, error, cache.retry_after)
        else:
            done = threading.Event()
            keeper = threading.Thread(target=_renew, args=(client, token, done), daemon=True)
            keeper.start()
            try:
                yield
            finally:
                done.set()
                keeper.join(timeout=LEASE)
                with contextlib.suppress(*UNREACHABLE):
                    client.zrem(SLOTS_KEY, token)
            return
    slots = _local_slots(cap)
    if not slots.acquire(timeout=wait):
        raise NoRenderSlot(cap, retry)
    try:
        yield
    finally:
        slots.release()
