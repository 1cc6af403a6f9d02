"""Keyset pagination of the API lists: walking every page gives every row once, in the list's
order, whatever the ties and NULLs in the leading column; bad cursors and sizes are 400s."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.utils import timezone

from assessments.models import Assessment
from assessments.selectors import model_version_current
from certification import selectors
from certification.models import Application
from tests import model_factories as mf
from tests.certification.helpers import make_applications
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def walk(client, url: str) -> tuple[list[int], int]:
    """Follow ``next`` from ``url`` to the end: the ids in order and the number of pages."""
    ids: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"next", "results"}
        ids += [row["id"] for row in body["results"]]
        pages += 1
        url = body["next"]
    return ids, pages


def test_pages_of_tied_timestamps_give_every_row_once_in_order():
    applications = make_applications(23)
    # Ties in the leading column: the cursor must fall back on the primary key.
    same = timezone.now()
    Application.objects.filter(pk__in=[a.pk for a in applications[:12]]).update(created_at=same)
    official = mf.official("provincial_official", "32-industry-it")
    expected = list(
        selectors.application_list_for(official)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    ids, pages = walk(api_client_for(official), "/api/v1/applications/?page_size=5")
    assert ids == expected and len(ids) == 23 and pages == 5


def test_nulls_in_the_leading_column_sort_first_and_are_paged(enterprise_user):
    version = model_version_current()
    enterprise = mf.EnterpriseFactory()
    mf.member_of(enterprise_user, enterprise)
    now = timezone.now()
    for index in range(7):
        factory = mf.FactoryFactory(enterprise=enterprise)
        submitted = index % 2 == 0
        Assessment.objects.create(
            factory=factory,
            province_id=factory.province_id,
            city_id=factory.city_id,
            version=version,
            industry_type="discrete",
            status=Assessment.Status.SUBMITTED if submitted else Assessment.Status.DRAFT,
            created_by=enterprise_user,
            submitted_by=enterprise_user if submitted else None,
            submitted_at=now if submitted else None,
            valid_until=now.date() if submitted else None,
            maturity_level=2 if submitted else None,
            overall_score=2 if submitted else None,
        )
    expected = list(
        Assessment.objects.order_by(
            F("submitted_at").desc(nulls_first=True), "-created_at", "-pk"
        ).values_list("pk", flat=True)
    )
    ids, pages = walk(api_client_for(enterprise_user), "/api/v1/assessments/?page_size=2")
    assert ids == expected and pages == 4
    drafts = set(Assessment.objects.filter(status="draft").values_list("pk", flat=True))
    assert set(ids[:3]) == drafts  # drafts (no submission date) first, as PostgreSQL sorts


@pytest.mark.parametrize(
    "query",
    ["cursor=%%%", "cursor=bm90IGpzb24", "cursor=WzEsMiwzLDRd", "cursor=WyJ4IiwieSJd"],
)
def test_a_forged_cursor_is_a_400_naming_the_cursor(query):
    official = mf.official("provincial_official", "32-industry-it")
    response = api_client_for(official).get(f"/api/v1/applications/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor" and "cursor" in response.json()["fields"]


@pytest.mark.parametrize("size", ["0", "-1", "abc", "²"])
def test_a_bad_page_size_is_a_400(size):
    official = mf.official("provincial_official", "32-industry-it")
    response = api_client_for(official).get("/api/v1/certificates/", {"page_size": size})
    assert response.status_code == 400 and "page_size" in response.json()["fields"]


def test_a_page_size_above_the_maximum_is_capped():
    make_applications(3)
    official = mf.official("provincial_official", "32-industry-it")
    response = api_client_for(official).get("/api/v1/applications/", {"page_size": 100000})
    assert response.status_code == 200 and len(response.json()["results"]) == 3


def test_the_any_lookup_selects_what_in_selects():
    """``__any`` (one array parameter, core.lookups) is ``__in`` by another way: same rows for a
    list of some, none, and ids that do not exist, and one parameter on PostgreSQL; like
    ``__in``, no query at all for an empty list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    applications = make_applications(5)
    wanted = frozenset(a.pk for a in applications[1:4]) | {10**9}
    for ids in (wanted, frozenset(), frozenset({applications[0].pk})):
        expected = set(Application.objects.filter(pk__in=ids).values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            found = set(Application.objects.filter(pk__any=ids).values_list("pk", flat=True))
        assert found == expected
        assert len(queries) == (1 if ids else 0)
    assert found == {applications[0].pk}
    assert "ANY(" in queries[0]["sql"] and "IN (" not in queries[0]["sql"]


def test_a_list_without_filter_parameters_skips_the_filter_set_and_shows_the_same_rows(
    miit_reviewer,
):
    """core.filtering.FilterBackend: with only page parameters no filter set is built; the rows
    are those of the list with a filter that keeps everything."""
    factories = [mf.FactoryFactory() for _ in range(3)]
    client = api_client_for(miit_reviewer)
    plain = [row["id"] for row in client.get("/api/v1/factories/?page_size=10").json()["results"]]
    filtered = client.get("/api/v1/factories/?page_size=10&province=").json()["results"]
    assert plain == [row["id"] for row in filtered]
    assert {f.pk for f in factories} <= set(plain)
    narrowed = client.get(f"/api/v1/factories/?enterprise={factories[0].enterprise_id}")
    assert [row["id"] for row in narrowed.json()["results"]] == [factories[0].pk]
