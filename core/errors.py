"""The one domain error type. Services raise it; the API handler and the HTML views render it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused an action. ``code`` is stable and machine-readable."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}


class PermissionDenied(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The action clashes with the current state, or would duplicate an object that exists:
    then ``existing_id`` names that object (see ``core.uniqueness.save_unless_exists``)."""

    status = 409
    default_code = "conflict"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        existing_id: int | None = None,
    ) -> None:
        super().__init__(message, code=code, fields=fields)
        self.existing_id = existing_id
