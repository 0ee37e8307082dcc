"""URL configuration: the API under /api/, its schema and docs, and the admin."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start script from a URL, not inline, so the
    # page works under the Content-Security-Policy header (api.middleware).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="web/swagger_ui.html"),
        name="docs",
    ),
    path("api/auth/", include("rest_framework.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]


def _json_or_html(default_view, status: int, detail: str):
    """Answer API paths in JSON (the API's error shape), others with Django's page."""

    def view(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        if exception is None:
            return default_view(request)
        return default_view(request, exception)

    return view


handler404 = _json_or_html(defaults.page_not_found, 404, "Not found.")
handler500 = _json_or_html(defaults.server_error, 500, "Server error.")
