from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("maps", views.ArgumentMapViewSet, basename="map")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("links", views.LinkViewSet, basename="link")

urlpatterns = [
    re_path(
        r"^maps/(?P<slug>[-a-zA-Z0-9_]+)/diagram\.(?P<fmt>svg|png|pdf|dot)$",
        views.DiagramView.as_view(),
        name="map-diagram",
    ),
    re_path(
        r"^maps/(?P<slug>[-a-zA-Z0-9_]+)/export\.(?P<fmt>aif|argdown|json|kialo|sadface)$",
        views.ExportView.as_view(),
        name="map-export",
    ),
    path("jobs/<str:job_id>/", views.JobView.as_view(), name="job"),
    path("jobs/<str:job_id>/result/", views.JobResultView.as_view(), name="job-result"),
    path("", include(router.urls)),
    # Last: any other path under /api/ is a JSON 404, also when DEBUG is on.
    # ([\s\S]: a line break, %0A, is part of a path too.)
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="api-not-found"),
]
