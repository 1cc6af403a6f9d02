"""The floor view and the query-count middleware of the HTTP benchmark.

The floor view does no work of its own: the cost of a request to it is what the framework costs
(the middleware stack, token authentication, DRF's content negotiation and JSON rendering). The
public floor is the same for anonymous requests (no token to look up), so that a public endpoint
is compared with what the framework costs an anonymous client. An
endpoint's requests per second divided by the floor's is then the share of the framework in the
endpoint's cost: 1.0 means the endpoint costs no more than the framework; 0.25 means its own
work costs three times as much as the framework does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

QUERIES_HEADER = "X-Bench-Queries"

# A constant body of the size of a small detail response (ten keys, about 400 bytes of JSON).
FLOOR_BODY: dict[str, Any] = {
    "id": 1,
    "name": "智能工厂基准测试",
    "uscc": "91320100GN0000001X",
    "city": "320100",
    "city_name": "南京市",
    "province": "32",
    "industry": "39",
    "industry_name": "计算机、通信和其他电子设备制造业",
    "above_designated_size": True,
    "created_at": "2026-01-01T08:00:00+08:00",
}


class FloorView(APIView):
    """A constant JSON body behind the project's default authentication and permissions."""

    def get(self, request: Request) -> Response:
        return Response(FLOOR_BODY)


class PublicFloorView(FloorView):
    """The same body for anyone, as the public endpoints (the registry) answer: the default
    authentication classes (with no credentials sent, nothing to look up) and throttles, no
    permission to pass. The floor of anonymous jobs."""

    permission_classes = [AllowAny]


class QueryCounter:
    """An ``execute_wrapper`` that counts the statements run on the connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    """Sets ``X-Bench-Queries`` to the number of SQL queries the request ran (bench only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(counter.count)
        return response
