"""The API's filter backend."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

# Query parameters that are not filters: the pages' own (core.pagination) and the format.
NOT_FILTERS = frozenset({"cursor", "page_size", "format"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names no filter at all (the common
    first page of a list): a filter set bound to no data filters nothing, and building and
    validating its form costs as much as reading the page. Filter sets here have no required
    filters and no defaults, so that skipping one changes nothing."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        if not set(request.query_params) - NOT_FILTERS:
            return queryset
        return super().filter_queryset(request, queryset, view)
