"""The eligibility endpoint: rule results per tier, bad input, scope, and open campaigns."""

from __future__ import annotations

import pytest
import time_machine

from certification import services
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_eligibility_endpoint(enterprise_user, applicant, jiangsu_campaign_officer):
    client = api_client_for(enterprise_user)
    submitted_assessment(enterprise_user, applicant, 2)
    data = client.get(f"/api/v1/factories/{applicant.pk}/eligibility/", {"tier": "basic"}).json()
    assert data["tier"] == "basic" and data["eligible"] is True
    assert [c["rule"] for c in data["checks"]] == [
        "prerequisite_tier",
        "maturity_level",
        "assessment_fresh",
        "campaign_open",
    ]
    data = client.get(
        f"/api/v1/factories/{applicant.pk}/eligibility/", {"tier": "excellent"}
    ).json()
    assert data["eligible"] is False
    failed = {c["rule"] for c in data["checks"] if not c["passed"]}
    assert failed == {"prerequisite_tier", "maturity_level", "campaign_open"}
    bad = client.get(f"/api/v1/factories/{applicant.pk}/eligibility/", {"tier": "gold"})
    assert bad.status_code == 400 and "tier" in bad.json()["fields"]
    stranger = api_client_for(mf.UserFactory())
    assert (
        stranger.get(f"/api/v1/factories/{applicant.pk}/eligibility/?tier=basic").status_code == 404
    )


def test_open_campaign_shows_in_eligibility(enterprise_user, applicant, jiangsu_campaign_officer):
    with time_machine.travel("2027-03-15 10:00 +0800", tick=False):
        services.campaign_open(actor=jiangsu_campaign_officer, tier="advanced", year=2027)
        data = (
            api_client_for(enterprise_user)
            .get(f"/api/v1/factories/{applicant.pk}/eligibility/", {"tier": "advanced"})
            .json()
        )
    campaign = next(c for c in data["checks"] if c["rule"] == "campaign_open")
    assert campaign["passed"] and "2027-03-01" in campaign["message"]
