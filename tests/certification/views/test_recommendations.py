"""The recommendation list page: the province ranks within its quota (refusals shown with the
reason), reorders, confirms and submits; MIIT reads what was submitted; nobody else gets in; and
the page's queries do not grow with the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from certification.models import Application, RecommendationEntry, RecommendationList
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from tests import model_factories as mf
from tests.certification.helpers import browser_for
from tests.certification.ranking_setup import excellent_campaign, waiting_in_ranking

pytestmark = pytest.mark.django_db

PAGE = "/recommendations/"


@pytest.fixture
def jiangsu(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")


@pytest.fixture
def applicant(db):
    return mf.UserFactory(role=Role.ENTERPRISE_USER)


def change(client, campaign, op: str, **fields):
    return client.post(PAGE, {"campaign": campaign.pk, "op": op, **fields}, follow=True)


def ranked_ids(campaign) -> list[int]:
    return list(
        RecommendationEntry.objects.filter(list__campaign=campaign)
        .order_by("rank")
        .values_list("application_id", flat=True)
    )


def test_the_province_ranks_reorders_and_submits(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=2)
    a, b, c = waiting_in_ranking(campaign, 3, applicant=applicant)
    client = browser_for(jiangsu)
    page = client.get(PAGE, {"campaign": campaign.pk}).content.decode()
    assert "Quota 2: 0 used, 2 left." in page
    assert all(app.factory.name in page for app in (a, b, c))

    for application in (a, b):
        change(client, campaign, "rank", application=application.pk)
    refused = change(client, campaign, "rank", application=c.pk).content.decode()
    assert "The quota is 2 and 2 places are taken" in refused
    assert ranked_ids(campaign) == [a.pk, b.pk]
    assert "Quota 2: 2 used, 0 left." in refused

    ranked = RecommendationList.objects.get(campaign=campaign)
    change(client, campaign, "down", list=ranked.pk, application=a.pk)
    assert ranked_ids(campaign) == [b.pk, a.pk]
    change(client, campaign, "up", list=ranked.pk, application=a.pk)
    assert ranked_ids(campaign) == [a.pk, b.pk]

    unconfirmed = change(client, campaign, "submit", list=ranked.pk).content.decode()
    assert "Tick the box to confirm" in unconfirmed
    assert RecommendationList.objects.get(pk=ranked.pk).status == "draft"
    done = change(client, campaign, "submit", list=ranked.pk, confirm="on").content.decode()
    assert "The list was submitted to MIIT." in done
    assert "Submit the list to MIIT" not in done and "Take off" not in done
    # What passed but was left off the list is shown for the province to decide on.
    assert "Passed, not on the submitted list" in done and c.factory.name in done
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert [statuses[a.pk], statuses[b.pk], statuses[c.pk]] == [
        "miit_review",
        "miit_review",
        "ranking",
    ]

    miit = browser_for(mf.official(Role.MIIT_REVIEWER, "miit"))
    page = miit.get(PAGE, {"campaign": campaign.pk}).content.decode()
    assert a.factory.name in page and b.factory.name in page and c.factory.name not in page
    assert miit.post(PAGE, {"campaign": campaign.pk, "op": "submit"}).status_code == 403


def test_only_recommending_units_and_miit_get_in(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=2)
    [application] = waiting_in_ranking(campaign, 1, applicant=applicant)
    assert browser_for(applicant).get(PAGE).status_code == 403
    city = mf.official(Role.CITY_OFFICIAL, "320500-industry-it")
    assert browser_for(city).get(PAGE).status_code == 403
    # Another province sees its own (empty) list and cannot touch Jiangsu's applications.
    zhejiang = browser_for(mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it"))
    page = zhejiang.get(PAGE, {"campaign": campaign.pk})
    assert page.status_code == 200 and application.factory.name not in page.content.decode()
    response = zhejiang.post(
        PAGE, {"campaign": campaign.pk, "op": "rank", "application": application.pk}
    )
    assert response.status_code == 404
    assert not RecommendationEntry.objects.exists()


def test_the_page_reads_in_chinese(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=3)
    waiting_in_ranking(campaign, 1, applicant=applicant)
    page = browser_for(jiangsu, "zh-hans").get(PAGE, {"campaign": campaign.pk}).content.decode()
    assert "推荐名单" in page


def test_queries_do_not_grow_with_the_list(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    applications = waiting_in_ranking(campaign, 24, applicant=applicant)
    client = browser_for(jiangsu)

    def queries_with(ranked: int) -> int:
        for application in applications:
            if ranked_count() >= ranked:
                break
            if not RecommendationEntry.objects.filter(application=application).exists():
                application_transition(application=application, action=Action.RANK, actor=jiangsu)
        client.get(PAGE, {"campaign": campaign.pk})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE, {"campaign": campaign.pk})
        assert response.status_code == 200
        return len(queries)

    def ranked_count() -> int:
        return RecommendationEntry.objects.count()

    few, many = queries_with(2), queries_with(12)
    assert ranked_count() == 12
    assert few == many
