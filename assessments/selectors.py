"""Scoped reads of assessments, the model a version scores with, and report data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ScopeLevel
from accounts.selectors import AnyUser, Decision, scope_for
from assessments import benchmarks, scoring
from assessments.models import (
    Answer,
    Assessment,
    Evidence,
    Level,
    ModelVersion,
    PeerDistribution,
    PeerRun,
    Requirement,
    SubDomain,
)
from assessments.scoring import shown
from core import refcache
from core.dispatch import task_queue_on_commit
from core.errors import NotFound
from core.i18n import english_active
from factories.models import Factory
from factories.selectors import enterprise_can_manage, factory_get_for, factory_scoped


def model_version_current() -> ModelVersion | None:
    """The published version new assessments use: the most recently published one."""
    return refcache.cached(
        "model-version-current",
        lambda: (
            ModelVersion.objects.filter(status=ModelVersion.Status.PUBLISHED)
            .order_by("-published_at", "-pk")
            .first()
        ),
    )


_SPEC_CACHE: dict[tuple[int, str], scoring.ModelSpec] = {}


def model_spec_for(version: ModelVersion, industry_type: str) -> scoring.ModelSpec:
    """What the scorer needs of a version for one industry type (2 queries, then cached).

    Only published versions are cached: they never change once assessments use them.
    """
    key = (version.pk, industry_type)
    if key in _SPEC_CACHE:
        return _SPEC_CACHE[key]
    applies = "applies_to_process" if industry_type == "process" else "applies_to_discrete"
    subdomains = SubDomain.objects.filter(version=version).order_by("order")
    spec = scoring.spec_from_rows(
        subdomains.values_list("code", "weight", applies),
        Requirement.objects.filter(version=version)
        .order_by("order")
        .values_list("code", "subdomain__code", "level"),
    )
    if version.status == ModelVersion.Status.PUBLISHED:
        _SPEC_CACHE[key] = spec
    return spec


def assessment_list_for(user: AnyUser) -> QuerySet[Assessment]:
    """Assessments the user may see.

    Enterprise members: every assessment of their factories, drafts included. Officials: the
    submitted assessments of factories in their jurisdiction. Others: none.
    """
    scope = scope_for(user)
    qs = factory_scoped(
        Assessment.objects.select_related(
            "factory__enterprise", "factory__city__province", "factory__industry", "version"
        ),
        scope,
    )
    if scope.level != ScopeLevel.ENTERPRISE:
        qs = qs.filter(status=Assessment.Status.SUBMITTED)
    return qs


def assessment_get_for(user: AnyUser, pk: Any) -> Assessment:
    try:
        return assessment_list_for(user).get(pk=pk)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Assessment not found.")) from None


@dataclass(frozen=True)
class LatestSubmitted:
    pk: int
    version_id: int
    submitted_at: Any
    maturity_level: int | None
    valid_until: Any


def assessment_latest_submitted(factory_ids: list[int]) -> dict[int, LatestSubmitted]:
    """Each factory's most recently submitted assessment, in one query (the caller has scoped
    the factories)."""
    latest = Assessment.objects.filter(
        factory_id=OuterRef("factory_id"), status=Assessment.Status.SUBMITTED
    ).order_by("-submitted_at", "-pk")
    rows = Assessment.objects.filter(
        factory_id__in=factory_ids,
        status=Assessment.Status.SUBMITTED,
        pk=Subquery(latest.values("pk")[:1]),
    ).values_list("factory_id", "pk", "version_id", "submitted_at", "maturity_level", "valid_until")
    return {
        factory_id: LatestSubmitted(pk, version_id, submitted_at, level, valid_until)
        for factory_id, pk, version_id, submitted_at, level, valid_until in rows
    }


def assessment_first_part(assessment: Assessment) -> str | None:
    """The code of the first sub-domain that applies to the assessment's industry type."""
    applies = (
        "applies_to_process" if assessment.industry_type == "process" else "applies_to_discrete"
    )
    return (
        SubDomain.objects.filter(version=assessment.version_id, **{applies: True})
        .order_by("order")
        .values_list("code", flat=True)
        .first()
    )


def assessment_can_edit(user: AnyUser, assessment: Assessment) -> Decision:
    if not assessment.is_draft:
        return Decision(False, _("A submitted assessment cannot be changed."))
    return enterprise_can_manage(user, assessment.factory.enterprise)


def assessment_filter(
    qs: QuerySet[Assessment],
    *,
    level: Any = None,
    city: str | None = None,
    province: str | None = None,
    industry: str | None = None,
    year: Any = None,
    factory: Any = None,
) -> QuerySet[Assessment]:
    """The filters of the officials' list (and the API), applied to a scoped queryset."""
    if level not in (None, ""):
        qs = qs.filter(maturity_level=level)
    if city:
        qs = qs.filter(city_id=city)
    if province:
        qs = qs.filter(province_id=province)
    if industry:
        qs = qs.filter(factory__industry_id=industry)
    if year not in (None, ""):
        qs = qs.filter(submitted_at__year=year)
    if factory not in (None, ""):
        qs = qs.filter(factory_id=factory)
    return qs


def assessment_progress(assessment: Assessment) -> tuple[int, int]:
    """(answered, to answer) over the applicable requirements."""
    spec = model_spec_for(assessment.version, assessment.industry_type)
    applicable = {r.code for r in spec.applicable_requirements()}
    answered = Answer.objects.filter(
        assessment=assessment, score__isnull=False, requirement__code__in=applicable
    ).count()
    return answered, len(applicable)


@dataclass(frozen=True)
class RequirementRow:
    requirement: Requirement
    answer: Answer | None
    evidence: list[Evidence]


@dataclass(frozen=True)
class SubdomainGroup:
    subdomain: SubDomain
    applicable: bool
    rows: list[RequirementRow]


@dataclass(frozen=True)
class ElementGroup:
    code: str
    name: str
    subdomains: list[SubdomainGroup]


def assessment_questionnaire(assessment: Assessment) -> list[ElementGroup]:
    """Requirements grouped by element and sub-domain, with the answers and evidence so far.

    Four queries whatever the size of the model.
    """
    subdomains = list(
        SubDomain.objects.filter(version=assessment.version)
        .select_related("domain__element")
        .order_by("order")
    )
    requirements = list(
        Requirement.objects.filter(version=assessment.version).order_by(
            "subdomain__order", "level", "order"
        )
    )
    answers = {a.requirement_id: a for a in Answer.objects.filter(assessment=assessment)}
    evidence: dict[int, list[Evidence]] = {}
    for item in Evidence.objects.filter(answer__assessment=assessment).order_by("uploaded_at"):
        evidence.setdefault(item.answer_id, []).append(item)

    by_subdomain: dict[int, list[RequirementRow]] = {}
    for requirement in requirements:
        answer = answers.get(requirement.pk)
        by_subdomain.setdefault(requirement.subdomain_id, []).append(
            RequirementRow(requirement, answer, evidence.get(answer.pk, []) if answer else [])
        )
    applies = (
        "applies_to_process" if assessment.industry_type == "process" else "applies_to_discrete"
    )
    elements: dict[int, ElementGroup] = {}
    for subdomain in subdomains:
        element = subdomain.domain.element
        group = elements.setdefault(element.pk, ElementGroup(element.code, element.name, []))
        group.subdomains.append(
            SubdomainGroup(
                subdomain, getattr(subdomain, applies), by_subdomain.get(subdomain.pk, [])
            )
        )
    return list(elements.values())


@dataclass(frozen=True)
class SubdomainLine:
    code: str
    name: str
    domain: str
    element: str
    weight: float
    overall: float
    by_level: dict[int, float]
    previous: float | None


@dataclass(frozen=True)
class GapLine:
    code: str
    text: str
    subdomain: str
    current: float
    target: float


@dataclass(frozen=True)
class Report:
    assessment: Assessment
    levels: list[Level]
    level_names: dict[int, str]
    level_scores: dict[int, float | None]
    attained_levels: list[int]
    maturity_level: int
    maturity_name: str
    maturity_name_zh: str
    maturity_name_en: str
    next_level: int | None
    overall_score: float
    subdomains: list[SubdomainLine]
    domains: list[tuple[str, float]]
    weakest: list[SubdomainLine]
    gap: list[GapLine]
    previous: Assessment | None


def assessment_previous(assessment: Assessment) -> Assessment | None:
    """The factory's submitted assessment just before this one."""
    qs = Assessment.objects.filter(
        factory_id=assessment.factory_id, status=Assessment.Status.SUBMITTED
    ).exclude(pk=assessment.pk)
    if assessment.submitted_at:
        qs = qs.filter(submitted_at__lt=assessment.submitted_at)
    return qs.order_by("-submitted_at").first()


def assessment_result(assessment: Assessment) -> dict[str, Any]:
    """The stored result of a submitted assessment, or a preview computed for a draft."""
    if assessment.result:
        return assessment.result
    spec = model_spec_for(assessment.version, assessment.industry_type)
    answers = dict(
        Answer.objects.filter(assessment=assessment, score__isnull=False).values_list(
            "requirement__code", "score"
        )
    )
    return scoring.score(spec, answers).as_dict()


def assessment_report(assessment: Assessment) -> Report:
    """Everything the report page and the report endpoint show, from the stored result."""
    result = assessment_result(assessment)
    levels = list(Level.objects.filter(version=assessment.version).order_by("number"))
    level_by_number = {level.number: level for level in levels}
    subdomains = list(
        SubDomain.objects.filter(version=assessment.version)
        .select_related("domain__element")
        .order_by("order")
    )
    previous = assessment_previous(assessment)
    previous_overall = (previous.result or {}).get("subdomain_overall", {}) if previous else {}

    lines = [
        SubdomainLine(
            code=s.code,
            name=s.name,
            domain=s.domain.name,
            element=s.domain.element.name,
            weight=float(s.weight),
            overall=shown(result["subdomain_overall"][s.code]),
            by_level={
                int(k): shown(v) for k, v in result["subdomain_scores"].get(s.code, {}).items()
            },
            previous=shown(previous_overall.get(s.code)),
        )
        for s in subdomains
        if s.code in result["subdomain_overall"]
    ]
    domain_totals: dict[str, list[tuple[float, float]]] = {}
    for line in lines:
        domain_totals.setdefault(line.domain, []).append((line.weight, line.overall))
    domains = [
        (name, shown(sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)))
        for name, pairs in domain_totals.items()
    ]
    gap_items = result.get("gap_to_next_level", [])
    texts = {
        code: (en or zh) if english_active() else zh
        for code, zh, en in Requirement.objects.filter(
            version=assessment.version, code__in=[g["requirement"] for g in gap_items]
        ).values_list("code", "text_zh", "text_en")
    }
    names = {s.code: s.name for s in subdomains}
    maturity = result["maturity_level"]
    maturity_level = level_by_number.get(maturity)
    return Report(
        assessment=assessment,
        levels=levels,
        level_names={level.number: level.name for level in levels},
        # Shown truncated to two decimals, like the stored overall score (see scoring.shown).
        level_scores={int(k): shown(v) for k, v in result["level_scores"].items()},
        attained_levels=result["attained_levels"],
        maturity_level=maturity,
        maturity_name=maturity_level.name if maturity_level else _("Below level 1"),
        maturity_name_zh=maturity_level.name_zh if maturity_level else "未达到一级",
        maturity_name_en=maturity_level.name_en if maturity_level else "Below level 1",
        next_level=maturity + 1 if maturity < 5 else None,
        overall_score=shown(result["overall_score"]),
        subdomains=lines,
        domains=domains,
        weakest=sorted(lines, key=lambda line: (line.overall, line.code))[:5],
        gap=[
            GapLine(
                code=g["requirement"],
                text=texts.get(g["requirement"], ""),
                subdomain=names.get(g["subdomain"], g["subdomain"]),
                current=g["current"],
                target=g["target"],
            )
            for g in gap_items
        ],
        previous=previous,
    )


def evidence_get_for(user: AnyUser, pk: Any) -> Evidence:
    """An evidence file, only when its assessment is visible to the user."""
    visible = assessment_list_for(user).values("pk")
    try:
        return Evidence.objects.select_related("answer__assessment").get(
            pk=pk, answer__assessment__in=visible
        )
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("File not found.")) from None


def level_names(version: ModelVersion) -> dict[int, dict[str, str]]:
    names = {
        level.number: {"zh": level.name_zh, "en": level.name_en}
        for level in Level.objects.filter(version=version)
    }
    names[0] = {"zh": "未达到一级", "en": "Below level 1"}
    return names


def level_names_by_version(version_ids: set[int]) -> dict[tuple[int, int], str]:
    """(version id, level number) -> name in the active language, in one query."""
    names = {
        (level.version_id, level.number): level.name
        for level in Level.objects.filter(version_id__in=version_ids)
    }
    for version_id in version_ids:
        names[(version_id, 0)] = _("Below level 1")
    return names


@dataclass(frozen=True)
class PeerBenchmark:
    """A factory's latest submitted assessment beside its peers (``assessments.benchmarks``),
    as of the latest count of the peer distributions (``as_of``). ``assessment`` is None when
    the factory has none: then ``cuts`` is empty."""

    factory: Factory
    assessment: Assessment | None
    min_peers: int
    cuts: list[benchmarks.CutBenchmark]
    subdomain_names: dict[str, str]
    as_of: datetime | None = None


def peer_benchmark_for(user: AnyUser, factory_pk: Any) -> PeerBenchmark:
    """The peer benchmark of a factory the user may see (its enterprise's members; officials
    whose jurisdiction holds it; national scope), in a fixed number of queries whatever the
    number of peers and sub-domains: the factory, its latest submitted assessment, the
    version's sub-domain names, the latest count and its three groups' distributions."""
    factory = factory_get_for(user, factory_pk, related=("industry", "province"))
    latest = (
        Assessment.objects.filter(factory=factory, status=Assessment.Status.SUBMITTED)
        .select_related("version")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    min_peers = settings.PEER_BENCHMARK_MIN_PEERS
    if latest is None:
        return PeerBenchmark(factory, None, min_peers, [], {})
    names = {
        code: name_en if english_active() else name_zh
        for code, name_zh, name_en in SubDomain.objects.filter(version=latest.version_id)
        .order_by("order")
        .values_list("code", "name_zh", "name_en")
    }
    own_subdomains = (latest.result or {}).get("subdomain_overall", {})
    own: dict[str, float] = {benchmarks.OVERALL: float(latest.overall_score or 0)}
    own.update({code: float(value) for code, value in own_subdomains.items()})
    codes = [code for code in names if code in own_subdomains]
    run = peer_run_latest()
    # The count took the factory's latest assessment in when it was submitted before the count.
    included = latest.submitted_at is not None and latest.submitted_at <= run.computed_at
    figures = peer_figures(
        run=run,
        industry=factory.industry_id,
        province=factory.province_id,
        version_id=latest.version_id,
        own=own,
        own_included=included,
    )
    cuts = benchmarks.benchmark(own, figures, min_peers=min_peers, subdomains=codes)
    return PeerBenchmark(factory, latest, min_peers, cuts, names, run.computed_at)


def peer_run_latest() -> PeerRun:
    """The latest count of the peer distributions; counted now when there is none yet (a new
    installation), as the dashboards do. The beat task counts again every hour; a count older
    than two periods (beat was down) is shown and a new one queued, once per ten minutes."""
    run = PeerRun.objects.order_by("-computed_at", "-pk").first()
    if run is not None:
        period = timedelta(seconds=settings.PEER_BENCHMARK_REFRESH_SECONDS)
        if run.computed_at < timezone.now() - 2 * period and cache.add(
            "peer-distributions-refresh-queued", 1, 600
        ):
            task_queue_on_commit("assessments.refresh_peer_distributions")
        return run
    from assessments.services import peer_distributions_refresh  # services read selectors

    return peer_distributions_refresh()


def peer_figures(
    *,
    run: PeerRun,
    industry: str,
    province: str,
    version_id: int,
    own: dict[str, float],
    own_included: bool,
) -> dict[str, dict[str, benchmarks.PeerFigures]]:
    """Cut -> measure -> the peers' figures, in one query: the three groups' stored
    distributions (``PeerDistribution``) on ``version_id`` as of ``run``. ``own_included``
    when the count included the factory's own latest assessment (its groups then hold one
    peer less than their count)."""
    rows = (
        PeerDistribution.objects.filter(run=run, version_id=version_id)
        .filter(
            Q(cut=benchmarks.CUT_INDUSTRY_PROVINCE, industry=industry, province=province)
            | Q(cut=benchmarks.CUT_INDUSTRY, industry=industry, province="")
            | Q(cut=benchmarks.CUT_PROVINCE, industry="", province=province)
        )
        .values_list("cut", "measure", "count", "percentiles")
    )
    found: dict[str, dict[str, benchmarks.PeerFigures]] = {cut: {} for cut in benchmarks.CUTS}
    for cut, measure, count, points in rows:
        found[cut][measure] = benchmarks.figures_from_points(
            count, points, own.get(measure), own_included=own_included
        )
    return found
