"""Publicity pages (issue 11, certification/views/publicity.py): the public lists and the
objection form, the certifying authority's objections and decisions, publishing a campaign's
recommended applications, and bounded queries on the public list."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from certification import services
from certification.models import (
    Application,
    Objection,
    Publicity,
    PublicityEntry,
)
from tests import model_factories as mf
from tests.certification.conftest import PDF
from tests.certification.helpers import browser_for, make_applications
from tests.certification.review_setup import ReviewCast, advanced_at, make_cast

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 6, 1)  # a Monday: five working days end on Friday 5 June
AFTER = date(2026, 6, 8)  # the Monday after the period


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def visitor() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def text(response) -> str:
    return response.content.decode()


def strict(response) -> str:
    """The page, checked to run under the strict policy: no inline style or script."""
    assert "style-src 'self'" in response["Content-Security-Policy"]
    body = text(response)
    assert " style=" not in body and "<style" not in body
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", body))
    return body


def field_block(page: str, name: str) -> str:
    """The part of the page from the wrapper of field ``name`` to the next field's."""
    start = page.index(f"field-{name}")
    following = page.find("field-", start + len(name) + 6)
    return page[start : following if following != -1 else None]


def published(cast: ReviewCast | None = None) -> tuple[ReviewCast, Application, Publicity]:
    """A cast, one recommended application and the list it is published on from FIRST_DAY
    (call inside ``at(FIRST_DAY)``)."""
    cast = cast or make_cast()
    application = advanced_at(cast, "recommended")
    publicity = services.publicity_publish(
        actor=cast.province, campaign=cast.campaign, title="2026年江苏省先进级智能工厂拟认定名单"
    )
    return cast, application, publicity


def lodge(publicity: Publicity, **kwargs) -> Objection:
    values = {"name": "张三", "contact": "13800000000", "grounds": "申报的指标与实际不符。"}
    return services.objection_lodge(entry=publicity.entries.get(), **{**values, **kwargs})


def objection_form(publicity: Publicity, **values) -> dict:
    return {
        "entry": str(publicity.entries.get().pk),
        "name": "李四",
        "contact": "lisi@example.com",
        "grounds": "该工厂近三年发生过安全生产事故。",
        **values,
    }


def decision(objection: Objection, **values) -> dict:
    prefix = f"objection-{objection.pk}"
    return {f"{prefix}-{key}": value for key, value in values.items()}


# --- the public pages -----------------------------------------------------------------------------


def test_the_public_list_shows_the_entries_and_never_the_objections():
    with at(FIRST_DAY):
        _cast, application, publicity = published()
        lodge(publicity, name="秘密异议人", contact="secret@example.com", grounds="秘密理由甲乙丙")
        factory = application.factory
        for url in ("/publicity/", f"/publicity/{publicity.pk}/"):
            response = visitor().get(url)
            assert response.status_code == 200
            page = strict(response)
            assert publicity.title in page
            assert publicity.authority.name in page
            assert "2026-06-01" in page and "2026-06-05" in page and "5 working days" in page
            assert factory.name in page and factory.enterprise.name in page
            assert factory.city.name in page and "Advanced" in page
            for secret in ("秘密异议人", "secret@example.com", "秘密理由甲乙丙"):
                assert secret not in page
        # The Chinese default renders too.
        assert Client().get("/publicity/").status_code == 200
    with at(AFTER):
        assert publicity.title not in text(visitor().get("/publicity/"))
        page = text(visitor().get("/publicity/?past=1"))
        assert publicity.title in page and "period over" in page


def test_an_objection_lodged_through_the_form_goes_to_the_authority_only(media):
    with at(FIRST_DAY):
        _cast, _application, publicity = published()
        client = visitor()
        page = text(client.get(f"/publicity/{publicity.pk}/"))
        assert 'id="objection-form"' in page and "csrfmiddlewaretoken" in page
        response = client.post(f"/publicity/{publicity.pk}/", objection_form(publicity))
        assert response.status_code == 302
        assert response.url == f"/publicity/{publicity.pk}/"
        page = text(client.get(response.url))
        assert "goes to the certifying authority" in page and "it is not published" in page
        assert "lisi@example.com" not in page
        objection = Objection.objects.get()
        assert (objection.name, objection.contact, objection.status) == (
            "李四",
            "lisi@example.com",
            Objection.Status.OPEN,
        )
        assert not objection.file

        evidence = SimpleUploadedFile("现场照片说明.pdf", PDF, content_type="application/pdf")
        data = objection_form(publicity, file=evidence)
        assert client.post(f"/publicity/{publicity.pk}/", data).status_code == 302
        with_file = Objection.objects.latest("pk")
        assert with_file.file and with_file.content_type == "application/pdf"
        assert with_file.original_name == "现场照片说明.pdf"

        not_a_document = SimpleUploadedFile("x.pdf", b"hello, world", content_type="text/plain")
        data = objection_form(publicity, file=not_a_document)
        response = client.post(f"/publicity/{publicity.pk}/", data)
        assert response.status_code == 400
        assert "This file type is not accepted." in field_block(text(response), "file")
        assert Objection.objects.count() == 2


def test_missing_fields_are_shown_at_their_fields():
    with at(FIRST_DAY):
        _cast, _application, publicity = published()
        data = objection_form(publicity, name=" ", contact="", grounds="")
        response = visitor().post(f"/publicity/{publicity.pk}/", data)
        assert response.status_code == 400
        page = text(response)
        for name in ("name", "contact", "grounds"):
            assert "This field is required." in field_block(page, name), name
        assert "This field is required." not in field_block(page, "entry")
        assert 'value="李四"' not in page  # nothing of another objection
        wrong_entry = visitor().post(
            f"/publicity/{publicity.pk}/", objection_form(publicity, entry="0")
        )
        assert wrong_entry.status_code == 400
        assert "Select a valid choice." in field_block(text(wrong_entry), "entry")
        assert not Objection.objects.exists()


def test_the_form_needs_the_csrf_token():
    with at(FIRST_DAY):
        _cast, _application, publicity = published()
        strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        response = strict.post(f"/publicity/{publicity.pk}/", objection_form(publicity))
        assert response.status_code == 403
        assert not Objection.objects.exists()


def test_objections_are_refused_after_the_period():
    with at(FIRST_DAY):
        _cast, _application, publicity = published()
    with at(AFTER):
        client = visitor()
        page = text(client.get(f"/publicity/{publicity.pk}/"))
        assert 'id="objection-form"' not in page
        assert "ended on 2026-06-05" in page
        response = client.post(f"/publicity/{publicity.pk}/", objection_form(publicity))
        assert response.status_code == 302
        page = text(client.get(response.url))
        assert "Objections are accepted from 2026-06-01 to 2026-06-05." in page
        assert not Objection.objects.exists()


def test_a_list_whose_period_has_not_begun_is_not_public():
    with at(FIRST_DAY):
        cast = make_cast()
        advanced_at(cast, "recommended")
        later = services.publicity_publish(
            actor=cast.province, campaign=cast.campaign, starts_on=date(2026, 6, 10)
        )
        assert visitor().get(f"/publicity/{later.pk}/").status_code == 404
        assert later.title not in text(visitor().get("/publicity/?past=1"))
        # Its authority sees it among its own lists.
        page = text(browser_for(cast.province).get("/publicity/"))
        assert f'data-publicity="{later.pk}"' in page


# --- the certifying authority ---------------------------------------------------------------------


def test_the_authority_dismisses_an_objection_and_certifies_after_the_period(media):
    with at(FIRST_DAY):
        cast, application, publicity = published()
        evidence = SimpleUploadedFile("证据.pdf", PDF, content_type="application/pdf")
        objection = lodge(publicity, evidence=evidence)
        province = browser_for(cast.province)
        desk = text(province.get("/publicity/"))
        row = desk[desk.index(f'data-publicity="{publicity.pk}"') :]
        assert f"/publicity/{publicity.pk}/objections/" in row
        assert '<span class="badge text-bg-warning">1</span>' in row[: row.index("</tr>")]

        page = strict(province.get(f"/publicity/{publicity.pk}/objections/"))
        assert "张三" in page and "13800000000" in page and "申报的指标与实际不符。" in page
        assert f"/publicity/objections/{objection.pk}/evidence" in page
        download = province.get(f"/publicity/objections/{objection.pk}/evidence")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"

        incomplete = province.post(
            f"/publicity/objections/{objection.pk}/decide/",
            decision(objection, outcome="dismissed", investigation="", reason=""),
        )
        assert incomplete.status_code == 400
        page = text(incomplete)
        form = page[page.index(f'id="objection-{objection.pk}"') :]
        assert "This field is required." in field_block(form, "investigation")
        assert "This field is required." in field_block(form, "reason")

        response = province.post(
            f"/publicity/objections/{objection.pk}/decide/",
            decision(
                objection,
                outcome="dismissed",
                investigation="经现场核查，指标数据属实。",
                reason="异议不成立",
            ),
        )
        assert response.status_code == 302
        assert response.url == f"/publicity/{publicity.pk}/objections/#objection-{objection.pk}"
        objection.refresh_from_db()
        assert objection.status == Objection.Status.DISMISSED
        assert objection.decided_by == cast.province
        page = text(province.get(response.url))
        assert "The objection is dismissed" in page and "经现场核查，指标数据属实。" in page
        assert "objection-decision" not in page  # no form for a decided objection
        again = province.post(
            f"/publicity/objections/{objection.pk}/decide/",
            decision(objection, outcome="upheld_reject", investigation="x", reason="y"),
        )
        assert again.status_code == 302
        assert "decided already" in text(province.get(again.url))
    with at(AFTER):
        response = province.post(f"/applications/{application.pk}/act/certify/")
        assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED


def test_an_upheld_objection_rejects_the_application():
    with at(FIRST_DAY):
        cast, application, publicity = published()
        objection = lodge(publicity)
        response = browser_for(cast.province).post(
            f"/publicity/objections/{objection.pk}/decide/",
            decision(
                objection,
                outcome="upheld_reject",
                investigation="应急管理部门证实近三年发生一般安全事故。",
                reason="异议成立：近三年发生安全生产事故。",
            ),
        )
        assert response.status_code == 302
    application.refresh_from_db()
    objection.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert objection.status == Objection.Status.UPHELD
    assert objection.outcome_reason == "异议成立：近三年发生安全生产事故。"


def test_others_get_404_on_the_objections(media):
    with at(FIRST_DAY):
        cast, _application, publicity = published()
        evidence = SimpleUploadedFile("证据.pdf", PDF, content_type="application/pdf")
        objection = lodge(publicity, evidence=evidence)
        others = [
            cast.city,
            cast.applicant,
            mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it"),
            mf.official(Role.MIIT_REVIEWER, "miit"),
        ]
        for user in others:
            client = browser_for(user)
            assert client.get(f"/publicity/{publicity.pk}/objections/").status_code == 404
            assert client.get(f"/publicity/objections/{objection.pk}/evidence").status_code == 404
            decided = client.post(
                f"/publicity/objections/{objection.pk}/decide/",
                decision(objection, outcome="upheld_reject", investigation="x", reason="y"),
            )
            assert decided.status_code == 404
            assert f'data-publicity="{publicity.pk}"' not in text(client.get("/publicity/"))
        anonymous = visitor().get(f"/publicity/{publicity.pk}/objections/")
        assert anonymous.status_code == 302 and "/accounts/login" in anonymous.url
    objection.refresh_from_db()
    assert objection.status == Objection.Status.OPEN


# --- publishing -----------------------------------------------------------------------------------


def test_the_province_publishes_through_the_page():
    with at(FIRST_DAY):
        cast = make_cast()
        listed = advanced_at(cast, "recommended")
        left_out = advanced_at(cast, "recommended")
        province = browser_for(cast.province)
        desk = text(province.get("/publicity/"))
        assert f"/campaigns/{cast.campaign.pk}/publicity/new" in desk
        url = f"/campaigns/{cast.campaign.pk}/publicity/new"
        page = strict(province.get(url))
        for application in (listed, left_out):
            checkbox = re.search(rf'<input[^>]*value="{application.pk}"[^>]*>', page)
            assert checkbox and "checked" in checkbox.group(0)
            assert application.factory.name in page
        assert 'value="2026 Advanced smart factories proposed for certification (batch 9)"' in page
        assert 'value="2026-06-01"' in page

        past = province.post(
            url,
            {"applications": [listed.pk], "title": "名单", "starts_on": "2026-05-29"},
        )
        assert past.status_code == 400
        assert "cannot start in the past" in field_block(text(past), "starts_on")

        response = province.post(
            url,
            {"applications": [listed.pk], "title": "第一批公示", "starts_on": "2026-06-01"},
        )
        assert response.status_code == 302
        publicity = Publicity.objects.get()
        assert response.url == f"/publicity/{publicity.pk}/objections/"
        page = text(province.get(response.url))
        assert "Published: 第一批公示" in page and "to 2026-06-05 (5 working days)" in page
    listed.refresh_from_db()
    left_out.refresh_from_db()
    assert listed.status == Application.Status.IN_PUBLICITY
    assert left_out.status == Application.Status.RECOMMENDED
    assert list(PublicityEntry.objects.values_list("application_id", flat=True)) == [listed.pk]


def test_others_cannot_publish():
    with at(FIRST_DAY):
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        url = f"/campaigns/{cast.campaign.pk}/publicity/new"
        data = {"applications": [application.pk], "title": "x", "starts_on": "2026-06-01"}
        for user in (
            cast.city,
            cast.applicant,
            mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it"),
        ):
            client = browser_for(user)
            assert client.get(url).status_code == 404
            assert client.post(url, data).status_code == 404
        assert visitor().get(url).status_code == 302  # to the sign-in page
    application.refresh_from_db()
    assert application.status == Application.Status.RECOMMENDED
    assert not Publicity.objects.exists()


def test_a_calendar_year_not_loaded_is_a_clear_message():
    with at(date(2026, 12, 28)):  # five working days reach into 2027, not loaded
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        response = browser_for(cast.province).post(
            f"/campaigns/{cast.campaign.pk}/publicity/new",
            {"applications": [application.pk], "title": "年末公示", "starts_on": "2026-12-28"},
        )
        assert response.status_code == 409
        assert "The working-day calendar for 2027 is not published" in text(response)
    application.refresh_from_db()
    assert application.status == Application.Status.RECOMMENDED
    assert not Publicity.objects.exists()


# --- queries --------------------------------------------------------------------------------------


def _lists(province, count: int, entries_each: int) -> None:
    """``count`` lists of ``entries_each`` applications each, straight in the database (the
    read path is what is measured here)."""
    applications = make_applications(count * entries_each, status="in_publicity", tier="advanced")
    today = timezone.localdate()
    for n in range(count):
        publicity = Publicity.objects.create(
            authority=province.authority,
            tier="advanced",
            title=f"名单{n}",
            starts_on=today,
            ends_on=date(2026, 6, 5),
            working_days=5,
            published_by=province,
        )
        PublicityEntry.objects.bulk_create(
            PublicityEntry(publicity=publicity, application=application)
            for application in applications[n * entries_each : (n + 1) * entries_each]
        )


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/publicity/")
    assert response.status_code == 200
    return len(captured)


def test_the_public_list_reads_a_fixed_number_of_queries():
    with at(FIRST_DAY):
        province = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
        _lists(province, 1, 1)
        anonymous, official = visitor(), browser_for(province)
        small = (_queries(anonymous), _queries(official))
        _lists(province, 2, 4)  # three lists now, with one, four and four entries
        page = text(anonymous.get("/publicity/"))
        assert page.count('class="publicity-entry"') == 9
        assert (_queries(anonymous), _queries(official)) == small
