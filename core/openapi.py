"""The OpenAPI schema generator of the API (``DEFAULT_SCHEMA_CLASS``).

drf-spectacular documents the success response of each operation; the errors that every
operation of a kind can answer are added here, from what the view really does, so that a view
declares only its own (409 for a conflict, 403 for a refusal of a read):

- 400 when the operation reads input (a body or query parameters);
- 401 when it needs credentials and the first authentication scheme sends ``WWW-Authenticate``
  (the token scheme does), 403 when it needs them and none does;
- 403 for every write of a signed-in caller (a refused permission, or CSRF for a session);
- 404 when the path names an object;
- 413 and 415 for a body over the size limit or in a media type no parser reads;
- 429 when a throttle can apply to the caller (the anonymous throttle alone cannot reach an
  operation that needs credentials: DRF checks permissions before throttles).

Input serializers (``core.api.InputSerializer``) refuse unknown keys; their schemas say so with
``additionalProperties: false``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle

from core.api import ErrorOutput, InputSerializer

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _anonymous_only(throttle: Any) -> bool:
    return isinstance(throttle, AnonRateThrottle) or getattr(throttle, "scope", None) == "anon"


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self._error_statuses(operation):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(ErrorOutput, str(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        located = {parameter["in"] for parameter in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        needs_credentials = self._needs_credentials()
        statuses = []
        if has_body or "query" in located:
            statuses.append(400)
        if needs_credentials:
            statuses.append(401 if self._challenges() else 403)
            if self.method in WRITE_METHODS:
                statuses.append(403)
        if "path" in located:
            statuses.append(404)
        if has_body:
            statuses += [413, 415]
        if self._throttled(needs_credentials):
            statuses.append(429)
        return statuses

    def _needs_credentials(self) -> bool:
        return any(not isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _challenges(self) -> bool:
        """Whether an unauthenticated call is a 401 (DRF answers 403 without a challenge)."""
        authenticators = self.view.get_authenticators()
        request: Any = getattr(self.view, "request", None)
        return bool(authenticators and authenticators[0].authenticate_header(request))

    def _throttled(self, needs_credentials: bool) -> bool:
        throttles = self.view.get_throttles()
        if not needs_credentials:
            return bool(throttles)
        return any(not _anonymous_only(throttle) for throttle in throttles)

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> Any:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(force_instance(serializer), InputSerializer):
            schema["additionalProperties"] = False
        return schema
