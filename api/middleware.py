"""Middleware: a request body larger than ``ARGMAP_MAX_REQUEST_BYTES`` gets a 413 before
any view reads it (DRF's parsers read the stream directly, past Django's own upload
limits); HTML responses get the Content-Security-Policy header; a database that cannot be
reached is a 503, not a 500."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

log = logging.getLogger(__name__)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.ARGMAP_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length must be a number."}, status=400)
        if length > limit:
            return JsonResponse(
                {
                    "detail": (
                        f"Request body too large: {length} bytes; the limit is {limit} bytes "
                        "(ARGMAP_MAX_REQUEST_BYTES)."
                    ),
                    "limit": limit,
                },
                status=413,
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send ``ARGMAP_CONTENT_SECURITY_POLICY`` as the ``Content-Security-Policy`` header of
    every HTML response (the coaches' pages, the admin, the API docs) that does not set
    its own. A header, unlike a ``<meta>`` tag, also covers ``frame-ancestors`` and
    applies before the page's first byte is parsed."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.ARGMAP_CONTENT_SECURITY_POLICY
        content_type = response.headers.get("Content-Type", "")
        if policy and content_type.startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class DatabaseUnavailableMiddleware:
    """A request that loses the database (a PostgreSQL restart, a failover, no free
    connection) is answered 503 with ``Retry-After``, JSON under ``/api/``, and nothing
    is written (a failed transaction is rolled back). Django then opens a new connection
    for the next request (``CONN_HEALTH_CHECKS`` checks a kept one before reuse)."""

    RETRY_AFTER = 5  # seconds

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("The database could not be reached (%s): answered 503.", exception)
        message = "The database is not reachable for a moment; try again in a few seconds."
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": message, "errors": {}}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response
