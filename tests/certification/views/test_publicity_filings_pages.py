"""Basic-tier publicity lists in the browser: the desk line on ``/publicity/`` for a city bureau,
``/publicity/new-filings`` (only for a city bureau), the objections page of a basic list with
its two outcomes, and the campaigns page's link to publish a batch with recommended
applications, for the certifying department only."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from certification import services
from certification.models import Application, Certificate, Objection, Publicity
from certification.views.publicity import DECIDED_MESSAGES, FILING_REJECTED_MESSAGE
from tests import model_factories as mf
from tests.certification.helpers import browser_for
from tests.certification.review_setup import advanced_at, make_cast
from tests.certification.services.test_publicity_filings import certificate_of, certified_filing

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 6, 1)  # a Monday
NEW_FILINGS = "/publicity/new-filings"


def text(response) -> str:
    return response.content.decode()


def tags(page: str, name: str) -> list[str]:
    """The <input> tags of the page named ``name``."""
    return [tag for tag in re.findall(r"<input[^>]*>", page) if f'name="{name}"' in tag]


def value_of(tag: str) -> str:
    found = re.search(r'value="([^"]*)"', tag)
    assert found, tag
    return found.group(1)


def field_block(page: str, name: str) -> str:
    """The part of the page from the wrapper of field ``name`` to the next field's."""
    start = page.index(f"field-{name}")
    following = page.find("field-", start + len(name) + 6)
    return page[start : following if following != -1 else None]


def desk_line(page: str) -> str | None:
    """The desk's line about the basic filings never listed, if the page has one."""
    found = re.search(r'<li class="publicity-filings-awaiting">.*?</li>', page, re.S)
    return found.group(0) if found else None


def decision(objection: Objection, **values: str) -> dict[str, str]:
    prefix = f"objection-{objection.pk}"
    return {f"{prefix}-{key}": value for key, value in values.items()}


@pytest.fixture
def first_day():
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)):
        yield


@pytest.fixture
def filings(first_day, enterprise_user, media, suzhou_official) -> list[Application]:
    """Two standing Suzhou filings and a third whose certificate the bureau revoked."""
    standing = [certified_filing(enterprise_user) for _ in range(2)]
    revoked = certified_filing(enterprise_user)
    services.certificate_revoke(
        actor=suzhou_official, certificate=certificate_of(revoked), reason="材料虚假"
    )
    return [*standing, revoked]


@pytest.fixture
def objection(filings, suzhou_official) -> Objection:
    """An objection against the first filing, on the bureau's list of the standing ones."""
    publicity = services.publicity_publish_filings(actor=suzhou_official)
    return services.objection_lodge(
        entry=publicity.entries.get(application=filings[0]),
        name="张三",
        contact="13800000000",
        grounds="自评估材料与现场情况不符。",
    )


# --- the desk -------------------------------------------------------------------------------------


def test_the_desk_tells_a_city_bureau_how_many_filings_were_never_listed(
    filings, suzhou_official, jiangsu_official
):
    waiting = services.filings_awaiting_publicity(suzhou_official.authority).count()
    assert waiting == 2  # the revoked filing does not count
    bureau = browser_for(suzhou_official)
    line = desk_line(text(bureau.get("/publicity/")))
    assert line is not None
    assert f"{waiting} basic filings never listed." in line
    assert f'href="{reverse("publicity-new-filings")}"' in line

    for other in (Client(HTTP_ACCEPT_LANGUAGE="en"), browser_for(jiangsu_official)):
        assert desk_line(text(other.get("/publicity/"))) is None

    services.publicity_publish_filings(actor=suzhou_official, applications=filings[:1])
    line = desk_line(text(bureau.get("/publicity/")))
    assert line is not None and f"{waiting - 1} basic filing never listed." in line
    services.publicity_publish_filings(actor=suzhou_official)
    assert desk_line(text(bureau.get("/publicity/"))) is None


def test_the_desk_line_reads_the_same_queries_however_many_filings_wait(
    first_day, enterprise_user, media, suzhou_official
):
    bureau = browser_for(suzhou_official)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = bureau.get("/publicity/")
        assert response.status_code == 200
        return len(captured)

    certified_filing(enterprise_user)
    one = queries()
    for _ in range(3):
        certified_filing(enterprise_user)
    assert "4 basic filings never listed." in (desk_line(text(bureau.get("/publicity/"))) or "")
    assert queries() == one


# --- publishing -----------------------------------------------------------------------------------


def test_the_bureau_publishes_its_filings_through_the_page(filings, suzhou_official):
    chosen, left_out, revoked = filings
    bureau = browser_for(suzhou_official)
    response = bureau.get(NEW_FILINGS)
    assert response.status_code == 200
    page = text(response)
    boxes = tags(page, "applications")
    assert sorted(int(value_of(tag)) for tag in boxes) == [chosen.pk, left_out.pk]
    assert all("checked" in tag for tag in boxes)
    assert chosen.factory.name in page and left_out.factory.name in page
    assert revoked.factory.name not in page
    (title,) = tags(page, "title")
    assert suzhou_official.authority.name_en in value_of(title)
    (starts_on,) = tags(page, "starts_on")
    assert value_of(starts_on) == FIRST_DAY.isoformat()

    response = bureau.post(
        NEW_FILINGS,
        {
            "applications": [chosen.pk],
            "title": "苏州市基础级名单",
            "starts_on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    publicity = Publicity.objects.get()
    assert response["Location"] == reverse("publicity-objections", args=[publicity.pk])
    assert publicity.title == "苏州市基础级名单" and publicity.campaign is None
    assert list(publicity.entries.values_list("application_id", flat=True)) == [chosen.pk]
    assert "苏州市基础级名单" in text(bureau.get(response["Location"]))
    chosen.refresh_from_db()
    assert chosen.status == Application.Status.CERTIFIED
    # The one left out is still offered, and the list published is shown.
    page = text(bureau.get(NEW_FILINGS))
    assert [int(value_of(tag)) for tag in tags(page, "applications")] == [left_out.pk]
    assert reverse("publicity-objections", args=[publicity.pk]) in page


@pytest.mark.parametrize("who", ["jiangsu_official", "enterprise_user"])
def test_only_a_city_bureau_has_the_page(who, filings, request):
    client = browser_for(request.getfixturevalue(who))
    assert client.get(NEW_FILINGS).status_code == 404
    data = {"applications": [filings[0].pk], "title": "x", "starts_on": "2026-06-01"}
    assert client.post(NEW_FILINGS, data).status_code == 404
    assert not Publicity.objects.exists()


def test_another_citys_bureau_is_never_offered_these_filings(filings):
    nanjing = browser_for(mf.official(Role.CITY_OFFICIAL, "320100-industry-it"))
    page = text(nanjing.get(NEW_FILINGS))
    assert not tags(page, "applications") and "publicity-nothing" in page
    data = {"applications": [filings[0].pk], "title": "x", "starts_on": "2026-06-01"}
    assert nanjing.post(NEW_FILINGS, data).status_code == 400
    assert not Publicity.objects.exists()
    anonymous = Client().get(NEW_FILINGS)
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


# --- objections -----------------------------------------------------------------------------------


def test_the_objections_page_of_a_basic_list_offers_two_outcomes(objection, suzhou_official):
    url = reverse("publicity-objections", args=[objection.entry.publicity_id])
    page = text(browser_for(suzhou_official).get(url))
    outcomes = tags(page, f"objection-{objection.pk}-outcome")
    assert sorted(value_of(tag) for tag in outcomes) == ["dismissed", "upheld_reject"]
    assert all('type="radio"' in tag for tag in outcomes)


def test_an_objection_upheld_through_the_page_revokes_the_certificate(objection, suzhou_official):
    reason = "异议成立：自评估材料与现场情况严重不符。"
    bureau = browser_for(suzhou_official)
    response = bureau.post(
        reverse("objection-decide", args=[objection.pk]),
        decision(objection, outcome="upheld_reject", investigation="现场核查。", reason=reason),
    )
    assert response.status_code == 302
    page = text(bureau.get(response["Location"]))
    with translation.override("en"):
        assert str(FILING_REJECTED_MESSAGE) in page
        assert str(DECIDED_MESSAGES["upheld_reject"]) not in page
    application = objection.entry.application
    application.refresh_from_db()
    certificate = certificate_of(application)
    assert application.status == Application.Status.REJECTED
    assert (certificate.status, certificate.status_reason) == (Certificate.Status.REVOKED, reason)


def test_a_crafted_upheld_return_is_refused_at_the_outcome(objection, suzhou_official):
    response = browser_for(suzhou_official).post(
        reverse("objection-decide", args=[objection.pk]),
        decision(objection, outcome="upheld_return", investigation="核查。", reason="退回"),
    )
    assert response.status_code == 400
    page = text(response)
    form = page[page.index(f'id="objection-{objection.pk}"') :]
    assert "invalid-feedback" in field_block(form, "outcome")
    # The form shown again still offers only the two outcomes of a filing.
    outcomes = tags(form, f"objection-{objection.pk}-outcome")
    assert sorted(value_of(tag) for tag in outcomes) == ["dismissed", "upheld_reject"]
    assert "invalid-feedback" not in field_block(form, "investigation")
    objection.refresh_from_db()
    application = objection.entry.application
    application.refresh_from_db()
    assert objection.status == Objection.Status.OPEN
    assert application.status == Application.Status.CERTIFIED
    assert certificate_of(application).status == Certificate.Status.ACTIVE


# --- the campaigns page ---------------------------------------------------------------------------


def test_the_campaigns_page_links_the_department_to_publish_a_recommended_batch(first_day, media):
    cast = make_cast()
    application = advanced_at(cast, "recommended")
    advanced_at(cast, "provincial_decision")  # not recommended: not counted
    href = f'href="{reverse("publicity-new", args=[cast.campaign.pk])}"'

    def links(user) -> list[str]:
        page = text(browser_for(user).get("/campaigns/"))
        return re.findall(r"<a[^>]*campaign-publish-link[^>]*>[^<]*</a>", page)

    (link,) = links(cast.province)
    assert href in link and "(1 recommended)" in link
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    for other in (cast.city, cast.applicant, zhejiang, mf.official(Role.MIIT_REVIEWER, "miit")):
        assert links(other) == [], other.role

    services.publicity_publish(actor=cast.province, campaign=cast.campaign)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PUBLICITY
    assert links(cast.province) == []
