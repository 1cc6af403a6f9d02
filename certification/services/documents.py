"""Certificate documents: each certificate's PDF is rendered once, stored, and served from
storage since.

The ``certification.render_certificate_documents`` task renders the certificates issued in a
transaction once it commits; a download of a certificate whose document is missing (the task
has not run yet, the broker was down, or the stored file was lost) renders it there and then.
Either way the same service does the work, and does none for a document already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.documents import certificate_pdf
from certification.models import Certificate, CertificateDocument

logger = logging.getLogger(__name__)


def certificate_documents_render(*, certificate_ids: Iterable[int]) -> list[CertificateDocument]:
    """Render and store the PDF of each listed certificate that has none (or whose stored file
    is gone). Idempotent: a certificate whose document is stored is skipped, and of two
    concurrent renders of one certificate only one is kept. The certificates are read in one
    query. Returns the documents written."""
    ids = sorted({int(pk) for pk in certificate_ids})
    if not ids:
        return []
    certificates = (
        Certificate.objects.filter(pk__in=ids)
        .select_related("factory__enterprise", "authority", "document")
        .order_by("pk")
    )
    written = []
    for certificate in certificates:
        document = _document_of(certificate)
        if document is not None and _stored(document):
            continue
        stored = _render(certificate, document)
        if stored is not None:
            written.append(stored)
    return written


def _document_of(certificate: Certificate) -> CertificateDocument | None:
    try:
        return certificate.document
    except CertificateDocument.DoesNotExist:
        return None


def _stored(document: CertificateDocument) -> bool:
    name = document.file.name
    return bool(name) and document.file.storage.exists(str(name))


def _render(
    certificate: Certificate, lost: CertificateDocument | None
) -> CertificateDocument | None:
    content = ContentFile(certificate_pdf(certificate))
    if lost is not None:  # the row is there, its file is not: store a new one in its place
        logger.warning(
            "certificate %s: document file %s missing, rendered again",
            certificate.number,
            lost.file.name,
        )
        lost.file.save(f"{certificate.number}.pdf", content, save=False)
        lost.rendered_at = timezone.now()
        lost.save(update_fields=["file", "rendered_at"])
        return lost
    document = CertificateDocument(certificate=certificate)
    document.file.save(f"{certificate.number}.pdf", content, save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:  # another render stored this certificate's document first
        document.file.delete(save=False)
        return None
    return document
