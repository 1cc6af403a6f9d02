"""National scale, checked on generated data at a small scale: every list's plan uses the index
made for it, and every API list runs the same number of queries whatever its page size.

The data is generated once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint within it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import Role, User
from assessments.models import Assessment
from certification.models import Application, Certificate
from factories.models import Enterprise, Factory
from tests import model_factories as mf

pytestmark = pytest.mark.django_db

SCALE = 0.02


@pytest.fixture(scope="module")
def national_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "generate_national_data", scale=SCALE, seed=5, force=True, stdout=io.StringIO()
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield
        transaction.set_rollback(True)


def national() -> User:
    return mf.official(Role.MIIT_REVIEWER, "miit")


def provincial(province: str) -> User:
    return User.objects.get(username=f"gen-official-{province}")


def city_official(city: str) -> User:
    return mf.official(Role.CITY_OFFICIAL, f"{city}-industry-it")


def smallest(model: type, field: str, **filters: object) -> str:
    """The region with the fewest rows of ``model`` (at least two): where reading the region's
    own index is plainly better than filtering a national one."""
    rows = (
        model.objects.filter(**filters)
        .values(field)
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("n", field)
    )
    return str(rows[0][field])


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def plans_of(user: User, url: str) -> str:
    """The EXPLAIN output of every query the API request runs, as one text."""
    with CaptureQueriesContext(connection) as captured:
        response = client_for(user).get(url)
    assert response.status_code == 200, response.content[:300]
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(plans)


Principal = Callable[[], User]

# (index, who asks, list URL): each index serves one scope of one list (or its worklist).
INDEX_CASES: list[tuple[str, Callable[[], User], str]] = [
    ("enterprise_name_idx", national, "/api/v1/enterprises/"),
    # A regional official's enterprises: those present in the region (registered there or
    # with a factory there), one range of the presence index in name order.
    (
        "presence_region_order_idx",
        lambda: provincial(smallest(Factory, "province", away=True)),
        "/api/v1/enterprises/",
    ),
    (
        "presence_region_order_idx",
        lambda: city_official(smallest(Factory, "city", away=True)),
        "/api/v1/enterprises/",
    ),
    (
        "factory_province_idx",
        lambda: provincial(smallest(Factory, "province")),
        "/api/v1/factories/",
    ),
    ("factory_city_idx", lambda: city_official(smallest(Factory, "city")), "/api/v1/factories/"),
    ("assessment_submitted_idx", national, "/api/v1/assessments/"),
    (
        "assessment_province_idx",
        lambda: provincial(smallest(Assessment, "province")),
        "/api/v1/assessments/",
    ),
    (
        "assessment_city_idx",
        lambda: city_official(smallest(Assessment, "city")),
        "/api/v1/assessments/",
    ),
    ("application_recent_idx", national, "/api/v1/applications/"),
    (
        "application_province_idx",
        lambda: provincial(smallest(Application, "province")),
        "/api/v1/applications/",
    ),
    (
        "application_city_idx",
        lambda: city_official(smallest(Application, "city")),
        "/api/v1/applications/",
    ),
    (
        "application_province_wait_idx",
        lambda: provincial(smallest(Application, "province", status="provincial_review")),
        "/api/v1/applications/?waiting_for=me",
    ),
    (
        "application_city_wait_idx",
        lambda: city_official(smallest(Application, "city", status="city_review")),
        "/api/v1/applications/?waiting_for=me",
    ),
    ("certificate_recent_idx", national, "/api/v1/certificates/"),
    (
        "certificate_province_idx",
        lambda: provincial(smallest(Certificate, "province")),
        "/api/v1/certificates/",
    ),
    (
        "certificate_city_idx",
        lambda: city_official(smallest(Certificate, "city")),
        "/api/v1/certificates/",
    ),
]


@pytest.mark.parametrize(
    ("index", "who", "url"), INDEX_CASES, ids=[f"{c[0]}-{n}" for n, c in enumerate(INDEX_CASES)]
)
def test_the_list_plan_uses_its_index(national_data, index, who, url):
    plans = plans_of(who(), url)
    assert re.search(rf"\b{index}\b", plans), plans


def test_the_worklist_reads_the_first_page_off_its_index(national_data):
    """The worklist's status and workflow conditions are counted together (the statistics of
    migration 0018): counted as independent, they were thought to leave a few rows, and the plan
    read and sorted every waiting application of the province rather than the first page of the
    index in order."""
    busiest = (
        Application.objects.filter(status="provincial_review")
        .values("province")
        .annotate(n=Count("pk"))
        .order_by("-n", "province")
        .first()
    )
    assert busiest is not None and busiest["n"] >= 3
    url = "/api/v1/applications/?waiting_for=me&page_size=2"
    plans = plans_of(provincial(busiest["province"]), url)
    assert "Index Scan using application_province_wait_idx" in plans, plans
    assert "Sort" not in plans, plans


def test_the_away_factories_are_there(national_data):
    """The enterprise cases above mean something only if some factories are away from home."""
    away = Factory.objects.filter(away=True)
    assert away.exists()
    assert all(f.city_id != f.enterprise.city_id for f in away.select_related("enterprise")[:50])


LISTS = [
    "/api/v1/enterprises/",
    "/api/v1/factories/",
    "/api/v1/assessments/",
    "/api/v1/applications/",
    "/api/v1/applications/?waiting_for=me",
    "/api/v1/certificates/",
    "/api/v1/campaigns/",
]


def _queries(user: User, url: str, size: int) -> tuple[int, int]:
    """Queries besides authentication (the user comes with its authority, as the token
    authentication reads it) and rows of one page of ``size``."""
    user = User.objects.select_related("authority").get(pk=user.pk)
    separator = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as captured:
        response = client_for(user).get(f"{url}{separator}page_size={size}")
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("scope", ["national", "provincial", "city"])
def test_every_list_runs_the_same_queries_at_two_page_sizes(national_data, scope, url):
    if scope == "national":
        user = national()
    else:
        busiest = (
            Application.objects.filter(status__in=["city_review", "provincial_review"])
            .values("city", "province")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        assert busiest is not None
        user = (
            provincial(busiest["province"])
            if scope == "provincial"
            else city_official(busiest["city"])
        )
    small, small_rows = _queries(user, url, 2)
    large, large_rows = _queries(user, url, 40)
    # At most: the regional enterprises' away set, a page of each part, the rows.
    assert small == large <= 4, (small, large)
    if "waiting_for" not in url or scope != "national":
        assert small_rows == 2 and large_rows > small_rows


def _list_outputs():
    from assessments.api import AssessmentOutput
    from assessments.api import list_rows as assessment_rows
    from certification.api.applications import ApplicationOutput, list_rows
    from certification.api.certificates import CertificateOutput
    from certification.api.certificates import list_rows as certificate_rows
    from factories.api import EnterpriseOutput, FactoryOutput

    return [
        (EnterpriseOutput, Enterprise.objects.select_related("city", "industry")),
        (FactoryOutput, Factory.objects.select_related("city", "industry")),
        (AssessmentOutput, assessment_rows(Assessment.objects.all())),
        (ApplicationOutput, list_rows(Application.objects.all())),
        (CertificateOutput, certificate_rows(Certificate.objects.all())),
    ]


@pytest.mark.parametrize(
    ("language", "zone"), [("zh-hans", "Asia/Shanghai"), ("en", "UTC"), ("en", "Asia/Kolkata")]
)
def test_the_fast_rendering_is_drfs_rendering(national_data, language, zone):
    """Pages (FastListSerializer) and single objects (CachedFieldsMixin) render byte for byte
    what DRF's own field-by-field rendering gives, in each language and active time zone (UTC
    renders datetimes with a "Z")."""
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from core.rendering import FastListSerializer

    render = JSONRenderer().render
    with translation.override(language), timezone.override(zone):
        for output, queryset in _list_outputs():
            rows = list(queryset.order_by("pk")[:300])
            assert len(rows) >= 10
            for context in ({"for_applicant": True}, {"for_applicant": False}):
                drf = [
                    serializers.Serializer.to_representation(output(context=context), row)
                    for row in rows
                ]
                fast = FastListSerializer(child=output(context=context), context=context)
                assert render(fast.to_representation(rows)) == render(drf), output.__name__
                one = [output(row, context=context).data for row in rows]
                assert render(one) == render(drf), output.__name__


def test_prepared_eligibility_agrees_with_the_querysets(national_data):
    """factory_eligibility reads its facts by prepared queries (core.prepared); the querysets
    they were compiled from (factory_snapshot, latest_assessment, campaign_open_for) give the
    same results, factory by factory and tier by tier, in both languages."""
    from certification import rules
    from certification.selectors import (
        assessment_facts,
        campaign_facts,
        campaign_open_for,
        factory_eligibility,
        factory_snapshot,
        latest_assessment,
        tier_edition_current,
        tier_rule,
    )

    today = timezone.localdate()
    edition = tier_edition_current()
    certified = Factory.objects.filter(certificates__isnull=False).order_by("pk")[:60]
    applying = Factory.objects.filter(applications__isnull=False).order_by("pk")[:60]
    plain = Factory.objects.order_by("pk")[:60]
    factories = {f.pk: f for f in [*certified, *applying, *plain]}.values()
    outcomes = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for factory in factories:
                for tier in ("basic", "advanced", "excellent"):
                    expected = rules.evaluate_eligibility(
                        tier_rule(edition, tier),
                        factory_snapshot(factory),
                        assessment_facts(latest_assessment(factory), edition=edition),
                        campaign_facts(campaign_open_for(factory, tier, today)),
                        today,
                    )
                    assert factory_eligibility(factory, tier, today) == expected
                    outcomes.add(rules.all_passed(expected))
    assert outcomes == {True, False}
