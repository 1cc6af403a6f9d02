"""API plumbing shared by every app: parameters and number fields that read ASCII digits only
(core.numbers), the one exception handler, the error schema (pagination: core.pagination; JSON
parsing: core.parsers; errors outside DRF views: core.error_views)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, DomainError
from core.numbers import ascii_decimal, ascii_int
from core.uniqueness import is_unique_violation

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Ids and other integers of the API fit PostgreSQL's integer column.
INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the REST API (errors in JSON) rather than a page (HTML)."""
    return request.path_info.startswith(API_PREFIX)


def int_value(
    value: Any, name: str, *, min_value: int | None = None, max_value: int | None = None
) -> int | None:
    """An id or number from a query parameter or a body field; None when absent.

    Anything but an integer in ASCII digits (``core.numbers``), or one out of range, is a 400
    naming the field (never a 500 further down).
    """
    if value is None or value == "":
        return None
    low = INT_MIN if min_value is None else min_value
    high = INT_MAX if max_value is None else max_value
    try:
        number = ascii_int(value)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        if min_value is None and max_value is None:
            message = _("Must be an integer.")
        else:
            message = _("Must be a whole number from %(min)s to %(max)s.") % {
                "min": low,
                "max": high,
            }
        raise DomainError(message, code="invalid", fields={name: [message]})
    return number


def int_param(
    request: Any, name: str, *, min_value: int | None = None, max_value: int | None = None
) -> int | None:
    return int_value(request.query_params.get(name), name, min_value=min_value, max_value=max_value)


class AsciiIntegerField(serializers.IntegerField):
    """DRF's IntegerField reading ASCII digits only: DRF's own reads "٣" and "３" as 3."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str):
            try:
                data = ascii_int(data)
            except ValueError:
                self.fail("invalid")
        return int(super().to_internal_value(data))


class AsciiDecimalField(serializers.DecimalField):
    """DRF's DecimalField reading ASCII digits only (DRF's own reads other scripts' digits)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                ascii_decimal(data)
            except ValueError:
                self.fail("invalid")
        return super().to_internal_value(data)


class AsciiIntegerFormField(forms.IntegerField):
    """Django's IntegerField reading ASCII digits only (Django's own reads "٣" as 3)."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values:
            try:
                ascii_int(value)
            except ValueError:
                raise DjangoValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)


class IntegerFilter(django_filters.Filter):
    """An integer query parameter of a filter set, such as an id (django-filter's NumberFilter
    reads any decimal, "1.5" and "٣" included)."""

    field_class = AsciiIntegerFormField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT_MIN)
        kwargs.setdefault("max_value", INT_MAX)
        super().__init__(*args, **kwargs)


def object_body(request: Any) -> dict[str, Any]:
    """The request body when it must be an object (a JSON object or a form)."""
    if not hasattr(request.data, "keys"):
        raise DomainError(_("Send a JSON object."), code="invalid")
    return request.data


UNKNOWN_FIELD = "unknown_field"


# The base of every input serializer: a key it does not declare is refused, never dropped. DRF
# ignores unknown keys, so a misspelt field or one the portal computes itself (such as the AI
# share) would be accepted silently. Here each one is a 400 ``unknown_field`` naming it in
# ``fields`` (nested inputs and list items included, by path: ``factory.colour``,
# ``claims[0].ai_share``), before any field is validated. The schema says the same
# (``additionalProperties: false``, core.openapi). No docstring: the schema would show it as the
# description of every input without one of its own.
class InputSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            accepted = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in accepted)
            if unknown:
                message = _("This field is not accepted here.")
                raise serializers.ValidationError(
                    {key: [ErrorDetail(message, code=UNKNOWN_FIELD)] for key in unknown}
                )
        return super().to_internal_value(data)


def list_body(
    request: Any, serializer_class: type[serializers.Serializer], name: str, message: str
) -> list[dict[str, Any]]:
    """The request body when it must be a list of objects, each validated by
    ``serializer_class``; errors name the item by its path (``claims[0].scenario``)."""
    if not isinstance(request.data, list):
        raise DomainError(message, code="invalid")
    items = serializer_class(data=request.data, many=True)
    try:
        items.is_valid(raise_exception=True)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None
    return [dict(item) for item in items.validated_data]


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, nothing else (DRF's BooleanField also reads "yes", "on" and 1)."""

    default_error_messages = {"invalid": gettext_lazy("Say yes or no (true or false).")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _field_paths(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as one map of field path to messages (``factory.city``,
    ``experts[0]``, ``[1].score``), the paths the services name their fields by."""
    paths: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for name, messages in _field_paths(value, path).items():
                paths.setdefault(name, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        # One entry per item of a list input (an empty one for each valid item).
        for index, item in enumerate(detail):
            for name, messages in _field_paths(item, f"{prefix}[{index}]").items():
                paths.setdefault(name, []).extend(messages)
    else:
        items = detail if isinstance(detail, list) else [detail]
        paths[prefix or api_settings.NON_FIELD_ERRORS_KEY] = [str(item) for item in items]
    return paths


def _leaf_codes(codes: Any) -> set[str]:
    if isinstance(codes, dict):
        return set().union(*(_leaf_codes(value) for value in codes.values()))
    if isinstance(codes, list):
        return set().union(*(_leaf_codes(item) for item in codes))
    return {str(codes)}


def _first_message(fields: Any) -> str:
    if isinstance(fields, dict):
        for key, value in fields.items():
            inner = _first_message(value)
            if inner:
                return inner if key == "non_field_errors" else f"{key}: {inner}"
    if isinstance(fields, list):
        for item in fields:
            inner = _first_message(item)
            if inner:
                return inner
    if isinstance(fields, str):
        return fields
    return ""


def request_error_body(exc: Exception) -> tuple[int, dict[str, str]] | None:
    """Status and body for a request Django refused to read (too large, too many fields, a
    malformed multipart body), whether DRF or Django's own handler (``core.error_views``) meets
    it; None for any other error."""
    if isinstance(exc, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = _("The request is too large: at most %(limit)s, files aside.") % {"limit": limit}
        return 413, {"code": "too_large", "message": message}
    if isinstance(exc, MultiPartParserError):
        return 400, {"code": "parse_error", "message": _("The multipart body could not be read.")}
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return 400, {"code": "bad_request", "message": _("The request could not be read.")}
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as ``{"code": ..., "message": ..., "fields": {...}}`` (a conflict with
    an existing object adds ``"existing_id"``)."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
        if exc.fields:
            body["fields"] = _flatten(exc.fields)
        if isinstance(exc, Conflict) and exc.existing_id is not None:
            body["existing_id"] = exc.existing_id
        return Response(body, status=exc.status)
    refused = request_error_body(exc)
    if refused is not None:
        return Response(refused[1], status=refused[0])
    if isinstance(exc, IntegrityError) and is_unique_violation(exc):
        # A service let a concurrent duplicate through without naming the existing object
        # (core.uniqueness.save_unless_exists does): still the client's conflict, not a 500.
        logger.warning("unique violation reached the API in %s", context.get("view"), exc_info=exc)
        return Response(
            {"code": "conflict", "message": _("This object exists already.")}, status=409
        )
    if isinstance(exc, DjangoValidationError):
        fields = _flatten(exc.message_dict) if hasattr(exc, "error_dict") else {}
        message = _first_message(fields) if fields else "; ".join(exc.messages)
        body = {"code": "invalid", "message": message}
        if fields:
            body["fields"] = fields
        return Response(body, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not the client's fault: log it and still answer in the API's shape.
        logger.exception("unhandled error in %s", context.get("view"), exc_info=exc)
        return Response(
            {"code": "server_error", "message": _("Something went wrong on our side.")},
            status=500,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_paths(exc.detail)
        if _leaf_codes(exc.get_codes()) == {UNKNOWN_FIELD}:
            message = _("These fields are not accepted here: %(fields)s.") % {
                "fields": ", ".join(fields)
            }
            response.data = {"code": UNKNOWN_FIELD, "message": message, "fields": fields}
        else:
            response.data = {
                "code": "invalid",
                "message": _first_message(fields) or _("Invalid input."),
                "fields": fields,
            }
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = detail if isinstance(detail, str) else _first_message(_flatten(detail))
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else exc.default_code,
            "message": str(message),
        }
    return response


class ErrorOutput(serializers.Serializer):
    """The one error body of the API (see ``exception_handler``)."""

    code = serializers.CharField(
        help_text="Stable, machine-readable code: invalid and unknown_field for input errors, "
        "not_authenticated, permission_denied, not_found, too_large, throttled, or a domain "
        "code (such as invalid_transition)."
    )
    message = serializers.CharField(help_text="A sentence in the active language.")
    existing_id = serializers.IntegerField(
        required=False,
        help_text="For a 409 refusing a duplicate (such as a second factory of the same name): "
        "the id of the object that exists.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # "fields" cannot be declared as an attribute: it is the serializer's own field map.
        fields = dict(super().get_fields())
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="For input errors: the messages of each field, by its path in the body "
            "(name, factory.city, claims[0].scenario); unknown_field names each key refused.",
        )
        return fields


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI responses for the error statuses an operation can answer."""
    return dict.fromkeys(statuses, ErrorOutput)
