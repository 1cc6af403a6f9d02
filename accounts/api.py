"""Who am I: the caller's role and scope, for clients and the browser alike."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import scope_for


class MeView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "role": serializers.CharField(),
                "scope": serializers.DictField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        scope = scope_for(request.user)
        return Response(
            {
                "username": request.user.get_username(),
                "role": request.user.role,
                "scope": {
                    "level": scope.level,
                    "province": scope.province_code,
                    "city": scope.city_code,
                },
            }
        )
