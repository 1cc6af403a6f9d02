"""What a factory can know before applying for a tier."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import rules, selectors
from certification.api.common import CheckOutput, check_rows
from certification.models import Tier
from core.errors import DomainError
from factories.selectors import factory_get_for


class FactoryEligibility(APIView):
    """What can be known before applying: prerequisite, maturity, freshness, open campaign."""

    @extend_schema(
        parameters=[OpenApiParameter("tier", str, required=True, enum=list(Tier.values))],
        responses=inline_serializer(
            "Eligibility",
            {
                "tier": serializers.CharField(),
                "eligible": serializers.BooleanField(),
                "checks": CheckOutput(many=True),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        factory = factory_get_for(request.user, pk, lean=True)
        tier = request.query_params.get("tier", "")
        if tier not in Tier.values:
            message = _("Choose a tier: %(tiers)s.") % {"tiers": ", ".join(Tier.values)}
            raise DomainError(message, fields={"tier": [message]})
        results = selectors.factory_eligibility(factory, tier, timezone.localdate())
        return Response(
            {"tier": tier, "eligible": rules.all_passed(results), "checks": check_rows(results)}
        )
