"""Django's error handlers (config/urls.py): JSON in the API's one error shape for requests to
/api/, Django's own pages for the HTML site.

They answer what happens outside a DRF view: an address no endpoint answers, a request refused
while a middleware reads it (too large, a malformed multipart body), a crash in a middleware.
Errors inside DRF views go through core.api.exception_handler instead.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from core.api import is_api_request, request_error_body


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    refused = request_error_body(exception)
    if refused is None:
        refused = 400, {"code": "bad_request", "message": _("The request could not be read.")}
    status, body = refused
    return _json(body, status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    message = _("You do not have permission to perform this action.")
    return _json({"code": "forbidden", "message": message}, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    message = _("No endpoint of the API answers at this address; the API is under /api/v1/.")
    return _json({"code": "not_found", "message": message}, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api_request(request):
        return defaults.server_error(request)
    message = _("Something went wrong on our side.")
    return _json({"code": "server_error", "message": message}, 500)


def _json(body: dict[str, str], status: int) -> JsonResponse:
    # Unescaped, as DRF renders the API's other errors.
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
