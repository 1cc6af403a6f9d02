"""Evidence file checks: size, and type by content (magic bytes), never by the file's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError

# Content type -> what users call it. Old binary Word (.doc) files share the OLE container
# with other formats and cannot be told apart by content reliably, so they are not accepted;
# Excel and PowerPoint binaries are recognised by their stream names.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument",
}


def upload_content_type(upload: Any) -> str:
    """The checked content type of an uploaded file, or a DomainError saying why not."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise DomainError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": upload.size / 1_048_576, "limit": limit // 1_048_576},
            code="file_too_large",
            fields={"file": [_("The file is too large.")]},
        )
    if upload.size == 0:
        raise DomainError(
            _("The file is empty."), code="file_empty", fields={"file": [_("The file is empty.")]}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        message = _(
            "This file type is not accepted. Upload a PDF, an image (PNG, JPEG, GIF, WebP) or an "
            "Office document (Word, Excel, PowerPoint)."
        )
        raise DomainError(message, code="file_type", fields={"file": [message]})
    return str(kind.mime)


def store_upload(record: Any, upload: Any) -> None:
    """Check ``upload`` and save it as ``record.file`` together with the row.

    Fills ``content_type`` (by content), ``size`` and ``original_name`` (kept for display; the
    stored name is random). No row, no file: if the row cannot be saved the file is removed.
    """
    record.content_type = upload_content_type(upload)
    record.size = upload.size
    record.original_name = Path(getattr(upload, "name", "") or "evidence").name[:200]
    record.file.save(record.original_name, upload, save=False)
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise
