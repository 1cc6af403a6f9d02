"""Campaigns: public windows per tier and year; the authorities open them, and change them with
a reason (edit before the window opens, close early, extend)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, scope_for
from certification import selectors, services
from certification.models import Campaign, CampaignChange, Tier
from certification.services.campaigns import (
    campaign_close_early,
    campaign_edit,
    campaign_extend,
)
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


class CampaignChangeOutput(serializers.ModelSerializer):
    """One change to the window, with its reason."""

    actor = serializers.SerializerMethodField(
        help_text="The official who made the change (null for enterprise users, who see the "
        "campaign's authority)."
    )

    class Meta:
        model = CampaignChange
        fields = [
            "kind",
            "old_opens_on",
            "old_closes_on",
            "new_opens_on",
            "new_closes_on",
            "reason",
            "actor",
            "at",
        ]

    def get_actor(self, obj: CampaignChange) -> str | None:
        if self.context.get("for_applicant", True):
            return None
        return obj.actor.get_username()


class CampaignDetailOutput(CampaignOutput):
    changes = CampaignChangeOutput(
        many=True, read_only=True, help_text="The changes to the window, oldest first."
    )

    class Meta(CampaignOutput.Meta):
        fields = [*CampaignOutput.Meta.fields, "changes"]


REASON_HELP = "Why the window changes; recorded and shown with the campaign (required)."


class CampaignEditInput(InputSerializer):
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000, help_text=REASON_HELP)
    confirm = serializers.BooleanField(
        default=False,
        help_text=(
            "Change it despite the warnings of a first attempt (new dates already past, an "
            "overlap with another window), which is answered 409 confirmation_needed with the "
            "warnings under fields.confirm."
        ),
    )


class CampaignCloseInput(InputSerializer):
    closes_on = serializers.DateField(
        required=False,
        help_text="The new last day: today (the default) or a later day before the current one.",
    )
    reason = serializers.CharField(max_length=2000, help_text=REASON_HELP)


class CampaignExtendInput(InputSerializer):
    closes_on = serializers.DateField(
        help_text="The new last day, after the current one and not past already (a closed "
        "window opens again)."
    )
    reason = serializers.CharField(max_length=2000, help_text=REASON_HELP)


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
        if self.action == "retrieve":  # the list's rows carry no history
            qs = qs.prefetch_related(
                Prefetch("changes", queryset=CampaignChange.objects.select_related("actor"))
            )
        tier = self.request.query_params.get("tier")
        return qs.filter(tier=tier) if tier else qs

    def get_serializer_class(self) -> Any:
        return CampaignDetailOutput if self.action == "retrieve" else CampaignOutput

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["for_applicant"] = scope_for(self.request.user).level == ScopeLevel.ENTERPRISE
        return context

    def _detail(self, campaign: Campaign) -> Response:
        output = CampaignDetailOutput(campaign, context=self.get_serializer_context())
        return Response(output.data)

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

    @extend_schema(
        request=CampaignEditInput,
        responses={200: CampaignDetailOutput, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def edit(self, request: Request, pk: str | None = None) -> Response:
        """Move the window before it opens (its authority's official; 409 campaign_started
        once it has opened, 409 confirmation_needed for warnings until confirm is true)."""
        campaign = self.get_object()
        data = CampaignEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        confirmed = values.pop("confirm")
        changed = campaign_edit(
            actor=acting_user(request), campaign=campaign, warn=not confirmed, **values
        )
        return self._detail(changed)

    @extend_schema(
        request=CampaignCloseInput,
        responses={200: CampaignDetailOutput, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close an open window early (its authority's official; 409 campaign_not_open when
        it has not opened or has closed)."""
        campaign = self.get_object()
        data = CampaignCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        changed = campaign_close_early(
            actor=acting_user(request), campaign=campaign, **data.validated_data
        )
        return self._detail(changed)

    @extend_schema(
        request=CampaignExtendInput,
        responses={200: CampaignDetailOutput, **error_responses(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        """Move the closing day later, also of a closed window, which opens again (its
        authority's official)."""
        campaign = self.get_object()
        data = CampaignExtendInput(data=request.data)
        data.is_valid(raise_exception=True)
        changed = campaign_extend(
            actor=acting_user(request), campaign=campaign, **data.validated_data
        )
        return self._detail(changed)
