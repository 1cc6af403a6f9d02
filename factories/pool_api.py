"""REST endpoints of the city's key cultivation pool, scoped through factories.selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import acting_user
from core.api import AsciiIntegerField, InputSerializer, error_responses, int_param
from core.errors import NotFound, PermissionDenied
from core.rendering import CachedFieldsMixin, FastListSerializer
from factories import selectors, services
from factories.models import CultivationPoolEntry, Factory


class PoolEntryOutput(CachedFieldsMixin, serializers.ModelSerializer):
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    enterprise_name = serializers.CharField(source="factory.enterprise.name", read_only=True)
    uscc = serializers.CharField(source="factory.enterprise.uscc", read_only=True)
    city = serializers.CharField(source="authority.city_id", read_only=True)
    removed = serializers.BooleanField(source="is_removed", read_only=True)

    class Meta:
        model = CultivationPoolEntry
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "factory",
            "factory_name",
            "enterprise_name",
            "uscc",
            "city",
            "year",
            "reason",
            "created_at",
            "removed",
            "removed_at",
            "removal_reason",
        ]


class PoolEntryInput(InputSerializer):
    factory = AsciiIntegerField(min_value=1, help_text="The factory's id (of your city).")
    year = AsciiIntegerField(min_value=2000, max_value=2100)
    reason = serializers.CharField(max_length=2000, help_text="Why the factory is cultivated.")


class PoolRemoveInput(InputSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the factory is removed.")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("year", int, required=False)],
        responses={200: PoolEntryOutput(many=True), **error_responses(400, 403)},
    ),
    retrieve=extend_schema(responses={200: PoolEntryOutput, **error_responses(403, 404)}),
)
class PoolEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The key cultivation pool: a city official's city (kept by them), a provincial
    official's province (read only). Removed entries are listed with ``removed`` true."""

    serializer_class = PoolEntryOutput

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        decision = selectors.pool_visible(request.user)
        if not decision:
            raise PermissionDenied(decision.reason)

    def get_queryset(self) -> Any:
        year = int_param(self.request, "year", min_value=2000, max_value=2100)
        return selectors.pool_list_for(self.request.user, year=year)

    def get_object(self) -> CultivationPoolEntry:
        return selectors.pool_entry_get_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request=PoolEntryInput,
        responses={201: PoolEntryOutput, **error_responses(400, 403, 404, 409)},
    )
    def create(self, request: Request) -> Response:
        """A city official adds a factory of their city to the pool for a year (400: no
        reason or a year out of range; 403: not a city official, or the factory is in
        another city; 404: no such factory; 409: already in the pool that year)."""
        body = PoolEntryInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        factory = Factory.objects.filter(pk=data["factory"]).first()
        if factory is None:
            raise NotFound(_("Factory not found."))
        entry = services.pool_entry_add(
            actor=acting_user(request), factory=factory, year=data["year"], reason=data["reason"]
        )
        return Response(self._output(entry.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PoolRemoveInput,
        responses={200: PoolEntryOutput, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        """A city official removes an entry of their city's pool with a reason; the entry
        stays, marked removed, and no longer counts for the advanced tier (409: removed
        already)."""
        body = PoolRemoveInput(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.pool_entry_remove(
            actor=acting_user(request),
            entry=self.get_object(),
            reason=body.validated_data["reason"],
        )
        return Response(self._output(entry.pk))

    def _output(self, pk: int) -> dict[str, Any]:
        return PoolEntryOutput(selectors.pool_entry_get_for(self.request.user, pk)).data  # type: ignore[no-any-return]
