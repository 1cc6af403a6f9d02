"""The path to the next tier (views/path.py): missing levels and stages, the current tier, the
factory index, and a new self-assessment when the old one is used."""

from __future__ import annotations

import pytest

from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.certification.helpers import browser_for, certified_basic

pytestmark = pytest.mark.django_db


def test_path_page_shows_the_missing_level_and_stages(browser, enterprise_user, applicant):
    submitted_assessment(enterprise_user, applicant, 2)
    page = browser.get(f"/factories/{applicant.pk}/path/").content.decode()
    assert "Your path to the next tier" in page and "No active certificate yet" in page
    assert "Level 2" in page
    basic = page[page.index("tier-step-basic") : page.index("tier-step-advanced")]
    assert "You can apply now" in basic and "Apply for Basic" in basic
    advanced = page[page.index("tier-step-advanced") : page.index("tier-step-excellent")]
    assert "Production management" in advanced and "Operational management" in advanced
    assert "not required" in advanced and "Apply for" not in advanced
    excellent = page[page.index("tier-step-excellent") : page.index("tier-step-leading")]
    assert "Maturity level 2 is below the level 3 that Excellent needs." in excellent
    assert "at least 20%" in excellent and "R&amp;D and design" in excellent
    # The Apply button starts the application.
    response = browser.post("/applications/new/", {"factory": applicant.pk, "tier": "basic"})
    assert response.status_code == 302
    page = browser.get(f"/factories/{applicant.pk}/path/").content.decode()
    assert "Open your application for this tier" in page


def test_path_starts_above_the_current_tier(
    browser, enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = certified_basic(
        enterprise_user, applicant, media, django_capture_on_commit_callbacks
    )
    page = browser.get(f"/factories/{applicant.pk}/path/").content.decode()
    assert "tier-step-basic" not in page and "tier-step-advanced" in page
    assert application.certificate.number in page
    # Officials in scope read it too, without the Apply button.
    page = browser_for(suzhou_official).get(f"/factories/{applicant.pk}/path/").content.decode()
    assert "tier-step-advanced" in page and "Apply for" not in page


def test_path_index_goes_straight_to_a_single_factory(browser, applicant, enterprise_user):
    response = browser.get("/factories/path/")
    assert response.status_code == 302 and response.url == f"/factories/{applicant.pk}/path/"
    second = mf.FactoryFactory(enterprise=applicant.enterprise)
    page = browser.get("/factories/path/").content.decode()
    assert f"/factories/{second.pk}/path/" in page and f"/factories/{applicant.pk}/path/" in page


def test_path_offers_a_new_self_assessment_when_the_old_one_is_used(
    browser, enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    certified_basic(enterprise_user, applicant, media, django_capture_on_commit_callbacks)
    page = browser.get(f"/factories/{applicant.pk}/path/").content.decode()
    advanced = page[page.index("tier-step-advanced") : page.index("tier-step-excellent")]
    assert "used by an earlier decided application" in advanced
    assert "Start or continue a new self-assessment" in advanced
