"""Campaigns: public windows per tier and year; the authorities open them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import acting_user
from certification import selectors, services
from certification.models import Campaign, Tier
from core.api import AsciiIntegerField, InputSerializer, error_responses


class CampaignOutput(serializers.ModelSerializer):
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "authority",
            "authority_name",
            "tier",
            "year",
            "batch",
            "opens_on",
            "closes_on",
            "is_open",
        ]

    def get_is_open(self, obj: Campaign) -> bool:
        return obj.opens_on <= timezone.localdate() <= obj.closes_on


class CampaignInput(InputSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    year = AsciiIntegerField(min_value=2020, max_value=2100)
    batch = AsciiIntegerField(min_value=1, max_value=12, default=1)
    opens_on = serializers.DateField(required=False)
    closes_on = serializers.DateField(required=False)
    confirm = serializers.BooleanField(
        default=False,
        help_text=(
            "Open it despite the warnings of a first attempt (a window already closed, an "
            "overlap, a skipped batch number), which is answered 409 confirmation_needed with "
            "the warnings under fields.confirm."
        ),
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("tier", str, required=False, enum=list(Tier.values))]
    )
)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns (public information: which authority accepts which tier when)."""

    serializer_class = CampaignOutput

    def get_queryset(self) -> Any:
        qs = selectors.campaign_list()
        tier = self.request.query_params.get("tier")
        return qs.filter(tier=tier) if tier else qs

    @extend_schema(
        request=CampaignInput,
        responses={201: CampaignOutput, **error_responses(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        confirmed = values.pop("confirm")
        campaign = services.campaign_open(actor=acting_user(request), warn=not confirmed, **values)
        return Response(CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)
