"""Rate limits read from settings at request time (so the environment and tests set them).

Counters live in Django's "counters" cache: per process by default, shared by every
process once ``REDIS_URL`` is set (and per process again while Redis is unreachable). A
client is its address as the trusted proxies saw it: DRF's ``NUM_PROXIES``
(``ARGMAP_NUM_PROXIES``, default 0) says how many proxies in front of the app append to
``X-Forwarded-For``; with 0 the header is ignored and the socket's address counts, so a
client cannot pick a fresh identity by sending its own header.

The login views (``/admin/login/``, ``/api/auth/login/``) are plain Django views, which
DRF's throttles do not reach: :class:`LoginThrottleMiddleware` limits the attempts there,
per client address and per username, with 429 and ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import math
from typing import cast

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.connection import ConnectionProxy
from rest_framework import throttling


class SettingsRateMixin:
    scope: str | None
    # The "counters" cache: on Redis, shared by every process; kept per process while
    # Redis is unreachable (argmap/cache.py), so a limit still holds.
    cache: BaseCache = cast(BaseCache, ConnectionProxy(caches, "counters"))

    def get_rate(self) -> str | None:
        return settings.ARGMAP_THROTTLE_RATES.get(self.scope) if self.scope else None


class AnonRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    pass


class RenderAnonThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Diagram renders by one anonymous client (``ARGMAP_THROTTLE_RENDER_ANON``)."""

    scope = "render_anon"


class RenderAllAnonThrottle(SettingsRateMixin, throttling.SimpleRateThrottle):
    """Diagram renders by all anonymous clients together
    (``ARGMAP_THROTTLE_RENDER_ALL_ANON``): many addresses buy no more renders."""

    scope = "render_all_anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class RenderUserThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Diagram renders by one signed-in user (``ARGMAP_THROTTLE_RENDER_USER``)."""

    scope = "render_user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


def _limit_wait(
    request: HttpRequest, throttles: list[throttling.SimpleRateThrottle]
) -> tuple[str, int] | None:
    for throttle in throttles:
        # DRF's throttles read only the client address and the user, which a Django
        # request has as well.
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            return throttle.rate or "", max(1, math.ceil(throttle.wait() or 1))
    return None


def read_limit_wait(request: HttpRequest) -> tuple[str, int] | None:
    """For a request outside DRF (the coaches' pages): ``None`` if the client is within
    the read limits the API applies, else the rate and the seconds to wait. The same
    throttles and counters as the API's, so a client that ``/api/`` answers 429 gets
    429 on the pages too."""
    return _limit_wait(request, [AnonRateThrottle(), UserRateThrottle()])


def render_limit_wait(request: HttpRequest) -> tuple[str, int] | None:
    """Like ``read_limit_wait``, for a diagram a page draws itself (to know where it
    opens): the API's render limits, with the same counters."""
    return _limit_wait(request, [throttle() for throttle in RENDER_THROTTLES])


def job_requester(request: HttpRequest) -> str:
    """Who asks for a job, for the jobs' limits (``api.services.jobs``): the user, or the
    address of someone signed out (as the throttles tell addresses apart)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    # DRF's throttles read only the client address, which a Django request has as well.
    return f"ip:{throttling.BaseThrottle().get_ident(request)}"  # type: ignore[arg-type]


RENDER_THROTTLES: dict[type[throttling.SimpleRateThrottle], str] = {
    RenderAnonThrottle: "ARGMAP_THROTTLE_RENDER_ANON",
    RenderAllAnonThrottle: "ARGMAP_THROTTLE_RENDER_ALL_ANON",
    RenderUserThrottle: "ARGMAP_THROTTLE_RENDER_USER",
}


class LoginAddressThrottle(SettingsRateMixin, throttling.SimpleRateThrottle):
    """Login attempts from one client address."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": "login-address", "ident": self.get_ident(request)}


class LoginUsernameThrottle(SettingsRateMixin, throttling.SimpleRateThrottle):
    """Login attempts on one username, from wherever they come."""

    scope = "login"

    def get_cache_key(self, request, view) -> str | None:
        username = str(request.POST.get("username", "")).strip().casefold()
        if not username:
            return None
        digest = hashlib.blake2b(username.encode(), digest_size=16).hexdigest()
        return self.cache_format % {"scope": "login-username", "ident": digest}


class LoginThrottleMiddleware:
    """Refuse a POST to a login view with 429 once its address or username is over the
    ``login`` rate (``ARGMAP_THROTTLE_LOGIN``)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method == "POST" and request.path in (
            reverse("admin:login"),
            reverse("rest_framework:login"),
        ):
            for throttle in (LoginAddressThrottle(), LoginUsernameThrottle()):
                # DRF's throttles read only the client address and the posted username,
                # which a Django request has as well.
                if not throttle.allow_request(request, None):  # type: ignore[arg-type]
                    wait = max(1, math.ceil(throttle.wait() or 1))
                    response = HttpResponse(
                        f"Too many login attempts. Try again in {wait} seconds.\n",
                        status=429,
                        content_type="text/plain; charset=utf-8",
                    )
                    response["Retry-After"] = str(wait)
                    return response
        return self.get_response(request)
