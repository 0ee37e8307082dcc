"""Rate limits read from settings at request time (so the environment and tests set them).

Counters live in Django's "counters" cache: per process by default, shared by every
process once ``REDIS_URL`` is set (and per process again while Redis is unreachable). A
client is its address as the trusted proxies saw it: DRF's ``NUM_PROXIES``
(``ARGMAP_NUM_PROXIES``, default 0) says how many proxies in front of the app append to
``X-Forwarded-For``; with 0 the header is ignored and the socket's address counts, so a
client cannot pick a fresh identity by sending its own header.

The login views (``/admin/login/``, ``/api/auth/login/``) are plain Django views, which
DRF's throttles do not reach: :class:`LoginThrottleMiddleware` limits the attempts there,
per client address, and the failures per address and username together, with backoff
(:class:`LoginGuard`), with 429 and ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import math
import time
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


# Login failures (docs/deploy.md, "Sign-in attempts"): what one address may try on one
# username before it must wait, doubling with each failure after that, up to the cap; how
# many addresses may fail on one username within the window before that username is
# closed to addresses that have not signed in as it before; and the cookie that says one
# has.
LOGIN_FREE_FAILURES = 10
LOGIN_MAX_WAIT = 3600  # seconds
LOGIN_USERNAME_ADDRESSES = 10
LOGIN_WINDOW = 900  # seconds
LOGIN_DEVICE_COOKIE = "argmap_signed_in_before"
LOGIN_DEVICE_DAYS = 180


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class LoginGuard:
    """Failed sign-ins, for one attempt: its address, the username tried, and whether
    the browser has signed in as that username before (``LOGIN_DEVICE_COOKIE``).

    The limit stops the guesser, not the user: failures count per address and username
    together, so ten wrong passwords from one address make that address wait (1 s, 2 s,
    4 s... after ``LOGIN_FREE_FAILURES``, up to ``LOGIN_MAX_WAIT``), while the user signs
    in from any other. A guesser spread over many addresses is stopped per username: once
    ``LOGIN_USERNAME_ADDRESSES`` addresses have failed on it within ``LOGIN_WINDOW``, it
    takes no attempt from a browser that has not signed in as it before; the user's own
    browser, holding the cookie, still signs in."""

    cache: BaseCache = cast(BaseCache, ConnectionProxy(caches, "counters"))

    def __init__(self, request: HttpRequest) -> None:
        username = str(request.POST.get("username", "")).strip().casefold()
        self.user = _digest(username) if username else None
        address = throttling.BaseThrottle().get_ident(request)  # type: ignore[arg-type]
        self.address = _digest(address or "")
        cookie = request.get_signed_cookie(  # "" for none, or one not signed by us
            LOGIN_DEVICE_COOKIE, default="", salt="login-device", max_age=LOGIN_DEVICE_DAYS * 86400
        )
        cookie = cookie or ""
        self.known_device = self.user is not None and self.user in cookie.split(",")
        self.cookie = cookie

    def _pair_key(self) -> str:
        return f"login-pair:{self.address}:{self.user}"

    def _user_key(self) -> str:
        return f"login-user:{self.user}"

    def wait(self) -> int:
        """Seconds this attempt must wait (0: it may go ahead)."""
        if self.user is None:
            return 0
        now = time.time()
        failures, last = self.cache.get(self._pair_key(), (0, 0.0))
        if failures >= LOGIN_FREE_FAILURES:
            backoff = min(LOGIN_MAX_WAIT, 2 ** (failures - LOGIN_FREE_FAILURES))
            left = math.ceil(last + backoff - now)
            if left > 0:
                return left
        if not self.known_device:
            failed = self._recent_addresses(now)
            if len(failed) >= LOGIN_USERNAME_ADDRESSES and self.address not in failed:
                return max(1, math.ceil(min(failed.values()) + LOGIN_WINDOW - now))
        return 0

    def _recent_addresses(self, now: float) -> dict[str, float]:
        failed = self.cache.get(self._user_key(), {})
        return {a: t for a, t in failed.items() if now - t < LOGIN_WINDOW}

    def failed(self) -> None:
        """Count a failed attempt."""
        if self.user is None:
            return
        now = time.time()
        failures, _ = self.cache.get(self._pair_key(), (0, 0.0))
        keep = LOGIN_MAX_WAIT + LOGIN_WINDOW
        self.cache.set(self._pair_key(), (failures + 1, now), keep)
        failed = self._recent_addresses(now)
        if len(failed) < 4 * LOGIN_USERNAME_ADDRESSES or self.address in failed:
            failed[self.address] = now  # bounded: past a few windows' worth, no more kept
        self.cache.set(self._user_key(), failed, LOGIN_WINDOW)

    def signed_in(self, response: HttpResponse) -> None:
        """A good password: forget this address's failures on the username, and give the
        browser the cookie that lets it sign in as it while others guess."""
        if self.user is None:
            return
        self.cache.delete(self._pair_key())
        others = [u for u in self.cookie.split(",") if u and u != self.user]
        known = [*others[-4:], self.user]
        response.set_signed_cookie(
            LOGIN_DEVICE_COOKIE,
            ",".join(known),
            salt="login-device",
            max_age=LOGIN_DEVICE_DAYS * 86400,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _too_many(wait: int) -> HttpResponse:
    response = HttpResponse(
        f"Too many login attempts. Try again in {wait} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response


class LoginThrottleMiddleware:
    """Refuse a POST to a login view with 429 while its address is over the ``login``
    rate (``ARGMAP_THROTTLE_LOGIN``) or ``LoginGuard`` says it must wait; count the
    attempt's outcome (a login view answers a failure with its form again, 200, and a
    success with a redirect)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method != "POST" or request.path not in (
            reverse("admin:login"),
            reverse("rest_framework:login"),
        ):
            return self.get_response(request)
        address = LoginAddressThrottle()
        # DRF's throttles read only the client address, which a Django request has too.
        if not address.allow_request(request, None):  # type: ignore[arg-type]
            return _too_many(max(1, math.ceil(address.wait() or 1)))
        guard = LoginGuard(request)
        wait = guard.wait()
        if wait:
            return _too_many(wait)
        response = self.get_response(request)
        if response.status_code == 200:
            guard.failed()
        elif 300 <= response.status_code < 400 and request.user.is_authenticated:
            guard.signed_in(response)
        return response
