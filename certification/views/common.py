"""Helpers shared by the certification pages."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.middleware import HtmxDetails

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a whole page, not into the swapped element."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
