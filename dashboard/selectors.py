"""Who sees which dashboard, and the dashboard's figures read with aggregate queries.

A dashboard covers a region: the whole country, a province or a city. An official sees their own
region and may narrow it to a region inside it (MIIT any province or city, a province its
cities). Every figure comes from a grouped query whose size does not depend on the number of
rows it counts; ``dashboard.figures`` folds the groups into totals and breakdowns.

Definitions (also on the page):

- An enterprise is at level 2 or above when one of its factories has a self-assessment at level
  2 or above that is still valid (submitted, and its validity has not ended). Enterprises are
  counted in the region where they are registered, factories where they are.
- The levels and the breakdowns by region and industry are counted ahead of time
  (``dashboard.models``, hourly by default) and shown as of that count; the headline
  certificate counts, the applications, campaigns and lapses are counted live.
- A factory's level is the highest level of its valid self-assessments; factories without one
  are "not assessed".
- Current certificates are the active and the suspended ones; "issued per year" counts every
  certificate issued that year, whatever became of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ScopeLevel, User
from accounts.selectors import AnyUser, scope_for
from certification.models import (
    IN_FLIGHT_STATES,
    Application,
    Campaign,
    CampaignQuota,
    Certificate,
    Deadline,
)
from certification.selectors import tier_edition_current
from core.dispatch import task_queue_on_commit
from core.errors import NotFound, PermissionDenied
from dashboard import figures
from dashboard.models import (
    COUNT_COLUMNS,
    LEVEL_RANGE,
    TIER_CODES,
    CountRun,
    RegionCount,
    StepDuration,
)
from dashboard.services import region_counts_refresh
from factories.models import Industry
from regions.models import City, Province

OFFICIAL_LEVELS = (ScopeLevel.CITY, ScopeLevel.PROVINCE, ScopeLevel.NATIONAL)
YEARS_SHOWN = 6  # certificates issued per year: this year and the five before
LAPSE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Region:
    """The region a dashboard covers. ``level`` is national, province or city."""

    level: str
    name: str
    province: str | None = None
    city: str | None = None
    province_name: str = ""

    @property
    def subregion_level(self) -> str | None:
        return {"national": "province", "province": "city"}.get(self.level)


@dataclass
class Dashboard:
    region: Region
    today: date
    total: figures.BreakdownRow
    regions: list[tuple[str, str, figures.BreakdownRow]]
    industries: list[tuple[str, str, figures.BreakdownRow]]
    levels: dict[int, int]
    certificates: dict[str, dict[str, int]]
    issued: list[tuple[int, dict[str, int]]]
    targets: list[figures.TargetProgress]
    steps: list[figures.StepFigure]
    campaigns: list[figures.CampaignFigure]
    lapsing: int
    counted_at: datetime | None = None
    subregions: list[tuple[str, str]] = field(default_factory=list)


def dashboard_visible(user: AnyUser) -> bool:
    """Officials with a region (a city, a province or the country) see its dashboard."""
    return isinstance(user, User) and scope_for(user).level in OFFICIAL_LEVELS


def dashboard_region_for(
    user: AnyUser, *, province: str | None = None, city: str | None = None
) -> Region:
    """The region ``user`` asked for, within their scope: their own by default."""
    scope = scope_for(user)
    if scope.level not in OFFICIAL_LEVELS:
        raise PermissionDenied(_("Dashboards are for city, provincial and national officials."))
    if city:
        found = City.objects.select_related("province").filter(code=city).first()
        if found is None:
            raise NotFound(_("No city has the code %(code)s.") % {"code": city})
        allowed = (
            scope.level == ScopeLevel.NATIONAL
            or (scope.level == ScopeLevel.PROVINCE and found.province_id == scope.province_code)
            or (scope.level == ScopeLevel.CITY and found.code == scope.city_code)
        )
        if not allowed or (province and province != found.province_id):
            raise PermissionDenied(_("This city is outside your region."))
        return Region(
            level="city",
            name=found.name,
            province=found.province_id,
            city=found.code,
            province_name=found.province.name,
        )
    if province:
        found_province = Province.objects.filter(code=province).first()
        if found_province is None:
            raise NotFound(_("No province has the code %(code)s.") % {"code": province})
        allowed = scope.level == ScopeLevel.NATIONAL or (
            scope.level == ScopeLevel.PROVINCE and province == scope.province_code
        )
        if not allowed:
            raise PermissionDenied(_("This province is outside your region."))
        return Region(level="province", name=found_province.name, province=province)
    if scope.level == ScopeLevel.CITY:
        return dashboard_region_for(user, city=scope.city_code)
    if scope.level == ScopeLevel.PROVINCE:
        return dashboard_region_for(user, province=scope.province_code)
    return Region(level="national", name=_("Nationwide"))


# --- the queries ---------------------------------------------------------------------------------


def _located(region: Region, prefix: str = "") -> Q:
    """The filter on a row that carries province and city codes."""
    if region.city:
        return Q(**{f"{prefix}city_id": region.city})
    if region.province:
        return Q(**{f"{prefix}province_id": region.province})
    return Q()


def _where(region: Region, alias: str) -> tuple[str, list[Any]]:
    if region.city:
        return f"{alias}.city_id = %s", [region.city]
    if region.province:
        return f"{alias}.province_id = %s", [region.province]
    return "1 = 1", []


def _count_run(today: date) -> CountRun:
    """The latest count behind the levels and breakdowns; counted now when there is none yet
    (a new installation), counted again in the background when it is from an earlier day."""
    run = CountRun.objects.order_by("-computed_at", "-pk").first()
    if run is None:
        return region_counts_refresh(today=today)
    if run.counted_on < today and cache.add("dashboard-count-refresh-queued", 1, 600):
        task_queue_on_commit("dashboard.refresh_counts")
    return run


def _count_groups(region: Region, run: CountRun, key: str) -> list[figures.CountGroup]:
    """The region's counts summed by ``key`` (a subregion or the industry) and size."""
    rows = (
        RegionCount.objects.filter(_located(region), run=run)
        .order_by()
        .values(key, "above_designated_size")
        .annotate(**{column: Sum(column) for column in COUNT_COLUMNS})
    )
    return [
        figures.CountGroup(
            code=row[key],
            above_size=row["above_designated_size"],
            enterprises=tuple(row[f"enterprises_{level}"] for level in LEVEL_RANGE),
            factories=tuple(row[f"factories_{level}"] for level in LEVEL_RANGE),
            certificates={tier: row[f"certificates_{tier}"] for tier in TIER_CODES},
        )
        for row in rows
    ]


def _certificates(
    region: Region, today: date
) -> tuple[dict[str, dict[str, int]], list[tuple[int, dict[str, int]]]]:
    """The region's current certificates by tier and status, and the certificates issued in
    each of the last years by tier (whatever became of them), live in one grouped query."""
    first = today.year - YEARS_SHOWN + 1
    rows = (
        Certificate.objects.filter(_located(region))
        .order_by()
        .annotate(year=ExtractYear("issued_on"))
        .values_list("tier", "status", "year")
        .annotate(n=Count("pk"))
    )
    current = {tier: {"active": 0, "suspended": 0} for tier in figures.TIERS}
    issued = []
    for tier, status, year, count in rows:
        if status in current[tier]:
            current[tier][status] += count
        issued.append((year, tier, count))
    return current, figures.issued_by_year(issued, first_year=first, last_year=today.year)


def _steps(region: Region, run: CountRun, now: datetime) -> list[figures.StepFigure]:
    """Applications in flight by step with the median wait so far (live), and the median time
    the steps took over the year before the last count (``dashboard.models.StepDuration``)."""
    where, params = _where(region, "a")
    in_flight = list(IN_FLIGHT_STATES)
    waiting: dict[str, tuple[int, float | None]] = {}
    if connection.vendor == "postgresql":
        marks = ", ".join(["%s"] * len(in_flight))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.status, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
                "EXTRACT(EPOCH FROM (%s - a.state_changed_at)) / 86400.0) "
                f"FROM {Application._meta.db_table} a "
                f"WHERE {where} AND a.status IN ({marks}) GROUP BY a.status",
                [now, *params, *in_flight],
            )
            waiting = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    else:  # the embedded demo database: the medians taken here
        grouped: dict[str, list[float]] = {}
        rows = Application.objects.filter(_located(region), status__in=in_flight)
        for status, since in rows.values_list("status", "state_changed_at"):
            grouped.setdefault(status, [])
            if since is not None:
                grouped[status].append((now - since).total_seconds() / 86400)
        waiting = {key: (len(days), figures.median(days)) for key, days in grouped.items()}
    spans = {
        row.step: (row.left, row.median_days)
        for row in StepDuration.objects.filter(run=run, region=region.city or region.province or "")
    }
    steps = []
    for status in [*in_flight, *sorted(set(spans) - set(in_flight))]:
        count, waited = waiting.get(status, (0, None))
        left, took = spans.get(status, (0, None))
        if not count and not left:
            continue
        steps.append(
            figures.StepFigure(
                status=status,
                in_step=count,
                median_waiting_days=_days(waited),
                median_step_days=_days(took),
                completed=left,
            )
        )
    return steps


def _days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _campaigns(region: Region, today: date) -> list[figures.CampaignFigure]:
    """This year's campaigns that reach the region, with its applications and its quota."""
    campaigns = Campaign.objects.filter(year=today.year).select_related("authority")
    if region.province:
        campaigns = campaigns.filter(
            Q(authority__level="national") | Q(authority__province_id=region.province)
        )
    in_region = _located(region, "applications__")
    campaigns = campaigns.annotate(
        n_applications=Count("applications", filter=in_region),
        n_submitted=Count(
            "applications", filter=in_region & ~Q(applications__status__in=["draft", "withdrawn"])
        ),
        n_certified=Count("applications", filter=in_region & Q(applications__status="certified")),
    ).order_by("closes_on", "pk")
    quotas: dict[int, int] = {}
    if not region.city:
        quota_rows = CampaignQuota.objects.filter(campaign__year=today.year)
        if region.province:
            quota_rows = quota_rows.filter(province_id=region.province)
        quotas = {
            row["campaign_id"]: row["total"]
            for row in quota_rows.order_by().values("campaign_id").annotate(total=Sum("quota"))
        }
    return [
        figures.CampaignFigure(
            campaign_id=campaign.pk,
            label=str(campaign),
            tier=campaign.tier,
            opens_on=campaign.opens_on,
            closes_on=campaign.closes_on,
            days_left=(campaign.closes_on - today).days,
            applications=campaign.n_applications,
            submitted=campaign.n_submitted,
            certified=campaign.n_certified,
            quota=quotas.get(campaign.pk),
        )
        for campaign in campaigns
    ]


def _lapsing(region: Region, today: date) -> int:
    """Certified factories whose self-assessment lapses in the next 30 days."""
    return (
        Deadline.objects.filter(
            _located(region, "factory__"),
            kind=Deadline.Kind.ASSESSMENT_LAPSE,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=LAPSE_WINDOW_DAYS),
        )
        .order_by()
        .count()
    )


def dashboard_for(region: Region, *, now: datetime | None = None) -> Dashboard:
    """Every figure of ``region``'s dashboard, in a fixed number of queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = _count_run(today)
    total, by_industry = figures.breakdown(_count_groups(region, run, "industry_id"))
    by_region: dict[str, figures.BreakdownRow] = {}
    if region.subregion_level:
        _sum, by_region = figures.breakdown(
            _count_groups(region, run, f"{region.subregion_level}_id")
        )
    certificates, issued = _certificates(region, today)
    subregions: QuerySet[Any] | list[Any] = []
    if region.subregion_level == "province":
        subregions = Province.objects.order_by("code")
    elif region.subregion_level == "city":
        subregions = City.objects.filter(province_id=region.province).order_by("code")
    subregion_list = [(obj.pk, obj.name) for obj in subregions]
    industry_names = {obj.pk: obj.name for obj in Industry.objects.all()}
    edition = tier_edition_current()
    excellent = certificates["excellent"]["active"]
    return Dashboard(
        region=region,
        today=today,
        total=total,
        regions=[
            (code, name, by_region.get(code) or figures.BreakdownRow(code))
            for code, name in subregion_list
        ],
        industries=[
            (code, industry_names.get(code, code), row) for code, row in sorted(by_industry.items())
        ],
        levels=dict(enumerate(total.factories)),
        counted_at=run.computed_at,
        certificates=certificates,
        issued=issued,
        targets=figures.target_progress(
            edition.national_targets, level2_share=total.enterprises.percent, excellent=excellent
        ),
        steps=_steps(region, run, now),
        campaigns=_campaigns(region, today),
        lapsing=_lapsing(region, today),
        subregions=subregion_list,
    )
