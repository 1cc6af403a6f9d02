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
