"""A request body larger than ``ARGMAP_MAX_REQUEST_BYTES`` gets a 413 before any view
reads it. (DRF's parsers read the stream directly, past Django's own upload limits.)"""

from django.conf import settings
from django.http import JsonResponse


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
