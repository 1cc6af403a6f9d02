"""Certificates: the list of those in the user's scope, and each one's printable PDF.

Both start from ``selectors.certificate_list_for``: an enterprise user sees the certificates of
its enterprises' factories, an official those of the jurisdiction; anything else is not found.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files import File
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import acting_user
from certification import pages, selectors, services
from certification.models import Certificate, CertificateDocument, Tier
from certification.views.common import PAGE_SIZE
from core.errors import NotFound


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = pages.certificate_filters(request.GET)
    rows = pages.certificate_rows(selectors.certificate_list_for(user), filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "tiers": Tier.choices,
        "statuses": Certificate.Status.choices,
    }
    return render(request, "certification/certificates/certificate_list.html", context)


def _stored_file(document: CertificateDocument | None) -> File | None:
    if document is None:
        return None
    try:
        return document.file.open("rb")
    except (FileNotFoundError, ValueError):
        return None


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate's PDF, to those who may see the certificate (404 otherwise). Served from
    storage; rendered and stored first if it is not there (yet)."""
    user = acting_user(request)
    certificate = (
        selectors.certificate_list_for(user)
        .select_related(None)
        .select_related("document")
        .filter(pk=pk)
        .first()
    )
    if certificate is None:
        raise NotFound(_("Certificate not found."))
    try:
        document: CertificateDocument | None = certificate.document
    except CertificateDocument.DoesNotExist:
        document = None
    handle = _stored_file(document)
    if handle is None:
        services.certificate_documents_render(certificate_ids=[certificate.pk])
        document = CertificateDocument.objects.filter(certificate_id=certificate.pk).first()
        handle = _stored_file(document)
        if handle is None:
            raise NotFound(_("File not found."))
    response = FileResponse(
        handle, filename=f"{certificate.number}.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
