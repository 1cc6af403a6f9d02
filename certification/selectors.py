"""Scoped reads for certification, and the facts the pure rules engine needs."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    ForeignKey,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, ScopeLevel, User
from accounts.selectors import AnyUser, Decision, scope_for
from assessments.models import Assessment
from assessments.services import add_months
from certification import rules
from certification.calibration import CalibrationSet, Score, calibrate
from certification.models import (
    Application,
    ApplicationFile,
    AuditEvent,
    Campaign,
    Certificate,
    CheckResult,
    Declaration,
    DeclarationAnswer,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    JointOpinion,
    Objection,
    Publicity,
    PublicityEntry,
    ScenarioClaim,
    Stage,
    TierCondition,
    TierConditionsEdition,
)
from certification.workflow.definitions import WORKFLOWS, states_waiting_for
from certification.workflow.events import INTERNAL_EVENT_TYPES
from core import refcache
from core.errors import NotFound, PermissionDenied
from core.i18n import english_active
from core.prepared import PreparedQuery
from factories.models import CultivationPoolEntry, Enterprise, Factory, Membership, in_pool
from factories.selectors import enterprise_can_manage, factory_scoped
from regions.models import Authority

# --- reference data ------------------------------------------------------------------------


def tier_edition_current() -> TierConditionsEdition:
    """The published edition new campaigns and applications use (the latest published).
    Cached per process until reference data changes (core.refcache)."""
    edition = refcache.cached(
        "tier-edition-current",
        lambda: (
            TierConditionsEdition.objects.filter(status=TierConditionsEdition.Status.PUBLISHED)
            .order_by("-published_at", "-pk")
            .first()
        ),
    )
    if edition is None:
        raise NotFound(_("No tier conditions are loaded."))
    return edition


def tier_edition_get(pk: int) -> TierConditionsEdition:
    """A tier conditions edition by id, cached like the current one (an edition's conditions
    and validity do not change once it is published; a draft's changes reset the cache)."""
    return refcache.cached(("tier-edition", pk), lambda: TierConditionsEdition.objects.get(pk=pk))


def tier_conditions(edition: TierConditionsEdition | int) -> list[TierCondition]:
    """The edition's tier conditions in tier order (cached like the edition)."""
    edition_id = edition if isinstance(edition, int) else edition.pk
    return refcache.cached(
        ("tier-conditions", edition_id),
        lambda: list(TierCondition.objects.filter(edition_id=edition_id).order_by("order")),
    )


def tier_condition_for(edition: TierConditionsEdition | int, tier: str) -> TierCondition:
    for condition in tier_conditions(edition):
        if condition.tier == tier:
            return condition
    raise TierCondition.DoesNotExist(f"no {tier} conditions in edition {edition}")


def tier_rule(edition: TierConditionsEdition, tier: str) -> rules.TierRule:
    return tier_rule_from(tier_condition_for(edition, tier))


def tier_rule_from(condition: TierCondition) -> rules.TierRule:
    return rules.TierRule(
        tier=condition.tier,
        min_maturity_level=condition.min_maturity_level,
        required_stages=tuple(condition.required_stages),
        prerequisite_tier=condition.prerequisite_tier or None,
        pool_alternative=condition.pool_alternative,
        min_ai_share=None if condition.min_ai_share is None else float(condition.min_ai_share),
        needs_campaign=condition.needs_campaign,
    )


def stage_names(edition: TierConditionsEdition) -> rules.Stages:
    catalogue_id = edition.scenario_catalogue_id

    def load() -> rules.Stages:
        rows = Stage.objects.filter(catalogue_id=catalogue_id).values_list(
            "code", "name_zh", "name_en"
        )
        return rules.Stages({code: (zh, en) for code, zh, en in rows})

    return refcache.cached(("stage-names", catalogue_id), load)


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


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "factory__enterprise",
        "factory__city__province",
        "campaign__authority",
        "assessment",
    )


def application_list_for(user: AnyUser, *, invitations: bool = False) -> QuerySet[Application]:
    """Enterprise members: all their factories' applications. Officials: those of factories in
    their jurisdiction that were ever submitted (drafts, and drafts withdrawn before they were
    submitted, are the enterprise's own). Experts: the applications whose assignment they
    accepted (with ``invitations``, also those they are invited to, for answering the
    invitation). Others: none."""
    if isinstance(user, User) and user.is_active and user.role == Role.EXPERT:
        statuses = [ExpertAssignment.Status.ACCEPTED, ExpertAssignment.Status.SCORED]
        if invitations:
            statuses.append(ExpertAssignment.Status.INVITED)
        assigned = ExpertAssignment.objects.filter(
            application=OuterRef("pk"), expert__user=user, status__in=statuses
        )
        return _applications().filter(Exists(assigned))
    scope = scope_for(user)
    qs = factory_scoped(_applications(), scope)
    if scope.level == ScopeLevel.ENTERPRISE:
        # A central SOE group's members also see the applications the group recommends.
        groups = list(
            Membership.objects.filter(
                user_id=scope.user_id, enterprise__is_central_soe_group=True
            ).values_list("enterprise_id", flat=True)
        )
        if groups:
            members = Membership.objects.filter(
                enterprise=OuterRef("factory__enterprise_id"), user_id=scope.user_id
            )
            qs = _applications().filter(Exists(members) | Q(recommending_group_id__in=groups))
    if scope.level != ScopeLevel.ENTERPRISE:
        qs = qs.exclude(status=Application.Status.DRAFT).exclude(
            status=Application.Status.WITHDRAWN, submission=0
        )
    return qs


def application_get_for(
    user: AnyUser,
    pk: Any,
    *,
    invitations: bool = False,
    related: tuple[str, ...] | None = None,
) -> Application:
    """The application if the user may see it. ``related``: the related rows to read with it
    (default: those the pages show; fewer joins plan faster)."""
    qs = application_list_for(user, invitations=invitations)
    if related is not None:
        qs = qs.select_related(None).select_related(*related)
    try:
        return qs.get(pk=pk)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Application not found.")) from None


def application_can_edit(user: AnyUser, application: Application) -> Decision:
    if not application.is_editable:
        return Decision(False, _("Only a draft or returned application can be changed."))
    return enterprise_can_manage(user, application.factory.enterprise)


def certificate_list_for(user: AnyUser) -> QuerySet[Certificate]:
    """Certificates in scope. (The public registry, a later feature, shows every certificate.)"""
    qs = Certificate.objects.select_related("factory__enterprise", "factory__city", "authority")
    return factory_scoped(qs, scope_for(user))


def campaign_tiers_for(user: AnyUser) -> list[str]:
    """The tiers this user may open campaigns for: those of the current edition that need a
    campaign and are certified at the level of the user's industry and IT authority (a
    provincial department: advanced; MIIT: excellent and leading)."""
    authority = getattr(user, "authority", None)
    role = getattr(user, "role", None)
    if authority is None or authority.kind != "industry_it":
        return []
    acting_roles = {"province": "provincial_official", "national": "miit_reviewer"}
    if role not in (acting_roles.get(authority.level), "platform_admin"):
        return []
    return [
        condition.tier
        for condition in tier_conditions(tier_edition_current())
        if condition.needs_campaign and condition.certifying_level == authority.level
    ]


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns are public information: who accepts which tier when."""
    return Campaign.objects.select_related("authority__province", "tier_edition")


def campaign_open_for(factory: Factory, tier: str, on: date) -> Campaign | None:
    """The campaign a factory can apply in today: its province's (advanced) or MIIT's."""
    campaigns = _campaigns_open(factory.province_id, tier, on)
    return campaigns.select_related("authority").first()  # its name is part of the facts


def _campaigns_open(province_id: str, tier: str, on: date) -> QuerySet[Campaign]:
    jurisdiction = Q(authority__level="national") | Q(
        authority__level="province", authority__province_id=province_id
    )
    return Campaign.objects.filter(
        jurisdiction, tier=tier, opens_on__lte=on, closes_on__gte=on
    ).order_by("closes_on", "pk")


def campaign_accepts_factory(campaign: Campaign, factory: Factory) -> bool:
    authority = campaign.authority
    return authority.level == "national" or authority.province_id == factory.province_id


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
    """What the factory holds and has open, in one query (three lists as one union)."""
    facts: dict[str, set[str]] = {"certified": set(), "open": set(), "pool": set()}
    for kind, value in _snapshot_rows(factory.pk, exclude=exclude):
        facts[kind].add(value)
    return rules.FactorySnapshot(
        active_tiers=frozenset(facts["certified"]),
        pool_years=frozenset(int(year) for year in facts["pool"]),
        open_application_tiers=frozenset(facts["open"]),
    )


def _snapshot_rows(factory_id: int, *, exclude: Application | None = None) -> QuerySet[Any]:
    """(kind, value) rows: ("certified", tier), ("open", tier), ("pool", year as text)."""
    open_apps = Application.objects.filter(
        factory_id=factory_id, status__in=Application.OPEN_STATUSES
    )
    if exclude is not None:
        open_apps = open_apps.exclude(pk=exclude.pk)
    return (
        Certificate.objects.filter(factory_id=factory_id, status=Certificate.Status.ACTIVE)
        .order_by()
        .values_list(Value("certified"), "tier")
        .union(
            open_apps.order_by().values_list(Value("open"), "tier"),
            CultivationPoolEntry.objects.filter(in_pool(), factory_id=factory_id)
            .order_by()
            .values_list(Value("pool"), Cast("year", CharField())),
            all=True,
        )
    )


def assessment_facts(
    assessment: Assessment | None,
    *,
    edition: TierConditionsEdition,
    exclude: Application | None = None,
) -> rules.AssessmentFacts | None:
    """The facts of a self-assessment for the rules. How long it supports an application is the
    tier conditions edition's ``assessment_valid_months``, counted from its submission. An
    assessment from ``latest_assessment`` already knows whether a decision used it."""
    if assessment is None or assessment.status != Assessment.Status.SUBMITTED:
        return None
    used = getattr(assessment, "used_by_decided_application", None)
    if used is None or exclude is not None:
        decided = Application.objects.filter(
            assessment=assessment, status__in=Application.DECIDED_STATUSES
        )
        if exclude is not None:
            decided = decided.exclude(pk=exclude.pk)
        used = decided.exists()
    assert assessment.submitted_at  # submitted ones always have it
    return _assessment_facts(
        assessment.pk, assessment.submitted_at, assessment.maturity_level, used, edition
    )


def _assessment_facts(
    pk: int,
    submitted_at: datetime,
    maturity_level: int | None,
    used: bool,
    edition: TierConditionsEdition,
) -> rules.AssessmentFacts:
    submitted_on = timezone.localdate(submitted_at)
    return rules.AssessmentFacts(
        id=pk,
        submitted_on=submitted_on,
        valid_until=add_months(submitted_on, edition.assessment_valid_months),
        maturity_level=maturity_level or 0,
        used_by_decided_application=used,
    )


def latest_assessment(factory: Factory) -> Assessment | None:
    """The factory's latest submitted assessment, with ``used_by_decided_application``."""
    return _latest_assessment_rows(factory.pk).defer("result").first()  # result: large


def _latest_assessment_rows(factory_id: int) -> QuerySet[Assessment]:
    decided = Application.objects.filter(
        assessment=OuterRef("pk"), status__in=Application.DECIDED_STATUSES
    )
    return (
        Assessment.objects.filter(factory_id=factory_id, status=Assessment.Status.SUBMITTED)
        .annotate(used_by_decided_application=Exists(decided))
        .order_by("-submitted_at")
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
    return applications_facts([application], on={application.pk: on})[application.pk]


def applications_facts(
    applications: Sequence[Application], *, on: Mapping[int, date]
) -> dict[int, rules.ApplicationFacts]:
    """The facts of many applications for the full check, in a fixed number of queries however
    many there are (the sweep checks a batch at once). ``on``: each application's check date.
    The applications need only their own columns: the campaigns and assessments they name are
    read here, once each, unless already loaded, and the editions come from the reference
    cache. The queries are prepared (``_BATCH_READS``): a batch runs them, it does not build
    and compile them again."""
    ids = [a.pk for a in applications]
    factory_ids = list({a.factory_id for a in applications})
    campaigns = _related(applications, "campaign", _BATCH_CAMPAIGNS)
    # (status, submitted_at, maturity level) of each assessment, as rows: no model per row.
    assessments: dict[int, tuple[str, datetime, int | None]] = {}
    for pk, assessment in _related(applications, "assessment", None).items():
        if assessment is None:
            continue
        assessments[pk] = (assessment.status, assessment.submitted_at, assessment.maturity_level)
    wanted = [
        a.assessment_id
        for a in applications
        if a.assessment_id is not None and a.assessment_id not in assessments
    ]
    if wanted:
        for pk, *columns in _batch_rows("assessments", ids=wanted):
            assessments[pk] = tuple(columns)  # type: ignore[assignment]

    claims: dict[int, list[rules.Claim]] = defaultdict(list)
    for app_id, code, stage, ai in _batch_rows("claims", ids=ids):
        claims[app_id].append(rules.Claim(scenario=code, stage=stage, ai_applied=ai))
    affirmed: dict[int, set[str]] = defaultdict(set)
    for app_id, kind in _batch_rows("affirmed", ids=ids):
        affirmed[app_id].add(kind)
    held: dict[int, set[str]] = defaultdict(set)
    for factory_id, tier in _batch_rows("held", ids=factory_ids):
        held[factory_id].add(tier)
    pools: dict[int, set[int]] = defaultdict(set)
    for factory_id, year in _batch_rows("pools", ids=factory_ids):
        pools[factory_id].add(year)
    open_apps: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for factory_id, app_id, tier in _batch_rows("open", ids=factory_ids):
        open_apps[factory_id].append((app_id, tier))
    decided: dict[int, set[int]] = defaultdict(set)
    for assessment_id, app_id in _batch_rows("decided", ids=list(assessments)):
        decided[assessment_id].add(app_id)

    # Shared by the applications of a batch: a handful of campaigns, editions and tiers.
    campaign_facts_of = {pk: campaign_facts(c) for pk, c in campaigns.items()}
    tier_rules: dict[tuple[int, str], rules.TierRule] = {}
    editions: dict[int, tuple[TierConditionsEdition, rules.Stages]] = {}
    # An assessment's day and validity, by its submission time and the edition's validity:
    # the local day and the months' arithmetic once for the assessments submitted together.
    validity: dict[tuple[datetime, int], tuple[date, date]] = {}
    zone = timezone.get_current_timezone()
    facts = {}
    for application in applications:
        if application.tier_edition_id not in editions:
            edition = tier_edition_get(application.tier_edition_id)
            editions[application.tier_edition_id] = (edition, stage_names(edition))
        edition, stages = editions[application.tier_edition_id]
        rule_key = (edition.pk, application.tier)
        if rule_key not in tier_rules:
            tier_rules[rule_key] = tier_rule(edition, application.tier)
        assessment = None
        if application.assessment_id in assessments:
            status, submitted_at, level = assessments[application.assessment_id]
            if status == Assessment.Status.SUBMITTED:
                used = bool(decided[application.assessment_id] - {application.pk})
                key = (submitted_at, edition.assessment_valid_months)
                if key not in validity:
                    submitted_on = submitted_at.astimezone(zone).date()  # localdate
                    validity[key] = (submitted_on, add_months(submitted_on, key[1]))
                submitted_on, valid_until = validity[key]
                # As _assessment_facts makes them.
                assessment = rules.AssessmentFacts(
                    id=application.assessment_id,
                    submitted_on=submitted_on,
                    valid_until=valid_until,
                    maturity_level=level or 0,
                    used_by_decided_application=used,
                )
        snapshot = rules.FactorySnapshot(
            active_tiers=frozenset(held[application.factory_id]),
            pool_years=frozenset(pools[application.factory_id]),
            open_application_tiers=frozenset(
                tier for pk, tier in open_apps[application.factory_id] if pk != application.pk
            ),
        )
        day = on[application.pk]
        campaign = campaigns.get(application.campaign_id)  # type: ignore[arg-type]
        facts[application.pk] = rules.ApplicationFacts(
            rule=tier_rules[rule_key],
            snapshot=snapshot,
            assessment=assessment,
            campaign=campaign_facts_of.get(application.campaign_id),  # type: ignore[arg-type]
            claims=tuple(claims[application.pk]),
            affirmed_declarations=frozenset(affirmed[application.pk]),
            required_declarations=DECLARATION_LABELS,
            stages=stages,
            submitted_on=day,
            year=campaign.year if campaign else day.year,
        )
    return facts


# The batch reads of ``applications_facts``, each a queryset of ``ids`` (a list).
_BATCH_READS: dict[str, Any] = {
    "assessments": lambda ids: Assessment.objects.filter(pk__any=ids).values_list(
        "pk", "status", "submitted_at", "maturity_level"
    ),
    "claims": lambda ids: (
        ScenarioClaim.objects.filter(application_id__any=ids)
        .order_by("application_id", "scenario__code")
        .values_list(
            "application_id", "scenario__code", "scenario__link__stage__code", "ai_applied"
        )
    ),
    # The declarations affirmed with evidence (each (application, kind) is added to a set).
    "affirmed": lambda ids: (
        DeclarationAnswer.objects.filter(application_id__any=ids, affirmed=True)
        .filter(Exists(ApplicationFile.objects.filter(declaration=OuterRef("pk"))))
        .order_by()
        .values_list("application_id", "kind")
    ),
    "held": lambda ids: Certificate.objects.filter(
        factory_id__any=ids, status=Certificate.Status.ACTIVE
    ).values_list("factory_id", "tier"),
    "pools": lambda ids: CultivationPoolEntry.objects.filter(
        in_pool(), factory_id__any=ids
    ).values_list("factory_id", "year"),
    "open": lambda ids: Application.objects.filter(
        factory_id__any=ids, status__any=Application.OPEN_STATUSES
    ).values_list("factory_id", "pk", "tier"),
    "decided": lambda ids: Application.objects.filter(
        assessment_id__any=ids, status__any=Application.DECIDED_STATUSES
    ).values_list("assessment_id", "pk"),
}
_PREPARED_BATCH_READS = {
    name: PreparedQuery(build, ids=[-424_242]) for name, build in _BATCH_READS.items()
}
_BATCH_CAMPAIGNS = PreparedQuery(
    lambda ids: Campaign.objects.select_related("authority").filter(pk__any=ids), ids=[-424_242]
)


def _batch_rows(name: str, *, ids: list[int]) -> list[tuple[Any, ...]]:
    """The rows of a batch read: the prepared statement on PostgreSQL; elsewhere (SQLite,
    where ``__any`` is an IN list of as many parameters as values) the queryset itself."""
    if connection.vendor == "postgresql":
        return _PREPARED_BATCH_READS[name].rows(ids=ids)
    return list(_BATCH_READS[name](ids))


def _related(applications: Sequence[Application], name: str, query: PreparedQuery | None) -> dict:
    """The ``name`` objects the applications point to, by primary key: those already loaded
    on an application as they are, the others in one prepared query (none without
    ``query``)."""
    field = cast(ForeignKey, Application._meta.get_field(name))
    found: dict[Any, Any] = {}
    missing = set()
    for application in applications:
        pk = getattr(application, field.attname)
        if pk is None:
            continue
        if field.is_cached(application):
            found[pk] = getattr(application, name)
        else:
            missing.add(pk)
    if missing and query is not None:
        if connection.vendor == "postgresql":
            objects = query.objects(ids=list(missing))
        else:
            objects = list(query.build(ids=list(missing)))
        found.update((obj.pk, obj) for obj in objects)
    return found


def factory_eligibility(factory: Factory, tier: str, today: date) -> list[rules.RuleResult]:
    """What the rules say about the factory applying for ``tier`` today. The facts are read by
    prepared queries (compiled once per process, core.prepared): the snapshot, the latest
    assessment and the open campaign are the querysets of ``factory_snapshot``,
    ``latest_assessment`` and ``campaign_open_for``."""
    edition = tier_edition_current()
    held: dict[str, set[str]] = {"certified": set(), "open": set(), "pool": set()}
    for kind, value in _SNAPSHOT.rows(factory=factory.pk):
        held[kind].add(value)
    snapshot = rules.FactorySnapshot(
        active_tiers=frozenset(held["certified"]),
        pool_years=frozenset(int(year) for year in held["pool"]),
        open_application_tiers=frozenset(held["open"]),
    )
    assessment = None
    for pk, status, submitted_at, level, used in _LATEST_ASSESSMENT.rows(factory=factory.pk):
        assessment = Assessment(
            pk=pk, status=status, submitted_at=submitted_at, maturity_level=level
        )
        assessment.used_by_decided_application = used  # type: ignore[attr-defined]
    campaign = None
    for row in _OPEN_CAMPAIGN.rows(province=factory.province_id, tier=tier, on=today):
        pk, tier_, opens_on, closes_on, year, batch, authority_id, name_zh, name_en = row
        authority = Authority(pk=authority_id, name_zh=name_zh, name_en=name_en)
        campaign = Campaign(
            pk=pk, tier=tier_, opens_on=opens_on, closes_on=closes_on, year=year, batch=batch
        )
        campaign.authority = authority
    return rules.evaluate_eligibility(
        tier_rule(edition, tier),
        snapshot,
        assessment_facts(assessment, edition=edition),
        campaign_facts(campaign),
        today,
    )


_SNAPSHOT = PreparedQuery(lambda factory: _snapshot_rows(factory), factory=-424_242)
_LATEST_ASSESSMENT = PreparedQuery(
    lambda factory: _latest_assessment_rows(factory).values_list(  # type: ignore[misc]
        "pk", "status", "submitted_at", "maturity_level", "used_by_decided_application"
    )[:1],
    factory=-424_242,
)
_OPEN_CAMPAIGN = PreparedQuery(
    lambda province, tier, on: _campaigns_open(province, tier, on).values_list(
        *("pk", "tier", "opens_on", "closes_on", "year", "batch"),
        *("authority_id", "authority__name_zh", "authority__name_en"),
    )[:1],
    province="~province~",
    tier="~tier~",
    on=date(1901, 2, 3),
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
    facts = assessment_facts(assessment, edition=edition)
    snapshot = factory_snapshot(factory)
    conditions = tier_conditions(edition)
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
        .select_related("actor", "acting_authority")
        .order_by("at", "pk")
    )


def application_timeline_for(
    user: AnyUser, application: Application, *, is_member: bool
) -> list[AuditEvent]:
    """The audit trail as ``user`` may see it: members of the applicant see their side of it
    (no expert or department steps); an expert sees the other experts' steps (and so their
    scores and reasons) only once every expert has scored."""
    events = list(application_timeline(application))
    if is_member:
        return [e for e in events if e.event_type not in INTERNAL_EVENT_TYPES]
    if isinstance(user, User) and user.role == Role.EXPERT:
        unanswered = (
            ExpertAssignment.objects.filter(application=application)
            .exclude(
                status__in=[*ExpertAssignment.INACTIVE_STATUSES, ExpertAssignment.Status.SCORED]
            )
            .exists()
        )
        if unanswered:
            return [
                e
                for e in events
                if e.event_type not in INTERNAL_EVENT_TYPES or e.actor_id == user.pk
            ]
    return events


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


# --- reviews ---------------------------------------------------------------------------------


def expert_register_for(application: Application, *, level: str = "province") -> QuerySet[Expert]:
    """Experts who may be asked to score the application: active, and for the provincial review
    on the national register or on the register of the province the application is handled in;
    for MIIT's review, on the national register."""
    register = Q(province__isnull=True)
    if level == ExpertAssignment.Level.PROVINCE:
        register |= Q(province_id=application.province_id)
    return (
        Expert.objects.filter(is_active=True, user__is_active=True)
        .filter(register)
        .select_related("user", "employer")
        .order_by("user__username")
    )


@dataclass(frozen=True)
class ConflictFinding:
    kind: str  # employer, employer_group, related_enterprise, relationship
    reason: str


def expert_conflicts_for(
    experts: list[Expert], enterprise: Enterprise
) -> dict[int, list[ConflictFinding]]:
    """Why each expert may not score an application of ``enterprise``: the applicant is the
    expert's employer or in the employer's group, or the expert declared an interest in or a
    relationship with the applicant or an enterprise of its group. Two queries in all."""
    findings: dict[int, list[ConflictFinding]] = {expert.pk: [] for expert in experts}
    applicant_group = enterprise.group_id or enterprise.pk
    employer_ids = {e.employer_id for e in experts if e.employer_id is not None}
    groups = dict(Enterprise.objects.filter(pk__in=employer_ids).values_list("pk", "group_id"))
    for expert in experts:
        if expert.employer_id is None:
            continue
        if expert.employer_id == enterprise.pk:
            findings[expert.pk].append(
                ConflictFinding("employer", _("The expert works for the applicant enterprise."))
            )
        elif (groups.get(expert.employer_id) or expert.employer_id) == applicant_group:
            findings[expert.pk].append(
                ConflictFinding(
                    "employer_group",
                    _("The expert works for an enterprise of the applicant's group."),
                )
            )
    declared = ExpertConflict.objects.filter(expert__in=[e.pk for e in experts]).filter(
        Q(enterprise_id=enterprise.pk)
        | Q(enterprise_id=applicant_group)
        | Q(enterprise__group_id=applicant_group)
    )
    for conflict in declared.select_related("enterprise").order_by("pk"):
        values = {"enterprise": conflict.enterprise.name, "text": conflict.description or "—"}
        if conflict.kind == ExpertConflict.Kind.RELATIONSHIP:
            reason = _("The expert declared a relationship with %(enterprise)s: %(text)s") % values
        else:
            reason = _("The expert declared an interest in %(enterprise)s: %(text)s") % values
        findings[conflict.expert_id].append(ConflictFinding(conflict.kind, reason))
    return findings


@dataclass(frozen=True)
class ScoreRow:
    expert: str
    status: str
    status_label: str
    total: Decimal | None
    scores: dict[str, str]
    comment: str
    is_mine: bool


@dataclass(frozen=True)
class ScoreSummary:
    rows: list[ScoreRow]
    mean: Decimal | None
    spread: Decimal | None  # highest minus lowest total
    stdev: Decimal | None
    complete: bool  # every expert who did not decline has scored


# From MIIT's expert scoring on, an application's scores are the national experts'.
NATIONAL_SCORE_STATES = frozenset(
    {
        "national_expert_review",
        "national_joint_review",
        "miit_decision",
        "site_visit",
        "cultivation",
        "acceptance",
    }
)


def application_score_summary(
    application: Application, *, viewer: AnyUser | None = None, level: str | None = None
) -> ScoreSummary:
    """The experts' scores of one review (``level``; by default the one of the application's
    step: MIIT's from its review on). An expert viewer sees the others' scores only once all
    are in."""
    if level is None:
        level = (
            ExpertAssignment.Level.NATIONAL
            if application.status in NATIONAL_SCORE_STATES
            else ExpertAssignment.Level.PROVINCE
        )
    assignments = list(
        ExpertAssignment.objects.filter(application=application, level=level)
        .select_related("expert__user")
        .order_by("assigned_at", "pk")
    )
    active = [a for a in assignments if a.status not in ExpertAssignment.INACTIVE_STATUSES]
    totals = [a.total for a in active if a.total is not None]
    complete = bool(active) and len(totals) == len(active)
    viewer_is_expert = isinstance(viewer, User) and viewer.role == Role.EXPERT
    rows = []
    for assignment in assignments:
        mine = viewer_is_expert and assignment.expert.user_id == getattr(viewer, "pk", None)
        hidden = viewer_is_expert and not mine and not complete
        rows.append(
            ScoreRow(
                expert=str(assignment.expert),
                status=assignment.status,
                status_label=str(assignment.get_status_display()),
                total=None if hidden else assignment.total,
                scores={} if hidden else dict(assignment.scores),
                comment="" if hidden else assignment.comment,
                is_mine=mine,
            )
        )
    if viewer_is_expert and not complete:
        totals = []
    mean = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01")) if totals else None
    spread = (max(totals) - min(totals)) if totals else None
    stdev = (
        Decimal(str(statistics.pstdev([float(t) for t in totals]))).quantize(Decimal("0.01"))
        if totals
        else None
    )
    return ScoreSummary(rows=rows, mean=mean, spread=spread, stdev=stdev, complete=complete)


def joint_opinions(application: Application) -> QuerySet[JointOpinion]:
    return (
        JointOpinion.objects.filter(application=application, round=application.joint_round)
        .select_related("authority", "actor")
        .order_by("authority__kind")
    )


def _joint_scope(user: User) -> Q | None:
    """The (edition, tier) pairs whose joint concurrence names the user's department kind;
    None when the user is no provincial joint department."""
    authority = user.authority
    if authority is None or authority.level != "province":
        return None
    pairs = [
        Q(tier_edition_id=edition_id, tier=tier)
        for edition_id, tier, kinds in TierCondition.objects.values_list(
            "edition_id", "tier", "joint_department_kinds"
        )
        if authority.kind in (kinds or [])
    ]
    if not pairs:
        return None
    scope = pairs[0]
    for pair in pairs[1:]:
        scope |= pair
    return scope


def worklist_for(user: AnyUser, *, counts: bool = True) -> QuerySet[Application]:
    """The applications waiting for this user to act, longest-waiting first: the states in
    which a workflow waits for the user's role, within the user's scope, narrowed to what the
    user can act on (experts: their open assignments; joint departments: the tiers their kind
    concurs on, without an opinion of theirs in the current round; city and provincial
    officials: industry and IT authorities only). With ``counts``, each row carries
    ``experts_scored`` and ``experts_active`` (the department manages expert scoring, so it sees
    those rows too)."""
    if not isinstance(user, User) or not user.is_active:
        return Application.objects.none()
    waiting = states_waiting_for(user.role)
    authority = user.authority
    if not waiting or (user.role != Role.EXPERT and authority is None):
        return Application.objects.none()
    qs = application_list_for(user, invitations=True).filter(_waiting_filter(waiting))
    if user.role == Role.EXPERT:
        pending = ExpertAssignment.objects.filter(
            application=OuterRef("pk"),
            expert__user=user,
            status__in=[ExpertAssignment.Status.INVITED, ExpertAssignment.Status.ACCEPTED],
        )
        qs = qs.filter(Exists(pending))
    elif user.role == Role.JOINT_REVIEWER:
        scope = _joint_scope(user)
        if scope is None:
            return Application.objects.none()
        answered = JointOpinion.objects.filter(
            application=OuterRef("pk"), round=OuterRef("joint_round"), authority=authority
        )
        qs = qs.filter(scope).filter(~Exists(answered))
    elif authority is None or authority.kind != "industry_it":
        return Application.objects.none()
    qs = qs.order_by("state_changed_at", "pk")
    if not counts:
        return qs
    # Counted per row in subqueries, not by a join and GROUP BY over the whole worklist, so
    # that only the rows of the page are counted.
    assignments = ExpertAssignment.objects.filter(application=OuterRef("pk")).order_by()
    return qs.annotate(
        experts_active=_count(assignments.exclude(status__in=ExpertAssignment.INACTIVE_STATUSES)),
        experts_scored=_count(assignments.filter(status=ExpertAssignment.Status.SCORED)),
    )


def _waiting_filter(waiting: dict[str, frozenset[str]]) -> Q:
    """Applications in one of the states their workflow waits in: one status list for the
    workflows that wait in the same states (most roles wait in the same steps of every table)."""
    by_states: dict[frozenset[str], list[str]] = {}
    for workflow, states in waiting.items():
        by_states.setdefault(states, []).append(workflow)
    everything = len(waiting) == len(WORKFLOWS) and len(by_states) == 1
    condition = Q()
    for states, workflows in by_states.items():
        if everything:
            return Q(status__in=sorted(states))
        condition |= Q(status__in=sorted(states), workflow__in=sorted(workflows))
    # Every state once more, outside the OR: PostgreSQL proves that a partial index of the
    # in-flight states (the worklists' indexes) covers the query only from a plain status
    # list; from an OR of (status, workflow) pairs it cannot, and sorts the region instead.
    return Q(status__in=sorted(set().union(*by_states))) & condition


def _count(rows: QuerySet[Any]) -> Coalesce:
    """The number of ``rows`` (one application's assignments) as a subquery, 0 when none."""
    counted = rows.values("application").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def worklist_count(user: AnyUser) -> int:
    return worklist_for(user).count() if isinstance(user, User) else 0


def basic_filings_visible(user: AnyUser) -> bool:
    """City bureaus review the basic filings of their city."""
    return (
        isinstance(user, User)
        and user.role == Role.CITY_OFFICIAL
        and getattr(user, "authority_id", None) is not None
    )


def invitations_among(user: AnyUser, application_ids: list[int]) -> set[int]:
    """Which of these applications the expert is invited to and has not answered yet."""
    if not isinstance(user, User) or user.role != Role.EXPERT:
        return set()
    return set(
        ExpertAssignment.objects.filter(
            expert__user=user,
            application_id__in=application_ids,
            status=ExpertAssignment.Status.INVITED,
        ).values_list("application_id", flat=True)
    )


# --- publicity ------------------------------------------------------------------------------


def publicity_list_public(*, include_closed: bool = False) -> QuerySet[Publicity]:
    """Publicity lists anyone may read: those in their period (and, with ``include_closed``,
    those whose period is over), the latest first. Lists whose period has not begun are not
    public yet."""
    today = timezone.localdate()
    qs = Publicity.objects.select_related("authority").filter(starts_on__lte=today)
    if not include_closed:
        qs = qs.filter(ends_on__gte=today)
    return qs.order_by("-starts_on", "-pk")


def publicity_get_public(pk: Any) -> Publicity:
    publicity = publicity_list_public(include_closed=True).filter(pk=pk).first()
    if publicity is None:
        raise NotFound(_("No such publicity list."))
    return publicity


def publicity_entries(publicities: list[Publicity]) -> dict[int, list[PublicityEntry]]:
    """The entries of these lists with what the public sees of each (factory, enterprise,
    city, tier): one query whatever the number of lists."""
    entries: dict[int, list[PublicityEntry]] = {p.pk: [] for p in publicities}
    rows = (
        PublicityEntry.objects.filter(publicity_id__any=list(entries))
        .select_related("application__factory__enterprise", "application__factory__city")
        .order_by("publicity_id", "pk")
    )
    for entry in rows:
        entries[entry.publicity_id].append(entry)
    return entries


def authority_official_check(user: AnyUser, authority: Authority) -> Decision:
    """Does the user act for this certifying authority (its official of the right role)?"""
    from certification.workflow.policies import CERTIFYING_ROLES

    if (
        isinstance(user, User)
        and user.is_active
        and user.authority_id == authority.pk
        and user.role == CERTIFYING_ROLES.get(authority.level)
    ):
        return Decision(True)
    return Decision(False, _("Only the certifying authority itself can do this."))


def campaigns_awaiting_publicity(user: AnyUser) -> dict[int, int]:
    """For an official acting for a certifying authority: its campaigns with applications
    recommended and not listed yet, and how many (one query); empty for anyone else."""
    authority = getattr(user, "authority", None)
    if authority is None or not authority_official_check(user, authority):
        return {}
    rows = (
        application_list_for(user)
        .filter(status=Application.Status.RECOMMENDED, campaign__authority=authority)
        .order_by()
        .values("campaign_id")
        .annotate(count=Count("pk"))
    )
    return {row["campaign_id"]: row["count"] for row in rows}


def publicity_authority_check(user: AnyUser, publicity: Publicity) -> Decision:
    """Only the authority that published the list (an official acting for it) sees its
    objections and decides on them."""
    if authority_official_check(user, publicity.authority):
        return Decision(True)
    return Decision(False, _("Only the authority that published the list sees its objections."))


def publicity_objections_for(user: AnyUser, publicity: Publicity) -> QuerySet[Objection]:
    """The objections lodged against a list, for its authority; none for anyone else."""
    if not publicity_authority_check(user, publicity):
        return Objection.objects.none()
    return (
        Objection.objects.filter(entry__publicity=publicity)
        .select_related("entry__application__factory", "decided_by")
        .order_by("lodged_at", "pk")
    )


def objection_get_for(user: AnyUser, pk: Any) -> Objection:
    objection = (
        Objection.objects.select_related("entry__publicity__authority", "entry__application")
        .filter(pk=pk)
        .first()
    )
    if objection is None or not publicity_authority_check(user, objection.entry.publicity):
        raise NotFound(_("No such objection."))
    return objection


def publicities_published_by(user: AnyUser) -> QuerySet[Publicity]:
    """The lists of the user's authority, for its officials."""
    authority = getattr(user, "authority", None)
    if authority is None or not authority_official_check(user, authority):
        return Publicity.objects.none()
    authority_id = authority.pk
    return (
        Publicity.objects.filter(authority_id=authority_id)
        .select_related("authority", "campaign")
        .order_by("-starts_on", "-pk")
    )


# --- reconciliation of self-assessed and verified scores (excellent and leading) ----------------


def self_assessed_subdomains(application: Application) -> dict[str, str]:
    """The enterprise's own score (0-5) of each applicable sub-domain of the self-assessment
    the application rests on, by code (empty without an assessment)."""
    assessment = application.assessment
    if assessment is None or not assessment.result:
        return {}
    overall = assessment.result.get("subdomain_overall") or {}
    return {code: f"{Decimal(str(value)):.2f}" for code, value in overall.items()}


@dataclass(frozen=True)
class ReconciliationRow:
    subdomain: str
    name: str
    self_score: Decimal
    verified: Decimal | None
    difference: Decimal | None  # verified minus self


def score_reconciliation(application: Application) -> list[ReconciliationRow]:
    """Per sub-domain: the enterprise's own score beside the verified one and the difference
    (two queries)."""
    from assessments.models import SubDomain

    own = self_assessed_subdomains(application)
    if not own:
        return []
    verified = dict(application.verified_levels.values_list("subdomain", "level"))
    assert application.assessment is not None  # own is empty without one
    names = {
        sub.code: sub.name
        for sub in SubDomain.objects.filter(
            version_id=application.assessment.version_id, code__in=list(own)
        )
    }
    rows = []
    for code, value in own.items():
        self_score = Decimal(value)
        checked = verified.get(code)
        rows.append(
            ReconciliationRow(
                subdomain=code,
                name=names.get(code, code),
                self_score=self_score,
                verified=checked,
                difference=None if checked is None else checked - self_score,
            )
        )
    return rows


# --- reviewer calibration ----------------------------------------------------------------------


def calibration_visible(user: AnyUser) -> bool:
    """Provincial industry and IT departments see their experts' calibration; MIIT every one."""
    if not isinstance(user, User) or not user.is_active or user.authority is None:
        return False
    if user.authority.kind != "industry_it":
        return False
    return (user.role == Role.PROVINCIAL_OFFICIAL and user.authority.level == "province") or (
        user.role == Role.MIIT_REVIEWER and user.authority.level == "national"
    )


def expert_calibration_for(user: AnyUser) -> tuple[CalibrationSet, dict[int, Expert]]:
    """How the experts' scores stand against their panels, over the scored assignments the user
    oversees (a province: its applications' provincial reviews; MIIT: every review), in two
    queries whatever their number, with the experts by id."""
    if not calibration_visible(user):
        raise PermissionDenied(
            _("Only provincial departments and MIIT see how their experts' scores compare.")
        )
    assert isinstance(user, User) and user.authority is not None
    scored = ExpertAssignment.objects.filter(
        status=ExpertAssignment.Status.SCORED, total__isnull=False
    )
    if user.authority.level == "province":
        scored = scored.filter(
            application__province_id=user.authority.province_id,
            level=ExpertAssignment.Level.PROVINCE,
        )
    result = calibrate(
        Score(expert_id, (application_id, level), total or Decimal(0))
        for expert_id, application_id, level, total in scored.values_list(
            "expert_id", "application_id", "level", "total"
        ).order_by()
    )
    experts = Expert.objects.select_related("user").in_bulk(
        [row.expert_id for row in result.experts]
    )
    return result, experts
