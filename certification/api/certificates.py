"""Certificates in the caller's scope."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from certification import selectors
from certification.models import Certificate, Tier
from core.api import int_param
from core.rendering import CachedFieldsMixin, FastListSerializer


class CertificateOutput(CachedFieldsMixin, serializers.ModelSerializer):
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)

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
        ]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("tier", str, required=False, enum=list(Tier.values)),
            OpenApiParameter("status", str, required=False, enum=list(Certificate.Status.values)),
            OpenApiParameter("factory", int, required=False),
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
        factory = int_param(self.request, "factory")
        if factory is not None:
            qs = qs.filter(factory_id=factory)
        if self.action == "list":  # only what the list's rows show
            qs = qs.select_related(None).select_related("factory", "authority")
        return qs
