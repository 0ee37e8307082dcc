"""Page-number pagination with a ``page_size`` parameter capped by a setting."""

from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.ARGMAP_MAX_PAGE_SIZE
