"""Page-number pagination with a ``page_size`` parameter capped by a setting."""

from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    # A property, not the attribute DRF declares, so that the setting is read per request.
    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.ARGMAP_MAX_PAGE_SIZE
