"""Recommendation lists through the API: a recommending unit (a provincial department, or a
central SOE group's members) reads its ranked list for a campaign with its quota and the passed
applications it could still put on it, reorders it and submits it to MIIT; MIIT reads the
submitted lists. Putting an application on the list or taking it off are the application's
``rank`` and ``unrank`` actions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.selectors import acting_user
from certification import selectors, services
from certification.models import Application, RecommendationList
from certification.services.national import (
    RankingView,
    Unit,
    ranking_view,
    submitted_rankings,
    units_of_user,
)
from core.api import AsciiIntegerField, InputSerializer, error_responses, object_body
from core.errors import DomainError, NotFound, PermissionDenied


class RankedApplicationOutput(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="Null for a candidate.")
    application = serializers.IntegerField()
    factory = serializers.CharField()
    enterprise = serializers.CharField()
    city = serializers.CharField()
    waiting_since = serializers.DateTimeField(allow_null=True)


class RecommendingUnitOutput(serializers.Serializer):
    province = serializers.CharField(allow_null=True, help_text="A province or the XPCC.")
    group = serializers.IntegerField(allow_null=True, help_text="A central SOE group.")
    name = serializers.CharField()


class RecommendationOutput(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="Null until the first application is put on the list."
    )
    campaign = serializers.IntegerField()
    unit = RecommendingUnitOutput()
    status = serializers.ChoiceField(choices=RecommendationList.Status.choices)
    quota = serializers.IntegerField(allow_null=True, help_text="Null: the unit has no quota.")
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    entries = RankedApplicationOutput(many=True, help_text="In rank order.")
    candidates = RankedApplicationOutput(
        many=True, help_text="Passed applications not on the list (the unit's own view only)."
    )


class OrderInput(InputSerializer):
    applications = serializers.ListField(
        child=AsciiIntegerField(min_value=1),
        allow_empty=False,
        max_length=200,
        help_text="Every application on the list exactly once, the first recommended first.",
    )


def _row(application: Application, rank: int | None) -> dict[str, Any]:
    return {
        "rank": rank,
        "application": application.pk,
        "factory": application.factory.name,
        "enterprise": application.factory.enterprise.name,
        "city": application.factory.city.name,
        "waiting_since": application.state_changed_at,
    }


def recommendation_data(view: RankingView, *, with_candidates: bool = True) -> dict[str, Any]:
    recommendation = view.recommendation
    return {
        "id": recommendation.pk if recommendation else None,
        "campaign": view.campaign.pk,
        "unit": {
            "province": view.unit.province_id,
            "group": view.unit.group_id,
            "name": view.unit_name,
        },
        "status": recommendation.status if recommendation else RecommendationList.Status.DRAFT,
        "quota": view.quota,
        "used": view.used,
        "remaining": view.remaining,
        "submitted_at": recommendation.submitted_at if recommendation else None,
        "entries": [_row(entry.application, entry.rank) for entry in view.entries],
        "candidates": [_row(a, None) for a in view.candidates] if with_candidates else [],
    }


def _own_list(request: Request, pk: int) -> RecommendationList:
    ranked = RecommendationList.objects.filter(pk=pk).first()
    if ranked is None:
        raise NotFound(_("Recommendation list not found."))
    unit = Unit(province_id=ranked.province_id, group_id=ranked.group_id)
    if unit not in units_of_user(request.user):
        raise PermissionDenied(_("Only the recommending unit can change its list."))
    return ranked


class RecommendationLists(APIView):
    """GET: for a campaign, the caller's recommendation list (a provincial department's, or a
    central SOE group's for its members) with its quota, the places used and left, and the
    passed applications it could still put on it; for MIIT, every list submitted to it."""

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int, required=True)],
        responses={200: RecommendationOutput(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("campaign", "")
        campaign = (
            selectors.campaign_list().filter(pk=int(raw)).first()
            if raw.isascii() and raw.isdigit()
            else None
        )
        if campaign is None:
            message = _("Choose a campaign.")
            raise DomainError(message, fields={"campaign": [message]})
        user = acting_user(request)
        if user.role == Role.MIIT_REVIEWER:
            views = submitted_rankings(campaign)
            data = [recommendation_data(view, with_candidates=False) for view in views]
            return Response(RecommendationOutput(data, many=True).data)
        units = units_of_user(user)
        if not units:
            raise PermissionDenied(
                _("Recommendation lists are drawn up by the provinces and central SOE groups.")
            )
        data = [recommendation_data(ranking_view(campaign, unit)) for unit in units]
        return Response(RecommendationOutput(data, many=True).data)


class RecommendationOrder(APIView):
    """The recommending unit ranks its list anew (until it is submitted)."""

    @extend_schema(
        request=OrderInput,
        responses={200: RecommendationOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        ranked = _own_list(request, pk)
        body = OrderInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        services.recommendation_reorder(
            actor=acting_user(request),
            recommendation=ranked,
            order=body.validated_data["applications"],
        )
        return Response(RecommendationOutput(_view_of(ranked)).data)


class RecommendationSubmit(APIView):
    """The recommending unit submits its ranked list to MIIT as one act: every application on
    it goes to MIIT's review and the list is locked (409 ``quota_exceeded`` when it is longer
    than the quota, ``list_submitted`` the second time)."""

    @extend_schema(
        request=None,
        responses={200: RecommendationOutput, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        ranked = _own_list(request, pk)
        services.recommendation_submit(actor=acting_user(request), recommendation=ranked)
        return Response(RecommendationOutput(_view_of(ranked)).data)


def _view_of(ranked: RecommendationList) -> dict[str, Any]:
    unit = Unit(province_id=ranked.province_id, group_id=ranked.group_id)
    return recommendation_data(ranking_view(ranked.campaign, unit))
