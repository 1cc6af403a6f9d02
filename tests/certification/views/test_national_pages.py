"""The national chain's steps on the application page: MIIT records verified scores beside the
self-assessed ones and decides on one of them; for leading it schedules and reports the site
visit with the cultivation plan, and the enterprise reports on its milestones. Errors show at
their field."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from certification.models import Application, AuditEvent, CultivationMilestone, VerifiedLevel
from tests.certification.helpers import browser_for
from tests.certification.national_setup import national_at, national_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(cast):
    return national_cast(cast)


def act_url(application, action: str) -> str:
    return f"/applications/{application.pk}/act/{action}/"


def test_miit_verifies_scores_and_decides_on_them_in_the_page(national):
    application = national_at(national, "miit_decision")
    miit = browser_for(national.miit)
    page = miit.get(f"/applications/{application.pk}/").content.decode()
    assert "Self-assessed and verified scores" in page
    assert "Record verified levels" in page
    own = application.assessment.result["subdomain_overall"]
    code = sorted(own)[0]
    refused = miit.post(act_url(application, "verify_levels"), {f"levels.{code}": "7"})
    assert refused.status_code == 400
    assert "Ensure this value is less than or equal to 5" in refused.content.decode()
    empty = miit.post(act_url(application, "verify_levels"), {})
    assert empty.status_code == 400
    assert "at least one sub-domain" in empty.content.decode()
    done = miit.post(act_url(application, "verify_levels"), {f"levels.{code}": "2.5"}, follow=True)
    assert done.status_code == 200
    assert VerifiedLevel.objects.get(application=application, subdomain=code).level == 2.5
    assert "2.50" in done.content.decode()
    miit.post(act_url(application, "approve"), {"score_basis": "verified", "reason": "同意"})
    assert Application.objects.get(pk=application.pk).status == "recommended"
    event = AuditEvent.objects.get(application=application, event_type="approve")
    assert event.extra_data["score_basis"] == "verified"


def test_leading_site_visit_and_milestones_in_the_pages(national):
    application = national_at(national, "recommended", tier="leading")
    assert application.status == "site_visit"
    miit = browser_for(national.miit)
    page = miit.get(f"/applications/{application.pk}/").content.decode()
    assert "Schedule the site visit" in page
    day = timezone.localdate() + timedelta(days=3)
    team = national.expert_ids()[:2]
    response = miit.post(
        act_url(application, "schedule_site_visit"),
        {"scheduled_on": day.isoformat(), "team": team},
    )
    assert response.status_code == 302
    assert application.site_visit.team.count() == 2
    report = {
        "report": "核查属实",
        "findings": "发现一\n发现二",
        "cultivation_months": "6",
        "milestones": f"{(day + timedelta(days=30)).isoformat()} 完成对标\n不是里程碑",
    }
    with time_machine.travel(day, tick=True):
        refused = miit.post(act_url(application, "report_site_visit"), report)
        assert refused.status_code == 400
        assert "Write each milestone as its due date and title" in refused.content.decode()
        report["milestones"] = f"{(day + timedelta(days=30)).isoformat()} 完成对标"
        assert miit.post(act_url(application, "report_site_visit"), report).status_code == 302
        assert Application.objects.get(pk=application.pk).status == "cultivation"
        applicant = browser_for(national.review.applicant)
        page = applicant.get(f"/applications/{application.pk}/").content.decode()
        assert "Report on a milestone" in page and "完成对标" in page
        missing = applicant.post(act_url(application, "report_milestone"), {"milestone": "1"})
        assert missing.status_code == 400
        applicant.post(
            act_url(application, "report_milestone"), {"milestone": "1", "report": "已完成"}
        )
    milestone = CultivationMilestone.objects.get(cultivation__application=application)
    assert milestone.report == "已完成" and milestone.reported_at is not None
