from django.urls import path

from web import views

app_name = "web"

urlpatterns = [
    path("", views.map_list, name="map_list"),
    path("maps/<slug:slug>/", views.map_detail, name="map_detail"),
    path("maps/<slug:slug>/diagram.<str:fmt>", views.diagram_download, name="diagram_download"),
]
