"""Campaign pages (views/campaigns.py): opening a campaign with errors at the fields, who may
open which tier, and bounded queries on the list."""

from __future__ import annotations

import pytest

from certification import services
from certification.models import Campaign
from tests.certification.helpers import browser_for

pytestmark = pytest.mark.django_db


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


def test_a_closed_window_is_opened_only_once_the_official_confirms(jiangsu_official):
    from datetime import timedelta

    from django.utils import timezone

    official = browser_for(jiangsu_official)
    closed = timezone.localdate() - timedelta(days=2)
    values = {
        "tier": "advanced",
        "year": str(closed.year),
        "batch": "1",
        "opens_on": (closed - timedelta(days=20)).isoformat(),
        "closes_on": closed.isoformat(),
    }
    first = official.post("/campaigns/", values)
    assert first.status_code == 400
    page = first.content.decode()
    warnings = page[page.index("campaign-warnings") : page.index("field-confirm") + 2000]
    assert closed.isoformat() in warnings and 'name="confirm"' in page
    assert not Campaign.objects.exists()
    confirmed = official.post("/campaigns/", {**values, "confirm": "on"})
    assert confirmed.status_code == 302
    assert Campaign.objects.get().closes_on == closed


def test_the_api_answers_409_with_the_warnings_until_confirmed(jiangsu_official):
    from datetime import timedelta

    from django.utils import timezone

    from tests.conftest import api_client_for

    client = api_client_for(jiangsu_official)
    closed = timezone.localdate() - timedelta(days=2)
    body = {
        "tier": "advanced",
        "year": closed.year,
        "opens_on": (closed - timedelta(days=20)).isoformat(),
        "closes_on": closed.isoformat(),
    }
    refused = client.post("/api/v1/campaigns/", body, format="json")
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "confirmation_needed"
    assert closed.isoformat() in error["fields"]["confirm"][0]
    assert not Campaign.objects.exists()
    opened = client.post("/api/v1/campaigns/", {**body, "confirm": True}, format="json")
    assert opened.status_code == 201 and opened.json()["closes_on"] == closed.isoformat()
