"""REST endpoints for enterprises and factories, scoped through factories.selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import acting_user, scope_for
from core.api import (
    AsciiIntegerField,
    InputSerializer,
    IntegerFilter,
    error_responses,
)
from core.errors import DomainError
from core.pagination import PAGING_PARAMETERS, KeysetIndex
from core.rendering import CachedFieldsMixin, FastListSerializer
from factories import selectors, services
from factories.models import Enterprise, Factory, Industry
from factories.validators import normalize_uscc, validate_uscc
from regions.models import City

USCC_LENGTH = 18
# The related rows the outputs of enterprises and factories name.
OUTPUT_RELATED = ("city", "industry")
UNKNOWN_CITY: dict[str, Any] = {"does_not_exist": _('Unknown city code "{pk_value}".')}
UNKNOWN_INDUSTRY: dict[str, Any] = {"does_not_exist": _('Unknown industry code "{pk_value}".')}


class USCCField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = normalize_uscc(super().to_internal_value(data))
        validate_uscc(value)
        return value


class FactoryOutput(CachedFieldsMixin, serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True)
    industry_name = serializers.CharField(source="industry.name", read_only=True)

    class Meta:
        model = Factory
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "enterprise",
            "name",
            "address",
            "city",
            "city_name",
            "province",
            "industry",
            "industry_name",
            "created_at",
            "updated_at",
        ]


class EnterpriseOutput(CachedFieldsMixin, serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True)
    industry_name = serializers.CharField(source="industry.name", read_only=True)
    registration_authority = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_("Who issued the credit code, named by its characters 3-8."),
    )

    class Meta:
        model = Enterprise
        list_serializer_class = FastListSerializer
        fields = [
            "id",
            "uscc",
            "registration_authority",
            "name",
            "city",
            "city_name",
            "province",
            "industry",
            "industry_name",
            "above_designated_size",
            "is_central_soe_group",
            "created_at",
        ]


class FirstFactoryInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    city = serializers.PrimaryKeyRelatedField(
        queryset=City.objects.all(), error_messages=UNKNOWN_CITY
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), required=False, error_messages=UNKNOWN_INDUSTRY
    )


class EnterpriseUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    city = serializers.PrimaryKeyRelatedField(
        queryset=City.objects.all(), error_messages=UNKNOWN_CITY
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), error_messages=UNKNOWN_INDUSTRY
    )
    above_designated_size = serializers.BooleanField()
    is_central_soe_group = serializers.BooleanField(default=False)


class EnterpriseRegisterInput(EnterpriseUpdateInput):
    uscc = USCCField(max_length=30)
    factory = FirstFactoryInput()


class FactoryUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    city = serializers.PrimaryKeyRelatedField(
        queryset=City.objects.all(), error_messages=UNKNOWN_CITY
    )
    industry = serializers.PrimaryKeyRelatedField(
        queryset=Industry.objects.all(), error_messages=UNKNOWN_INDUSTRY
    )


class FactoryCreateInput(FactoryUpdateInput):
    enterprise = AsciiIntegerField()


class EnterpriseFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province_id")
    search = django_filters.CharFilter(method="filter_search", label=_("Name or credit code"))

    class Meta:
        model = Enterprise
        fields = ["city", "industry", "above_designated_size", "is_central_soe_group"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        value = value.strip()
        if len(value) == USCC_LENGTH:
            return queryset.filter(uscc=normalize_uscc(value))
        return queryset.filter(name__icontains=value)


class FactoryFilter(django_filters.FilterSet):
    province = django_filters.CharFilter(field_name="province_id")
    # A plain number, not a choice among all enterprises (which would tell whether one exists).
    enterprise = IntegerFilter(field_name="enterprise_id")

    class Meta:
        model = Factory
        fields = ["city", "industry"]


def _partial(serializer_class: type[serializers.Serializer], instance: Any, data: Any) -> Any:
    """Validate a PATCH by overlaying it on the instance's current values."""
    if not hasattr(data, "keys"):
        raise DomainError(_("Send a JSON object."), code="invalid")
    current = {
        name: getattr(instance, f"{name}_id", None) or getattr(instance, name)
        for name in serializer_class().get_fields()
    }
    serializer = serializer_class(data={**current, **data})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enterprises in the caller's scope. Enterprise users register and edit their own."""

    serializer_class = EnterpriseOutput
    filterset_class = EnterpriseFilter
    keyset_index: KeysetIndex | None = None

    def get_queryset(self) -> Any:
        # A regional official's list: each page read from the region's presence rows.
        self.keyset_index = selectors.enterprise_list_index(
            scope_for(self.request.user), related=OUTPUT_RELATED
        )
        qs = selectors.enterprise_list_for(self.request.user)
        return qs.select_related(None).select_related(*OUTPUT_RELATED).order_by("name", "pk")

    def filter_queryset(self, queryset: Any) -> Any:
        filtered = super().filter_queryset(queryset)
        if self.keyset_index is not None and set(self.request.query_params) - PAGING_PARAMETERS:
            # Narrowed by a filter: the pages keep to the filtered rows.
            self.keyset_index = self.keyset_index.within(filtered)
        return filtered

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The lookup by credit code (banks, other government systems) is the hot path: one
        # query, no filter set, no paging; the answer has the list's shape.
        search = request.query_params.get("search", "").strip()
        if set(request.query_params) == {"search"} and len(search) == USCC_LENGTH:
            enterprise = selectors.enterprise_by_uscc_for(request.user, normalize_uscc(search))
            rows = [] if enterprise is None else [EnterpriseOutput(enterprise).data]
            return Response({"next": None, "results": rows})
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Enterprise:
        return selectors.enterprise_get_for(
            self.request.user, self.kwargs["pk"], related=OUTPUT_RELATED
        )

    @extend_schema(
        request=EnterpriseRegisterInput,
        responses={201: EnterpriseOutput, **error_responses(409)},
    )
    def create(self, request: Request) -> Response:
        data = EnterpriseRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        factory = values.pop("factory")
        enterprise = services.enterprise_register(
            actor=acting_user(request),
            **values,
            factory_name=factory["name"],
            factory_address=factory["address"],
            factory_city=factory["city"],
            factory_industry=factory.get("industry"),
        )
        return Response(EnterpriseOutput(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseUpdateInput, responses=EnterpriseOutput)
    def update(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        data = EnterpriseUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            actor=acting_user(request), enterprise=enterprise, **data.validated_data
        )
        return Response(EnterpriseOutput(enterprise).data)

    @extend_schema(request=EnterpriseUpdateInput, responses=EnterpriseOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        enterprise = self.get_object()
        values = _partial(EnterpriseUpdateInput, enterprise, request.data)
        enterprise = services.enterprise_update(
            actor=acting_user(request), enterprise=enterprise, **values
        )
        return Response(EnterpriseOutput(enterprise).data)


class FactoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Factories in the caller's scope. Members of an enterprise add and edit its factories."""

    serializer_class = FactoryOutput
    filterset_class = FactoryFilter

    def get_queryset(self) -> Any:
        qs = selectors.factory_list_for(self.request.user)
        return qs.select_related(None).select_related(*OUTPUT_RELATED)

    def get_object(self) -> Factory:
        return selectors.factory_get_for(
            self.request.user, self.kwargs["pk"], related=OUTPUT_RELATED
        )

    @extend_schema(
        request=FactoryCreateInput,
        responses={201: FactoryOutput, **error_responses(404, 409)},
    )
    def create(self, request: Request) -> Response:
        data = FactoryCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = selectors.enterprise_get_for(request.user, values.pop("enterprise"))
        factory = services.factory_create(
            actor=acting_user(request), enterprise=enterprise, **values
        )
        return Response(FactoryOutput(factory).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FactoryUpdateInput, responses={200: FactoryOutput, **error_responses(409)}
    )
    def update(self, request: Request, pk: str | None = None) -> Response:
        factory = self.get_object()
        data = FactoryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        factory = services.factory_update(
            actor=acting_user(request), factory=factory, **data.validated_data
        )
        return Response(FactoryOutput(factory).data)

    @extend_schema(
        request=FactoryUpdateInput, responses={200: FactoryOutput, **error_responses(409)}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        factory = self.get_object()
        values = _partial(FactoryUpdateInput, factory, request.data)
        factory = services.factory_update(actor=acting_user(request), factory=factory, **values)
        return Response(FactoryOutput(factory).data)
