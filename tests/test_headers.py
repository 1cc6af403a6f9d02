"""The response headers of core.headers: the Content-Security-Policy on every HTML response, and
``Cache-Control: private, no-store`` on signed-in pages and API answers, but not on static files.

The browser side (the pages really pass the policy) is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from config import urls as config_urls
from core.headers import CSP_HEADER, CSP_REPORT_ONLY_HEADER, build_policy

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"


# A URL configuration for the error pages no real view produces on purpose (see ``crash``).
def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def _own_policy(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("<p>framed</p>")
    response[CSP_HEADER] = "frame-ancestors 'self'"
    return response


urlpatterns = [path("crash/", _crash), path("own-policy/", _own_policy), *config_urls.urlpatterns]
handler500 = config_urls.handler500


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cache_directives(response: HttpResponse) -> set[str]:
    value = response.get("Cache-Control", "")
    return {part.strip() for part in value.split(",") if part.strip()}


def assert_strict_policy(response: HttpResponse) -> None:
    policy = response[CSP_HEADER]
    assert policy == build_policy(django_settings.SECURE_CSP)
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy


# --- The policy -----------------------------------------------------------------------------


def test_build_policy_joins_directives_and_sources():
    policy = {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "upgrade-insecure-requests": [],
    }
    assert (
        build_policy(policy)
        == "default-src 'self'; img-src 'self' data:; upgrade-insecure-requests"
    )


def test_anonymous_page_has_the_policy():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert CSP_REPORT_ONLY_HEADER not in response


def test_signed_in_page_and_htmx_fragment_have_the_policy(enterprise_user):
    client = signed_in(enterprise_user)
    page = client.get("/applications/")
    assert page.status_code == 200
    assert_strict_policy(page)
    fragment = client.get("/applications/new/campaigns/?tier=basic", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and fragment["Content-Type"].startswith("text/html")
    assert_strict_policy(fragment)


@pytest.mark.parametrize("signed_in_as", [None, "enterprise_user"])
def test_not_found_page_has_the_policy(request, signed_in_as):
    client = signed_in(request.getfixturevalue(signed_in_as)) if signed_in_as else Client()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_policy(response)


def test_server_error_page_has_the_policy(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
    assert_strict_policy(response)


def test_csrf_failure_and_refused_request_pages_have_the_policy():
    csrf_failure = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    assert csrf_failure.status_code == 403
    assert_strict_policy(csrf_failure)
    nul = Client().get("/accounts/login/", {"next": "a\x00b"})
    assert nul.status_code == 400
    assert_strict_policy(nul)


def test_admin_has_the_policy(settings):
    from tests import model_factories as mf

    admin = mf.UserFactory(is_staff=True, is_superuser=True)
    response = signed_in(admin).get("/admin/")
    assert response.status_code == 200
    assert_strict_policy(response)


def test_json_answers_have_no_policy(enterprise_user):
    response = signed_in(enterprise_user).get("/api/v1/me/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert CSP_HEADER not in response


def test_browsable_api_relaxes_only_style_src(enterprise_user):
    response = signed_in(enterprise_user).get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    directives = dict(part.split(" ", 1) for part in response[CSP_HEADER].split("; "))
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"


def test_api_docs_page_has_the_strict_policy():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert_strict_policy(response)
    # Its start-up script is a file of its own (no inline script).
    assert "/api/docs/?script=" in response.content.decode()


def test_report_only_mode_reports_without_enforcing(settings):
    settings.SECURE_CSP_REPORT_ONLY = settings.SECURE_CSP
    settings.SECURE_CSP = {}
    response = Client().get("/accounts/login/")
    assert CSP_HEADER not in response
    assert response[CSP_REPORT_ONLY_HEADER] == build_policy(settings.SECURE_CSP_REPORT_ONLY)


def test_a_policy_the_view_sets_is_kept(settings):
    settings.ROOT_URLCONF = __name__
    response = Client().get("/own-policy/")
    assert response[CSP_HEADER] == "frame-ancestors 'self'"


def test_django_debug_pages_are_left_alone(settings):
    """Django's technical 404 and 500 pages have inline style and script."""
    settings.DEBUG = True
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert CSP_HEADER not in response


# --- Cache-Control ------------------------------------------------------------------------------


def test_signed_in_pages_are_not_stored(enterprise_user):
    client = signed_in(enterprise_user)
    for url in ("/", "/applications/", "/accounts/inbox/", "/no-such-page/"):
        response = client.get(url)
        assert {"private", "no-store"} <= cache_directives(response), url
        assert "public" not in cache_directives(response), url


def test_anonymous_pages_are_left_to_their_views():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "no-store" not in cache_directives(response)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_api_answers_are_not_stored(enterprise_user, accept):
    response = signed_in(enterprise_user).get("/api/v1/applications/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_directives(response)


def test_api_errors_are_not_stored():
    for url in ("/api/v1/applications/", "/api/v1/no-such-endpoint/"):
        response = Client().get(url, HTTP_ACCEPT="application/json")
        assert response.status_code in (401, 403, 404), url
        assert {"private", "no-store"} <= cache_directives(response), url


def test_public_schema_may_be_cached():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)


def test_static_files_keep_whitenoise_headers(settings, enterprise_user):
    """WhiteNoise answers /static/ before the headers middlewares run. Static files are found
    through the finders here, as no collectstatic has run; WhiteNoise reads its settings when
    the client's first request builds the middleware chain."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_MAX_AGE = 3600
    for client in (Client(), signed_in(enterprise_user)):
        response = client.get("/static/portal/portal.css")
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=3600, public"
        assert CSP_HEADER not in response
        response.close()


# --- The templates need nothing the policy refuses -----------------------------------------

INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on* event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\shx-on[:-]", re.IGNORECASE), "hx-on (evaluated code)"),
    (
        re.compile(r"\shx-(?:vals|vars)\s*=\s*['\"]\s*(?:js|javascript):", re.IGNORECASE),
        "js: value",
    ),
    (re.compile(r"\shx-trigger\s*=\s*\"[^\"]*\[", re.IGNORECASE), "hx-trigger filter (eval)"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_templates_have_no_inline_code_or_style():
    found = []
    for template in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE_CODE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES_DIR)}:{line}: {what}")
    assert found == []
