"""The public registry API (no sign-in): certified factories, and the verification of one
certificate. Answers are public and cacheable: ``Cache-Control: public, no-cache`` with an ETag
and Last-Modified, so that a cache may keep them but must ask again each time (a revocation
shows on the next request); an unchanged answer is a 304."""

from __future__ import annotations

import hashlib
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.models import Certificate, Tier
from certification.registry import (
    RegistryFactory,
    registry_certificate,
    registry_entries,
    registry_factories,
    registry_lookup_by_uscc,
)
from core.api import error_responses
from core.errors import NotFound
from core.i18n import english_active
from core.pagination import KeysetPagination
from core.rendering import iso_datetime
from core.throttling import AnonRateThrottle
from factories.models import Factory
from factories.validators import USCC_LENGTH, normalize_uscc


class RegistryCertificateOutput(serializers.Serializer):
    number = serializers.CharField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    issued_on = serializers.DateField()
    status_changed_at = serializers.DateTimeField(allow_null=True)


class RegistryFactoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    enterprise = serializers.CharField()
    uscc = serializers.CharField(help_text="The enterprise's unified social credit code.")
    province_code = serializers.CharField()
    province = serializers.CharField()
    city_code = serializers.CharField()
    city = serializers.CharField()
    highest_active_tier = serializers.ChoiceField(
        choices=Tier.choices, allow_null=True, help_text="Null when no certificate is active."
    )
    certificates = RegistryCertificateOutput(many=True, help_text="Newest first.")


class RegistryPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (null on the last).")
    results = RegistryFactoryOutput(many=True)


class VerificationOutput(serializers.Serializer):
    number = serializers.CharField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    status = serializers.ChoiceField(
        choices=Certificate.Status.choices,
        help_text="Now: active, suspended, revoked or superseded.",
    )
    status_label = serializers.CharField()
    issued_on = serializers.DateField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    self_declared = serializers.BooleanField()
    factory = serializers.CharField()
    enterprise = serializers.CharField()
    uscc = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    authority = serializers.CharField(help_text="The certifying authority.")


class RegistryQueryInput(serializers.Serializer):  # query parameters: others are ignored
    uscc = serializers.CharField(required=False, allow_blank=True, max_length=40)
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Part of a name."
    )
    province = serializers.RegexField(r"^\d{2}$", required=False, allow_blank=True)
    city = serializers.RegexField(r"^\d{6}$", required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=Certificate.Status.choices, required=False, allow_blank=True
    )

    def validate_uscc(self, value: str) -> str:
        value = normalize_uscc(value) if value.strip() else ""
        if value and len(value) != USCC_LENGTH:
            raise serializers.ValidationError(_("A credit code has 18 characters."))
        return value


def certificate_data(certificate: Any, zone: tzinfo) -> dict[str, Any]:
    changed = certificate.status_changed_at
    return {
        "number": certificate.number,
        "tier": certificate.tier,
        "status": certificate.status,
        "issued_on": certificate.issued_on.isoformat(),
        "status_changed_at": None if changed is None else iso_datetime(changed, zone),
    }


def entry_data(entry: RegistryFactory) -> dict[str, Any]:
    zone = timezone.get_current_timezone()
    return {
        "id": entry.id,
        "name": entry.name,
        "enterprise": entry.enterprise,
        "uscc": entry.uscc,
        "province_code": entry.province_code,
        "province": entry.province,
        "city_code": entry.city_code,
        "city": entry.city,
        "highest_active_tier": entry.highest_active_tier,
        "certificates": [certificate_data(c, zone) for c in entry.certificates],
    }


class PublicCacheableView(APIView):
    """For public answers: an ETag of the body, Last-Modified when the view knows it,
    ``Cache-Control: public, no-cache``, and 304 for a client that has this very answer."""

    last_modified: datetime | None = None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != 200:
            return response
        response.render()
        return public_cacheable(request, response, self.last_modified)  # type: ignore[return-value]


_CONDITIONAL_HEADERS = frozenset(
    {"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"}
)


def public_cacheable(
    request: HttpRequest, response: HttpResponse, last_modified: datetime | None
) -> HttpResponseBase:
    """A rendered 200 answer made public and cacheable (ETag, Last-Modified, ``public,
    no-cache``), or the 304 for a client that has it already."""
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if "Cache-Control" in response:
        patch_cache_control(response, public=True, no_cache=True)
    else:  # the usual case, without parsing a header that is not there
        response["Cache-Control"] = "public, no-cache"
    if not _CONDITIONAL_HEADERS & request.META.keys():
        return response  # nothing to compare: most clients of the lookup send no validator
    # The ETag alone decides: a change within the same second still shows.
    conditional = get_conditional_response(request, etag=etag, response=response)
    return response if conditional is None else conditional


@extend_schema(
    parameters=[
        OpenApiParameter("uscc", str, required=False, description="Exact credit code."),
        OpenApiParameter("name", str, required=False, description="Part of a name."),
        OpenApiParameter("province", str, required=False, description="Two-digit code."),
        OpenApiParameter("city", str, required=False, description="Six-digit code."),
        OpenApiParameter("tier", str, required=False, enum=list(Tier.values)),
        OpenApiParameter("status", str, required=False, enum=list(Certificate.Status.values)),
        OpenApiParameter("cursor", str, required=False),
        OpenApiParameter("page_size", int, required=False),
    ],
    # 401 only for a bad token sent anyway (the registry needs none).
    responses={200: RegistryPageOutput, 304: None, **error_responses(400, 401)},
)
class RegistryList(PublicCacheableView, GenericAPIView):
    """Certified factories (no sign-in): each with its highest active tier and every
    certificate's status. ``?uscc=`` alone is the quick lookup (one query)."""

    permission_classes = [AllowAny]
    pagination_class = KeysetPagination

    def get_queryset(self) -> QuerySet[Factory]:  # the browsable API asks for it
        return registry_factories()

    def get(self, request: Request) -> Response:
        params = request.query_params
        if set(params) == {"uscc"}:
            uscc = normalize_uscc(params["uscc"])
            if len(uscc) == USCC_LENGTH:
                return self._answer(registry_lookup_by_uscc(uscc), None)
        query = RegistryQueryInput(data=params.dict())
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(registry_factories(**query.validated_data))
        entries = registry_entries(page or [])
        return self._answer(entries, self.paginator.next_url)  # type: ignore[union-attr]

    def _answer(self, entries: list[RegistryFactory], next_url: str | None) -> Response:
        self.last_modified = max(
            (entry.last_modified for entry in entries if entry.last_modified), default=None
        )
        return Response({"next": next_url, "results": [entry_data(e) for e in entries]})


@extend_schema(
    parameters=[
        OpenApiParameter(
            "t", str, required=True, description="The token printed with the certificate."
        )
    ],
    responses={200: VerificationOutput, 304: None, **error_responses(401, 404)},
)
class RegistryCertificateDetail(PublicCacheableView):
    """Verify a certificate (no sign-in): its status now. A wrong token and an unknown number
    are answered alike, 404."""

    permission_classes = [AllowAny]

    def get(self, request: Request, number: str) -> Response:
        certificate = registry_certificate(number, request.query_params.get("t", ""))
        if certificate is None:
            raise NotFound(_("No certificate matches this link."))
        self.last_modified = certificate.status_changed_at
        return Response(verification_data(certificate))


def verification_data(certificate: Certificate) -> dict[str, Any]:
    factory = certificate.factory
    english = english_active()

    def named(obj: Any) -> str:
        return (obj.name_en or obj.name_zh) if english else obj.name_zh

    return {
        **certificate_data(certificate, timezone.get_current_timezone()),
        "status_label": certificate.get_status_display(),
        "self_declared": certificate.self_declared,
        "factory": factory.name,
        "enterprise": factory.enterprise.name,
        "uscc": factory.enterprise.uscc,
        "province": named(factory.province),
        "city": named(factory.city),
        "authority": named(certificate.authority),
    }


# --- the lookup by credit code, without DRF's request cycle ------------------------------------

_RENDERER = JSONRenderer()
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
_ALLOW = "GET, HEAD, OPTIONS"


def _lookup_eligible(request: HttpRequest) -> str | None:
    """The normalized credit code when the request is a plain anonymous JSON lookup (``GET
    ?uscc=`` and nothing else: no token, no session, JSON accepted); None otherwise."""
    # The query string read as it is (``uscc=`` and one value), without building a QueryDict;
    # anything else (more parameters, a repeated one) is left to the full view.
    query = request.META.get("QUERY_STRING", "")
    if request.method != "GET" or not query.startswith("uscc=") or "&" in query:
        return None
    if "HTTP_AUTHORIZATION" in request.META:
        return None
    raw = unquote_plus(query[5:])
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if request.META.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return None
    uscc = normalize_uscc(raw)
    return uscc if len(uscc) == USCC_LENGTH else None


def registry_list(request: HttpRequest) -> HttpResponseBase:
    """``/api/v1/registry/``: a plain anonymous lookup by credit code is answered here, with
    the anonymous throttle, the body DRF would render and the same headers, without DRF's
    request cycle (content negotiation, authenticators, permissions: a third of such a
    request's cost); every other request goes to ``RegistryList``."""
    uscc = _lookup_eligible(request)
    if uscc is None:
        return _registry_list_view(request)
    throttle = AnonRateThrottle()
    if not throttle.allow_request(request, None):
        return _registry_list_view(request)  # refused there too (not counted twice): the 429
    entries = registry_lookup_by_uscc(uscc)
    body = _RENDERER.render({"next": None, "results": [entry_data(e) for e in entries]})
    response = HttpResponse(body, content_type="application/json")
    response["Vary"] = "Accept"
    response["Allow"] = _ALLOW
    last_modified = max((e.last_modified for e in entries if e.last_modified), default=None)
    return public_cacheable(request, response, last_modified)


_registry_list_view = RegistryList.as_view()
registry_list.cls = RegistryList  # type: ignore[attr-defined]  # the OpenAPI schema's view
registry_list.initkwargs = {}  # type: ignore[attr-defined]
registry_list.csrf_exempt = True  # type: ignore[attr-defined]
