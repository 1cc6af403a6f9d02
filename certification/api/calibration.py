"""Reviewer calibration through the API: per expert, the mean and spread of their scores
against their panels' means (``certification.calibration``), for provincial departments (their
province's reviews) and MIIT (every review)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from certification import selectors
from core.api import error_responses


class ExpertCalibrationOutput(serializers.Serializer):
    expert = serializers.IntegerField()
    name = serializers.CharField()
    panels = serializers.IntegerField(help_text="Panels scored with at least one other expert.")
    mean_total = serializers.FloatField()
    mean_deviation = serializers.FloatField(
        help_text="Mean of (own total - the other panel members' mean)."
    )
    spread = serializers.FloatField(help_text="Standard deviation of the expert's deviations.")
    outlier = serializers.BooleanField()


class CalibrationOutput(serializers.Serializer):
    spread = serializers.FloatField(help_text="Standard deviation of all the deviations.")
    threshold = serializers.FloatField(
        help_text="The mean deviation (either way) from which an expert is an outlier."
    )
    results = ExpertCalibrationOutput(many=True)


class ExpertCalibration(APIView):
    @extend_schema(responses={200: CalibrationOutput, **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        result, experts = selectors.expert_calibration_for(acting_user(request))
        rows = []
        for row in result.experts:
            expert = experts.get(row.expert_id)
            rows.append(
                {
                    "expert": row.expert_id,
                    "name": (expert.user.get_full_name() or expert.user.username) if expert else "",
                    "panels": row.panels,
                    "mean_total": row.mean_total,
                    "mean_deviation": row.mean_deviation,
                    "spread": row.spread,
                    "outlier": row.outlier,
                }
            )
        return Response({"spread": result.spread, "threshold": result.threshold, "results": rows})
