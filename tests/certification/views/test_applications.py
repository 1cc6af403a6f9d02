"""Application pages (views/applications.py): starting an application and its campaign field,
the detail page with checks and withdrawal, scope, login and CSRF, and bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from certification import services
from certification.models import Application, ApplicationFile
from tests import model_factories as mf
from tests.certification.conftest import ready_basic
from tests.certification.helpers import HTMX, browser_for, make_applications, step_url, submit

pytestmark = pytest.mark.django_db


# --- Starting an application ---------------------------------------------------------------------


def test_starting_twice_opens_the_existing_application(browser, draft, applicant):
    response = browser.post(
        "/applications/new/", {"factory": applicant.pk, "tier": "basic"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/applications/{draft.pk}/"
    assert "already has an open application" in response.content.decode()
    assert Application.objects.filter(factory=applicant).count() == 1


def test_new_application_refuses_a_campaign_for_basic_at_the_field(
    browser, applicant, jiangsu_campaign_officer
):
    today = timezone.localdate()
    campaign = services.campaign_open(
        actor=jiangsu_campaign_officer,
        tier="advanced",
        year=today.year,
        batch=7,
        opens_on=today,
        closes_on=today + timedelta(days=30),
    )
    response = browser.post(
        "/applications/new/", {"factory": applicant.pk, "tier": "basic", "campaign": campaign.pk}
    )
    assert response.status_code == 400
    assert "choose no campaign" in response.content.decode()
    assert not Application.objects.exists()
    # Advanced in the province's open campaign.
    response = browser.post(
        "/applications/new/",
        {"factory": applicant.pk, "tier": "advanced", "campaign": campaign.pk},
    )
    assert response.status_code == 302
    assert Application.objects.get(factory=applicant, tier="advanced").campaign == campaign


def test_campaign_field_follows_factory_and_tier_with_htmx(
    browser, applicant, jiangsu_campaign_officer, miit_reviewer
):
    today = timezone.localdate()
    advanced = services.campaign_open(
        actor=jiangsu_campaign_officer,
        tier="advanced",
        year=today.year,
        batch=8,
        opens_on=today,
        closes_on=today + timedelta(days=30),
    )
    excellent = services.campaign_open(actor=miit_reviewer, tier="excellent", year=today.year + 1)
    url = "/applications/new/campaigns/"
    page = browser.get(url, {"factory": applicant.pk, "tier": "advanced"}, **HTMX).content.decode()
    assert f'value="{advanced.pk}"' in page and f'value="{excellent.pk}"' not in page
    page = browser.get(url, {"factory": applicant.pk, "tier": "basic"}, **HTMX).content.decode()
    assert "no campaign is needed" in page and "<select" not in page
    response = browser.get(url, {"factory": "abc", "tier": "advanced"}, **HTMX)
    assert response.status_code == 200  # a bad factory falls back to the full list


def test_officials_do_not_apply(suzhou_official, applicant):
    official = browser_for(suzhou_official)
    response = official.post("/applications/new/", {"factory": applicant.pk, "tier": "basic"})
    assert response.status_code == 403 and not Application.objects.exists()


# --- The detail page -----------------------------------------------------------------------------


def test_returned_application_shows_its_failed_rule_and_the_way_back(
    browser, enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media, level=1)
    submit(browser, application, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    page = browser.get(f"/applications/{application.pk}/").content.decode()
    assert "Returned for changes" in page and "Fix and resubmit" in page
    assert f'href="{step_url(application, "basics")}"' in page
    failed = page[page.index("rule-maturity_level") :]
    assert "rule-failed" in page and "Maturity level 1 is below the level 2" in failed
    assert "Automated checks failed: returned" in page and "Maturity level" in page
    # The same message in Chinese for a Chinese reader.
    page = browser_for(enterprise_user, "zh-hans").get(f"/applications/{application.pk}/")
    assert "成熟度1级，低于基础级要求的2级。" in page.content.decode()
    # The form is open again and the review step offers the submit button.
    review = browser.get(step_url(application, "review")).content.decode()
    assert "Submit the application" in review and "Preview" in review


def test_checks_running_polls_a_small_status_fragment(browser, enterprise_user, applicant, media):
    application = ready_basic(enterprise_user, applicant, media)
    response = browser.post(f"/applications/{application.pk}/submit/")  # checks run after commit
    assert response.status_code == 302
    page = browser.get(f"/applications/{application.pk}/").content.decode()
    status_url = f"/applications/{application.pk}/status/"
    assert "Checks running" in page and f'hx-get="{status_url}"' in page
    assert 'hx-trigger="every 2s"' in page and "Refresh" in page
    fragment = browser.get(status_url, **HTMX)
    assert fragment.status_code == 200 and "Checks running" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    services.application_run_checks(application_id=application.pk, submission=1)
    done = browser.get(status_url, **HTMX)
    assert done.status_code == 204 and done["HX-Redirect"] == f"/applications/{application.pk}/"
    plain = browser.get(status_url)
    assert plain.status_code == 302 and plain.url == f"/applications/{application.pk}/"


def test_member_withdraws_with_a_reason(browser, draft):
    response = browser.post(f"/applications/{draft.pk}/withdraw/", {"reason": "改年再报"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Application.Status.WITHDRAWN
    page = browser.get(f"/applications/{draft.pk}/").content.decode()
    assert "Withdrawn" in page and "改年再报" in page and "Withdraw the application" not in page
    response = browser.post(f"/applications/{draft.pk}/submit/", follow=True)
    assert "This cannot be done while the application is Withdrawn." in response.content.decode()


# --- Scope ---------------------------------------------------------------------------------------


def test_another_enterprise_gets_404_everywhere(enterprise_user, applicant, media):
    application = ready_basic(enterprise_user, applicant, media)
    item = ApplicationFile.objects.filter(application=application).first()
    stranger = mf.UserFactory()
    mf.member_of(stranger, mf.FactoryFactory().enterprise)
    other = browser_for(stranger)
    for url in (
        f"/applications/{application.pk}/",
        step_url(application, "basics"),
        step_url(application, "scenarios"),
        f"/applications/{application.pk}/status/",
        f"/applications/files/{item.pk}/",
        f"/factories/{applicant.pk}/path/",
    ):
        assert other.get(url).status_code == 404, url
    for url in (
        step_url(application, "scenarios"),
        f"/applications/{application.pk}/files/",
        f"/applications/{application.pk}/submit/",
        f"/applications/{application.pk}/withdraw/",
    ):
        assert other.post(url, {"claimed": ["S01"], "desc-S01": "x"}).status_code == 404, url
    response = other.post("/applications/new/", {"factory": applicant.pk, "tier": "advanced"})
    assert response.status_code == 400  # not one of their factories
    application.refresh_from_db()
    assert application.status == "draft" and application.claims.count() == 1
    assert application.pk not in [
        a.pk for a in other.get("/applications/").context["page"].object_list
    ]


def test_officials_see_submitted_applications_but_never_drafts(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    draft = ready_basic(enterprise_user, applicant, media)
    official = browser_for(suzhou_official)
    assert official.get(f"/applications/{draft.pk}/").status_code == 404
    page = official.get("/applications/").content.decode()
    assert f'href="/applications/{draft.pk}/"' not in page and "New application" not in page
    submit(browser_for(enterprise_user), draft, django_capture_on_commit_callbacks)
    page = official.get("/applications/").content.decode()
    assert f'href="/applications/{draft.pk}/"' in page
    page = official.get(f"/applications/{draft.pk}/").content.decode()
    assert "Submit the application" not in page and "Withdraw" not in page
    # An official cannot open the form of an application.
    response = official.get(step_url(draft, "scenarios"))
    assert response.status_code == 302 and response.url == f"/applications/{draft.pk}/"


def test_official_list_filters_by_tier_and_status(
    enterprise_user, applicant, media, miit_reviewer, django_capture_on_commit_callbacks
):
    returned = ready_basic(enterprise_user, applicant, media, level=1)
    submit(browser_for(enterprise_user), returned, django_capture_on_commit_callbacks)
    official = browser_for(miit_reviewer)
    listed = official.get("/applications/", {"status": "returned", "tier": "basic"})
    assert [a.pk for a in listed.context["page"].object_list] == [returned.pk]
    assert not official.get("/applications/", {"status": "certified"}).context["page"].object_list
    assert official.get("/applications/", {"status": "bogus"}).status_code == 200  # ignored


def test_login_and_csrf_are_required(enterprise_user, draft):
    anonymous = Client()
    for url in ("/applications/", f"/applications/{draft.pk}/", "/campaigns/", "/filings/basic/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(enterprise_user)
    assert strict.post("/applications/new/", {"factory": 1, "tier": "basic"}).status_code == 403
    assert strict.post(f"/applications/{draft.pk}/withdraw/", {"reason": "x"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


# --- Bounded queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 30])
def test_official_list_queries_are_bounded(count, miit_reviewer, django_assert_max_num_queries):
    make_applications(count)
    official = browser_for(miit_reviewer)
    with django_assert_max_num_queries(7):  # 6 + MIIT's worklist count in the nav
        response = official.get("/applications/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/applications/') >= count


@pytest.mark.parametrize("count", [5, 30])
def test_member_list_queries_are_bounded(
    count, browser, enterprise_user, django_assert_max_num_queries
):
    for application in make_applications(count, status="draft"):
        mf.member_of(enterprise_user, application.factory.enterprise)
    # 8 + the inbox count in the nav + whether the member is in a central SOE group
    with django_assert_max_num_queries(10):
        response = browser.get("/applications/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count


def test_detail_and_step_queries_do_not_grow_with_the_application(
    browser, enterprise_user, applicant, media, django_assert_max_num_queries
):
    application = ready_basic(enterprise_user, applicant, media)
    with django_assert_max_num_queries(30):
        assert browser.get(f"/applications/{application.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert browser.get(step_url(application, "scenarios")).status_code == 200
    with django_assert_max_num_queries(40):
        assert browser.get(step_url(application, "review")).status_code == 200
