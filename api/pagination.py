"""Page-number pagination with a ``page_size`` parameter capped by a setting."""

from django.conf import settings
from rest_framework import exceptions, pagination

from api.graph.validate import whole_number


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    # A property, not the attribute DRF declares, so that the setting is read per request.
    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.ARGMAP_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int | None:
        """``page_size`` must be a whole number from 1 (a 400 otherwise); above the
        maximum it is the maximum, as documented."""
        value = request.query_params.get(self.page_size_query_param)
        if value is not None:
            try:
                size = whole_number(value)
            except ValueError:
                size = 0
            if size < 1:
                raise exceptions.ValidationError(
                    {
                        self.page_size_query_param: [
                            f"Must be a whole number from 1 to {self.max_page_size} "
                            f"(got {value!r})."
                        ]
                    }
                )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        """``page`` in ASCII digits (or ``last``): any other is an invalid page (404), as
        ``page=abc`` is, where Django's paginator would read ``page=５`` as 5."""
        number = super().get_page_number(request, paginator)
        if number not in self.last_page_strings:
            try:
                whole_number(str(number))
            except ValueError:
                raise exceptions.NotFound(
                    self.invalid_page_message.format(
                        page_number=number, message="That page number is not an integer"
                    )
                ) from None
        return number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        """``page`` and ``page_size`` with the bounds ``get_page_size`` and DRF enforce:
        both from 1; a ``page_size`` above the maximum is accepted and read as it."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, from 1; above {self.max_page_size} "
                    f"(ARGMAP_MAX_PAGE_SIZE) it is {self.max_page_size}."
                )
        return parameters
