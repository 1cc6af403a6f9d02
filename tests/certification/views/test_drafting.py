"""The step-by-step application form in the browser (views/drafting.py): the whole journey to a
basic certificate, htmx autosave and the no-JS fallbacks, evidence uploads and downloads."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import services
from certification.models import Application, ApplicationFile, Certificate, Declaration, Indicator
from tests.certification.conftest import PDF, ready_basic, submitted_assessment
from tests.certification.helpers import HTMX, browser_for, step_url, submit

pytestmark = pytest.mark.django_db


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


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


def test_claims_autosave_with_htmx(browser, draft):
    url = step_url(draft, "scenarios")
    page = browser.get(url).content.decode()
    # Saved on the "autosave" event that portal.js sends for a change of the form's own controls.
    assert f'hx-post="{url}"' in page and 'hx-trigger="autosave delay:500ms"' in page
    assert "data-autosave" in page
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


# --- Evidence downloads --------------------------------------------------------------------------


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
