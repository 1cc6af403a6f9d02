"""REST endpoints for campaigns, applications (with transitions as POST actions), certificates
and eligibility. Reads go through certification.selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from assessments.models import Assessment
from certification import rules, selectors, services
from certification.models import Application, Campaign, Certificate, Tier
from core.api import int_param, int_value, object_body
from core.errors import DomainError
from factories.selectors import factory_get_for


def _language() -> str:
    return get_language() or "zh-hans"


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


class CampaignInput(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    year = serializers.IntegerField(min_value=2020, max_value=2100)
    batch = serializers.IntegerField(min_value=1, max_value=12, default=1)
    opens_on = serializers.DateField(required=False)
    closes_on = serializers.DateField(required=False)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns (public information: which authority accepts which tier when)."""

    serializer_class = CampaignOutput

    def get_queryset(self) -> Any:
        qs = selectors.campaign_list()
        tier = self.request.query_params.get("tier")
        return qs.filter(tier=tier) if tier else qs

    @extend_schema(request=CampaignInput, responses={201: CampaignOutput})
    def create(self, request: Request) -> Response:
        data = CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_open(actor=acting_user(request), **data.validated_data)
        return Response(CampaignOutput(campaign).data, status=status.HTTP_201_CREATED)


class CheckOutput(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


def _checks(results: list[Any]) -> list[dict[str, Any]]:
    language = _language()
    return [
        {
            "rule": r.rule,
            "passed": r.passed,
            "message": r.message_en if language.startswith("en") else r.message_zh,
        }
        for r in results
    ]


class ApplicationOutput(serializers.ModelSerializer):
    factory_name = serializers.CharField(source="factory.name", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "factory",
            "factory_name",
            "tier",
            "campaign",
            "assessment",
            "status",
            "submission",
            "submitted_at",
            "checked_at",
            "decided_at",
            "created_at",
        ]


class ApplicationDetailOutput(ApplicationOutput):
    checks = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()
    ai_share = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    declarations = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(ApplicationOutput.Meta):
        fields = [
            *ApplicationOutput.Meta.fields,
            "checks",
            "claims",
            "ai_share",
            "indicators",
            "declarations",
            "certificate",
            "timeline",
        ]

    def get_checks(self, obj: Application) -> list[dict[str, Any]]:
        return _checks(list(selectors.application_checks(obj)))

    def get_claims(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {
                "scenario": c.scenario.code,
                "stage": c.scenario.link.stage.code,
                "description": c.description,
                "ai_applied": c.ai_applied,
            }
            for c in obj.claims.select_related("scenario__link__stage").order_by("scenario__code")
        ]

    def get_ai_share(self, obj: Application) -> float | None:
        """Computed from the claims; never accepted from the client."""
        flags = list(obj.claims.values_list("ai_applied", flat=True))
        return round(sum(flags) / len(flags), 4) if flags else None

    def get_indicators(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {
                "name": i.name,
                "unit": i.unit,
                "baseline_value": float(i.baseline_value),
                "baseline_year": i.baseline_year,
                "current_value": float(i.current_value),
                "current_year": i.current_year,
            }
            for i in obj.indicators.all()
        ]

    def get_declarations(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {"kind": d.kind, "affirmed": d.affirmed, "files": d.files.count()}
            for d in obj.declarations.all().order_by("kind")
        ]

    def get_certificate(self, obj: Application) -> dict[str, Any] | None:
        certificate = Certificate.objects.filter(application=obj).first()
        return CertificateOutput(certificate).data if certificate else None

    def get_timeline(self, obj: Application) -> list[dict[str, Any]]:
        return [
            {
                "at": e.at,
                "actor": e.actor.get_username() if e.actor else None,
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
            }
            for e in selectors.application_timeline(obj)
        ]


class CertificateOutput(serializers.ModelSerializer):
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "tier",
            "factory",
            "factory_name",
            "authority",
            "authority_name",
            "self_declared",
            "issued_on",
            "status",
            "status_reason",
        ]


class ApplicationCreateInput(serializers.Serializer):
    factory = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    campaign = serializers.IntegerField(required=False, allow_null=True)
    assessment = serializers.IntegerField(required=False, allow_null=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _campaign(value: Any) -> Campaign | None:
    pk = int_value(value, "campaign")
    if pk is None:
        return None
    campaign = selectors.campaign_list().filter(pk=pk).first()
    if campaign is None:
        message = _("Unknown campaign.")
        raise DomainError(message, fields={"campaign": [message]})
    return campaign


def _assessment(user: Any, value: Any) -> Assessment | None:
    pk = int_value(value, "assessment")
    if pk is None:
        return None
    from assessments.selectors import assessment_list_for

    assessment = assessment_list_for(user).filter(pk=pk).first()
    if assessment is None:
        message = _("Unknown self-assessment.")
        raise DomainError(message, fields={"assessment": [message]})
    return assessment


def _list_body(request: Request, message: str) -> list[dict[str, Any]]:
    if not isinstance(request.data, list) or not all(isinstance(i, dict) for i in request.data):
        raise DomainError(message, code="invalid")
    return list(request.data)


@extend_schema(
    parameters=[
        OpenApiParameter("tier", str, required=False),
        OpenApiParameter("status", str, required=False),
        OpenApiParameter("factory", int, required=False),
    ]
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tier applications in the caller's scope. Transitions are POST actions."""

    serializer_class = ApplicationOutput
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        qs = selectors.application_list_for(self.request.user)
        params = self.request.query_params
        for key in ("tier", "status"):
            if params.get(key):
                qs = qs.filter(**{key: params[key]})
        factory = int_param(self.request, "factory")
        return qs if factory is None else qs.filter(factory_id=factory)

    def get_object(self) -> Application:
        return selectors.application_get_for(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self) -> Any:
        return ApplicationDetailOutput if self.action == "retrieve" else ApplicationOutput

    def _detail(self, application: Application, code: int = 200) -> Response:
        application.refresh_from_db()
        return Response(ApplicationDetailOutput(application).data, status=code)

    @extend_schema(request=ApplicationCreateInput, responses={201: ApplicationDetailOutput})
    def create(self, request: Request) -> Response:
        data = ApplicationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        factory = factory_get_for(request.user, values["factory"])
        application = services.application_create(
            actor=acting_user(request),
            factory=factory,
            tier=values["tier"],
            campaign=_campaign(values.get("campaign")),
            assessment=_assessment(request.user, values.get("assessment")),
        )
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationCreateInput, responses=ApplicationDetailOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        body = object_body(request)
        unknown = set(body) - {"campaign", "assessment"}
        if unknown:
            raise DomainError(
                _("These fields cannot be changed here: %(fields)s.")
                % {"fields": ", ".join(sorted(unknown))},
                fields={key: [_("Not accepted.")] for key in sorted(unknown)},
            )
        changes: dict[str, Any] = {}
        if "campaign" in body:
            changes["campaign"] = _campaign(body["campaign"])
        if "assessment" in body:
            changes["assessment"] = _assessment(request.user, body["assessment"])
        services.application_update(actor=acting_user(request), application=application, **changes)
        return self._detail(application)

    @extend_schema(request=inline_serializer("Claims", {"scenario": serializers.CharField()}))
    @action(detail=True, methods=["put"])
    def claims(self, request: Request, pk: str | None = None) -> Response:
        """Replace the claimed scenarios: [{"scenario", "description", "ai_applied"}]."""
        application = self.get_object()
        services.application_claims_set(
            actor=acting_user(request),
            application=application,
            claims=_list_body(request, _("Send a list of claim objects.")),
        )
        return self._detail(application)

    @extend_schema(request=inline_serializer("Indicators", {"name": serializers.CharField()}))
    @action(detail=True, methods=["put"])
    def indicators(self, request: Request, pk: str | None = None) -> Response:
        """Replace the key indicators: [{"name", "unit", "baseline_value", "baseline_year",
        "current_value", "current_year"}]."""
        application = self.get_object()
        services.application_indicators_set(
            actor=acting_user(request),
            application=application,
            indicators=_list_body(request, _("Send a list of indicator objects.")),
        )
        return self._detail(application)

    @extend_schema(request=inline_serializer("Declarations", {"kind": serializers.BooleanField()}))
    @action(detail=True, methods=["put"])
    def declarations(self, request: Request, pk: str | None = None) -> Response:
        """Declare the basic requirements: {"<kind>": true, ...}."""
        application = self.get_object()
        services.application_declarations_set(
            actor=acting_user(request),
            application=application,
            declarations=dict(object_body(request)),
        )
        return self._detail(application)

    @extend_schema(
        request=inline_serializer(
            "ApplicationFileUpload",
            {
                "file": serializers.FileField(),
                "scenario": serializers.CharField(required=False),
                "declaration": serializers.CharField(required=False),
            },
        )
    )
    @action(detail=True, methods=["post"])
    def files(self, request: Request, pk: str | None = None) -> Response:
        """Upload evidence for a claimed scenario or a declaration (multipart)."""
        application = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            message = _("Choose a file.")
            raise DomainError(message, fields={"file": [message]})
        services.application_file_add(
            actor=acting_user(request),
            application=application,
            upload=upload,
            scenario=object_body(request).get("scenario") or None,
            declaration=object_body(request).get("declaration") or None,
        )
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApplicationDetailOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit; a Celery task runs every rule and stores each result."""
        application = services.application_submit(
            actor=acting_user(request), application=self.get_object()
        )
        return self._detail(application, status.HTTP_202_ACCEPTED)

    @extend_schema(request=ReasonInput, responses=ApplicationDetailOutput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_withdraw(
            actor=acting_user(request),
            application=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._detail(application)

    @extend_schema(request=ReasonInput, responses=ApplicationDetailOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """The city bureau rejects a self-declared basic filing (revokes the certificate)."""
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.basic_declaration_reject(
            actor=acting_user(request),
            application=self.get_object(),
            reason=data.validated_data["reason"],
        )
        return self._detail(application)


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Certificates in the caller's scope."""

    serializer_class = CertificateOutput

    def get_queryset(self) -> Any:
        qs = selectors.certificate_list_for(self.request.user)
        params = self.request.query_params
        for key in ("tier", "status"):
            if params.get(key):
                qs = qs.filter(**{key: params[key]})
        factory = int_param(self.request, "factory")
        return qs if factory is None else qs.filter(factory_id=factory)


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
        factory = factory_get_for(request.user, pk)
        tier = request.query_params.get("tier", "")
        if tier not in Tier.values:
            message = _("Choose a tier: %(tiers)s.") % {"tiers": ", ".join(Tier.values)}
            raise DomainError(message, fields={"tier": [message]})
        results = selectors.factory_eligibility(factory, tier, timezone.localdate())
        return Response(
            {"tier": tier, "eligible": rules.all_passed(results), "checks": _checks(results)}
        )
