"""Tier applications: drafting, filling in, and transitions as POST actions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ScopeLevel
from accounts.selectors import acting_user, scope_for
from assessments.models import Assessment
from certification import selectors, services
from certification.api.certificates import CertificateOutput
from certification.api.certificates import list_rows as certificate_rows
from certification.api.common import ActionOptionOutput, check_rows
from certification.models import Application, Campaign, Certificate, Declaration, Tier
from certification.presenters import expert_choices, state_label
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition, available_actions_for
from certification.workflow.policies import Policy, policy_check, review_level
from core.api import (
    AsciiDecimalField,
    AsciiIntegerField,
    InputSerializer,
    StrictBooleanField,
    error_responses,
    int_param,
    int_value,
    list_body,
)
from core.errors import DomainError, PermissionDenied
from core.parsers import JSONParser
from core.rendering import CachedFieldsMixin, FastListSerializer
from core.subqueries import related_value
from factories.selectors import enterprise_can_manage, factory_get_for

# The columns ApplicationOutput shows (and the orders of the list and the worklist use).
LIST_COLUMNS = (
    *("id", "factory", "tier", "campaign", "assessment", "status", "submission"),
    *("submitted_at", "checked_at", "decided_at", "state_changed_at", "created_at"),
)
CLOSES_ON_HELP = "The campaign's deadline (null: the tier has no campaigns)."
_FACTORY_NAME = related_value(Application, "factory", "name")
_CAMPAIGN_CLOSES_ON = related_value(Application, "campaign", "closes_on")


def list_rows(qs: QuerySet[Application]) -> QuerySet[Application]:
    """Only what the list's rows show, with the factory's name and the campaign's deadline read
    by subqueries for the rows of the page rather than joined (see ``core.subqueries``)."""
    return (
        qs.select_related(None)
        .only(*LIST_COLUMNS)
        .annotate(factory_name=_FACTORY_NAME, campaign_closes_on=_CAMPAIGN_CLOSES_ON)
    )


class ApplicationOutput(CachedFieldsMixin, serializers.ModelSerializer):
    # A row of the list: ``list_rows`` reads the factory's name and the campaign's deadline.
    factory_name = serializers.CharField(read_only=True)
    status_label = serializers.SerializerMethodField(
        help_text="The state in the caller's language, as the caller's side sees it (the "
        "applicant sees 'under review' for every review step)."
    )
    campaign_closes_on = serializers.DateField(
        read_only=True, allow_null=True, default=None, help_text=CLOSES_ON_HELP
    )

    class Meta:
        model = Application
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "factory",
            "factory_name",
            "tier",
            "campaign",
            "assessment",
            "status",
            "status_label",
            "submission",
            "submitted_at",
            "checked_at",
            "decided_at",
            "state_changed_at",
            "campaign_closes_on",
            "created_at",
        ]
        extra_kwargs = {
            "state_changed_at": {"help_text": "Since when the application waits at its step."}
        }

    def get_status_label(self, obj: Application) -> str:
        # Translated once per state for a page (the serializer renders one request's rows),
        # not once per row: looking up the lazy labels was a sixth of the rendering of a page.
        labels: dict[str, str] = self.__dict__.setdefault("_status_labels", {})
        label = labels.get(obj.status)
        if label is None:
            for_applicant = bool(self.context.get("for_applicant"))
            label = labels[obj.status] = state_label(obj.status, for_applicant=for_applicant)
        return label


class ExpertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    employer = serializers.CharField()
    specialities = serializers.CharField()
    conflicts = serializers.ListField(child=serializers.CharField())
    assigned = serializers.BooleanField()


class ScoreRowOutput(serializers.Serializer):
    expert = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    scores = serializers.DictField(child=serializers.CharField())
    comment = serializers.CharField()
    is_mine = serializers.BooleanField()


class OpinionOutput(serializers.Serializer):
    department = serializers.CharField()
    kind = serializers.CharField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class ReconciliationOutput(serializers.Serializer):
    subdomain = serializers.CharField()
    name = serializers.CharField()
    self_score = serializers.DecimalField(
        max_digits=3, decimal_places=2, help_text="The enterprise's own score (0-5)."
    )
    verified = serializers.DecimalField(
        max_digits=3, decimal_places=2, allow_null=True, help_text="MIIT's verified score."
    )
    difference = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="Verified minus self."
    )


class ReviewOutput(serializers.Serializer):
    experts = ScoreRowOutput(many=True)
    mean = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    spread = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    stdev = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    complete = serializers.BooleanField()
    joint_round = serializers.IntegerField()
    opinions = OpinionOutput(many=True)
    reconciliation = ReconciliationOutput(
        many=True,
        help_text="Excellent and leading: each sub-domain's self-assessed score beside the "
        "verified one (empty for other tiers).",
    )


class ApplicationDetailOutput(ApplicationOutput):
    # One application comes with its factory and campaign rows.
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    campaign_closes_on = serializers.DateField(
        source="campaign.closes_on",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=CLOSES_ON_HELP,
    )
    checks = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()
    ai_share = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()
    declarations = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    workflow = serializers.CharField(read_only=True)
    resume_state = serializers.CharField(read_only=True)
    available_actions = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    class Meta(ApplicationOutput.Meta):
        fields = [
            *ApplicationOutput.Meta.fields,
            "workflow",
            "resume_state",
            "checks",
            "claims",
            "ai_share",
            "indicators",
            "declarations",
            "certificate",
            "available_actions",
            "review",
            "timeline",
        ]

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def _is_member(self, obj: Application) -> bool:
        return bool(enterprise_can_manage(self._user(), obj.factory.enterprise))

    @extend_schema_field(ActionOptionOutput(many=True))
    def get_available_actions(self, obj: Application) -> list[dict[str, Any]]:
        """The actions of the current step for the caller, each allowed or refused with the
        reason (the same answers the transition endpoints give)."""
        return [asdict(option) for option in available_actions_for(self._user(), obj)]

    @extend_schema_field(ReviewOutput(allow_null=True))
    def get_review(self, obj: Application) -> dict[str, Any] | None:
        """Expert scores (an expert sees the others' once all are in) and the joint
        departments' opinions of the current round; null for the applicant."""
        if self._is_member(obj):
            return None
        summary = selectors.application_score_summary(obj, viewer=self._user())
        return {
            "experts": [asdict(row) for row in summary.rows],
            "mean": summary.mean,
            "spread": summary.spread,
            "stdev": summary.stdev,
            "complete": summary.complete,
            "joint_round": obj.joint_round,
            "opinions": [
                {
                    "department": opinion.authority.code,
                    "kind": opinion.authority.kind,
                    "decision": opinion.decision,
                    "reason": opinion.reason,
                    "at": opinion.at,
                }
                for opinion in selectors.joint_opinions(obj)
            ],
            "reconciliation": [
                asdict(row)
                for row in (
                    selectors.score_reconciliation(obj)
                    if obj.tier in (Tier.EXCELLENT, Tier.LEADING)
                    else []
                )
            ],
        }

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
        certificate = certificate_rows(Certificate.objects.filter(application=obj)).first()
        return CertificateOutput(certificate).data if certificate else None

    def get_timeline(self, obj: Application) -> list[dict[str, Any]]:
        """The audit trail (the applicant's side of it for members: no expert or department
        detail). ``action`` repeats ``event_type`` for clients of the first API version."""
        member = self._is_member(obj)
        events = selectors.application_timeline_for(self._user(), obj, is_member=member)
        return [
            {
                "at": e.at,
                "actor": e.actor.get_username() if e.actor and not member else None,
                "acting_authority": e.acting_authority.code if e.acting_authority else None,
                "event_type": e.event_type,
                "action": e.event_type,
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
                "extra_data": {} if member else e.extra_data,
            }
            for e in events
        ]


class ApplicationCreateInput(InputSerializer):
    factory = AsciiIntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    campaign = AsciiIntegerField(required=False, allow_null=True)
    assessment = AsciiIntegerField(required=False, allow_null=True)


class ApplicationUpdateInput(InputSerializer):
    """What a draft's PATCH may change; the factory and the tier are fixed at creation."""

    campaign = AsciiIntegerField(
        required=False, allow_null=True, help_text="A campaign of the tier (null: none)."
    )
    assessment = AsciiIntegerField(
        required=False,
        allow_null=True,
        help_text="A submitted self-assessment of the factory (null: none).",
    )


class ClaimInput(InputSerializer):
    """One claimed scenario; the AI share is computed from ``ai_applied``, never sent."""

    scenario = serializers.CharField(
        max_length=40, help_text="A scenario code of the tier's catalogue, claimed once."
    )
    description = serializers.CharField(
        max_length=5000,
        help_text="What was built for this scenario.",
        error_messages={
            "required": gettext_lazy("Describe what was built for this scenario."),
            "blank": gettext_lazy("Describe what was built for this scenario."),
        },
    )
    ai_applied = StrictBooleanField(
        required=False, default=False, help_text="Whether artificial intelligence is applied."
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"},
        ],
        "description": "A number, or one in ASCII digits in a string; kept to 4 decimals, "
        "below 10^14 in size.",
    }
)
class IndicatorValueField(serializers.Field):
    """An indicator value as sent: the service reads it (ASCII digits only) and rounds it."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class IndicatorInput(InputSerializer):
    """One key indicator, with its baseline and current value."""

    name = serializers.CharField(
        max_length=100,
        help_text="Named once per application.",
        error_messages={
            "required": gettext_lazy("Name the indicator."),
            "blank": gettext_lazy("Name the indicator."),
        },
    )
    unit = serializers.CharField(
        max_length=30,
        error_messages={
            "required": gettext_lazy("Give the unit."),
            "blank": gettext_lazy("Give the unit."),
        },
    )
    baseline_value = IndicatorValueField()
    baseline_year = AsciiIntegerField(min_value=1949, max_value=2100)
    current_value = IndicatorValueField()
    current_year = AsciiIntegerField(
        min_value=1949, max_value=2100, help_text="Not before the baseline year."
    )


class DeclarationsInput(InputSerializer):
    """The basic requirements declared (true) or not (false), by kind; a kind left out keeps
    its answer."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            kind: StrictBooleanField(required=False, help_text=str(label))
            for kind, label in Declaration.choices
        }


# One item each: the schema shows the request example of a list as a list of it.
CLAIM_EXAMPLE = {"scenario": "S05", "description": "MES across both lines", "ai_applied": True}
INDICATOR_EXAMPLE = {
    "name": "Yield",
    "unit": "%",
    "baseline_value": 92.5,
    "baseline_year": 2023,
    "current_value": "97.10",
    "current_year": 2025,
}
DRAFT_WRITE_RESPONSES = {200: ApplicationDetailOutput, **error_responses(409)}


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file part of a multipart body (the schema's default for a file field is its URL)."""


class ApplicationFileInput(InputSerializer):
    """One evidence file, for a claimed scenario or for a declaration (multipart)."""

    file = UploadField(
        allow_empty_file=True,
        error_messages={"required": gettext_lazy("Choose a file.")},
        help_text="A PDF, an image or an Office document; its content is checked.",
    )
    scenario = serializers.CharField(
        required=False, allow_blank=True, help_text="The code of a claimed scenario."
    )
    declaration = serializers.ChoiceField(
        choices=Declaration.choices, required=False, allow_blank=True
    )


class ReasonInput(InputSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required for return, reject, decline and object.",
    )


class AssignExpertsInput(InputSerializer):
    experts = serializers.ListField(
        child=AsciiIntegerField(min_value=1),
        allow_empty=False,
        max_length=50,
        help_text="Ids of experts on the register (GET .../experts/ lists them with conflicts).",
    )


class UnassignExpertsInput(AssignExpertsInput):
    reason = serializers.CharField(max_length=5000, help_text="Why the experts are removed.")


class ScoreInput(InputSerializer):
    scores = serializers.DictField(
        child=AsciiDecimalField(max_digits=5, decimal_places=2),
        help_text="A score from 0 to 100 for every criterion code of the tier's rubric.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ApproveInput(ReasonInput):
    score_basis = serializers.ChoiceField(
        choices=[("self", "self"), ("verified", "verified")],
        default="self",
        help_text="The maturity scores the decision rests on: the enterprise's own, or the "
        "verified ones (recorded with verify_levels first).",
    )


class VerifiedLevelsInput(InputSerializer):
    levels = serializers.DictField(
        child=AsciiDecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=5),
        allow_empty=False,
        help_text="A verified score from 0 to 5 by sub-domain code of the self-assessment.",
    )


class SiteVisitInput(InputSerializer):
    scheduled_on = serializers.DateField(help_text="The day of the visit; not in the past.")
    team = serializers.ListField(
        child=AsciiIntegerField(min_value=1),
        allow_empty=False,
        max_length=20,
        help_text="Ids of experts on the national register (none with a conflict of interest).",
    )


class MilestoneInput(InputSerializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField(help_text="Within the cultivation period.")


class VisitReportInput(InputSerializer):
    report = serializers.CharField(max_length=5000)
    findings = serializers.ListField(
        child=serializers.CharField(max_length=5000), required=False, default=list, max_length=50
    )
    cultivation_months = AsciiIntegerField(
        min_value=1, max_value=60, help_text="Up to the edition's maximum (24 in 2025)."
    )
    milestones = serializers.ListField(
        child=MilestoneInput(), allow_empty=False, max_length=24, help_text="Up to 24."
    )


class MilestoneReportInput(InputSerializer):
    milestone = AsciiIntegerField(min_value=1, help_text="The milestone's order (1 is the first).")
    report = serializers.CharField(max_length=5000)


INVITATION_ACTIONS = (Action.ACCEPT_ASSIGNMENT, Action.DECLINE_ASSIGNMENT)
# 400 for a body the action refuses, 409 for an action the current step does not allow (400,
# 401, 403, 404, 413 and 415 of every action: core.openapi).
TRANSITION_RESPONSES = {200: ApplicationDetailOutput, **error_responses(400, 409)}


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


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("tier", str, required=False, enum=list(Tier.values)),
            OpenApiParameter("status", str, required=False),
            OpenApiParameter("factory", int, required=False),
            OpenApiParameter(
                "waiting_for",
                str,
                required=False,
                enum=["me"],
                description="me: only the applications waiting for the caller to act "
                "(worklist), longest-waiting first.",
            ),
        ]
    )
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tier applications in the caller's scope. Transitions are POST actions."""

    serializer_class = ApplicationOutput

    def get_queryset(self) -> Any:
        params = self.request.query_params
        if params.get("waiting_for") == "me":
            # The API's rows do not show the expert counts of the worklist page.
            qs = selectors.worklist_for(self.request.user, counts=self.action != "list")
        else:
            qs = selectors.application_list_for(self.request.user)
        for key in ("tier", "status"):
            if params.get(key):
                qs = qs.filter(**{key: params[key]})
        factory = int_param(self.request, "factory")
        if factory is not None:
            qs = qs.filter(factory_id=factory)
        if self.action == "list":
            qs = list_rows(qs)
        return qs

    def get_object(self) -> Application:
        # The expert register needs the enterprise (conflicts of interest), nothing else.
        related = ("factory__enterprise",) if self.action == "experts" else None
        return selectors.application_get_for(self.request.user, self.kwargs["pk"], related=related)

    def get_serializer_class(self) -> Any:
        return ApplicationDetailOutput if self.action == "retrieve" else ApplicationOutput

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["for_applicant"] = scope_for(self.request.user).level == ScopeLevel.ENTERPRISE
        return context

    def _detail(self, application: Application, code: int = 200) -> Response:
        application.refresh_from_db()
        output = ApplicationDetailOutput(application, context=self.get_serializer_context())
        return Response(output.data, status=code)

    @extend_schema(
        request=ApplicationCreateInput,
        responses={201: ApplicationDetailOutput, **error_responses(404, 409)},
    )
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

    @extend_schema(request=ApplicationUpdateInput, responses=DRAFT_WRITE_RESPONSES)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        data = ApplicationUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        changes: dict[str, Any] = {}
        if "campaign" in body:
            changes["campaign"] = _campaign(body["campaign"])
        if "assessment" in body:
            changes["assessment"] = _assessment(request.user, body["assessment"])
        services.application_update(actor=acting_user(request), application=application, **changes)
        return self._detail(application)

    @extend_schema(
        request=ClaimInput(many=True),
        responses=DRAFT_WRITE_RESPONSES,
        examples=[OpenApiExample("A claim", value=CLAIM_EXAMPLE, request_only=True)],
    )
    @action(detail=True, methods=["put"], parser_classes=[JSONParser])
    def claims(self, request: Request, pk: str | None = None) -> Response:
        """Replace the claimed scenarios (all of them: a scenario left out is dropped, with its
        files); all or nothing."""
        application = self.get_object()
        services.application_claims_set(
            actor=acting_user(request),
            application=application,
            claims=list_body(request, ClaimInput, "claims", _("Send a list of claim objects.")),
        )
        return self._detail(application)

    @extend_schema(
        request=IndicatorInput(many=True),
        responses=DRAFT_WRITE_RESPONSES,
        examples=[OpenApiExample("An indicator", value=INDICATOR_EXAMPLE, request_only=True)],
    )
    @action(detail=True, methods=["put"], parser_classes=[JSONParser])
    def indicators(self, request: Request, pk: str | None = None) -> Response:
        """Replace the key indicators (all of them); all or nothing."""
        application = self.get_object()
        indicators = list_body(
            request, IndicatorInput, "indicators", _("Send a list of indicator objects.")
        )
        services.application_indicators_set(
            actor=acting_user(request), application=application, indicators=indicators
        )
        return self._detail(application)

    @extend_schema(
        request=DeclarationsInput,
        responses=DRAFT_WRITE_RESPONSES,
        examples=[
            OpenApiExample(
                "Two declared",
                value={"no_violations": True, "secure_equipment": True},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["put"], parser_classes=[JSONParser])
    def declarations(self, request: Request, pk: str | None = None) -> Response:
        """Declare (true) or withdraw (false) basic requirements, by kind."""
        application = self.get_object()
        data = DeclarationsInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_declarations_set(
            actor=acting_user(request),
            application=application,
            declarations=dict(data.validated_data),
        )
        return self._detail(application)

    @extend_schema(
        request=ApplicationFileInput,
        responses={201: ApplicationDetailOutput, **error_responses(409)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def files(self, request: Request, pk: str | None = None) -> Response:
        """Upload evidence for a claimed scenario or a declaration (multipart)."""
        application = self.get_object()
        data = ApplicationFileInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_file_add(
            actor=acting_user(request),
            application=application,
            upload=data.validated_data["file"],
            scenario=data.validated_data.get("scenario") or None,
            declaration=data.validated_data.get("declaration") or None,
        )
        return self._detail(application, status.HTTP_201_CREATED)

    def _fire(
        self, request: Request, action: str, body: type[serializers.Serializer] | None
    ) -> Application:
        """Fire one workflow action with the validated body (reason, experts or scores)."""
        values: dict[str, Any] = {}
        if body is not None:
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        application = selectors.application_get_for(
            request.user, self.kwargs["pk"], invitations=action in INVITATION_ACTIONS
        )
        return application_transition(
            application=application,
            action=action,
            actor=acting_user(request),
            reason=values.pop("reason", ""),
            data=values,
        )

    @extend_schema(
        request=None,
        responses={202: ApplicationDetailOutput, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit (or resubmit); a Celery task runs every rule and stores each result."""
        return self._detail(self._fire(request, Action.SUBMIT, None), status.HTTP_202_ACCEPTED)

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The applicant withdraws the application (until a decision)."""
        return self._detail(self._fire(request, Action.WITHDRAW, ReasonInput))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject with a reason: the reviewer of the current step (advanced), or the city bureau
        a basic filing went to (its certificate is revoked)."""
        return self._detail(self._fire(request, Action.REJECT, ReasonInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="confirm_filing")
    def confirm_filing(self, request: Request, pk: str | None = None) -> Response:
        """The city bureau a basic filing went to confirms it: the certificate stands, stamped
        as reviewed (409: confirmed already, or not a standing filing)."""
        return self._detail(self._fire(request, Action.CONFIRM_FILING, None))

    @extend_schema(
        request=None, responses={200: ExpertOutput(many=True), **error_responses(403, 404)}
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def experts(self, request: Request, pk: str | None = None) -> Response:
        """The expert register for this application's review, each expert with the conflicts
        of interest that would refuse the assignment (for the provincial department; from
        MIIT's review on, the national register for MIIT)."""
        application = self.get_object()
        national = review_level(application.status) == "national"
        policy = Policy.MIIT if national else Policy.PROVINCIAL_DEPARTMENT
        decision = policy_check(policy, request.user, application)
        if not decision:
            raise PermissionDenied(decision.reason)
        rows = [asdict(choice) for choice in expert_choices(application)]
        return Response(ExpertOutput(rows, many=True).data)

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def forward(self, request: Request, pk: str | None = None) -> Response:
        """The city bureau forwards the application to the provincial department."""
        return self._detail(self._fire(request, Action.FORWARD, ReasonInput))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_changes(self, request: Request, pk: str | None = None) -> Response:
        """The reviewer of the current step returns it to the applicant (reason required); after
        resubmission and passing checks it comes back to the same step."""
        return self._detail(self._fire(request, Action.RETURN, ReasonInput))

    @extend_schema(request=AssignExpertsInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="assign_experts")
    def assign_experts(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department invites experts; a conflicted expert is refused (409
        ``expert_conflict`` does not apply: 400 with the reasons under ``fields.experts``)."""
        return self._detail(self._fire(request, Action.ASSIGN_EXPERTS, AssignExpertsInput))

    @extend_schema(request=UnassignExpertsInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="unassign_experts")
    def unassign_experts(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department removes experts who have not scored (never answered, or
        may no longer serve), with the reason; it may then assign others."""
        return self._detail(self._fire(request, Action.UNASSIGN_EXPERTS, UnassignExpertsInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="accept_assignment")
    def accept_assignment(self, request: Request, pk: str | None = None) -> Response:
        """An invited expert accepts; only then can the expert read the application."""
        return self._detail(self._fire(request, Action.ACCEPT_ASSIGNMENT, None))

    @extend_schema(
        request=ReasonInput, responses={204: None, **error_responses(400, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"], url_path="decline_assignment")
    def decline_assignment(self, request: Request, pk: str | None = None) -> Response:
        """An invited expert declines, with the reason."""
        self._fire(request, Action.DECLINE_ASSIGNMENT, ReasonInput)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ScoreInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        """An expert who accepted scores every criterion of the rubric (0-100)."""
        return self._detail(self._fire(request, Action.SCORE, ScoreInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="send_to_joint")
    def send_to_joint(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department sends it to the joint departments once every expert has
        scored (409 ``not_ready`` before)."""
        return self._detail(self._fire(request, Action.SEND_TO_JOINT, None))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def concur(self, request: Request, pk: str | None = None) -> Response:
        """A joint department of the province concurs."""
        return self._detail(self._fire(request, Action.CONCUR, ReasonInput))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def object(self, request: Request, pk: str | None = None) -> Response:
        """A joint department of the province objects, with the reason."""
        return self._detail(self._fire(request, Action.OBJECT, ReasonInput))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def recommend(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department recommends the application for publicity."""
        return self._detail(self._fire(request, Action.RECOMMEND, ReasonInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def certify(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department certifies: an active certificate is issued."""
        return self._detail(self._fire(request, Action.CERTIFY, None))

    # --- the national chain (excellent and leading) --------------------------------------------

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="province_pass")
    def province_pass(self, request: Request, pk: str | None = None) -> Response:
        """The provincial department passes an excellent or leading application after the joint
        concurrence: it waits for the province's ranking."""
        return self._detail(self._fire(request, Action.PROVINCE_PASS, ReasonInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def rank(self, request: Request, pk: str | None = None) -> Response:
        """The recommending unit (the province, or the applicant's central SOE group) puts the
        application at the end of its list for the campaign; 409 ``quota_exceeded`` when every
        place of its quota is taken, ``list_submitted`` once the list went to MIIT."""
        return self._detail(self._fire(request, Action.RANK, None))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def unrank(self, request: Request, pk: str | None = None) -> Response:
        """The recommending unit takes the application off its list (the others move up)."""
        return self._detail(self._fire(request, Action.UNRANK, None))

    @extend_schema(request=ApproveInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """MIIT approves after the national ministries' concurrence (excellent to publicity,
        leading to the site visit), saying which maturity scores the decision rests on."""
        return self._detail(self._fire(request, Action.APPROVE, ApproveInput))

    @extend_schema(request=VerifiedLevelsInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="verify_levels")
    def verify_levels(self, request: Request, pk: str | None = None) -> Response:
        """MIIT records verified scores (0-5) for sub-domains of the self-assessment, during
        its review; the detail's ``review.reconciliation`` shows them beside the enterprise's."""
        return self._detail(self._fire(request, Action.VERIFY_LEVELS, VerifiedLevelsInput))

    @extend_schema(request=SiteVisitInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="schedule_site_visit")
    def schedule_site_visit(self, request: Request, pk: str | None = None) -> Response:
        """MIIT schedules (or reschedules) the site visit of a leading application."""
        return self._detail(self._fire(request, Action.SCHEDULE_SITE_VISIT, SiteVisitInput))

    @extend_schema(request=VisitReportInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="report_site_visit")
    def report_site_visit(self, request: Request, pk: str | None = None) -> Response:
        """MIIT reports the visit (409 ``not_ready`` before its day) and sets the cultivation
        period and its milestones; the period starts today."""
        return self._detail(self._fire(request, Action.REPORT_SITE_VISIT, VisitReportInput))

    @extend_schema(request=MilestoneReportInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="report_milestone")
    def report_milestone(self, request: Request, pk: str | None = None) -> Response:
        """The enterprise reports its progress on a milestone of the cultivation period."""
        return self._detail(self._fire(request, Action.REPORT_MILESTONE, MilestoneReportInput))

    @extend_schema(request=None, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="start_acceptance")
    def start_acceptance(self, request: Request, pk: str | None = None) -> Response:
        """MIIT starts the acceptance review: 409 ``not_ready`` until the cultivation period is
        over and every milestone has a progress report."""
        return self._detail(self._fire(request, Action.START_ACCEPTANCE, None))

    @extend_schema(request=ReasonInput, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["post"], url_path="pass_acceptance")
    def pass_acceptance(self, request: Request, pk: str | None = None) -> Response:
        """MIIT passes the acceptance: the application goes to publicity and certification (a
        failed acceptance is a return or a rejection, with the reason)."""
        return self._detail(self._fire(request, Action.PASS_ACCEPTANCE, ReasonInput))
