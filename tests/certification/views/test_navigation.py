"""Where certification is reached from: the home page, the navigation bar and the enterprise
page (certificates, the path and the Apply link)."""

from __future__ import annotations

import pytest

from tests.certification.helpers import browser_for, certified_basic

pytestmark = pytest.mark.django_db


def test_home_and_navigation_point_to_certification(
    browser, suzhou_official, jiangsu_official, miit_reviewer
):
    page = browser.get("/").content.decode()
    assert "Apply for a tier" in page and "See your path to the next tier" in page
    assert 'href="/applications/"' in page and 'href="/filings/basic/"' not in page
    page = browser_for(suzhou_official).get("/").content.decode()
    assert "Review self-declared basic factories" in page and 'href="/filings/basic/"' in page
    for official in (jiangsu_official, miit_reviewer):
        page = browser_for(official).get("/").content.decode()
        assert 'href="/campaigns/"' in page and "Review self-declared" not in page


def test_enterprise_page_shows_certificates_path_and_apply(
    browser, enterprise_user, applicant, media, jiangsu_official, django_capture_on_commit_callbacks
):
    application = certified_basic(
        enterprise_user, applicant, media, django_capture_on_commit_callbacks
    )
    page = browser.get(f"/enterprises/{applicant.enterprise_id}/").content.decode()
    assert application.certificate.number in page and "tier-basic" in page
    assert f'href="/factories/{applicant.pk}/path/"' in page
    assert f'href="/applications/?factory={applicant.pk}#new-heading"' in page
    page = browser_for(jiangsu_official).get(f"/enterprises/{applicant.enterprise_id}/")
    page = page.content.decode()
    assert application.certificate.number in page and "#new-heading" not in page
    # The Apply link preselects the factory in the new-application form.
    page = browser.get(f"/applications/?factory={applicant.pk}").content.decode()
    assert f'<option value="{applicant.pk}" selected>' in page
