"""Every figure of a dashboard through the API, for the region asked (within the caller's)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from core.api import error_responses
from dashboard import selectors
from dashboard.figures import BreakdownRow


class DashboardShareOutput(serializers.Serializer):
    total = serializers.IntegerField()
    level2 = serializers.IntegerField(help_text="Of them, at maturity level 2 or above.")
    percent = serializers.FloatField(allow_null=True)


class DashboardTierCountsOutput(serializers.Serializer):
    basic = serializers.IntegerField()
    advanced = serializers.IntegerField()
    excellent = serializers.IntegerField()
    leading = serializers.IntegerField()


class DashboardBreakdownOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    enterprises = DashboardShareOutput()
    above_designated_size = DashboardShareOutput()
    assessed = serializers.IntegerField(help_text="Enterprises with a valid self-assessment.")
    certificates = DashboardTierCountsOutput(
        help_text="Current (active or suspended) certificates."
    )


class DashboardCurrentCertificatesOutput(serializers.Serializer):
    active = serializers.IntegerField()
    suspended = serializers.IntegerField()


class DashboardTargetOutput(serializers.Serializer):
    year = serializers.IntegerField()
    level2_share_target = serializers.IntegerField(help_text="Percent of enterprises.")
    level2_share = serializers.FloatField(allow_null=True)
    level2_met = serializers.BooleanField()
    excellent_target = serializers.IntegerField(help_text="National number of excellent factories.")
    excellent = serializers.IntegerField(help_text="Active excellent certificates in the region.")
    excellent_met = serializers.BooleanField()


class DashboardIssuedOutput(serializers.Serializer):
    year = serializers.IntegerField()
    certificates = DashboardTierCountsOutput()


class DashboardStepOutput(serializers.Serializer):
    status = serializers.CharField()
    in_step = serializers.IntegerField()
    median_waiting_days = serializers.FloatField(allow_null=True)
    completed = serializers.IntegerField(help_text="Applications that left the step in a year.")
    median_step_days = serializers.FloatField(allow_null=True)


class DashboardCampaignOutput(serializers.Serializer):
    campaign = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    days_left = serializers.IntegerField(help_text="Negative once the window has closed.")
    applications = serializers.IntegerField()
    submitted = serializers.IntegerField()
    certified = serializers.IntegerField()
    quota = serializers.IntegerField(allow_null=True)


class DashboardRegionOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=["national", "province", "city"])
    name = serializers.CharField()
    province = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)


class DashboardOutput(serializers.Serializer):
    region = DashboardRegionOutput()
    as_of = serializers.DateField()
    enterprises = DashboardShareOutput()
    above_designated_size = DashboardShareOutput()
    assessed_enterprises = serializers.IntegerField()
    factories_by_level = serializers.DictField(
        child=serializers.IntegerField(),
        help_text='Factories by their level ("0": no valid self-assessment).',
    )
    certificates = serializers.DictField(
        child=DashboardCurrentCertificatesOutput(), help_text="By tier."
    )
    issued_per_year = DashboardIssuedOutput(many=True)
    targets = DashboardTargetOutput(many=True)
    steps = DashboardStepOutput(many=True)
    campaigns = DashboardCampaignOutput(many=True)
    lapsing_in_30_days = serializers.IntegerField()
    by_region = DashboardBreakdownOutput(many=True)
    by_industry = DashboardBreakdownOutput(many=True)


def _breakdown(code: str, name: str, row: BreakdownRow) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "enterprises": _share(row.enterprises),
        "above_designated_size": _share(row.above_size),
        "assessed": row.assessed,
        "certificates": dict(row.certificates),
    }


def _share(share: Any) -> dict[str, Any]:
    return {"total": share.total, "level2": share.level2, "percent": share.percent}


def dashboard_data(board: selectors.Dashboard) -> dict[str, Any]:
    return {
        "region": {
            key: value for key, value in asdict(board.region).items() if key != "province_name"
        },
        "as_of": board.today,
        "enterprises": _share(board.total.enterprises),
        "above_designated_size": _share(board.total.above_size),
        "assessed_enterprises": board.total.assessed,
        "factories_by_level": {str(level): count for level, count in board.levels.items()},
        "certificates": board.certificates,
        "issued_per_year": [
            {"year": year, "certificates": counts} for year, counts in board.issued
        ],
        "targets": [
            {
                "year": t.year,
                "level2_share_target": t.level2_share_target,
                "level2_share": t.level2_share,
                "level2_met": t.level2_met,
                "excellent_target": t.excellent_target,
                "excellent": t.excellent,
                "excellent_met": t.excellent_met,
            }
            for t in board.targets
        ],
        "steps": [asdict(step) for step in board.steps],
        "campaigns": [
            {
                "campaign": c.campaign_id,
                "name": c.label,
                "tier": c.tier,
                "opens_on": c.opens_on,
                "closes_on": c.closes_on,
                "days_left": c.days_left,
                "applications": c.applications,
                "submitted": c.submitted,
                "certified": c.certified,
                "quota": c.quota,
            }
            for c in board.campaigns
        ],
        "lapsing_in_30_days": board.lapsing,
        "by_region": [_breakdown(code, name, row) for code, name, row in board.regions],
        "by_industry": [_breakdown(code, name, row) for code, name, row in board.industries],
    }


class DashboardView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "province", str, description="A province code within the caller's region."
            ),
            OpenApiParameter("city", str, description="A city code within the caller's region."),
        ],
        responses={200: DashboardOutput, **error_responses(401, 403, 404)},
        description=(
            "The dashboard of the caller's region (a city, a province or the country), or of "
            "a region inside it: targets, certificates, maturity levels, applications by step, "
            "campaigns and the breakdowns by subordinate region and by industry."
        ),
    )
    def get(self, request: Request) -> Response:
        region = selectors.dashboard_region_for(
            acting_user(request),
            province=request.query_params.get("province") or None,
            city=request.query_params.get("city") or None,
        )
        board = selectors.dashboard_for(region)
        return Response(DashboardOutput(dashboard_data(board)).data)
