"""Who am I: the caller's role and scope, for clients and the browser alike."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user, scope_for


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
        user = acting_user(request)
        scope = scope_for(user)
        return Response(
            {
                "username": user.get_username(),
                "role": user.role,
                "scope": {
                    "level": scope.level,
                    "province": scope.province_code,
                    "city": scope.city_code,
                },
            }
        )
