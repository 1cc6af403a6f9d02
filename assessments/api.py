"""REST endpoints for self-assessments, scoped through assessments.selectors."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from assessments import benchmarks, selectors, services
from assessments.models import Answer, Assessment
from core.api import (
    AsciiIntegerField,
    InputSerializer,
    error_responses,
    int_param,
    list_body,
)
from core.parsers import JSONParser
from core.rendering import CachedFieldsMixin, FastListSerializer
from core.subqueries import related_value
from factories.selectors import factory_get_for


class AssessmentOutput(CachedFieldsMixin, serializers.ModelSerializer):
    # A row of a list: ``list_rows`` reads the factory's name and the version's code.
    factory_name = serializers.CharField(read_only=True)
    version = serializers.CharField(source="version_code", read_only=True)
    overall_score = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "factory",
            "factory_name",
            "version",
            "industry_type",
            "status",
            "created_at",
            "submitted_at",
            "valid_until",
            "maturity_level",
            "overall_score",
            "scoring_method",
        ]


class AnswerOutput(serializers.ModelSerializer):
    requirement = serializers.CharField(source="requirement.code")
    score = serializers.FloatField(allow_null=True)

    class Meta:
        model = Answer
        fields = ["requirement", "score", "note", "updated_at"]


class AssessmentDetailOutput(AssessmentOutput):
    # One assessment comes with its factory and version rows.
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    version = serializers.CharField(source="version.code", read_only=True)
    requirements_to_answer = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta(AssessmentOutput.Meta):
        fields = [*AssessmentOutput.Meta.fields, "requirements_to_answer", "answers"]

    def get_requirements_to_answer(self, obj: Assessment) -> list[str]:
        spec = selectors.model_spec_for(obj.version, obj.industry_type)
        return [r.code for r in spec.applicable_requirements()]

    def get_answers(self, obj: Assessment) -> list[dict[str, Any]]:
        answers = Answer.objects.filter(assessment=obj).select_related("requirement")
        return list(AnswerOutput(answers.order_by("requirement__order"), many=True).data)


class AssessmentCreateInput(InputSerializer):
    factory = AsciiIntegerField()
    copy_from = AsciiIntegerField(
        required=False,
        allow_null=True,
        help_text=(
            "An earlier submitted self-assessment of the factory, on the model version new "
            "assessments use: its answers, notes and evidence files start the draft."
        ),
    )


@extend_schema_field(OpenApiTypes.NUMBER)
class RawValue(serializers.Field):
    """Passed to the service as sent, which checks it (so that true is not taken as 1)."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class AnswerInput(InputSerializer):
    requirement = serializers.CharField()
    score = RawValue(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True)


def _list_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, description=description, required=False)


# The columns AssessmentOutput shows (the lists' order is among them).
LIST_COLUMNS = (
    *("id", "factory", "industry_type", "status", "created_at", "submitted_at", "valid_until"),
    *("maturity_level", "overall_score", "scoring_method"),
)
_FACTORY_NAME = related_value(Assessment, "factory", "name")
_VERSION_CODE = related_value(Assessment, "version", "code")


def list_rows(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Only what a list's rows show (no report data, no enterprise or region rows), with the
    factory's name and the version's code read by subqueries for the rows of the page rather
    than joined (see ``core.subqueries``)."""
    return (
        qs.select_related(None)
        .only(*LIST_COLUMNS)
        .annotate(factory_name=_FACTORY_NAME, version_code=_VERSION_CODE)
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            _list_param("level", "Maturity level (0-5)"),
            _list_param("city", "City code (GB/T 2260)"),
            _list_param("province", "Province code (2 digits)"),
            _list_param("industry", "Industry code (GB/T 4754 division)"),
            _list_param("year", "Year of submission"),
            _list_param("factory", "Factory id"),
            _list_param("status", "draft or submitted"),
        ]
    )
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Self-assessments in the caller's scope; enterprise members start, answer and submit."""

    serializer_class = AssessmentOutput

    def get_queryset(self) -> Any:
        params = self.request.query_params
        qs = selectors.assessment_filter(
            selectors.assessment_list_for(self.request.user),
            level=int_param(self.request, "level"),
            city=params.get("city"),
            province=params.get("province"),
            industry=params.get("industry"),
            year=int_param(self.request, "year", min_value=2000, max_value=2100),
            factory=int_param(self.request, "factory"),
        )
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if self.action == "list":
            qs = list_rows(qs)
        return qs

    def get_object(self) -> Assessment:
        return selectors.assessment_get_for(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self) -> Any:
        return AssessmentDetailOutput if self.action == "retrieve" else AssessmentOutput

    @extend_schema(
        request=AssessmentCreateInput,
        responses={201: AssessmentDetailOutput, **error_responses(400, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = AssessmentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        factory = factory_get_for(request.user, data.validated_data["factory"])
        source = None
        if data.validated_data.get("copy_from") is not None:
            source = selectors.assessment_get_for(request.user, data.validated_data["copy_from"])
        assessment = services.assessment_start(
            actor=acting_user(request), factory=factory, copy_from=source
        )
        return Response(AssessmentDetailOutput(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswerInput(many=True),
        responses={
            200: inline_serializer(
                "AnswersSaved",
                {
                    "saved": serializers.IntegerField(),
                    "answered": serializers.IntegerField(),
                    "total": serializers.IntegerField(),
                },
            ),
            **error_responses(409),
        },
        examples=[
            OpenApiExample(
                "An answer",
                value={"requirement": "data.2.1", "score": 0.8, "note": "MES in both lines"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["put"], parser_classes=[JSONParser])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Save answers (partial updates allowed while the assessment is a draft)."""
        assessment = self.get_object()
        items = list_body(
            request,
            AnswerInput,
            "answers",
            _('Send a list of answers: [{"requirement": code, "score": 0.8, "note": "..."}].'),
        )
        # Only the keys the client sent: a missing score or note keeps its saved value.
        answers: list[dict[str, Any]] = [
            {key: item[key] for key in ("requirement", "score", "note") if key in item}
            for item in items
        ]
        saved = services.assessment_answers_save(
            actor=acting_user(request), assessment=assessment, answers=answers
        )
        answered, total = selectors.assessment_progress(assessment)
        return Response({"saved": saved, "answered": answered, "total": total})

    @extend_schema(request=None, responses={200: AssessmentOutput, **error_responses(400, 409)})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Score and freeze the assessment; 400 lists unanswered requirements."""
        assessment = services.assessment_submit(
            actor=acting_user(request), assessment=self.get_object()
        )
        row = list_rows(Assessment.objects.filter(pk=assessment.pk)).get()  # as the lists show it
        return Response(AssessmentOutput(row).data)

    @extend_schema(
        responses=inline_serializer(
            "AssessmentReport",
            {
                "id": serializers.IntegerField(),
                "status": serializers.CharField(),
                "maturity_level": serializers.IntegerField(),
                "maturity_level_name": serializers.DictField(),
                "overall_score": serializers.FloatField(),
                "level_scores": serializers.DictField(),
                "attained_levels": serializers.ListField(child=serializers.IntegerField()),
                "subdomain_scores": serializers.DictField(),
                "subdomain_overall": serializers.DictField(),
                "valid_until": serializers.DateField(allow_null=True),
                "scoring_method": serializers.CharField(),
                "gap_to_next_level": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        """The scores with every intermediate; a draft gets a preview of the same shape."""
        assessment = self.get_object()
        result = selectors.assessment_result(assessment)
        names = selectors.level_names(assessment.version)
        level = result["maturity_level"]
        return Response(
            {
                "id": assessment.pk,
                "status": assessment.status,
                "maturity_level": level,
                "maturity_level_name": names.get(level, {"zh": "", "en": ""}),
                "overall_score": math.floor(result["overall_score"] * 100 + 1e-9) / 100,
                "level_scores": result["level_scores"],
                "attained_levels": result["attained_levels"],
                "subdomain_scores": result["subdomain_scores"],
                "subdomain_overall": result["subdomain_overall"],
                "valid_until": assessment.valid_until,
                "scoring_method": result["method"],
                "gap_to_next_level": result["gap_to_next_level"],
            }
        )


class FactoryAssessmentList(generics.ListAPIView):
    """A factory's assessments, newest first."""

    serializer_class = AssessmentOutput
    queryset = Assessment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        factory = factory_get_for(self.request.user, self.kwargs["factory_pk"])
        return list_rows(selectors.assessment_list_for(self.request.user).filter(factory=factory))


class PeerDistributionOutput(serializers.Serializer):
    count = serializers.IntegerField()
    minimum = serializers.FloatField()
    q1 = serializers.FloatField(help_text="First quartile (linear interpolation).")
    median = serializers.FloatField()
    q3 = serializers.FloatField(help_text="Third quartile (linear interpolation).")
    maximum = serializers.FloatField()


class PeerComparisonOutput(serializers.Serializer):
    measure = serializers.CharField(
        help_text='"overall" or the code of a sub-domain (its own maturity score, 0 to 5).'
    )
    own = serializers.FloatField(allow_null=True, help_text="This factory's score.")
    peers = serializers.IntegerField(help_text="Peers with this score.")
    withheld = serializers.BooleanField(
        help_text="True when the group has too few peers: no distribution is given."
    )
    distribution = PeerDistributionOutput(allow_null=True)
    percentile = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Share of peers scoring below, ties counted as half (%), interpolated from the "
            "group's percentiles."
        ),
    )
    quartile = serializers.IntegerField(
        allow_null=True, help_text="1 (bottom quarter of the peers) to 4 (top quarter)."
    )


class PeerCutOutput(serializers.Serializer):
    cut = serializers.ChoiceField(
        choices=list(benchmarks.CUTS),
        help_text=(
            "industry_province: same industry in the same province; industry: same industry "
            "nationwide; province: same province, every industry."
        ),
    )
    peers = serializers.IntegerField()
    shown = serializers.BooleanField()
    overall = PeerComparisonOutput()
    subdomains = PeerComparisonOutput(many=True)


class PeerBenchmarkOutput(serializers.Serializer):
    factory = serializers.IntegerField()
    industry = serializers.CharField()
    province = serializers.CharField()
    assessment = serializers.IntegerField(
        allow_null=True, help_text="The factory's latest submitted assessment, compared."
    )
    model_version = serializers.CharField(allow_null=True)
    min_peers = serializers.IntegerField(help_text="Peers needed before a distribution is shown.")
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "When the peer distributions were counted (hourly); null when the factory has no "
            "submitted assessment."
        ),
    )
    cuts = PeerCutOutput(many=True)


def _comparison_data(row: benchmarks.Comparison) -> dict[str, Any]:
    distribution = row.distribution
    return {
        "measure": row.measure or "overall",
        "own": row.own,
        "peers": row.peers,
        "withheld": row.withheld,
        "distribution": None if distribution is None else asdict(distribution),
        "percentile": row.percentile,
        "quartile": row.quartile,
    }


def peer_benchmark_data(bench: selectors.PeerBenchmark) -> dict[str, Any]:
    assessment = bench.assessment
    return {
        "factory": bench.factory.pk,
        "industry": bench.factory.industry_id,
        "province": bench.factory.province_id,
        "assessment": assessment.pk if assessment else None,
        "model_version": assessment.version.code if assessment else None,
        "min_peers": bench.min_peers,
        "as_of": bench.as_of,
        "cuts": [
            {
                "cut": cut.cut,
                "peers": cut.peers,
                "shown": cut.shown,
                "overall": _comparison_data(cut.overall),
                "subdomains": [_comparison_data(row) for row in cut.subdomains],
            }
            for cut in bench.cuts
        ],
    }


class FactoryPeers(APIView):
    @extend_schema(
        responses={200: PeerBenchmarkOutput, **error_responses(401, 403, 404)},
        description=(
            "The factory's latest submitted self-assessment beside the anonymised distribution "
            "(minimum, quartiles, median, maximum) of its peers: the factories whose latest "
            "submitted assessment uses the same model version, in the same industry in the same "
            "province, the same industry nationwide and the same province. A group with fewer "
            "peers than `min_peers` gives its size only. The distributions are counted ahead of "
            "time (hourly, `as_of`); the percentile is interpolated from each group's "
            "percentiles 0 to 100. For the factory's enterprise members "
            "and the officials whose jurisdiction holds the factory."
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        bench = selectors.peer_benchmark_for(acting_user(request), pk)
        return Response(PeerBenchmarkOutput(peer_benchmark_data(bench)).data)
