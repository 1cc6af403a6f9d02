"""Response headers that every page gets: a Content-Security-Policy, and Cache-Control that keeps
signed-in pages and API answers out of every cache.

Both middlewares sit just below WhiteNoise, so static files (answered by WhiteNoise, with their
own long cache headers) never reach them, while error pages, redirects and everything the inner
middlewares answer do.

The policy settings have the shape of Django 6's (``SECURE_CSP`` and ``SECURE_CSP_REPORT_ONLY``:
a directive mapped to its sources), so that Django 6's ``django.middleware.csp`` can take over;
``CSP_PATH_OVERRIDES`` (ours) would then become ``csp_override`` on the views concerned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from core.api import is_api_request

CSP_HEADER = "Content-Security-Policy"
CSP_REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"

# Views under /api/ that are public and the same for every user (SERVE_PUBLIC): the OpenAPI
# schema. Its HTML viewer (api-docs) follows the rule for pages: private once signed in.
# API answers that are the same for everyone (public caches may keep them; they say how).
PUBLIC_API_VIEWS = frozenset({"schema", "registry", "registry-certificate"})


def build_policy(policy: Mapping[str, Sequence[str]]) -> str:
    """``{"default-src": ["'self'"], "upgrade-insecure-requests": []}`` as a header value:
    ``default-src 'self'; upgrade-insecure-requests``."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


def policy_for(
    request: HttpRequest, policy: Mapping[str, Sequence[str]]
) -> dict[str, Sequence[str]]:
    """``policy`` with the directives that ``CSP_PATH_OVERRIDES`` gives the longest prefix of the
    request's path replaced (pages the project does not write, such as DRF's browsable API)."""
    overrides: Mapping[str, Mapping[str, Sequence[str]]] = getattr(
        settings, "CSP_PATH_OVERRIDES", {}
    )
    matches = [prefix for prefix in overrides if request.path_info.startswith(prefix)]
    if not policy or not matches:
        return dict(policy)
    return {**policy, **overrides[max(matches, key=len)]}


def _is_debug_page(response: HttpResponse) -> bool:
    """With DEBUG on, Django answers 400, 404 and 500 with its technical pages, whose script and
    style are inline: under the policy they would be unreadable."""
    return settings.DEBUG and response.status_code in (400, 404, 500)


class ContentSecurityPolicyMiddleware:
    """Sets ``SECURE_CSP`` (enforced) and ``SECURE_CSP_REPORT_ONLY`` (only reported by the
    browser), with the ``CSP_PATH_OVERRIDES`` of the path, on every HTML response that has not
    set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_html(response) or _is_debug_page(response):
            return response
        for setting, header in (
            ("SECURE_CSP", CSP_HEADER),
            ("SECURE_CSP_REPORT_ONLY", CSP_REPORT_ONLY_HEADER),
        ):
            policy = policy_for(request, getattr(settings, setting, {}))
            if policy and header not in response:
                response[header] = build_policy(policy)
        return response


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every page shown to a signed-in user and on every
    API answer (but the public schema): what one user sees is kept neither by a shared cache nor
    by the browser after the user signs out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._is_private(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _is_private(request: HttpRequest, response: HttpResponse) -> bool:
        if is_api_request(request):
            match = request.resolver_match
            return match is None or match.url_name not in PUBLIC_API_VIEWS
        if not is_html(response):
            return False
        # Set by AuthenticationMiddleware, unless a middleware above it answered first.
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)
