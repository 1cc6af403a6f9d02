"""The city's basic filings (views/filings.py): rejecting a filing with a reason, who may see
the list, and its bounded queries."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from certification.models import Application, Certificate
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.helpers import browser_for, certified_basic, make_applications

pytestmark = pytest.mark.django_db


def test_city_official_rejects_a_basic_filing_with_a_reason(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = certified_basic(
        enterprise_user, applicant, media, django_capture_on_commit_callbacks
    )
    certificate = application.certificate
    city = browser_for(suzhou_official)
    page = city.get("/filings/basic/").content.decode()
    assert certificate.number in page and applicant.enterprise.name in page
    assert f'href="/applications/{application.pk}/"' in page

    nanjing = browser_for(mf.official(Role.CITY_OFFICIAL, "320100-industry-it"))
    assert certificate.number not in nanjing.get("/filings/basic/").content.decode()
    assert nanjing.get(f"/applications/{application.pk}/").status_code == 404
    response = nanjing.post(f"/applications/{application.pk}/reject/", {"reason": "越权"})
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE

    page = city.get(f"/applications/{application.pk}/").content.decode()
    assert "Reject the filing" in page
    response = city.post(f"/applications/{application.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE

    response = city.post(
        f"/applications/{application.pk}/reject/", {"reason": "企业不属于规模以上工业企业"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    application.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert application.status == Application.Status.REJECTED
    page = city.get(f"/applications/{application.pk}/").content.decode()
    assert "Revoked" in page and "企业不属于规模以上工业企业" in page
    assert "Filing rejected by the city" in page and "Certificate revoked" in page
    assert "Reject the filing" not in page
    # The enterprise reads the same on its side.
    page = browser_for(enterprise_user).get(f"/applications/{application.pk}/").content.decode()
    assert "Revoked" in page and "企业不属于规模以上工业企业" in page


def test_basic_filings_are_for_city_officials_only(browser, jiangsu_official):
    assert browser.get("/filings/basic/").status_code == 403
    response = browser_for(jiangsu_official).get("/filings/basic/")
    assert response.status_code == 403 and "Only city officials" in response.content.decode()


def make_certificates(count: int) -> None:
    authority = Authority.objects.get(code="320500-industry-it")
    today = timezone.localdate()
    for application in make_applications(count, status="certified"):
        application.workflow = "basic_2025"
        application.save(update_fields=["workflow"])
        Certificate.objects.create(
            number=f"ZN-B-TEST-{application.pk:06d}",
            tier="basic",
            factory=application.factory,
            province_id=application.province_id,
            city_id=application.city_id,
            application=application,
            authority=authority,
            self_declared=True,
            issued_on=today,
        )


@pytest.mark.parametrize("count", [5, 30])
def test_basic_filings_queries_are_bounded(count, suzhou_official, django_assert_max_num_queries):
    make_certificates(count)
    city = browser_for(suzhou_official)
    # 6, the worklist count in the navigation bar, the declarations of the page (contradictions)
    # and the count of new filings.
    with django_assert_max_num_queries(9):
        response = city.get("/filings/basic/")
    assert response.status_code == 200
    assert response.content.decode().count("ZN-B-TEST-") == count
