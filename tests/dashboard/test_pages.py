"""The dashboards' pages and API: who sees which region, both languages, the counts made ahead
of time (and when they are made again), and the targets as edition data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certification.models import TierConditionsEdition, validate_national_targets
from certification.selectors import tier_edition_current
from certification.services.reference import tier_conditions_copy
from dashboard import selectors
from dashboard.models import CountRun
from dashboard.services import region_counts_refresh
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def browser(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def wuxi_official(db):
    return mf.official(Role.CITY_OFFICIAL, "320200-industry-it")


@pytest.fixture
def zhejiang_official(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")


def test_each_official_gets_their_own_region(suzhou_official, jiangsu_official, miit_reviewer):
    assert selectors.dashboard_region_for(suzhou_official).city == "320500"
    assert selectors.dashboard_region_for(jiangsu_official).province == "32"
    assert selectors.dashboard_region_for(jiangsu_official).city is None
    assert selectors.dashboard_region_for(miit_reviewer).level == "national"
    # Narrowing inside the scope.
    assert selectors.dashboard_region_for(jiangsu_official, city="320500").level == "city"
    assert selectors.dashboard_region_for(miit_reviewer, province="33").province == "33"
    assert selectors.dashboard_region_for(miit_reviewer, city="330100").province == "33"


@pytest.mark.parametrize(
    ("who", "query", "status", "code"),
    [
        ("suzhou", {"city": "320200"}, 403, "forbidden"),
        ("suzhou", {"province": "32"}, 403, "forbidden"),
        ("jiangsu", {"province": "33"}, 403, "forbidden"),
        ("jiangsu", {"city": "330100"}, 403, "forbidden"),
        ("jiangsu", {"city": "999999"}, 404, "not_found"),
        ("miit", {"province": "99"}, 404, "not_found"),
        ("miit", {"province": "32", "city": "330100"}, 403, "forbidden"),
        ("enterprise", {}, 403, "forbidden"),
    ],
)
def test_regions_outside_the_scope_are_refused(
    request,
    suzhou_official,
    jiangsu_official,
    miit_reviewer,
    enterprise_user,
    who,
    query,
    status,
    code,
):
    user = {
        "suzhou": suzhou_official,
        "jiangsu": jiangsu_official,
        "miit": miit_reviewer,
        "enterprise": enterprise_user,
    }[who]
    response = api_client_for(user).get(reverse("dashboard-api"), query)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    page = browser(user).get(reverse("dashboard"), query)
    assert page.status_code == status


def test_anonymous_callers_are_asked_to_sign_in(client, api_client):
    assert api_client.get(reverse("dashboard-api")).status_code in (401, 403)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_nav_shows_the_dashboard_to_officials_only(suzhou_official, enterprise_user):
    link = f'href="{reverse("dashboard")}"'
    assert link in browser(suzhou_official).get(reverse("home")).content.decode()
    assert link not in browser(enterprise_user).get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["数据看板：全国", "对照国家目标", "按地区"]),
        ("en", ["Dashboard", "Against the national targets", "By region"]),
    ],
)
def test_the_national_page_in_both_languages(miit_reviewer, language, words):
    factory = mf.FactoryFactory()
    user = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(user, factory.enterprise)
    submitted_assessment(user, factory, level=3)
    response = browser(miit_reviewer, language).get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for word in words:
        assert word in html
    assert html.count("<svg") >= 4  # targets, excellent, issued per year, levels (+ regions)
    # The enterprise counts in Jiangsu's row (its province) and at level 2 or above.
    board = response.context["board"]
    jiangsu = next(row for code, _name, row in board.regions if code == "32")
    assert (jiangsu.enterprises.total, jiangsu.enterprises.level2) == (1, 1)
    assert board.levels[3] == 1


def test_the_api_gives_the_page_figures(jiangsu_official):
    factory = mf.FactoryFactory()
    user = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(user, factory.enterprise)
    submitted_assessment(user, factory, level=2)
    data = api_client_for(jiangsu_official).get(reverse("dashboard-api")).json()
    assert data["region"] == {
        "level": "province",
        "name": "Jiangsu",
        "province": "32",
        "city": None,
    }
    assert data["enterprises"] == {"total": 1, "level2": 1, "percent": 100.0}
    assert data["factories_by_level"]["2"] == 1
    suzhou = next(row for row in data["by_region"] if row["code"] == "320500")
    assert suzhou["enterprises"]["level2"] == 1
    targets = tier_edition_current().national_targets
    assert [t["year"] for t in data["targets"]] == sorted(t["year"] for t in targets)
    assert all(t["level2_met"] for t in data["targets"])


def test_levels_are_shown_as_of_the_last_count_which_runs_again_next_day(
    miit_reviewer, django_capture_on_commit_callbacks
):
    factory = mf.FactoryFactory()
    user = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(user, factory.enterprise)
    region = selectors.dashboard_region_for(miit_reviewer)
    assert selectors.dashboard_for(region).levels[0] == 1  # the first count, made on demand
    submitted_assessment(user, factory, level=3)
    assert selectors.dashboard_for(region).levels[3] == 0  # as of the count
    region_counts_refresh()
    assert selectors.dashboard_for(region).levels[3] == 1
    assert CountRun.objects.count() == 1  # earlier counts are dropped

    # A count of an earlier day: the page shows it and queues a new count.
    CountRun.objects.update(counted_on=timezone.localdate() - timedelta(days=1))
    submitted_assessment(user, mf.FactoryFactory(enterprise=factory.enterprise), level=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert selectors.dashboard_for(region).levels[4] == 0
    assert CountRun.objects.get().counted_on == timezone.localdate()
    assert selectors.dashboard_for(region).levels[4] == 1


def test_a_lapsed_assessment_no_longer_counts(miit_reviewer):
    factory = mf.FactoryFactory()
    user = mf.UserFactory(role=Role.ENTERPRISE_USER)
    mf.member_of(user, factory.enterprise)
    assessment = submitted_assessment(user, factory, level=2)
    region_counts_refresh(today=assessment.valid_until)
    board = selectors.dashboard_for(selectors.dashboard_region_for(miit_reviewer))
    assert board.total.enterprises.level2 == 1
    region_counts_refresh(today=assessment.valid_until + timedelta(days=1))
    board = selectors.dashboard_for(selectors.dashboard_region_for(miit_reviewer))
    assert (board.total.enterprises.level2, board.levels[0]) == (0, 1)


@pytest.mark.parametrize(
    "value",
    [
        {"year": 2027},
        [{"year": 2027, "level2_share": 50}],
        [{"year": 2027, "level2_share": 150, "excellent": 200}],
        [{"year": 2027, "level2_share": 50, "excellent": -1}],
        [{"year": 2027, "level2_share": "50", "excellent": 200}],
        [{"year": 2027, "level2_share": 50, "excellent": 200}] * 2,
    ],
)
def test_bad_targets_are_refused(value):
    with pytest.raises(ValidationError):
        validate_national_targets(value)


def test_targets_are_edition_data_copied_with_the_edition():
    edition = tier_edition_current()
    TierConditionsEdition.objects.filter(pk=edition.pk).update(
        national_targets=[{"year": 2028, "level2_share": 55, "excellent": 300}]
    )
    edition.refresh_from_db()
    validate_national_targets(edition.national_targets)
    copy = tier_conditions_copy(edition=edition, new_edition="2025-targets-copy")
    assert copy.national_targets == [{"year": 2028, "level2_share": 55, "excellent": 300}]
