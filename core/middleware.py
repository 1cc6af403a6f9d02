"""The HTML error path for domain errors raised outside a form (a missing or forbidden object)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _

from core.api import is_api_request
from core.errors import DomainError


class RejectNullCharactersMiddleware:
    """No text field of the portal accepts NUL characters (PostgreSQL cannot store them), so a
    request carrying one in its query string or form fields is refused with a 400 up front."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = _("The request contains a NUL character, which no field accepts.")
            if is_api_request(request):
                return JsonResponse({"code": "invalid", "message": message}, status=400)
            return render(request, "error.html", {"message": message, "status": 400}, status=400)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sources.append(request.POST)
        return any(
            "\x00" in value for data in sources for _key, values in data.lists() for value in values
        )


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or is_api_request(request):
            return None
        return render(
            request,
            "error.html",
            {"message": str(exception.message), "status": exception.status},
            status=exception.status,
        )


class HtmxLoginRedirectMiddleware:
    """When a session has expired, an htmx request would get the login page swapped into a
    fragment of the page. Answer it with HX-Redirect instead, so the browser goes to the login
    page as a whole (and comes back to the page the user was on)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        location = response.get("Location", "")
        login = resolve_url(settings.LOGIN_URL)
        if (
            request.headers.get("HX-Request")
            and response.status_code == 302
            and location.startswith(login)
        ):
            current = request.headers.get("HX-Current-URL", "")
            page = urlsplit(current)
            target = f"{login}?{urlencode({'next': page.path})}" if current else location
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = target
            return redirect
        return response
