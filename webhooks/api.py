"""Webhook subscriptions through the API: the caller's own only (anyone else's is not found).

``POST /webhooks/`` answers the signing secret once. ``GET /webhooks/{id}/deliveries/`` is the
delivery log with each attempt; ``POST …/deliveries/{delivery_id}/redeliver/`` sends one again;
``POST /webhooks/{id}/enable/`` and ``…/disable/`` turn deliveries on and off.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.selectors import acting_user
from core.api import AsciiIntegerField, InputSerializer, error_responses, object_body
from webhooks import selectors, services
from webhooks.models import WebhookDelivery, WebhookEventType, WebhookSubscription

EVENT_TYPES_HELP = "Any of: " + ", ".join(WebhookEventType.values) + "."


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices)
    )
    authority = serializers.IntegerField(
        source="authority_id", allow_null=True, help_text="The authority scope's id, or null."
    )
    enterprise = serializers.IntegerField(
        source="enterprise_id", allow_null=True, help_text="The enterprise scope's id, or null."
    )
    is_active = serializers.BooleanField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()
    consecutive_failures = serializers.IntegerField(
        help_text="Attempts that failed in a row (any delivery), since the last success."
    )
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text=(
            "The signing secret (whsec_ and base64), shown only in this answer. Verify each "
            "delivery with it: the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}."
            "{body}`, keyed with the bytes after whsec_ base64-decoded, is one of the "
            "space-separated `v1,` values of webhook-signature (Standard Webhooks)."
        )
    )


class WebhookCreateInput(InputSerializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(
        max_length=500,
        help_text=(
            "Where deliveries are posted: https (http only where the deployment allows it), "
            "to a public address unless the deployment allows private ones."
        ),
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        max_length=len(WebhookEventType.values),
        help_text=EVENT_TYPES_HELP,
    )
    authority = AsciiIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Scope: an authority within your jurisdiction (officials).",
    )
    enterprise = AsciiIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Scope: an enterprise of yours (enterprise users) or of your jurisdiction.",
    )


class WebhookUpdateInput(WebhookCreateInput):
    """Only the fields given change; giving a scope (authority or enterprise) replaces it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class AttemptOutput(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    response_code = serializers.IntegerField(
        allow_null=True, help_text="The endpoint's HTTP status; null when no answer came."
    )
    latency_ms = serializers.IntegerField()
    error = serializers.CharField()


class DeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event_type = serializers.ChoiceField(choices=WebhookEventType.choices)
    message_id = serializers.CharField(help_text="The webhook-id header, the same on each retry.")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField(help_text="Attempts of the current series.")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    retry_until = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    payload = serializers.JSONField(help_text="The body that is signed and posted.")
    attempt_log = AttemptOutput(many=True, help_text="Every attempt, oldest first.")


class DeliveryListOutput(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = DeliveryOutput(many=True)


def _scope_values(values: dict[str, Any]) -> dict[str, Any]:
    scope = {}
    if "authority" in values:
        scope["authority_id"] = values["authority"]
    if "enterprise" in values:
        scope["enterprise_id"] = values["enterprise"]
    return scope


DELIVERY_ID = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": 200}


class WebhookViewSet(viewsets.GenericViewSet):
    """The caller's webhook subscriptions: signed deliveries of portal events (Standard
    Webhooks headers webhook-id, webhook-timestamp, webhook-signature)."""

    serializer_class = WebhookOutput

    def _user(self) -> User:
        return acting_user(self.request)

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        user = self.request.user
        if not isinstance(user, User):  # the schema generator
            return WebhookSubscription.objects.none()
        return selectors.subscription_list_for(user)

    def get_object(self) -> WebhookSubscription:
        return selectors.subscription_get_for(self._user(), self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookOutput(page, many=True).data)

    @extend_schema(
        request=WebhookCreateInput,
        responses={201: WebhookCreatedOutput, **error_responses(400)},
    )
    def create(self, request: Request) -> Response:
        """Subscribe an endpoint; the answer carries its signing secret, shown only here."""
        body = WebhookCreateInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        subscription, secret = services.webhook_subscription_create(
            owner=self._user(),
            name=values["name"],
            url=values["url"],
            event_types=values["event_types"],
            **_scope_values(values),
        )
        data = {**WebhookOutput(subscription).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(WebhookOutput(self.get_object()).data)

    @extend_schema(
        request=WebhookUpdateInput,
        responses={200: WebhookOutput, **error_responses(400, 404)},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change the name, URL, event types or scope."""
        body = WebhookUpdateInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        changes = {key: values[key] for key in ("name", "url", "event_types") if key in values}
        subscription = services.webhook_subscription_update(
            actor=self._user(),
            subscription_id=self.get_object().pk,
            **changes,
            **_scope_values(values),
        )
        return Response(WebhookOutput(subscription).data)

    @extend_schema(responses={204: None, **error_responses(404)})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Delete the subscription and its delivery log."""
        services.webhook_subscription_delete(
            actor=self._user(), subscription_id=self.get_object().pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="The `next` link's position."),
            OpenApiParameter("page_size", PAGE_SIZE, description="Rows per page (at most 200)."),
        ],
        responses={200: DeliveryListOutput, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The delivery log, newest first, each delivery with all its attempts."""
        subscription = self.get_object()
        page = self.paginate_queryset(selectors.delivery_list_for(subscription))
        return self.get_paginated_response(DeliveryOutput(page, many=True).data)

    @extend_schema(
        parameters=[DELIVERY_ID],
        request=None,
        responses={202: DeliveryOutput, **error_responses(404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        """Send a delivery again: a new series of attempts with the same webhook-id (409 while
        the webhook is disabled)."""
        subscription = self.get_object()
        found = selectors.delivery_get_for(subscription, delivery_id)
        delivery = services.webhook_delivery_redeliver(
            actor=self._user(), subscription_id=subscription.pk, delivery_id=found.pk
        )
        delivery = selectors.delivery_list_for(subscription).get(pk=delivery.pk)
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: WebhookOutput, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        """Deliver to the endpoint again (after it was disabled); its waiting deliveries are
        due at once."""
        subscription = services.webhook_subscription_enable(
            actor=self._user(), subscription_id=self.get_object().pk
        )
        return Response(WebhookOutput(subscription).data)

    @extend_schema(request=None, responses={200: WebhookOutput, **error_responses(404)})
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        """Stop deliveries to the endpoint; they wait until it is enabled again."""
        subscription = services.webhook_subscription_disable(
            actor=self._user(), subscription_id=self.get_object().pk
        )
        return Response(WebhookOutput(subscription).data)
