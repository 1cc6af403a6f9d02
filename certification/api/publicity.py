"""Publicity (公示) through the API: the public lists, objections lodged by anyone during a
list's period, and, for the certifying authority, publishing a campaign batch, reading the
objections and deciding on them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from certification import selectors, services
from certification.models import Application, Objection, Publicity, Tier
from core.api import AsciiIntegerField, InputSerializer, error_responses, object_body
from core.errors import DomainError, PermissionDenied
from core.i18n import english_active
from core.parsers import JSONParser
from core.permissions import IsAuthenticated


class PublicityEntryOutput(serializers.Serializer):
    application = serializers.IntegerField()
    factory = serializers.CharField()
    enterprise = serializers.CharField()
    uscc = serializers.CharField()
    city = serializers.CharField()
    tier = serializers.ChoiceField(choices=Tier.choices)


class PublicityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    authority = serializers.CharField(help_text="The certifying authority that published it.")
    tier = serializers.ChoiceField(choices=Tier.choices)
    campaign = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="The last day, counted in working days.")
    working_days = serializers.IntegerField()
    open = serializers.BooleanField(help_text="Objections are accepted today.")
    entries = PublicityEntryOutput(many=True)


class PublicityCreateInput(InputSerializer):
    campaign = AsciiIntegerField(
        min_value=1,
        required=False,
        help_text=(
            "The campaign batch to list (a provincial department or MIIT). Omitted: a city "
            "bureau's list of the basic filings it holds."
        ),
    )
    applications = serializers.ListField(
        child=AsciiIntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=500,
        help_text=(
            "Recommended applications of the campaign, or basic filings never listed before "
            "(default: all of them)."
        ),
    )
    starts_on = serializers.DateField(required=False, help_text="Default: today.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ObjectionInput(InputSerializer):
    application = AsciiIntegerField(min_value=1, help_text="The listed application objected to.")
    name = serializers.CharField(max_length=100, help_text="Your real name.")
    contact = serializers.CharField(max_length=200, help_text="A telephone number or address.")
    grounds = serializers.CharField(max_length=5000)
    evidence = serializers.FileField(required=False, help_text="Optional: PDF, image or Office.")


class ObjectionReceiptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Objection.Status.choices)
    lodged_at = serializers.DateTimeField()


class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField()
    factory = serializers.CharField()
    name = serializers.CharField()
    contact = serializers.CharField()
    grounds = serializers.CharField()
    has_evidence = serializers.BooleanField()
    lodged_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Objection.Status.choices)
    investigation = serializers.CharField()
    outcome_reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ObjectionDecisionInput(InputSerializer):
    outcome = serializers.ChoiceField(
        choices=["dismissed", "upheld_return", "upheld_reject"],
        help_text=(
            "upheld_return returns the application to the enterprise; a basic filing cannot be "
            "returned, and upheld_reject rejects it and revokes its certificate."
        ),
    )
    investigation = serializers.CharField(max_length=5000, help_text="What was found.")
    reason = serializers.CharField(
        max_length=5000, help_text="Kept in the audit log; told to the applicant when upheld."
    )


def publicity_data(publicity: Publicity, entries: list[Any], today: Any) -> dict[str, Any]:
    english = english_active()

    def named(obj: Any) -> str:
        return (obj.name_en or obj.name_zh) if english else obj.name_zh

    return {
        "id": publicity.pk,
        "title": publicity.title,
        "authority": named(publicity.authority),
        "tier": publicity.tier,
        "campaign": publicity.campaign_id,
        "starts_on": publicity.starts_on,
        "ends_on": publicity.ends_on,
        "working_days": publicity.working_days,
        "open": publicity.is_open(today),
        "entries": [
            {
                "application": entry.application_id,
                "factory": entry.application.factory.name,
                "enterprise": entry.application.factory.enterprise.name,
                "uscc": entry.application.factory.enterprise.uscc,
                "city": named(entry.application.factory.city),
                "tier": entry.application.tier,
            }
            for entry in entries
        ],
    }


def objection_data(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk,
        "application": objection.entry.application_id,
        "factory": objection.entry.application.factory.name,
        "name": objection.name,
        "contact": objection.contact,
        "grounds": objection.grounds,
        "has_evidence": bool(objection.file),
        "lodged_at": objection.lodged_at,
        "status": objection.status,
        "investigation": objection.investigation,
        "outcome_reason": objection.outcome_reason,
        "decided_at": objection.decided_at,
    }


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


class PublicityList(APIView):
    """GET: the publicity lists in their period (anyone). POST: the certifying authority
    publishes a campaign batch's recommended applications, or a city bureau a list of the basic
    filings it holds."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: PublicityOutput(many=True), **error_responses(401)})
    def get(self, request: Request) -> Response:
        lists = list(selectors.publicity_list_public()[:100])
        entries = selectors.publicity_entries(lists)
        today = _today()
        data = [publicity_data(p, entries[p.pk], today) for p in lists]
        return Response(PublicityOutput(data, many=True).data)

    @extend_schema(
        request=PublicityCreateInput,
        responses={201: PublicityOutput, **error_responses(400, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        body = PublicityCreateInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        applications = None
        if "applications" in values:
            applications = [Application(pk=pk) for pk in values["applications"]]
        common: dict[str, Any] = {
            "actor": acting_user(request),
            "applications": applications,
            "starts_on": values.get("starts_on"),
            "title": values.get("title", ""),
        }
        if "campaign" not in values:
            publicity = services.publicity_publish_filings(**common)
        else:
            campaign = selectors.campaign_list().filter(pk=values["campaign"]).first()
            if campaign is None:
                message = _("Unknown campaign.")
                raise DomainError(message, fields={"campaign": [message]})
            publicity = services.publicity_publish(campaign=campaign, **common)
        entries = selectors.publicity_entries([publicity])[publicity.pk]
        return Response(
            PublicityOutput(publicity_data(publicity, entries, _today())).data,
            status=status.HTTP_201_CREATED,
        )


class PublicityDetail(APIView):
    """One publicity list (anyone), current or past."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: PublicityOutput, **error_responses(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        publicity = selectors.publicity_get_public(pk)
        entries = selectors.publicity_entries([publicity])[publicity.pk]
        return Response(PublicityOutput(publicity_data(publicity, entries, _today())).data)


class PublicityObjections(APIView):
    """POST: anyone lodges a signed objection against a listed application while the list is
    open (JSON, or multipart with an evidence file); the objection is the certifying
    authority's to see. GET: the list's objections, for that authority only."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(responses={200: ObjectionOutput(many=True), **error_responses(401, 403, 404)})
    def get(self, request: Request, pk: int) -> Response:
        publicity = selectors.publicity_get_public(pk)
        decision = selectors.publicity_authority_check(request.user, publicity)
        if not decision:
            raise PermissionDenied(decision.reason)
        objections = selectors.publicity_objections_for(request.user, publicity)
        return Response(ObjectionOutput([objection_data(o) for o in objections], many=True).data)

    @extend_schema(
        request={"application/json": ObjectionInput, "multipart/form-data": ObjectionInput},
        # 401/403 only for a bad token or a signed-in session without its CSRF token.
        responses={201: ObjectionReceiptOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        publicity = selectors.publicity_get_public(pk)
        body = ObjectionInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        entry = publicity.entries.filter(application_id=values["application"]).first()
        if entry is None:
            message = _("This application is not on the list.")
            raise DomainError(message, fields={"application": [message]})
        objection = services.objection_lodge(
            entry=entry,
            name=values["name"],
            contact=values["contact"],
            grounds=values["grounds"],
            evidence=values.get("evidence"),
        )
        return Response(
            ObjectionReceiptOutput(
                {"id": objection.pk, "status": objection.status, "lodged_at": objection.lodged_at}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class ObjectionDecide(APIView):
    """The certifying authority records its investigation of an objection and the outcome:
    dismissed, or upheld and the application returned or rejected with the reason."""

    @extend_schema(
        request=ObjectionDecisionInput,
        responses={200: ObjectionOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        objection = selectors.objection_get_for(request.user, pk)
        body = ObjectionDecisionInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        decided = services.objection_decide(
            actor=acting_user(request), objection=objection, **body.validated_data
        )
        decided = selectors.objection_get_for(request.user, decided.pk)
        return Response(ObjectionOutput(objection_data(decided)).data)
