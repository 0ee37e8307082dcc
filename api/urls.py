from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import views

router = DefaultRouter()
router.register("maps", views.ArgumentMapViewSet, basename="map")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("links", views.LinkViewSet, basename="link")

urlpatterns = [
    path("", include(router.urls)),
]
