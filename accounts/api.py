"""Who am I: the caller's role and scope, for clients and the browser alike; the caller's API
tokens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import ApiToken, NotificationKind
from accounts.selectors import acting_user, api_token_list_for, scope_for
from core.api import InputSerializer, error_responses
from core.errors import PermissionDenied
from core.throttling import ScopedRateThrottle


class MeOutput(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    scope = serializers.DictField()
    emailed_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices),
        help_text=_("The kinds of notification also sent by email (all are in the inbox)."),
    )


class MeUpdateInput(InputSerializer):
    emailed_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices), allow_empty=True
    )


def _me(user: Any) -> dict[str, Any]:
    scope = scope_for(user)
    return {
        "username": user.get_username(),
        "role": user.role,
        "scope": {
            "level": scope.level,
            "province": scope.province_code,
            "city": scope.city_code,
        },
        "emailed_kinds": [k for k in NotificationKind.values if k not in user.email_muted],
    }


class MeView(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        return Response(_me(acting_user(request)))

    @extend_schema(
        request=MeUpdateInput,
        responses={200: MeOutput, **error_responses(400)},
        description=_("Choose which kinds of notification also reach you by email."),
    )
    def patch(self, request: Request) -> Response:
        data = MeUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_preferences_set(
            user=acting_user(request), emailed=data.validated_data["emailed_kinds"]
        )
        return Response(_me(user))


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text=_("The first characters of the secret."))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class TokenCreatedOutput(TokenOutput):
    token = serializers.CharField(
        help_text=_(
            "The secret, for the header `Authorization: Token <secret>`. Shown only in this "
            "answer: only its hash is stored."
        )
    )


class TokenCreateInput(InputSerializer):
    name = serializers.CharField(max_length=100)


class TokenListOutput(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = TokenOutput(many=True)


class TokenList(APIView):
    """The caller's API tokens; a signed-in browser session creates new ones.

    A token cannot create tokens (that would let a token outlive its expiry): sign in to the
    portal, or use its account page, to make one.
    """

    throttle_scope = "tokens"  # creating one: API_TOKEN_CREATE_RATE per user

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.request.method == "POST":
            throttles.append(ScopedRateThrottle())
        return throttles

    @extend_schema(responses=TokenListOutput)
    def get(self, request: Request) -> Response:
        rows = TokenOutput(api_token_list_for(acting_user(request)), many=True).data
        return Response({"next": None, "results": rows})

    @extend_schema(
        request=TokenCreateInput, responses={201: TokenCreatedOutput, **error_responses(400, 403)}
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(
                _("A token cannot create tokens: sign in to the portal to create one."),
                code="token_cannot_create_tokens",
            )
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.api_token_create(
            user=acting_user(request), name=data.validated_data["name"]
        )
        body = {**TokenOutput(token).data, "token": secret}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class TokenDetail(APIView):
    @extend_schema(responses={204: None, **error_responses(404)})
    def delete(self, request: Request, pk: int) -> Response:
        services.api_token_revoke(user=acting_user(request), token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
