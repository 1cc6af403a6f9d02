"""The dashboard's figures against independent computations on generated national data (at a
small scale): Python over the raw rows, or ORM queries written another way."""

from __future__ import annotations

import io
import random
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment
from certification.models import (
    IN_FLIGHT_STATES,
    Application,
    AuditEvent,
    Campaign,
    CampaignQuota,
    Certificate,
    Deadline,
)
from dashboard import selectors
from dashboard.selectors import Region
from factories.models import Enterprise, Factory

pytestmark = pytest.mark.django_db

SCALE = 0.02


@pytest.fixture(scope="module")
def national_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "generate_national_data", scale=SCALE, seed=11, force=True, stdout=io.StringIO()
        )
        _add_review_history()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield
        transaction.set_rollback(True)


def _add_review_history() -> None:
    """The generator writes no audit log: give some applications a history of steps, at
    random times within the last two years, and some events that keep the state."""
    rng = random.Random(3)
    now = timezone.now()
    path = ["draft", "submitted", "checks_passed", "city_review", "provincial_review"]
    events = []
    for application in Application.objects.order_by("pk")[:300]:
        at = now - timedelta(days=rng.randint(10, 700))
        for before, after in zip(path, path[1:], strict=False):
            at += timedelta(hours=rng.randint(1, 24 * 40))
            events.append(
                AuditEvent(
                    application=application,
                    event_type="submitted",
                    from_status=before,
                    to_status=after,
                    at=at,
                )
            )
            if rng.random() < 0.3:  # a score or a note: no step is left
                events.append(
                    AuditEvent(
                        application=application,
                        event_type="submitted",
                        from_status=after,
                        to_status=after,
                        at=at + timedelta(hours=1),
                    )
                )
    AuditEvent.objects.bulk_create(events)
    # auto_now_add set ``at`` to now: put the times back.
    for event in events:
        AuditEvent.objects.filter(pk=event.pk).update(at=event.at)


def regions() -> list[Region]:
    province = Factory.objects.values_list("province_id", flat=True).order_by("province_id")[0]
    city = (
        Factory.objects.filter(province_id=province)
        .values_list("city_id", flat=True)
        .order_by("city_id")[0]
    )
    return [
        Region(level="national", name="national"),
        Region(level="province", name=province, province=province),
        Region(level="city", name=city, province=province, city=city),
    ]


def in_region(rows, region: Region, prefix: str = ""):
    if region.city:
        return rows.filter(**{f"{prefix}city_id": region.city})
    if region.province:
        return rows.filter(**{f"{prefix}province_id": region.province})
    return rows


@pytest.mark.parametrize("level", [0, 1, 2])
def test_enterprise_shares_and_breakdowns(national_data, level):
    region = regions()[level]
    today = timezone.localdate()
    valid_level2 = Assessment.objects.filter(
        factory__enterprise=OuterRef("pk"),
        status="submitted",
        valid_until__gte=today,
        maturity_level__gte=2,
    )
    valid_any = Assessment.objects.filter(
        factory__enterprise=OuterRef("pk"), status="submitted", valid_until__gte=today
    ).exclude(maturity_level=None)
    enterprises = list(
        in_region(Enterprise.objects.all(), region)
        .annotate(l2=Exists(valid_level2), assessed=Exists(valid_any))
        .values(
            "pk", "province_id", "city_id", "industry_id", "above_designated_size", "l2", "assessed"
        )
    )
    board = selectors.dashboard_for(region)

    assert board.total.enterprises.total == len(enterprises) > 0
    assert board.total.enterprises.level2 == sum(e["l2"] for e in enterprises)
    assert board.total.assessed == sum(e["assessed"] for e in enterprises)
    above = [e for e in enterprises if e["above_designated_size"]]
    assert board.total.above_size.total == len(above)
    assert board.total.above_size.level2 == sum(e["l2"] for e in above)
    expected_percent = round(100 * sum(e["l2"] for e in enterprises) / len(enterprises), 1)
    assert board.total.enterprises.percent == expected_percent

    by_industry = Counter(e["industry_id"] for e in enterprises)
    assert {code: row.enterprises.total for code, _n, row in board.industries} == by_industry
    if region.level != "city":
        key = "province_id" if region.level == "national" else "city_id"
        level2 = Counter(e[key] for e in enterprises if e["l2"])
        shown = {code: row.enterprises.level2 for code, _n, row in board.regions}
        assert {code: n for code, n in shown.items() if n} == level2
    else:
        assert board.regions == []


@pytest.mark.parametrize("level", [0, 1, 2])
def test_certificates_levels_and_issued(national_data, level):
    region = regions()[level]
    today = timezone.localdate()
    board = selectors.dashboard_for(region)

    certificates = list(
        in_region(Certificate.objects.all(), region).values(
            "tier", "status", "issued_on", "factory__industry_id"
        )
    )
    current = Counter((c["tier"], c["status"]) for c in certificates)
    for tier, counts in board.certificates.items():
        assert counts == {
            "active": current[(tier, "active")],
            "suspended": current[(tier, "suspended")],
        }
    assert sum(c["active"] for c in board.certificates.values()) > 0
    issued = Counter((c["issued_on"].year, c["tier"]) for c in certificates)
    for year, counts in board.issued:
        for tier, count in counts.items():
            assert count == issued[(year, tier)]
    assert [year for year, _c in board.issued] == list(range(today.year - 5, today.year + 1))
    industry_excellent = Counter(
        c["factory__industry_id"]
        for c in certificates
        if c["tier"] == "excellent" and c["status"] in ("active", "suspended")
    )
    shown = {code: row.certificates["excellent"] for code, _n, row in board.industries}
    assert {k: v for k, v in shown.items() if v} == industry_excellent

    # Each factory's highest valid level, in Python.
    best: dict[int, int] = {}
    for factory_id, maturity in (
        Assessment.objects.filter(status="submitted", valid_until__gte=today)
        .exclude(maturity_level=None)
        .values_list("factory_id", "maturity_level")
    ):
        best[factory_id] = max(best.get(factory_id, 0), maturity)
    factories = in_region(Factory.objects.all(), region).values_list("pk", flat=True)
    expected = Counter(best.get(pk, 0) for pk in factories)
    assert board.levels == {level: expected[level] for level in range(6)}


@pytest.mark.parametrize("level", [0, 1])
def test_steps_campaigns_and_lapses(national_data, level):
    region = regions()[level]
    now = timezone.now()
    today = timezone.localdate(now)
    board = selectors.dashboard_for(region, now=now)

    waiting = defaultdict(list)
    for status, since in in_region(
        Application.objects.filter(status__in=IN_FLIGHT_STATES), region
    ).values_list("status", "state_changed_at"):
        waiting[status].append((now - since).total_seconds() / 86400)
    spans = defaultdict(list)
    events = in_region(AuditEvent.objects.exclude(application=None), region, "application__")
    previous = {}
    for event in events.order_by("application_id", "at", "pk"):
        if event.from_status == event.to_status:
            continue
        before = previous.get(event.application_id)
        if (
            before
            and before.to_status == event.from_status
            and event.at >= now - timedelta(days=365)
        ):
            spans[event.from_status].append((event.at - before.at).total_seconds() / 86400)
        previous[event.application_id] = event
    assert spans, "the history must give some completed steps"
    shown = {step.status: step for step in board.steps}
    assert set(shown) == set(waiting) | set(spans)
    for status, step in shown.items():
        assert step.in_step == len(waiting[status])
        assert step.completed == len(spans[status])
        if waiting[status]:
            assert step.median_waiting_days == pytest.approx(
                statistics.median(waiting[status]), abs=0.06
            )
        if spans[status]:
            assert step.median_step_days == pytest.approx(
                statistics.median(spans[status]), abs=0.06
            )

    campaigns = {c.campaign_id: c for c in board.campaigns}
    expected_campaigns = Campaign.objects.filter(year=today.year)
    if region.province:
        expected_campaigns = [
            c
            for c in expected_campaigns
            if c.authority.level == "national" or c.authority.province_id == region.province
        ]
    assert set(campaigns) == {c.pk for c in expected_campaigns}
    for campaign in expected_campaigns:
        apps = list(in_region(campaign.applications.all(), region).values_list("status", flat=True))
        figure = campaigns[campaign.pk]
        assert figure.applications == len(apps)
        assert figure.submitted == sum(s not in ("draft", "withdrawn") for s in apps)
        quotas = CampaignQuota.objects.filter(campaign=campaign)
        if region.province:
            quotas = quotas.filter(province_id=region.province)
        assert figure.quota == (sum(q.quota for q in quotas) or None)

    lapsing = [
        d
        for d in Deadline.objects.filter(kind="assessment_lapse").select_related("factory")
        if today <= d.due_on <= today + timedelta(days=30)
        and (not region.province or d.factory.province_id == region.province)
    ]
    assert board.lapsing == len(lapsing)


@pytest.mark.parametrize("key", ["province_id", "city_id"])
def test_the_queries_do_not_grow_with_the_data(national_data, key):
    """The largest and the smallest region of a level run the same queries."""
    sizes = Factory.objects.order_by().values(key).annotate(n=Count("pk")).order_by("-n", key)
    largest, smallest = sizes[0], list(sizes)[-1]
    assert largest["n"] > 10 * smallest["n"]
    selectors.dashboard_for(regions()[0])  # the published edition is cached per process
    counts = []
    for row in (largest, smallest):
        code = row[key]
        region = (
            Region(level="province", name=code, province=code)
            if key == "province_id"
            else Region(level="city", name=code, province=code[:2], city=code)
        )
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard_for(region)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 13
