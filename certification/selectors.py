"""Scoped reads for certification, and the facts the pure rules engine needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ScopeLevel
from accounts.selectors import AnyUser, Decision, scope_for
from assessments.models import Assessment
from certification import rules
from certification.models import (
    Application,
    AuditEvent,
    Campaign,
    Certificate,
    CheckResult,
    Declaration,
    Stage,
    Tier,
    TierCondition,
    TierConditionsEdition,
)
from core.errors import NotFound
from core.i18n import english_active
from factories.models import CultivationPoolEntry, Factory
from factories.selectors import enterprise_can_manage, factory_scoped

# --- reference data ------------------------------------------------------------------------


def tier_edition_current() -> TierConditionsEdition:
    """The published edition new campaigns and applications use (the latest published)."""
    edition = (
        TierConditionsEdition.objects.filter(status=TierConditionsEdition.Status.PUBLISHED)
        .order_by("-published_at", "-pk")
        .first()
    )
    if edition is None:
        raise NotFound(_("No tier conditions are loaded."))
    return edition


def tier_rule(edition: TierConditionsEdition, tier: str) -> rules.TierRule:
    condition = TierCondition.objects.get(edition=edition, tier=tier)
    return tier_rule_from(condition)


def tier_rule_from(condition: TierCondition) -> rules.TierRule:
    return rules.TierRule(
        tier=condition.tier,
        min_maturity_level=condition.min_maturity_level,
        required_stages=tuple(condition.required_stages),
        prerequisite_tier=condition.prerequisite_tier or None,
        pool_alternative=condition.pool_alternative,
        min_ai_share=None if condition.min_ai_share is None else float(condition.min_ai_share),
        needs_campaign=condition.tier != Tier.BASIC,
    )


def stage_names(edition: TierConditionsEdition) -> rules.Stages:
    rows = Stage.objects.filter(catalogue_id=edition.scenario_catalogue_id).values_list(
        "code", "name_zh", "name_en"
    )
    return rules.Stages({code: (zh, en) for code, zh, en in rows})


DECLARATION_LABELS: dict[str, tuple[str, str]] = {
    Declaration.ABOVE_DESIGNATED_SIZE: ("企业为规模以上工业企业", "Above designated size"),
    Declaration.NO_VIOLATIONS: (
        "近三年未发生重大信用、安全、环保违法违规行为",
        "No serious credit, safety or environmental violations in 3 years",
    ),
    Declaration.SECURE_EQUIPMENT: (
        "关键设备和软件安全可控",
        "Key equipment and software secure and controllable",
    ),
    Declaration.ORGANISATION: ("已建立智能工厂建设组织机构", "An organisation for the factory"),
}


# --- scope -----------------------------------------------------------------------------------


def application_list_for(user: AnyUser) -> QuerySet[Application]:
    """Enterprise members: all their factories' applications. Officials: the submitted ones of
    factories in their jurisdiction (drafts are the enterprise's own). Others: none."""
    scope = scope_for(user)
    qs = factory_scoped(
        Application.objects.select_related(
            "factory__enterprise",
            "factory__city__province",
            "campaign__authority",
            "assessment",
        ),
        scope,
    )
    if scope.level != ScopeLevel.ENTERPRISE:
        qs = qs.exclude(status=Application.Status.DRAFT)
    return qs


def application_get_for(user: AnyUser, pk: Any) -> Application:
    try:
        return application_list_for(user).get(pk=pk)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Application not found.")) from None


def application_can_edit(user: AnyUser, application: Application) -> Decision:
    if not application.is_editable:
        return Decision(False, _("Only a draft or returned application can be changed."))
    return enterprise_can_manage(user, application.factory.enterprise)


def filing_reviewer(user: AnyUser, application: Application) -> Decision:
    """Is this user the city bureau a basic filing went to (the certificate's authority, even
    if the factory has moved since)?"""
    filed_with = (
        Certificate.objects.filter(application=application)
        .values_list("authority__city_id", flat=True)
        .first()
    ) or application.factory.city_id
    authority = getattr(user, "authority", None)
    if getattr(user, "role", None) != "city_official" or authority is None:
        return Decision(False, _("Only the bureau the filing went to can review it."))
    if authority.city_id != filed_with:
        return Decision(False, _("Only the bureau the filing went to can review it."))
    return Decision(True)


def application_can_reject(user: AnyUser, application: Application) -> Decision:
    """May this user reject the application's basic filing now?"""
    if application.tier != Tier.BASIC or application.status != Application.Status.CERTIFIED:
        return Decision(False, _("Only a self-declared basic filing can be rejected."))
    return filing_reviewer(user, application)


def certificate_list_for(user: AnyUser) -> QuerySet[Certificate]:
    """Certificates in scope. (The public registry, a later feature, shows every certificate.)"""
    qs = Certificate.objects.select_related("factory__enterprise", "factory__city", "authority")
    return factory_scoped(qs, scope_for(user))


def campaign_tiers_for(user: AnyUser) -> list[str]:
    """The tiers this user may open campaigns for: a provincial industry and IT department
    advanced ones for its province; MIIT excellent and leading ones."""
    authority = getattr(user, "authority", None)
    role = getattr(user, "role", None)
    if authority is None or authority.kind != "industry_it":
        return []
    if role in ("provincial_official", "platform_admin") and authority.level == "province":
        return [Tier.ADVANCED]
    if role in ("miit_reviewer", "platform_admin") and authority.level == "national":
        return [Tier.EXCELLENT, Tier.LEADING]
    return []


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns are public information: who accepts which tier when."""
    return Campaign.objects.select_related("authority__province", "tier_edition")


def campaign_open_for(factory: Factory, tier: str, on: date) -> Campaign | None:
    """The campaign a factory can apply in today: its province's (advanced) or MIIT's."""
    if tier == Tier.BASIC:
        return None
    jurisdiction = Q(authority__level="national") | Q(
        authority__level="province", authority__province_id=factory.city.province_id
    )
    return (
        Campaign.objects.filter(jurisdiction, tier=tier, opens_on__lte=on, closes_on__gte=on)
        .order_by("closes_on", "pk")
        .first()
    )


def campaign_accepts_factory(campaign: Campaign, factory: Factory) -> bool:
    authority = campaign.authority
    return authority.level == "national" or authority.province_id == factory.city.province_id


# --- facts for the rules engine --------------------------------------------------------------


def active_tiers(factory: Factory) -> frozenset[str]:
    return frozenset(
        Certificate.objects.filter(factory=factory, status=Certificate.Status.ACTIVE).values_list(
            "tier", flat=True
        )
    )


def factory_snapshot(
    factory: Factory, *, exclude: Application | None = None
) -> rules.FactorySnapshot:
    open_apps = Application.objects.filter(factory=factory, status__in=Application.OPEN_STATUSES)
    if exclude is not None:
        open_apps = open_apps.exclude(pk=exclude.pk)
    return rules.FactorySnapshot(
        active_tiers=active_tiers(factory),
        pool_years=frozenset(
            CultivationPoolEntry.objects.filter(factory=factory).values_list("year", flat=True)
        ),
        open_application_tiers=frozenset(open_apps.values_list("tier", flat=True)),
    )


def assessment_facts(
    assessment: Assessment | None, *, exclude: Application | None = None
) -> rules.AssessmentFacts | None:
    if assessment is None or assessment.status != Assessment.Status.SUBMITTED:
        return None
    used = Application.objects.filter(
        assessment=assessment, status__in=Application.DECIDED_STATUSES
    )
    if exclude is not None:
        used = used.exclude(pk=exclude.pk)
    assert assessment.submitted_at and assessment.valid_until  # submitted ones always have them
    return rules.AssessmentFacts(
        id=assessment.pk,
        submitted_on=timezone.localdate(assessment.submitted_at),
        valid_until=assessment.valid_until,
        maturity_level=assessment.maturity_level or 0,
        used_by_decided_application=used.exists(),
    )


def latest_assessment(factory: Factory) -> Assessment | None:
    return (
        Assessment.objects.filter(factory=factory, status=Assessment.Status.SUBMITTED)
        .order_by("-submitted_at")
        .first()
    )


def campaign_facts(campaign: Campaign | None) -> rules.CampaignFacts | None:
    if campaign is None:
        return None
    return rules.CampaignFacts(
        id=campaign.pk,
        tier=campaign.tier,
        opens_on=campaign.opens_on,
        closes_on=campaign.closes_on,
        name=str(campaign),
    )


def application_facts(application: Application, *, on: date) -> rules.ApplicationFacts:
    edition = application.tier_edition
    claims = tuple(
        rules.Claim(scenario=code, stage=stage, ai_applied=ai)
        for code, stage, ai in application.claims.values_list(
            "scenario__code", "scenario__link__stage__code", "ai_applied"
        )
    )
    affirmed = frozenset(
        application.declarations.filter(affirmed=True, files__isnull=False)
        .values_list("kind", flat=True)
        .distinct()
    )
    year = application.campaign.year if application.campaign else on.year
    return rules.ApplicationFacts(
        rule=tier_rule(edition, application.tier),
        snapshot=factory_snapshot(application.factory, exclude=application),
        assessment=assessment_facts(application.assessment, exclude=application),
        campaign=campaign_facts(application.campaign),
        claims=claims,
        affirmed_declarations=affirmed,
        required_declarations=DECLARATION_LABELS,
        stages=stage_names(edition),
        submitted_on=on,
        year=year,
    )


def factory_eligibility(factory: Factory, tier: str, today: date) -> list[rules.RuleResult]:
    edition = tier_edition_current()
    return rules.evaluate_eligibility(
        tier_rule(edition, tier),
        factory_snapshot(factory),
        assessment_facts(latest_assessment(factory)),
        campaign_facts(campaign_open_for(factory, tier, today)),
        today,
    )


@dataclass(frozen=True)
class TierStep:
    tier: str
    name: str
    min_maturity_level: int
    required_stages: list[str]
    min_ai_share: float | None
    checks: list[rules.RuleResult]
    eligible: bool


@dataclass(frozen=True)
class TierPath:
    current_tier: str | None
    maturity_level: int | None
    steps: list[TierStep]


def factory_tier_path(factory: Factory, today: date) -> TierPath:
    """The factory's current tier and, for each higher tier, what it lacks."""
    edition = tier_edition_current()
    held = active_tiers(factory)
    order = list(rules.TIER_ORDER)
    current = max(held, key=order.index) if held else None
    stages = stage_names(edition)
    assessment = latest_assessment(factory)
    facts = assessment_facts(assessment)
    snapshot = factory_snapshot(factory)
    conditions = TierCondition.objects.filter(edition=edition).order_by("order")
    steps = []
    for condition in conditions:
        if current and order.index(condition.tier) <= order.index(current):
            continue
        rule = tier_rule_from(condition)
        campaign = campaign_facts(campaign_open_for(factory, condition.tier, today))
        checks = rules.evaluate_eligibility(rule, snapshot, facts, campaign, today)
        language = 1 if english_active() else 0
        steps.append(
            TierStep(
                tier=condition.tier,
                name=condition.name,
                min_maturity_level=rule.min_maturity_level,
                required_stages=[
                    stages.names.get(s, (s, s))[language] for s in rule.required_stages
                ],
                min_ai_share=rule.min_ai_share,
                checks=checks,
                eligible=rules.all_passed(checks),
            )
        )
    return TierPath(
        current_tier=current,
        maturity_level=assessment.maturity_level if assessment else None,
        steps=steps,
    )


def application_checks(application: Application) -> QuerySet[CheckResult]:
    """The results of the application's latest checked submission."""
    return CheckResult.objects.filter(
        application=application, submission=application.submission
    ).order_by("pk")


def application_timeline(application: Application) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(
            Q(application=application) | Q(certificate__application=application)
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


def unchecked_submitted_applications(limit: int) -> list[tuple[int, int]]:
    """(id, submission) of submitted applications whose current submission has no results."""
    has_results = CheckResult.objects.filter(
        application=OuterRef("pk"), submission=OuterRef("submission")
    )
    return list(
        Application.objects.filter(status=Application.Status.SUBMITTED)
        .filter(~Exists(has_results))
        .order_by("submitted_at", "pk")
        .values_list("pk", "submission")[:limit]
    )
