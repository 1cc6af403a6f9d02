"""Certificates in the caller's scope."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import acting_user
from certification import selectors, services
from certification.api.common import ActionOptionOutput
from certification.models import Certificate, CertificateDocument, Tier
from certification.workflow.engine import certificate_actions_for
from core.api import InputSerializer, error_responses, int_param
from core.i18n import english_active
from core.rendering import CachedFieldsMixin, FastListSerializer
from core.subqueries import related_value

# A certificate's related values its row shows, read by subqueries for the rows of the page
# rather than joined and made into objects (see core.subqueries).
_FACTORY_NAME = related_value(Certificate, "factory", "name")
_AUTHORITY_NAMES = {
    language: related_value(Certificate, "authority", f"name_{language}")
    for language in ("zh", "en")
}
_HAS_DOCUMENT = RawSQL(  # noqa: S611  # names of tables and columns only, no value
    f'EXISTS (SELECT 1 FROM "{CertificateDocument._meta.db_table}" '  # noqa: S608
    f'WHERE "{CertificateDocument._meta.db_table}"."certificate_id" '
    f'= "{Certificate._meta.db_table}"."id")',
    (),
    output_field=BooleanField(),
)


def list_rows(qs: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """The certificates as ``CertificateOutput`` shows them: their own columns, with the
    factory's name, the authority's name in the active language and whether the PDF is
    rendered."""
    return qs.select_related(None).annotate(
        factory_name=_FACTORY_NAME,
        authority_name=_AUTHORITY_NAMES["en" if english_active() else "zh"],
        has_document=_HAS_DOCUMENT,
    )


class CertificateOutput(CachedFieldsMixin, serializers.ModelSerializer):
    # A row as ``list_rows`` reads it.
    factory_name = serializers.CharField(read_only=True)
    authority_name = serializers.CharField(read_only=True)
    document_url = serializers.SerializerMethodField(
        help_text="Where to download the certificate's PDF; null until it is rendered."
    )

    class Meta:
        model = Certificate
        list_serializer_class = FastListSerializer
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
            "suspended_for",
            "flagged_at",
            "flag_note",
            "document_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_document_url(self, certificate: Certificate) -> str | None:
        """The path of the certificate's PDF, or null while it is not rendered yet."""
        if not certificate.has_document:  # type: ignore[attr-defined]  # list_rows
            return None
        return reverse("certificate-pdf", args=[certificate.pk])


class CertificateDetailOutput(CertificateOutput):
    # One certificate, read with its related rows.
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    actions = serializers.SerializerMethodField(
        help_text="The status changes the caller may make (its certifying authority only)."
    )

    class Meta(CertificateOutput.Meta):
        fields = [*CertificateOutput.Meta.fields, "status_changed_at", "actions"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_document_url(self, certificate: Certificate) -> str | None:
        try:
            certificate.document  # noqa: B018  # selected with the row: no query
        except CertificateDocument.DoesNotExist:
            return None
        return reverse("certificate-pdf", args=[certificate.pk])

    @extend_schema_field(ActionOptionOutput(many=True))
    def get_actions(self, certificate: Certificate) -> list[dict[str, Any]]:
        request = self.context.get("request")
        if request is None:
            return []
        return [asdict(option) for option in certificate_actions_for(request.user, certificate)]


class CertificateReasonInput(InputSerializer):
    reason = serializers.CharField(
        max_length=5000,
        help_text="Why: kept in the audit log and shown to the enterprise.",
    )


# 400: no reason; 403: not the certifying authority; 409: not possible in the current status.
STATUS_CHANGE_RESPONSES = {200: CertificateDetailOutput, **error_responses(400, 403, 404, 409)}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("tier", str, required=False, enum=list(Tier.values)),
            OpenApiParameter("status", str, required=False, enum=list(Certificate.Status.values)),
            OpenApiParameter("factory", int, required=False),
            OpenApiParameter(
                "flagged",
                bool,
                required=False,
                description=(
                    "true: only the certificates waiting for the certifying authority's "
                    "decision (a new self-assessment below the tier's level came in while they "
                    "were suspended for a lapse)."
                ),
            ),
        ]
    )
)
class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Certificates in the caller's scope."""

    serializer_class = CertificateOutput

    def get_queryset(self) -> Any:
        qs = selectors.certificate_list_for(self.request.user)
        params = self.request.query_params
        for key in ("tier", "status"):
            if params.get(key):
                qs = qs.filter(**{key: params[key]})
        if params.get("flagged") in ("true", "1"):
            qs = qs.filter(flagged_at__isnull=False)
        factory = int_param(self.request, "factory")
        if factory is not None:
            qs = qs.filter(factory_id=factory)
        if self.action == "list":  # only what the list's rows show
            return list_rows(qs)
        return qs.select_related("document")  # document_url

    def get_serializer_class(self) -> Any:
        return CertificateOutput if self.action == "list" else CertificateDetailOutput

    def _change_status(self, request: Request, service: Any) -> Response:
        body = CertificateReasonInput(data=request.data)
        body.is_valid(raise_exception=True)
        certificate = service(
            actor=acting_user(request),
            certificate=self.get_object(),
            reason=body.validated_data["reason"],
        )
        return Response(CertificateDetailOutput(certificate, context={"request": request}).data)

    @extend_schema(request=CertificateReasonInput, responses=STATUS_CHANGE_RESPONSES)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        """The certifying authority suspends an active certificate, with the reason."""
        return self._change_status(request, services.certificate_suspend)

    @extend_schema(request=CertificateReasonInput, responses=STATUS_CHANGE_RESPONSES)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        """The certifying authority reinstates a suspended certificate, with the reason."""
        return self._change_status(request, services.certificate_reinstate)

    @extend_schema(request=CertificateReasonInput, responses=STATUS_CHANGE_RESPONSES)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """The certifying authority revokes a certificate for good, with the reason."""
        return self._change_status(request, services.certificate_revoke)
