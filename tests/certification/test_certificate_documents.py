"""Certificate PDFs (certification/documents.py, services/documents.py, views/certificates.py):
what the PDF says and embeds, its QR code, rendering once per issue (after commit, or at the
first download), the download's permissions, the certificates page and document_url."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject

from accounts.models import Role
from certification import documents, services, tasks
from certification.documents import certificate_pdf
from certification.models import Certificate, CertificateDocument
from certification.rules import TIER_NAMES
from certification.verification import certificate_verify_url
from factories.models import Factory
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.certification.helpers import browser_for, make_applications
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def _issue(user, factory, media) -> Certificate:
    """A certified basic application's certificate (its render task not run: the test's
    transaction never commits)."""
    application = ready_basic(user, factory, media)
    services.application_submit(actor=user, application=application)
    services.application_run_checks(application_id=application.pk, submission=1)
    return Certificate.objects.select_related("factory__enterprise", "authority").get(
        application=application
    )


@pytest.fixture
def certificate(enterprise_user, applicant, media) -> Certificate:
    return _issue(enterprise_user, applicant, media)


def _dictionary(value: Any) -> DictionaryObject:
    found = value.get_object()
    assert isinstance(found, DictionaryObject)
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _stored_files(media, certificate: Certificate) -> list[Path]:
    return sorted((Path(media.MEDIA_ROOT) / "certificates" / str(certificate.pk)).glob("*.pdf"))


# --- the document ------------------------------------------------------------------------------


def test_the_pdf_says_everything_in_chinese_and_english(certificate):
    enterprise = certificate.factory.enterprise
    pdf = certificate_pdf(certificate)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    millimetres = (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))
    assert millimetres == (297, 210)  # A4 landscape
    text = reader.pages[0].extract_text()
    for expected in (
        "智能工厂梯度培育",
        "Smart Factory Tiered Cultivation",
        "基础级智能工厂",
        "Basic-level Smart Factory",
        "工厂名称",
        "Factory",
        certificate.factory.name,
        "企业名称",
        "Enterprise",
        enterprise.name,
        "统一社会信用代码",
        "Unified social credit code",
        enterprise.uscc,
        "梯度级别",
        "基础级",
        "Basic",
        "自主声明备案机关",  # a basic certificate is self-declared and filed with the city
        "Self-declared, filed with",
        certificate.authority.name_zh,
        certificate.authority.name_en,
        "发证日期",
        "Date of issue",
        documents.date_zh(certificate.issued_on),
        documents.date_en(certificate.issued_on),
        "证书编号",
        "Certificate number",
        certificate.number,
        "按期完成智能制造能力成熟度自评估期间持续有效",
        "stays valid while the factory completes its annual",
        "扫码核验证书当前状态",
        "Scan to verify the certificate's current status",
        certificate_verify_url(certificate.number),
    ):
        assert expected in text, expected


def test_the_title_names_each_tier():
    assert documents.tier_title("advanced") == ("先进级智能工厂", "Advanced-level Smart Factory")
    assert documents.tier_title("excellent")[0] == "卓越级智能工厂"
    assert documents.tier_title("leading")[0] == "领航级智能工厂"
    assert documents.date_zh(date(2026, 3, 9)) == "2026年3月9日"
    assert documents.date_en(date(2026, 3, 9)) == "9 March 2026"


def test_a_certifying_authority_is_named_as_such(certificate):
    certificate.self_declared = False
    text = _text(certificate_pdf(certificate))
    assert "认定机构" in text and "Certifying authority" in text
    assert "自主声明备案机关" not in text


def test_the_qr_code_decodes_to_the_verification_address(certificate):
    pdf = certificate_pdf(certificate)
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=200 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [code.text for code in codes] == [certificate_verify_url(certificate.number)]
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode


def test_every_font_is_embedded_and_used_text_has_no_other_font(certificate):
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate)))
    page = reader.pages[0]
    fonts = _dictionary(_dictionary(page["/Resources"])["/Font"])
    assert len(fonts) == 2  # the body font and the title font
    for ref in fonts.values():
        font = _dictionary(ref)
        assert font["/Subtype"] == "/Type0"
        assert "Noto" in str(font["/BaseFont"])
        descendants = font["/DescendantFonts"].get_object()
        assert isinstance(descendants, ArrayObject) and len(descendants) == 1
        descendant = _dictionary(descendants[0])
        descriptor = _dictionary(descendant["/FontDescriptor"])
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
        assert "/ToUnicode" in font  # the text can be searched and copied
    # Every text operator sets one of those fonts: nothing falls back to an unembedded font.
    content = ContentStream(page.get_contents(), reader)
    used = {operands[0] for operands, operator in content.operations if operator == b"Tf"}
    assert used and used <= set(fonts)


def test_the_fonts_ship_with_the_portal_and_cover_the_titles():
    font_dir = Path(documents.__file__).parent / "fonts"
    assert (font_dir / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE Version 1.1") == 1
    title = TTFont(font_dir / documents.TITLE_FONT_FILE).getBestCmap()
    for tier in TIER_NAMES:
        for text in documents.tier_title(tier):
            assert all(ord(c) in title for c in text if not c.isspace()), text
    assert all(ord(c) in title for c in documents.PROGRAMME[0])
    body = documents.body_characters()
    assert all(ord(c) in body for c in "统一社会信用代码有效期说明䶮〓（），；：")
    assert len(body) > 9000  # GB2312 and the Table of General Standard Chinese Characters


def test_a_rare_character_in_a_name_prints_without_crashing(certificate):
    Factory.objects.filter(pk=certificate.factory_id).update(name="刘䶮𠀀精密制造工厂\u200b\n二期")
    certificate = Certificate.objects.select_related("factory__enterprise", "authority").get(
        pk=certificate.pk
    )
    text = _text(certificate_pdf(certificate))
    # 䶮 is in the Table of General Standard Chinese Characters; 𠀀 (CJK Extension B) is in no
    # shipped font and prints as 〓; the zero-width space and the line break go.
    assert "刘䶮〓精密制造工厂 二期" in text
    assert "𠀀" not in text


def test_an_absurdly_long_name_keeps_to_one_page(certificate):
    Factory.objects.filter(pk=certificate.factory_id).update(name="智能制造" * 50)
    certificate = Certificate.objects.select_related("factory__enterprise", "authority").get(
        pk=certificate.pk
    )
    pdf = certificate_pdf(certificate)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "…" in _text(pdf)


# --- rendered once -----------------------------------------------------------------------------


def test_issuing_renders_the_document_after_commit(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media)
    services.application_submit(actor=enterprise_user, application=application)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_run_checks(application_id=application.pk, submission=1)
    document = CertificateDocument.objects.get(certificate__application=application)
    assert str(document.file.name).startswith(f"certificates/{document.certificate_id}/")
    with document.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_the_render_service_is_idempotent_and_reads_in_one_query(
    certificate, media, django_assert_num_queries
):
    owner: Any = mf.UserFactory(role=Role.ENTERPRISE_USER)
    factory: Any = mf.FactoryFactory()
    mf.member_of(owner, factory.enterprise)
    other = _issue(owner, factory, media)
    ids = [certificate.pk, other.pk, 10**9]  # an unknown id is skipped
    first = services.certificate_documents_render(certificate_ids=ids)
    assert {d.certificate_id for d in first} == {certificate.pk, other.pk}
    with django_assert_num_queries(1):  # done already: one read, nothing written
        assert services.certificate_documents_render(certificate_ids=ids) == []
    assert services.certificate_documents_render(certificate_ids=[]) == []
    assert len(_stored_files(media, certificate)) == 1


def test_the_task_renders_a_long_list_a_batch_at_a_time(certificate, media, monkeypatch):
    owner: Any = mf.UserFactory(role=Role.ENTERPRISE_USER)
    factory: Any = mf.FactoryFactory()
    mf.member_of(owner, factory.enterprise)
    other = _issue(owner, factory, media)
    monkeypatch.setattr(tasks, "RENDER_BATCH", 1)
    # The first batch here, the rest queued (and run eagerly in the tests).
    assert tasks.render_certificate_documents([certificate.pk, other.pk]) == 1
    assert CertificateDocument.objects.filter(certificate__in=[certificate, other]).count() == 2
    assert tasks.render_certificate_documents([certificate.pk, other.pk]) == 0


def test_a_download_renders_once_and_then_serves_the_stored_file(
    enterprise_user, certificate, media
):
    client = browser_for(enterprise_user)
    assert not CertificateDocument.objects.filter(certificate=certificate).exists()
    first = client.get(f"/certificates/{certificate.pk}/pdf")  # the task has not run: render now
    assert first.status_code == 200
    body = first.getvalue()
    (stored,) = _stored_files(media, certificate)
    document = CertificateDocument.objects.get(certificate=certificate)
    mtime = stored.stat().st_mtime_ns

    second = client.get(f"/certificates/{certificate.pk}/pdf")
    assert second.status_code == 200
    assert second.getvalue() == body == stored.read_bytes()
    assert _stored_files(media, certificate) == [stored]  # no second render stored a file
    assert stored.stat().st_mtime_ns == mtime
    again = CertificateDocument.objects.get(certificate=certificate)
    assert (again.pk, again.file.name, again.rendered_at) == (
        document.pk,
        document.file.name,
        document.rendered_at,
    )


def test_a_lost_file_is_rendered_again_at_download(enterprise_user, certificate, media):
    (document,) = services.certificate_documents_render(certificate_ids=[certificate.pk])
    lost = Path(document.file.path)
    lost.unlink()
    response = browser_for(enterprise_user).get(f"/certificates/{certificate.pk}/pdf")
    assert response.status_code == 200
    assert response.getvalue().startswith(b"%PDF-")
    (stored,) = _stored_files(media, certificate)
    assert stored != lost
    assert CertificateDocument.objects.filter(certificate=certificate).count() == 1


# --- download permissions ----------------------------------------------------------------------


def test_the_download_is_the_pdf_named_by_its_number(enterprise_user, certificate):
    response = browser_for(enterprise_user).get(f"/certificates/{certificate.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{certificate.number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_only_those_who_may_see_the_certificate_download_it(certificate, suzhou_official):
    url = f"/certificates/{certificate.pk}/pdf"
    stranger: Any = mf.UserFactory(role=Role.ENTERPRISE_USER)
    enterprise: Any = mf.EnterpriseFactory()
    mf.member_of(stranger, enterprise)
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    assert browser_for(stranger).get(url).status_code == 404
    assert browser_for(nanjing).get(url).status_code == 404
    assert browser_for(suzhou_official).get(url).status_code == 200  # its city's certificate
    assert browser_for(stranger).get("/certificates/999999999/pdf").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert not CertificateDocument.objects.exclude(certificate=certificate).exists()


# --- the certificates page ---------------------------------------------------------------------


def _certificates(count: int, member=None) -> list[Certificate]:
    """Certificates of ``count`` Suzhou factories, each of its own enterprise (of which
    ``member`` is made a member)."""
    authority = Authority.objects.get(code="320500-industry-it")
    made = []
    for application in make_applications(count, status="certified"):
        if member is not None:
            mf.member_of(member, application.factory.enterprise)
        made.append(
            Certificate.objects.create(
                number=f"ZN-B-2026-320500-{application.pk:05d}",
                tier="basic",
                factory=application.factory,
                application=application,
                province_id=application.province_id,
                city_id=application.city_id,
                authority=authority,
                self_declared=True,
                issued_on=date(2026, 1, 1),
            )
        )
    return made


def _page(client: Client, url: str = "/certificates/") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_certificates_page_lists_the_enterprise_certificates_in_bounded_queries(
    enterprise_user,
):
    others = _certificates(2)  # another enterprise's
    mine = _certificates(2, member=enterprise_user)
    client = browser_for(enterprise_user)
    client.get("/certificates/")  # warm the reference caches
    html, two = _page(client)
    mine += _certificates(10, member=enterprise_user)
    html, twelve = _page(client)
    assert twelve == two
    for certificate in mine:
        assert certificate.number in html
        assert f"/certificates/{certificate.pk}/pdf" in html
        assert certificate.factory.name in html
    assert not any(certificate.number in html for certificate in others)
    assert 'class="badge tier-badge tier-basic"' in html and "status-active" in html


def test_officials_see_their_scope_on_the_same_page(suzhou_official):
    suzhou = _certificates(3)
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    html, _ = _page(browser_for(suzhou_official))
    assert all(certificate.number in html for certificate in suzhou)
    html, _ = _page(browser_for(nanjing))
    assert not any(certificate.number in html for certificate in suzhou)
    assert "No certificates yet." in html


def test_the_certificates_page_filters_and_ignores_bad_filters(suzhou_official):
    active, revoked = _certificates(2)
    Certificate.objects.filter(pk=revoked.pk).update(status="revoked")
    client = browser_for(suzhou_official)
    html, _ = _page(client, "/certificates/?status=revoked")
    assert revoked.number in html and active.number not in html
    html, _ = _page(client, "/certificates/?status=nonsense&tier=platinum&page=x")
    assert revoked.number in html and active.number in html
    assert Client().get("/certificates/").status_code == 302


# --- the API -----------------------------------------------------------------------------------


def test_the_api_gives_the_document_url_once_rendered(enterprise_user, certificate):
    client = api_client_for(enterprise_user)
    (row,) = client.get("/api/v1/certificates/").json()["results"]
    assert row["document_url"] is None
    services.certificate_documents_render(certificate_ids=[certificate.pk])
    (row,) = client.get("/api/v1/certificates/").json()["results"]
    assert row["document_url"] == f"/certificates/{certificate.pk}/pdf"
    detail = client.get(f"/api/v1/certificates/{certificate.pk}/").json()
    assert detail["document_url"] == row["document_url"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_api_list_names_the_factory_and_authority_as_the_detail_does(
    enterprise_user, certificate, language
):
    """The list reads the names by subqueries (certification.api.certificates.list_rows), the
    detail through the related rows: the same names, the authority's in the caller's language."""
    client = api_client_for(enterprise_user, language=language)
    (row,) = client.get("/api/v1/certificates/").json()["results"]
    detail = client.get(f"/api/v1/certificates/{certificate.pk}/").json()
    authority = certificate.authority
    expected = authority.name_en if language == "en" else authority.name_zh
    assert row["authority_name"] == detail["authority_name"] == expected
    assert row["factory_name"] == detail["factory_name"] == certificate.factory.name
    assert {k: v for k, v in detail.items() if k in row} == row
