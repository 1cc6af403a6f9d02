"""Keyset (cursor) pagination for the API's lists.

A page is "the next ``page_size`` rows after this row in the list's order", read with one range of
the index that matches the order, however deep the page. There is no total count: counting a
national list on every page costs more than the page itself. The cursor is opaque to clients: the
ordering values of the last row sent, in a URL-safe token.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from core.errors import DomainError


@dataclass(frozen=True)
class OrderKey:
    """One column of a list's order. NULLs sort as PostgreSQL sorts them by default (first when
    descending, last when ascending), on every backend, so that the order matches the indexes."""

    field: str
    descending: bool
    nullable: bool

    def expression(self) -> OrderBy:
        if self.descending:
            return F(self.field).desc(nulls_first=True)
        return F(self.field).asc(nulls_last=True)

    def after(self, value: Any) -> Q:
        """Rows strictly after ``value`` in this column's order."""
        if value is None:
            return Q(**{f"{self.field}__isnull": False}) if self.descending else Q(pk__in=[])
        if self.descending:
            return Q(**{f"{self.field}__lt": value})
        after = Q(**{f"{self.field}__gt": value})
        return after | Q(**{f"{self.field}__isnull": True}) if self.nullable else after

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})

    def bound(self, value: Any) -> Q | None:
        """A redundant range condition on the leading column that an index can start from."""
        if value is None or (self.nullable and not self.descending):
            return None
        return Q(**{f"{self.field}__{'lte' if self.descending else 'gte'}": value})


def order_keys(queryset: QuerySet[Any]) -> list[OrderKey]:
    """The queryset's order as columns, ending with the primary key (a total order)."""
    model = queryset.model
    names = list(queryset.query.order_by or model._meta.ordering)
    keys = []
    for name in names:
        if not isinstance(name, str) or "__" in name.lstrip("-"):
            raise TypeError(f"keyset pagination needs plain column names, not {name!r}")
        descending = name.startswith("-")
        field_name = name.lstrip("-")
        if field_name == "pk":
            field_name = model._meta.pk.name
        field = model._meta.get_field(field_name)
        keys.append(OrderKey(field.attname, descending, bool(getattr(field, "null", False))))
    if not any(key.field == model._meta.pk.attname for key in keys):
        keys.append(OrderKey(model._meta.pk.attname, keys[-1].descending if keys else False, False))
    return keys


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    raw = json.dumps([plain(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, model: type[Model], keys: list[OrderKey]) -> list[Any]:
    invalid = DomainError(
        _("This cursor is not valid for this list; start again from the first page."),
        code="invalid_cursor",
        fields={"cursor": [_("Not a cursor of this list.")]},
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise invalid
    decoded: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            if not key.nullable:
                raise invalid
            decoded.append(None)
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise invalid
        try:
            field = next(f for f in model._meta.concrete_fields if f.attname == key.field)
            decoded.append(field.to_python(value))
        except (ValidationError, StopIteration, FieldDoesNotExist, ValueError, TypeError):
            raise invalid from None
    return decoded


def keyset_after(keys: list[OrderKey], values: list[Any]) -> Q:
    """Rows after ``values`` in the order of ``keys`` (a lexicographic comparison, with a range
    on the leading column for the index)."""
    condition = Q(pk__in=[])
    for index, key in enumerate(keys):
        step = key.after(values[index])
        for previous, value in zip(keys[:index], values[:index], strict=True):
            step &= previous.equal(value)
        condition |= step
    bound = keys[0].bound(values[0])
    return condition if bound is None else bound & condition


# The query parameters of paging itself (a list with no others is the whole list).
PAGING_PARAMETERS = frozenset({"cursor", "page_size"})


@dataclass(frozen=True)
class KeysetIndex:
    """A list read page by page from rows of another table that are exactly the list's rows in
    the caller's scope, one per listed row, with the list's order in one index (say, each
    enterprise present in a region, with its name). ``columns`` names, for each column of the
    list's order (the listed model's attnames, the primary key included), the column of
    ``rows`` that holds the same value. The page's ids come from one range of ``rows``' index;
    the listed rows are then read from ``listed`` (the rows with their related rows, not
    narrowed: ``rows`` is the scope) by primary key. A list narrowed by filters passes its
    filtered rows to ``within`` (otherwise pages would be cut from rows the filter drops)."""

    rows: QuerySet[Any]
    columns: dict[str, str]
    listed: QuerySet[Any]

    def within(self, listed: QuerySet[Any]) -> KeysetIndex:
        """The index narrowed to the rows of ``listed`` (a filtered list): each page still walks
        the index in order, keeping the rows whose listed row is in ``listed``."""
        pk = self.columns[listed.model._meta.pk.attname]
        rows = self.rows.filter(**{f"{pk}__in": listed.order_by().values("pk")})
        return replace(self, rows=rows)

    def page(self, keys: list[OrderKey], values: list[Any] | None, size: int) -> QuerySet[Any]:
        """The listed rows of the page (``size`` of them at most), in the list's order."""
        mapped = [OrderKey(self.columns[key.field], key.descending, key.nullable) for key in keys]
        rows = self.rows.order_by(*(key.expression() for key in mapped))
        if values is not None:
            rows = rows.filter(keyset_after(mapped, values))
        ids = rows.values(mapped[-1].field)[:size]
        return self.listed.filter(pk__in=ids).order_by(*(key.expression() for key in keys))


class KeysetPagination(pagination.BasePagination):
    """``?cursor=`` and ``?page_size=`` (default from settings, at most 200); the response is
    ``{"next": url or null, "results": [...]}``. The order is the list's own (its queryset's
    ``order_by`` or the model's ``Meta.ordering``), always completed by the primary key. A view
    may name a ``keyset_index`` (a ``KeysetIndex``) to read the page from."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    max_page_size = 200

    def __init__(self) -> None:
        self.next_url: str | None = None

    def page_size(self, request: Request) -> int:
        default = int(api_settings.PAGE_SIZE or 50)
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return default
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            message = _("Must be a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            raise DomainError(message, fields={self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(  # type: ignore[override]  # querysets only, never lists
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        keys = order_keys(queryset)
        size = self.page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        queryset = queryset.order_by(*(key.expression() for key in keys))
        values = _decode(token, queryset.model, keys) if token else None
        index: KeysetIndex | None = getattr(view, "keyset_index", None)
        if index is not None:
            # The page's ids from the index rows in a subquery, the rows by primary key: one
            # query, planned as quickly as the national list's.
            queryset = index.page(keys, values, size + 1)
        elif values is not None:
            queryset = queryset.filter(keyset_after(keys, values))
        rows = list(queryset[: size + 1])
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            values = [getattr(last, key.field) for key in keys]
            self.next_url = replace_query_param(
                request.build_absolute_uri(), self.cursor_query_param, _encode(values)
            )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page (null on the last page).",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from the `next` link of the previous page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
