"""The city's review of basic filings: confirm (a workflow action beside the rejection), reject
through a confirmation page with a required reason, the count of new filings on the filings
page and the home page, contradictions on the list and the detail, and the API action."""

from __future__ import annotations

import pytest

from accounts.models import Role
from certification.models import AuditEvent, Certificate
from certification.workflow.events import EventType
from tests import model_factories as mf
from tests.certification.helpers import browser_for, certified_basic
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(enterprise_user, applicant, media, django_capture_on_commit_callbacks):
    return certified_basic(enterprise_user, applicant, media, django_capture_on_commit_callbacks)


def _new_count(page: str) -> int:
    marker = 'class="new-filings-count">'
    return int(page.split(marker, 1)[1].split("<", 1)[0])


def test_confirm_from_the_list_stamps_the_filing_once(filing, suzhou_official):
    city = browser_for(suzhou_official)
    page = city.get("/filings/basic/").content.decode()
    assert _new_count(page) == 1
    assert f'action="/applications/{filing.pk}/act/confirm_filing/"' in page
    assert f'href="/applications/{filing.pk}/confirm/reject/?next=filings"' in page
    assert _new_count(city.get("/").content.decode()) == 1

    nanjing = browser_for(mf.official(Role.CITY_OFFICIAL, "320100-industry-it"))
    assert nanjing.post(f"/applications/{filing.pk}/act/confirm_filing/").status_code == 404

    response = city.post(f"/applications/{filing.pk}/act/confirm_filing/", {"next": "filings"})
    assert response.status_code == 302 and response["Location"] == "/filings/basic/"
    certificate = Certificate.objects.get(application=filing)
    assert certificate.filing_confirmed_at is not None
    assert certificate.status == Certificate.Status.ACTIVE
    event = AuditEvent.objects.get(application=filing, event_type=EventType.FILING_CONFIRMED)
    assert event.actor == suzhou_official and event.extra_data["certificate"] == certificate.number

    page = city.get("/filings/basic/").content.decode()
    assert _new_count(page) == 0
    assert "/act/confirm_filing/" not in page  # confirmed: no second confirmation offered
    assert "/confirm/reject/" in page  # still rejectable on new evidence
    city.post(f"/applications/{filing.pk}/act/confirm_filing/")
    assert AuditEvent.objects.filter(event_type=EventType.FILING_CONFIRMED).count() == 1
    assert certificate.number in city.get("/filings/basic/?review=confirmed").content.decode()
    assert certificate.number not in city.get("/filings/basic/?review=new").content.decode()
    assert _new_count(city.get("/").content.decode()) == 0


def test_reject_goes_through_a_confirmation_page_with_a_reason(filing, suzhou_official):
    city = browser_for(suzhou_official)
    url = f"/applications/{filing.pk}/confirm/reject/"
    page = city.get(url + "?next=filings")
    assert page.status_code == 200
    certificate = Certificate.objects.get(application=filing)
    assert certificate.number in page.content.decode() and "revokes" in page.content.decode()
    response = city.post(url, {"reason": "  ", "next": "filings"})
    assert response.status_code == 400 and "field-error-reason" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.ACTIVE
    response = city.post(url, {"reason": "企业不属于规模以上工业企业", "next": "filings"})
    assert response.status_code == 302 and response["Location"] == "/filings/basic/"
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert AuditEvent.objects.filter(
        application=filing, event_type=EventType.FILING_REJECTED
    ).exists()
    page = city.get("/filings/basic/").content.decode()
    assert _new_count(page) == 0
    assert certificate.number in city.get("/filings/basic/?review=rejected").content.decode()
    # Refused once rejected; the other actions have no confirmation page.
    assert city.get(url).status_code == 302
    assert city.get(f"/applications/{filing.pk}/confirm/withdraw/").status_code == 404


def test_the_detail_offers_the_confirmation_page(filing, suzhou_official):
    page = browser_for(suzhou_official).get(f"/applications/{filing.pk}/").content.decode()
    assert f'href="/applications/{filing.pk}/confirm/reject/"' in page
    assert "Confirm the filing" in page


def test_contradictions_are_flagged_on_the_list_and_the_detail(filing, suzhou_official):
    city = browser_for(suzhou_official)
    assert "data-code=" not in city.get("/filings/basic/").content.decode()
    enterprise = filing.factory.enterprise
    enterprise.above_designated_size = False
    enterprise.save(update_fields=["above_designated_size"])
    page = city.get("/filings/basic/").content.decode()
    assert 'data-code="size_declared_not_recorded"' in page
    detail = city.get(f"/applications/{filing.pk}/").content.decode()
    assert 'data-code="size_declared_not_recorded"' in detail


def test_api_confirms_a_filing(filing, suzhou_official, enterprise_user):
    url = f"/api/v1/applications/{filing.pk}/confirm_filing/"
    refused = api_client_for(enterprise_user).post(url)
    assert refused.status_code == 403 and set(refused.json()) >= {"code", "message"}
    api = api_client_for(suzhou_official)
    assert api.post(url).status_code == 200
    again = api.post(url)
    assert again.status_code == 409 and set(again.json()) >= {"code", "message"}
    assert Certificate.objects.get(application=filing).filing_confirmed_at is not None
