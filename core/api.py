"""API plumbing shared by every app: parameters, the one exception handler, the error schema
(pagination: core.pagination)."""

from __future__ import annotations

import copy
import logging
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.relations import RelatedField
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

logger = logging.getLogger(__name__)


def int_value(value: Any, name: str) -> int | None:
    """An id or number from a query parameter or a body field; None when absent.

    Anything else than an integer is a 400 naming the field (never a 500 further down).
    """
    if value is None or value == "":
        return None
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or not -(2**31) < number < 2**31:
        message = _("Must be an integer.")
        raise DomainError(message, code="invalid", fields={name: [message]})
    return number


def int_param(request: Any, name: str) -> int | None:
    return int_value(request.query_params.get(name), name)


def object_body(request: Any) -> dict[str, Any]:
    """The request body when it must be an object (a JSON object or a form)."""
    if not hasattr(request.data, "keys"):
        raise DomainError(_("Send a JSON object."), code="invalid")
    return request.data


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as ``{"code": ..., "message": ..., "fields": {...}}``."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": exc.code, "message": str(exc.message)}
        if exc.fields:
            body["fields"] = _flatten(exc.fields)
        return Response(body, status=exc.status)
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
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
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

    code = serializers.CharField(help_text="Stable, machine-readable code.")
    message = serializers.CharField(help_text="A sentence in the active language.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "fields" cannot be declared as an attribute: it is the serializer's own field map.
        fields = dict(super().get_fields())
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="For input errors: the messages of each field.",
        )
        return fields


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI responses for the error statuses an operation can answer."""
    return dict.fromkeys(statuses, ErrorOutput)


class FastListSerializer(serializers.ListSerializer):
    """Renders a page of rows exactly as the child serializer would, without DRF's per-row,
    per-field machinery: each field's way to its value is worked out once per page and each
    value goes through the field's own ``to_representation``. For read-only list outputs: a
    serializer opts in with ``Meta.list_serializer_class = FastListSerializer``. Fields whose
    value is not a plain attribute path (methods, ``source="*"``) take DRF's own path."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        rows = data.all() if hasattr(data, "all") else data
        child: Any = self.child
        plan = [_field_plan(field) for field in child._readable_fields]
        output = []
        for instance in rows:
            row: dict[str, Any] = {}
            for name, path, field in plan:
                if path is None:
                    value = field.get_attribute(instance)
                else:
                    value = instance
                    for attribute in path:
                        value = getattr(value, attribute)
                        if value is None:
                            break
                    if callable(value):  # a method named as the source, as DRF allows
                        value = value()
                row[name] = None if value is None else field.to_representation(value)
            output.append(row)
        return output


def _field_plan(field: Any) -> tuple[str, tuple[str, ...] | None, Any]:
    """(name, attribute path, field); no path where DRF's own way is needed: related fields
    (DRF reads a key from the row itself, never the related object), methods and ``"*"``."""
    name = str(field.field_name)
    drf_way = serializers.SerializerMethodField | RelatedField | serializers.BaseSerializer
    if field.source == "*" or isinstance(field, drf_way):
        return name, None, field
    return name, tuple(field.source_attrs), field


class CachedFieldsMixin:
    """For read-only ModelSerializer outputs: the fields built from the model once per class
    and copied for each serializer (as DRF copies declared fields), instead of introspecting the
    model for every serializer made. Output classes only: their fields never depend on the
    instance or the request."""

    _built_fields: ClassVar[dict[type, dict[str, serializers.Field]]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = CachedFieldsMixin._built_fields.get(cls)
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            CachedFieldsMixin._built_fields[cls] = built
        return copy.deepcopy(built)
