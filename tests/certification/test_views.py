"""Certification in the browser: the step-by-step application form (plain POST and htmx), the
detail page with checks, certificate and timeline, evidence downloads, the path to the next tier,
the city's basic filings, campaigns, scope, and bounded queries on the list pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from certification import selectors, services
from certification.models import (
    Application,
    ApplicationFile,
    Campaign,
    Certificate,
    Declaration,
    DeclarationAnswer,
    Indicator,
    ScenarioClaim,
)
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import PDF, ready_basic, submitted_assessment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def browser_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def browser(enterprise_user):
    return browser_for(enterprise_user)


def step_url(application, step: str) -> str:
    return f"/applications/{application.pk}/step/{step}/"


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submit(client, application, capture) -> None:
    """Submit in the browser; the eagerly run check task executes after the commit."""
    with capture(execute=True):
        response = client.post(f"/applications/{application.pk}/submit/")
    assert response.status_code == 302
    assert response.url == f"/applications/{application.pk}/"


def certified_basic(user, factory, media, capture) -> Application:
    application = ready_basic(user, factory, media)
    submit(browser_for(user), application, capture)
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED
    return application


INDICATOR_ROW = {
    "name": "人均产值",
    "unit": "万元",
    "baseline_value": "120.5",
    "baseline_year": "2024",
    "current_value": "150",
    "current_year": "2026",
}


def indicator_post(*rows: dict[str, str], **extra: str) -> dict[str, str]:
    data = {
        f"ind-{index}-{key}": value for index, row in enumerate(rows) for key, value in row.items()
    }
    data.update(extra)
    return data


# --- The whole journey ---------------------------------------------------------------------------


def test_member_applies_for_basic_step_by_step_and_is_certified(
    browser, enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    assessment = submitted_assessment(enterprise_user, applicant, 2)
    page = browser.get("/applications/").content.decode()
    assert "New application" in page and applicant.name in page

    response = browser.post("/applications/new/", {"factory": applicant.pk, "tier": "basic"})
    application = Application.objects.get(factory=applicant, tier="basic")
    assert response.status_code == 302 and response.url == step_url(application, "basics")
    assert application.status == "draft" and application.assessment_id == assessment.pk

    # 1. Basics: the factory's submitted assessments; basic needs no campaign.
    page = browser.get(step_url(application, "basics")).content.decode()
    assert f'<option value="{assessment.pk}" selected>' in page
    assert "no campaign is needed" in page and 'name="campaign"' not in page
    response = browser.post(step_url(application, "basics"), {"assessment": assessment.pk})
    assert response.status_code == 302 and response.url == step_url(application, "scenarios")

    # 2. Scenarios: all 40, grouped by stage; a claim without a description saves nothing.
    page = browser.get(step_url(application, "scenarios")).content.decode()
    assert page.count('name="claimed"') == 40 and "Production operations" in page
    claims = {
        "claimed": ["S20", "S08"],
        "desc-S20": "柔性产线",
        "desc-S08": "计划排产系统",
        "ai": ["S20"],
    }
    response = browser.post(step_url(application, "scenarios"), claims)
    assert response.status_code == 302 and response.url == step_url(application, "indicators")
    assert dict(application.claims.values_list("scenario__code", "ai_applied")) == {
        "S20": True,
        "S08": False,
    }
    response = browser.post(
        step_url(application, "scenarios"), {**claims, "claimed": ["S20", "S08", "S01"]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    row = page[page.index('id="claim-S01"') : page.index('id="claim-S02"')]
    assert "Describe what was built for this scenario." in row and "checked" in row
    assert application.claims.count() == 2  # nothing of the refused set was saved

    # Evidence for a claimed scenario (a normal multipart POST).
    response = browser.post(
        f"/applications/{application.pk}/files/", {"scenario": "S20", "file": pdf("产线.pdf")}
    )
    assert response.status_code == 302
    assert response.url == step_url(application, "scenarios") + "#claim-S20"
    assert ApplicationFile.objects.get(claim__scenario__code="S20").original_name == "产线.pdf"
    page = browser.get(step_url(application, "scenarios")).content.decode()
    assert "产线.pdf" in page and "50%" in page  # 1 of 2 claims applies AI

    # 3. Indicators: a non-numeric value is refused at its cell and nothing is saved.
    bad = {**INDICATOR_ROW, "name": "良率", "baseline_value": "abc"}
    response = browser.post(step_url(application, "indicators"), indicator_post(INDICATOR_ROW, bad))
    assert response.status_code == 400
    page = response.content.decode()
    cell = re.search(r'<input[^>]*id="ind-1-baseline_value"[^>]*>', page)
    assert cell and "is-invalid" in cell.group(0) and 'value="abc"' in cell.group(0)
    assert "&#x27;abc&#x27; is not a number." in page
    assert 'value="人均产值"' in page  # what was typed is kept
    assert not Indicator.objects.filter(application=application).exists()
    good = {**bad, "baseline_value": "97.5"}
    response = browser.post(
        step_url(application, "indicators"), indicator_post(INDICATOR_ROW, good)
    )
    assert response.status_code == 302 and response.url == step_url(application, "declarations")
    assert application.indicators.count() == 2

    # 4. Declarations: the four kinds, each declared and with a PDF.
    response = browser.post(
        step_url(application, "declarations"), {"declared": list(Declaration.values)}
    )
    assert response.status_code == 302 and response.url == step_url(application, "review")
    for kind in Declaration.values:
        response = browser.post(
            f"/applications/{application.pk}/files/",
            {"declaration": kind, "file": pdf(f"{kind}.pdf")},
        )
        assert response.status_code == 302
        assert response.url == step_url(application, "declarations") + f"#declaration-{kind}"
    page = browser.get(step_url(application, "declarations")).content.decode()
    assert all(f"{kind}.pdf" in page for kind in Declaration.values)
    assert page.count("declared with evidence") == 4

    # 5. Review: read-only, computed AI share and coverage, and a labelled preview.
    page = browser.get(step_url(application, "review")).content.decode()
    assert "Preview" in page and "柔性产线" in page and "97.5" in page
    assert "rule-failed" not in page and page.count("rule-passed") == 8
    assert page.count("step-done") == 4  # every step before the review is marked done

    submit(browser, application, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED
    certificate = Certificate.objects.get(application=application)
    page = browser.get(f"/applications/{application.pk}/").content.decode()
    assert "Certified" in page and certificate.number in page and "Active" in page
    timeline = page[page.index('id="timeline-heading"') :]
    for label in (
        "Application created",
        "Submitted",
        "Automated checks passed",
        "Self-declared (basic tier)",
        "Certificate issued",
        "System",
    ):
        assert label in timeline
    assert "Draft → Submitted, checks running" in timeline
    # A decided application has no forms any more: the steps lead to the detail page.
    response = browser.get(step_url(application, "scenarios"))
    assert response.status_code == 302 and response.url == f"/applications/{application.pk}/"


# --- Autosave and the no-JS fallbacks ------------------------------------------------------------


@pytest.fixture
def draft(enterprise_user, applicant):
    return services.application_create(actor=enterprise_user, factory=applicant, tier="basic")


def test_claims_autosave_with_htmx(browser, draft):
    url = step_url(draft, "scenarios")
    page = browser.get(url).content.decode()
    assert f'hx-post="{url}"' in page and "change[target.type!='file']" in page
    response = browser.post(url, {"claimed": ["S20"], "desc-S20": "柔性产线"}, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert 'id="claims-status"' in fragment and "Saved at" in fragment
    assert 'id="claim-aux-S20" hx-swap-oob="true"' in fragment  # its evidence upload appears
    assert 'id="claims-summary" class="card claims-summary" hx-swap-oob="true"' in fragment
    assert "<html" not in fragment
    assert list(draft.claims.values_list("scenario__code", flat=True)) == ["S20"]

    # A refused autosave answers 200 (htmx swaps only 2xx) with the error at the row.
    response = browser.post(url, {"claimed": ["S20", "S21"], "desc-S20": "柔性产线"}, **HTMX)
    assert response.status_code == 200
    fragment = response.content.decode()
    aux = fragment[fragment.index('id="claim-aux-S21"') :]
    assert "Describe what was built for this scenario." in aux[: aux.index("</div>")]
    assert "Saved at" not in fragment
    assert list(draft.claims.values_list("scenario__code", flat=True)) == ["S20"]


def test_save_stays_and_save_and_continue_moves_on(browser, draft):
    response = browser.post(
        step_url(draft, "scenarios"), {"claimed": ["S20"], "desc-S20": "x", "stay": "1"}
    )
    assert response.status_code == 302 and response.url == step_url(draft, "scenarios")
    assert "Saved." in browser.get(response.url).content.decode()


def test_indicator_rows_are_added_and_removed_without_js(browser, draft):
    url = step_url(draft, "indicators")
    page = browser.get(url).content.decode()
    assert page.count('class="indicator-row') == 1  # one empty row to start with
    response = browser.post(url, {**indicator_post(INDICATOR_ROW), "action": "add_row"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="indicator-row') == 2 and 'value="人均产值"' in page
    assert not Indicator.objects.exists()  # adding a row saves nothing
    second = {**INDICATOR_ROW, "name": "良率"}
    browser.post(url, indicator_post(INDICATOR_ROW, second))
    assert draft.indicators.count() == 2
    browser.post(url, {**indicator_post(INDICATOR_ROW, second), "ind-remove": "0"})
    assert list(draft.indicators.values_list("name", flat=True)) == ["良率"]
    page = browser.get(url).content.decode()
    assert 'value="良率"' in page and 'value="150"' in page and 'value="120.5"' in page


def test_evidence_of_the_wrong_type_is_refused_at_its_row(browser, draft, media):
    services.application_claims_set(
        actor=draft.created_by,
        application=draft,
        claims=[{"scenario": "S20", "description": "x", "ai_applied": False}],
    )
    response = browser.post(
        f"/applications/{draft.pk}/files/",
        {"scenario": "S20", "file": SimpleUploadedFile("run.exe", b"MZ\x90\x00" * 64)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    aux = page[page.index('id="claim-aux-S20"') :]
    assert "This file type is not accepted." in aux[: aux.index('id="claim-S21"')]
    response = browser.post(f"/applications/{draft.pk}/files/", {"declaration": "organisation"})
    assert response.status_code == 400 and "Choose a file to upload." in response.content.decode()
    assert not ApplicationFile.objects.exists()


def test_an_unclaimed_scenario_takes_no_evidence(browser, draft, media):
    response = browser.post(f"/applications/{draft.pk}/files/", {"scenario": "S05", "file": pdf()})
    assert response.status_code == 400
    assert "Claim the scenario before adding its evidence." in response.content.decode()


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


def test_file_download_is_an_attachment_for_those_who_see_the_application(
    browser, enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media)
    item = ApplicationFile.objects.filter(application=application).first()
    response = browser.get(f"/applications/files/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    official = browser_for(suzhou_official)
    assert official.get(f"/applications/files/{item.pk}/").status_code == 404  # still a draft
    submit(browser, application, django_capture_on_commit_callbacks)
    assert official.get(f"/applications/files/{item.pk}/").status_code == 200
    assert browser.get("/applications/files/999999/").status_code == 404


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


# --- The path to the next tier -------------------------------------------------------------------


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


# --- The city's basic filings --------------------------------------------------------------------


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


# --- Campaigns -----------------------------------------------------------------------------------


def test_provincial_official_opens_a_campaign_with_errors_at_fields(jiangsu_official):
    official = browser_for(jiangsu_official)
    page = official.get("/campaigns/").content.decode()
    assert "Open a campaign" in page and 'value="excellent"' not in page
    response = official.post("/campaigns/", {"tier": "advanced", "year": "2031", "batch": "1"})
    assert response.status_code == 302
    campaign = Campaign.objects.get(year=2031)
    assert (campaign.opens_on.month, campaign.closes_on.month) == (3, 3)
    page = official.get("/campaigns/").content.decode()
    assert "2031 / 1" in page and "not open yet" in page
    again = official.post("/campaigns/", {"tier": "advanced", "year": "2031", "batch": "1"})
    assert again.status_code == 400
    page = again.content.decode()
    batch = page[page.index("field-batch") : page.index("field-opens_on")]
    assert "Batch 1 of this campaign already exists." in batch
    backwards = official.post(
        "/campaigns/",
        {
            "tier": "advanced",
            "year": "2031",
            "batch": "2",
            "opens_on": "2031-05-01",
            "closes_on": "2031-04-01",
        },
    )
    assert backwards.status_code == 400
    page = backwards.content.decode()
    assert "The window must open before it closes." in page[page.index("field-closes_on") :]
    assert Campaign.objects.count() == 1


def test_miit_opens_excellent_and_others_only_read(browser, miit_reviewer):
    page = browser_for(miit_reviewer).get("/campaigns/").content.decode()
    assert 'value="excellent"' in page and 'value="leading"' in page
    assert 'value="advanced"' not in page
    page = browser.get("/campaigns/").content.decode()
    assert "Open a campaign" not in page
    assert browser.post("/campaigns/", {"tier": "advanced", "year": "2031"}).status_code == 403
    assert not Campaign.objects.exists()


# --- Home, navigation and the enterprise page ----------------------------------------------------


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


# --- Bounded queries -----------------------------------------------------------------------------


def make_applications(count: int, status: str = "submitted", tier: str = "basic") -> list:
    user = mf.UserFactory()
    edition = selectors.tier_edition_current()
    now = timezone.now()
    return [
        Application.objects.create(
            factory=mf.FactoryFactory(),
            tier=tier,
            tier_edition=edition,
            status=status,
            submission=1,
            submitted_at=now,
            created_by=user,
        )
        for _index in range(count)
    ]


def make_certificates(count: int) -> None:
    authority = Authority.objects.get(code="320500-industry-it")
    today = timezone.localdate()
    for application in make_applications(count, status="certified"):
        Certificate.objects.create(
            number=f"ZN-B-TEST-{application.pk:06d}",
            tier="basic",
            factory=application.factory,
            application=application,
            authority=authority,
            self_declared=True,
            issued_on=today,
        )


@pytest.mark.parametrize("count", [5, 30])
def test_official_list_queries_are_bounded(count, miit_reviewer, django_assert_max_num_queries):
    make_applications(count)
    official = browser_for(miit_reviewer)
    with django_assert_max_num_queries(6):
        response = official.get("/applications/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/applications/') >= count


@pytest.mark.parametrize("count", [5, 30])
def test_member_list_queries_are_bounded(
    count, browser, enterprise_user, django_assert_max_num_queries
):
    for application in make_applications(count, status="draft"):
        mf.member_of(enterprise_user, application.factory.enterprise)
    with django_assert_max_num_queries(9):  # 8 + the inbox count in the nav
        response = browser.get("/applications/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("count", [5, 30])
def test_basic_filings_queries_are_bounded(count, suzhou_official, django_assert_max_num_queries):
    make_certificates(count)
    city = browser_for(suzhou_official)
    with django_assert_max_num_queries(7):  # 6, and the worklist count in the navigation bar
        response = city.get("/filings/basic/")
    assert response.status_code == 200
    assert response.content.decode().count("ZN-B-TEST-") == count


@pytest.mark.parametrize("count", [5, 30])
def test_campaign_list_queries_are_bounded(
    count, browser, jiangsu_official, django_assert_max_num_queries
):
    for batch in range(1, count + 1):
        services.campaign_open(
            actor=jiangsu_official, tier="advanced", year=2030 + batch // 12, batch=batch % 12 + 1
        )
    with django_assert_max_num_queries(6):
        response = browser.get("/campaigns/")
    assert response.status_code == 200
    assert (
        response.content.decode().count("campaign-open-mark")
        + response.content.decode().count("not open yet")
        == count
    )


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


def test_declaration_answers_exist_for_every_kind(draft):
    """The declarations step relies on application_create making one answer per kind."""
    assert set(
        DeclarationAnswer.objects.filter(application=draft).values_list("kind", flat=True)
    ) == set(Declaration.values)
    assert not ScenarioClaim.objects.exists()


def test_officials_do_not_apply(suzhou_official, applicant):
    official = browser_for(suzhou_official)
    response = official.post("/applications/new/", {"factory": applicant.pk, "tier": "basic"})
    assert response.status_code == 403 and not Application.objects.exists()


def test_path_offers_a_new_self_assessment_when_the_old_one_is_used(
    browser, enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    certified_basic(enterprise_user, applicant, media, django_capture_on_commit_callbacks)
    page = browser.get(f"/factories/{applicant.pk}/path/").content.decode()
    advanced = page[page.index("tier-step-advanced") : page.index("tier-step-excellent")]
    assert "used by an earlier decided application" in advanced
    assert "Start or continue a new self-assessment" in advanced
