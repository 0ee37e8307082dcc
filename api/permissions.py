"""Who may do what: anyone reads what is visible to them; a map's owner and staff write."""

from rest_framework import exceptions, permissions

from api.models import ArgumentMap


def check_can_edit(user, map_: ArgumentMap) -> None:
    """Raise 403 unless ``user`` may change ``map_`` (its owner, or staff)."""
    if not map_.can_edit(user):
        raise exceptions.PermissionDenied(
            f"Only the owner of the map {map_.slug!r} and staff may change it."
        )


class MapOwnerOrStaffOrReadOnly(permissions.IsAuthenticatedOrReadOnly):
    """Reads for anyone (visibility is the queryset's job); writes for owner and staff."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        map_ = obj if isinstance(obj, ArgumentMap) else obj.map
        check_can_edit(request.user, map_)
        return True
