"""Evidence files are checked by their whole content, not their first bytes: PDF and image
polyglots, Office zip bombs and damaged zips are refused, the size limit holds while the body
streams in, and original names lose control and bidirectional-override characters."""

from __future__ import annotations

import struct
import unicodedata
import zipfile
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client, RequestFactory
from django.utils import translation

from assessments import services, uploads
from assessments.models import Evidence
from certification import services as certification_services
from certification.models import ApplicationFile
from core.errors import DomainError
from tests.assessments.conftest import applicable_codes
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def add(user, draft, content: bytes, name: str = "evidence.pdf") -> Evidence:
    return services.evidence_add(
        actor=user,
        assessment=draft,
        requirement_code=applicable_codes(draft)[0],
        upload=SimpleUploadedFile(name, content),
    )


def refused(user, draft, content: bytes, name: str = "evidence.pdf") -> DomainError:
    with pytest.raises(DomainError) as info:
        add(user, draft, content, name)
    assert info.value.fields["file"], "the reason is shown at the file field"
    return info.value


# --- Content builders ---------------------------------------------------------------------------


def png(extra_chunk: bytes = b"", trailer: bytes = b"") -> bytes:
    """A real 1x1 PNG; ``extra_chunk`` goes in a tEXt chunk, ``trailer`` after IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    text = chunk(b"tEXt", b"Comment\x00" + extra_chunk) if extra_chunk else b""
    pixels = chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text
        + pixels
        + chunk(b"IEND", b"")
        + trailer
    )


def jpeg(comment: bytes = b"") -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment if comment else b""
    return b"\xff\xd8" + app0 + com + b"\xff\xd9"


def gif(comment: bytes = b"") -> bytes:
    screen = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    extension = b"!\xfe" + bytes([len(comment)]) + comment + b"\x00" if comment else b""
    image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    return screen + extension + image


def webp(payload: bytes = b"") -> bytes:
    body = b"WEBPVP8 " + struct.pack("<I", 10 + len(payload)) + b"\x00" * 10 + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def office(members: dict[str, bytes] | None = None, *, stored: bool = False) -> bytes:
    """A Word document (a zip container): content types first, then the document, then
    ``members``."""
    buffer = BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml", "<w:document><w:body>质量管理制度</w:body></w:document>" * 50
        )
        for name, data in (members or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- Accepted as before -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (PDF, "application/pdf"),
        # XMP metadata (XML processing instructions and namespaced tags) is not markup.
        (
            PDF.replace(
                b"trailer",
                b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
                b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
                b"<rdf:RDF/></x:xmpmeta><?xpacket end='w'?>\ntrailer",
            ),
            "application/pdf",
        ),
        (png(), "image/png"),
        (jpeg(b"Created with GIMP"), "image/jpeg"),
        (gif(b"made by a camera"), "image/gif"),
        (webp(), "image/webp"),
        (office(), DOCX),
    ],
)
def test_clean_files_are_accepted(enterprise_user, draft, media, content, mime):
    evidence = add(enterprise_user, draft, content)
    assert evidence.content_type == mime
    assert (media / evidence.file.name).read_bytes() == content


# --- PDF and image polyglots --------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        PDF.replace(b"1 0 obj", b"%<html><body>\n1 0 obj"),
        PDF.replace(b"1 0 obj", b"%<SCRIPT>alert(document.cookie)</SCRIPT>\n1 0 obj"),
        PDF + b"<!DOCTYPE html><p>appended after the end of the PDF</p>",
        PDF.replace(b"trailer", b"(<svg onload=alert(1)>) Tj\ntrailer"),
        PDF.replace(b"trailer", b"% <iframe src='https://example.org'>\ntrailer"),
        PDF.replace(b"<< /Type /Catalog >>", b"<< /URI (JavaScript:alert(1)) >>"),
    ],
    ids=["html", "script", "doctype", "svg", "iframe", "javascript-uri"],
)
def test_pdf_holding_markup_is_refused(enterprise_user, draft, media, content):
    error = refused(enterprise_user, draft, content)
    assert error.code == "file_content"
    assert not Evidence.objects.exists() and not stored_files(media)


@pytest.mark.parametrize(
    "content",
    [b"\xef\xbb\xbf" + PDF, b"<html><body>hi</body></html>\n" + PDF, b"   \n" + PDF],
    ids=["byte-order-mark", "html-first", "blank-first"],
)
def test_pdf_with_content_before_its_header_is_refused(enterprise_user, draft, media, content):
    refused(enterprise_user, draft, content)
    assert not Evidence.objects.exists() and not stored_files(media)


def test_byte_order_mark_before_the_pdf_header_is_named(enterprise_user, draft, english):
    # filetype recognises "BOM + %PDF" as a PDF; the content check refuses it.
    error = refused(enterprise_user, draft, b"\xef\xbb\xbf" + PDF)
    assert error.code == "file_content" and "before its PDF header" in error.fields["file"][0]


@pytest.mark.parametrize(
    "content",
    [
        png(trailer=b"<script>alert(1)</script>"),
        png(extra_chunk=b"<iframe src=x>"),
        jpeg(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        gif(b"<?php system($_GET['c']); ?>"),
        webp(b"<html><body>"),
        gif(b"x javascript:alert(1)"),
    ],
    ids=["png-script", "png-iframe", "jpeg-svg", "gif-php", "webp-html", "gif-javascript"],
)
def test_image_holding_markup_is_refused(enterprise_user, draft, media, english, content):
    error = refused(enterprise_user, draft, content)
    assert error.code == "file_content" and "script code" in error.fields["file"][0]
    assert not Evidence.objects.exists() and not stored_files(media)


def test_markup_split_across_two_reads_is_found(enterprise_user, draft, media):
    # "<script>" starts three bytes before the end of the first chunk the check reads.
    padding = b"0" * (uploads.SCAN_CHUNK_BYTES - len(PDF) - 3)
    error = refused(enterprise_user, draft, PDF + padding + b"<script>alert(1)</script>")
    assert error.code == "file_content"


def test_markup_far_past_the_first_bytes_is_found(enterprise_user, draft, media):
    error = refused(enterprise_user, draft, png() + b"\x00" * 3_000_000 + b"<html>")
    assert error.code == "file_content"


# --- Office zip containers ----------------------------------------------------------------------


def test_office_document_expanding_past_the_limit_is_refused(
    enterprise_user, draft, media, settings, english
):
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    # Stored, not compressed: the ratio is 1, only the declared total is too big.
    content = office({"word/media/image1.bin": bytes(range(256)) * 8192}, stored=True)
    assert len(content) < settings.UPLOAD_MAX_BYTES
    error = refused(enterprise_user, draft, content, "bomb.docx")
    assert error.code == "file_expands"
    assert (
        "expands to 2.0 MB" in error.fields["file"][0]
        and "limit is 1 MB" in error.fields["file"][0]
    )
    assert not Evidence.objects.exists() and not stored_files(media)


def test_office_document_with_a_part_expanding_too_far_is_refused(
    enterprise_user, draft, media, english
):
    # 20 MB of zeros deflate to about 20 KB: a ratio near 1000, under the 100 MB total.
    content = office({"word/media/zeros.bin": b"\x00" * (20 * 1024 * 1024)})
    assert len(content) < 100 * 1024
    error = refused(enterprise_user, draft, content, "bomb.docx")
    assert error.code == "file_expands" and "more than 100 times" in error.fields["file"][0]
    assert not Evidence.objects.exists() and not stored_files(media)


def test_damaged_office_document_is_refused(enterprise_user, draft, media, english):
    content = bytearray(office())
    with zipfile.ZipFile(BytesIO(bytes(content))) as archive:
        member = archive.getinfo("word/document.xml")
    # The member's compressed data follow its 30-byte local header, name and extra field.
    name_length, extra_length = struct.unpack_from("<HH", content, member.header_offset + 26)
    start = member.header_offset + 30 + name_length + extra_length
    for offset in range(start + 10, start + 40):
        content[offset] ^= 0x5A
    error = refused(enterprise_user, draft, bytes(content), "damaged.docx")
    assert error.code == "file_damaged" and "damaged" in error.fields["file"][0]
    assert not Evidence.objects.exists() and not stored_files(media)


def test_truncated_office_document_is_refused(enterprise_user, draft, media):
    content = office()
    # The end (the zip's directory) is cut off; the start still reads as a Word document.
    error = refused(enterprise_user, draft, content[:-30], "cut.docx")
    assert error.code == "file_damaged"
    assert not Evidence.objects.exists() and not stored_files(media)


# --- The size limit while the body streams in -----------------------------------------------


class KeepingHandler(FileUploadHandler):
    """Stands for the default handlers after the limit handler: keeps what it is passed."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.kept = bytearray()
        self.interrupted = False

    def receive_data_chunk(self, raw_data, start):
        self.kept += raw_data

    def file_complete(self, file_size):
        return SimpleUploadedFile(self.file_name or "", bytes(self.kept))

    def upload_interrupted(self):
        self.interrupted = True


def parse_with_limit(settings, content: bytes):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    request = RequestFactory().post(
        "/", {"file": SimpleUploadedFile("big.pdf", content), "requirement": "data.2.1"}
    )
    keeper = KeepingHandler(request)
    request.upload_handlers = [uploads.UploadLimitHandler(request), keeper]
    return request, keeper


def test_a_file_over_the_limit_is_dropped_while_it_streams_in(settings):
    content = PDF + b"0" * (4 * 1024 * 1024)
    request, keeper = parse_with_limit(settings, content)
    upload = request.FILES["file"]
    # The handlers after the limit were given no more than the limit, then told to discard it.
    assert len(keeper.kept) <= settings.UPLOAD_MAX_BYTES and keeper.interrupted
    # The file arrives as a size, with no content, and the fields after it are still read.
    assert isinstance(upload, uploads.OversizedUpload)
    assert upload.size == len(content) and upload.name == "big.pdf" and upload.read() == b""
    assert request.POST["requirement"] == "data.2.1"
    with pytest.raises(DomainError) as info:
        uploads.upload_content_type(upload)
    assert info.value.code == "file_too_large" and info.value.fields["file"]


def test_a_file_within_the_limit_passes_through_unchanged(settings):
    content = PDF + b"0" * (200 * 1024)
    request, keeper = parse_with_limit(settings, content)
    upload = request.FILES["file"]
    assert not isinstance(upload, uploads.OversizedUpload) and not keeper.interrupted
    assert upload.read() == content


def test_the_limit_handler_comes_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "assessments.uploads.UploadLimitHandler"
    assert settings.FILE_UPLOAD_HANDLERS[1:] == [
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]


def test_oversized_upload_in_the_browser_is_refused_at_the_field(
    enterprise_user, draft, media, settings
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(enterprise_user)
    code = applicable_codes(draft)[0]
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * 1024 * 1024))
    response = browser.post(
        f"/assessments/{draft.pk}/evidence/", {"requirement": code, "file": big}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The file is 3.0 MB; the limit is 1 MB." in page and "is-invalid" in page
    assert not Evidence.objects.exists() and not stored_files(media)


def test_oversized_upload_through_the_api_is_a_400_at_the_field(
    enterprise_user, member_factory, media, settings
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    application = certification_services.application_create(
        actor=enterprise_user, factory=member_factory, tier="basic"
    )
    certification_services.application_declarations_set(
        actor=enterprise_user, application=application, declarations={"no_violations": True}
    )
    response = api_client_for(enterprise_user).post(
        f"/api/v1/applications/{application.pk}/files/",
        {
            "declaration": "no_violations",
            "file": SimpleUploadedFile("big.pdf", PDF + b"0" * (3 * 1024 * 1024)),
        },
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "file_too_large" and body["fields"]["file"]
    assert not ApplicationFile.objects.exists() and not stored_files(media)


# --- Original names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override: "invoiceexe.pdf"
        ("\u202a\u202b\u202c\u202d报告.pdf", "报告.pdf"),
        ("\u2066\u2067\u2068制度\u2069.pdf", "制度.pdf"),
        ("a\u200e\u200fb\u061cc.pdf", "abc.pdf"),
        ("line\nbreak\r\ttab\x00nul\x1besc\x7f.pdf", "linebreaktabnulesc.pdf"),
        ("zero\u200bwidth\ufeff\u2028.pdf", "zerowidth.pdf"),
        ("质量 手册 (2025).pdf", "质量 手册 (2025).pdf"),
    ],
)
def test_original_name_loses_control_and_bidi_characters(enterprise_user, draft, media, name, kept):
    evidence = add(enterprise_user, draft, PDF, name)
    assert evidence.original_name == kept
    assert Evidence.objects.get(pk=evidence.pk).original_name == kept
    assert not [c for c in evidence.original_name if unicodedata.category(c) in {"Cc", "Cf"}]


@pytest.mark.parametrize("name", ["\u202e\u202d", "\u200f", "\x00\x01", " \u2066 "])
def test_name_left_empty_gets_a_safe_default(enterprise_user, draft, media, name):
    evidence = add(enterprise_user, draft, png(), name)
    assert evidence.original_name == "证明材料.png"  # in the language of the request
    with translation.override("en"):
        assert add(enterprise_user, draft, png(), name).original_name == "evidence.png"
