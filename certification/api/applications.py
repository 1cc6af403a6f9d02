"""Tier applications: drafting, filling in, and transitions as POST actions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import acting_user
from assessments.models import Assessment
from certification import selectors, services
from certification.api.certificates import CertificateOutput
from certification.api.common import check_rows
from certification.models import Application, Campaign, Certificate, Tier
from core.api import int_param, int_value, object_body
from core.errors import DomainError
from factories.selectors import factory_get_for


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
        return check_rows(list(selectors.application_checks(obj)))

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
