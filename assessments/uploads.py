"""Evidence file checks: size, type by content (magic bytes), never by the file's name, and the
whole content for what a file of that type must not hold.

- The size limit holds while the request streams in (``UploadLimitHandler``) and again here.
- A PDF starts with ``%PDF-``; a PDF or an image holds no HTML, SVG, script or PHP markup
  anywhere (a polyglot that a browser or a server could read as a page or a script).
- An Office zip container declares no more than ``UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES`` and no
  member that inflates more than ``UPLOAD_ZIP_MAX_RATIO`` times (a zip bomb); every member is
  read back in memory, chunk by chunk, so that a damaged one is refused.
- The original name is kept for display without control or bidirectional-override characters.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
# Types whose whole content is searched for markup.
MARKUP_FREE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
)
# Zip containers: their declared sizes and ratios are checked and every member read back.
ZIP_CONTAINER_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)

# What makes bytes a page or a script to a browser or a server, case-insensitively. A tag name
# must be followed by what ends a tag name, so that compressed image or PDF data rarely matches
# by chance (a short name such as "<svg" alone would, in about one 20 MB photo in thirty).
MARKUP = re.compile(
    rb"<(?:html|head|body|script|iframe|svg|object|embed)[\s/>]"
    rb"|<!doctype[\s>]"
    rb"|<\?php\s"
    rb"|javascript:",
    re.IGNORECASE,
)
# Longer than any match of MARKUP: carried from one chunk to the next so that nothing split
# across two reads is missed.
MARKUP_OVERLAP = 32
SCAN_CHUNK_BYTES = 1024 * 1024

# A member smaller than this is not held to the ratio: tiny members of repetitive XML inflate
# far, and cannot make a bomb. (Apache POI's ZipSecureFile uses the same grace and a 1:100
# ratio by default.)
ZIP_RATIO_GRACE_BYTES = 100 * 1024

# Unicode categories removed from original names: controls (Cc), format characters (Cf, which
# include the bidirectional overrides U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C),
# surrogates (Cs), and the line and paragraph separators (Zl, Zp).
NAME_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
ORIGINAL_NAME_MAX_LENGTH = 200


def _refused(message: str, code: str) -> DomainError:
    return DomainError(message, code=code, fields={"file": [message]})


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
        raise _refused(message, "file_type")
    mime = str(kind.mime)
    if mime == "application/pdf" and not head.startswith(b"%PDF-"):
        raise _refused(
            _("This PDF has other content before its PDF header; it is not accepted."),
            "file_content",
        )
    if mime in MARKUP_FREE_TYPES and _holds_markup(upload):
        raise _refused(
            _(
                "This %(type)s file also holds web page or script code (HTML, SVG, JavaScript or "
                "PHP); it is not accepted. Save or export the document again and upload that."
            )
            % {"type": ALLOWED_TYPES[mime]},
            "file_content",
        )
    if mime in ZIP_CONTAINER_TYPES:
        _check_zip_container(upload)
    return mime


def _holds_markup(upload: Any) -> bool:
    """Whether markup occurs anywhere in the file (read in chunks; the position is restored)."""
    upload.seek(0)
    carried = b""
    try:
        while chunk := upload.read(SCAN_CHUNK_BYTES):
            window = carried + chunk
            if MARKUP.search(window):
                return True
            carried = window[-MARKUP_OVERLAP:]
        return False
    finally:
        upload.seek(0)


def _check_zip_container(upload: Any) -> None:
    """Refuse a zip bomb or a damaged zip, reading members in memory only, never to disk."""
    damaged = _(
        "This Office document is damaged or is not a valid Office file, so it cannot be checked. "
        "Save it again and upload the new copy."
    )
    max_total = settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.UPLOAD_ZIP_MAX_RATIO
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > max_total:
                raise _refused(
                    _(
                        "This Office document expands to %(size).1f MB when opened; the limit "
                        "is %(limit)d MB."
                    )
                    % {"size": declared / 1_048_576, "limit": max_total // 1_048_576},
                    "file_expands",
                )
            for member in members:
                if (
                    member.file_size > ZIP_RATIO_GRACE_BYTES
                    and member.file_size > max(member.compress_size, 1) * max_ratio
                ):
                    raise _refused(
                        _(
                            "This Office document holds a part that expands more than %(ratio)d "
                            "times when opened; it is not accepted."
                        )
                        % {"ratio": max_ratio},
                        "file_expands",
                    )
            # zipfile yields at most each member's declared size and checks its CRC at the end,
            # so this reads no more than ``declared`` bytes and finds damaged members.
            for member in members:
                with archive.open(member) as stream:
                    while stream.read(SCAN_CHUNK_BYTES):
                        pass
    except DomainError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
        # RuntimeError: an encrypted member; NotImplementedError (a RuntimeError too): an
        # unsupported compression method; ValueError and OSError: broken headers.
        raise _refused(damaged, "file_damaged") from None
    finally:
        upload.seek(0)


def clean_original_name(name: str, *, extension: str) -> str:
    """``name`` for display and download: its last path part, without control, format
    (bidirectional override) or line-separator characters, at most 200 characters; a safe
    default with ``extension`` when nothing is left."""
    name = name.replace("\\", "/")
    name = "".join(c for c in name if unicodedata.category(c) not in NAME_STRIPPED_CATEGORIES)
    name = Path(name).name.strip()
    if name in {"", ".", ".."}:
        default = pgettext("default name of an uploaded file", "evidence")
        name = f"{default}.{extension}"
    return name[:ORIGINAL_NAME_MAX_LENGTH]


def store_upload(record: Any, upload: Any) -> None:
    """Check ``upload`` and save it as ``record.file`` together with the row.

    Fills ``content_type`` (by content), ``size`` and ``original_name`` (kept for display; the
    stored name is random). No row, no file: if the row cannot be saved the file is removed.
    """
    record.content_type = upload_content_type(upload)
    record.size = upload.size
    kind = filetype.get_type(mime=record.content_type)
    record.original_name = clean_original_name(
        getattr(upload, "name", "") or "", extension=kind.extension if kind else "bin"
    )
    record.file.save(record.original_name, upload, save=False)
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise


# --- While the request streams in -----------------------------------------------------------


class OversizedUpload(UploadedFile):
    """What a file over the limit becomes: its name and its full size, none of its content.

    ``upload_content_type`` refuses it by its size at the field, like any file too large.
    """

    def __init__(self, *, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(BytesIO(), name, content_type, size, charset)


class UploadLimitHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: passes each file's chunks on to the handlers after it
    until the file exceeds ``UPLOAD_MAX_BYTES``; from then on its chunks are counted and
    dropped, the partial copy the next handlers hold is discarded, and the file arrives as an
    ``OversizedUpload``. Nothing over the limit is written anywhere, and the form or API answers
    with the size error at the file field instead of a broken connection or a 500.

    The rest of the body is still read (and dropped), as Django does after ``StopUpload()``, so
    that the client receives the answer; the proxy in front limits how large a body may be.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over_limit = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.over_limit:
            return None
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.over_limit = True
            self._discard_partial_copies()
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over_limit:
            return None  # the next handler returns the file
        return OversizedUpload(
            name=self.file_name or "",
            content_type=self.content_type or "",
            size=self.received,
            charset=self.charset,
        )

    def _discard_partial_copies(self) -> None:
        handlers = list(getattr(self.request, "upload_handlers", []))
        if self in handlers:
            for handler in handlers[handlers.index(self) + 1 :]:
                handler.upload_interrupted()
