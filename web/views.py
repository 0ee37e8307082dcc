"""Server-rendered pages for coaches: pick a map, read it, download its diagram."""

from django.shortcuts import render

from api.models import ArgumentMap


def map_list(request):
    maps = ArgumentMap.objects.visible_to(request.user).order_by("title")
    return render(request, "web/map_list.html", {"maps": maps})
