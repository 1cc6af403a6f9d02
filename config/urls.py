from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from certification.views.registry import registry_page, verify_page
from core.health import healthz
from dashboard.views import dashboard, home

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the pages: the API's patterns (the registry's first) are the ones tried most.
    path("api/v1/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", home, name="home"),
    path("dashboard/", dashboard, name="dashboard"),
    # The public registry's pages (no sign-in); the QR code printed on a certificate links to
    # verify/ (certification.verification.certificate_verify_path).
    path("registry/", registry_page, name="registry-page"),
    path("verify/<str:number>", verify_page, name="verify"),
    path("", include("assessments.urls")),
    path("", include("certification.urls")),
    path("", include("factories.urls")),
    path("", include("exports.urls")),
]

# Errors outside a DRF view: JSON in the API's error shape under /api/, Django's pages elsewhere.
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
