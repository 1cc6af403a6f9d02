"""The national chain of the excellent and leading tiers (DESIGN 2.4-2.6): the recommending
unit's ranked list within its quota, submitted to MIIT as one act; MIIT's decision; and, for
leading, the site visit, the cultivation period with its milestones, and the acceptance.

The ``effect_*`` functions run inside ``application_transition`` (named in the workflow tables)
on the locked application; the list's submission and reordering are services of their own.

Concurrency: every change to a unit's list first locks the unit's quota row of the campaign
(``CampaignQuota``), so the count of places taken and the ranks are read and written by one
transaction at a time: of many recommendations racing for the last place, exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import AnyUser
from assessments.services import add_months
from certification import selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Application,
    Campaign,
    CampaignQuota,
    Cultivation,
    CultivationMilestone,
    ExpertAssignment,
    RecommendationEntry,
    RecommendationList,
    SiteVisit,
    VerifiedLevel,
)
from certification.services.deadlines import milestone_deadline_close, milestone_deadlines_add
from certification.workflow.definitions import Action
from certification.workflow.engine import TransitionContext, application_transition
from certification.workflow.policies import Policy, policy_check, tier_condition
from certification.workflow.states import ApplicationState
from core.errors import Conflict, DomainError, PermissionDenied
from factories.models import Enterprise, Membership

TEXT_MAX = 5000
MILESTONES_MAX = 24
# Ranks are moved out of the way before they are rewritten: (list, rank) is unique.
_RANK_OFFSET = 10000

# --- recommending units ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A recommending unit: a province (or the XPCC) or a central SOE group."""

    province_id: str | None = None
    group_id: int | None = None

    def quota_filter(self) -> dict[str, Any]:
        if self.group_id is not None:
            return {"enterprise_id": self.group_id, "province__isnull": True}
        return {"province_id": self.province_id, "enterprise__isnull": True}

    def list_filter(self) -> dict[str, Any]:
        if self.group_id is not None:
            return {"group_id": self.group_id, "province__isnull": True}
        return {"province_id": self.province_id, "group__isnull": True}

    def applications(self) -> dict[str, Any]:
        """The filter of the applications the unit recommends."""
        if self.group_id is not None:
            return {"recommending_group_id": self.group_id}
        return {"province_id": self.province_id, "recommending_group__isnull": True}


def central_soe_group_of(enterprise: Enterprise) -> Enterprise | None:
    """The central SOE group that recommends the enterprise's factories: the enterprise itself
    when it is one, else its parent group when that is one."""
    if enterprise.is_central_soe_group:
        return enterprise
    if enterprise.group_id is None:
        return None
    return Enterprise.objects.filter(pk=enterprise.group_id, is_central_soe_group=True).first()


def unit_of_application(application: Application) -> Unit:
    if application.recommending_group_id is not None:
        return Unit(group_id=application.recommending_group_id)
    return Unit(province_id=application.province_id)


def units_of_user(user: AnyUser) -> list[Unit]:
    """The units a user recommends for: a provincial department's province, or the central SOE
    groups whose member the enterprise user is."""
    if not isinstance(user, User) or not user.is_active:
        return []
    authority = user.authority
    if (
        user.role == Role.PROVINCIAL_OFFICIAL
        and authority is not None
        and authority.level == "province"
        and authority.kind == "industry_it"
    ):
        return [Unit(province_id=authority.province_id)]
    if user.role == Role.ENTERPRISE_USER:
        groups = Membership.objects.filter(
            user=user, enterprise__is_central_soe_group=True
        ).values_list("enterprise_id", flat=True)
        return [Unit(group_id=pk) for pk in groups]
    return []


def _lock_quota(campaign_id: int, unit: Unit) -> CampaignQuota:
    quota = (
        CampaignQuota.objects.select_for_update()
        .filter(campaign_id=campaign_id, **unit.quota_filter())
        .first()
    )
    if quota is None:
        raise Conflict(
            _("The campaign gives your unit no quota: nothing can be recommended."),
            code=ErrorCode.NO_QUOTA,
        )
    return quota


def _quota_refusal(quota: int, used: int) -> Conflict:
    return Conflict(
        _(
            "The quota is %(quota)d and %(used)d places are taken: no more can be put on the "
            "list. Take one off first."
        )
        % {"quota": quota, "used": used},
        code=ErrorCode.QUOTA_EXCEEDED,
    )


def _campaign_of(application: Application) -> int:
    if application.campaign_id is None:
        raise Conflict(_("The application belongs to no campaign."), code=ErrorCode.NO_QUOTA)
    return application.campaign_id


def _close_gap(entries: QuerySet[RecommendationEntry], rank: int) -> None:
    """Move the entries ranked below ``rank`` one place up (in two statements: the ranks are
    unique at every row's update)."""
    below = entries.filter(rank__gt=rank)
    below.update(rank=F("rank") + _RANK_OFFSET)
    entries.filter(rank__gt=_RANK_OFFSET).update(rank=F("rank") - _RANK_OFFSET - 1)


# --- effects -----------------------------------------------------------------------------------


def _person(context: TransitionContext) -> User:
    """The person taking a step that only people take (the table's policy names one)."""
    assert context.actor is not None
    return context.actor


def effect_route_recommendation(context: TransitionContext) -> None:
    """When the checks pass: a factory of a central SOE group's enterprise is recommended by
    the group, which skips the provincial review (it goes to the group's ranking)."""
    application = context.application
    group = central_soe_group_of(application.factory.enterprise)
    application.recommending_group = group
    if group is not None and "resumed_at" not in context.extra:
        context.target = ApplicationState.RANKING
        context.extra["recommending_group"] = group.pk


def effect_add_to_list(context: TransitionContext) -> None:
    """Put the application at the end of its unit's list for the campaign, within the quota."""
    application = context.application
    unit = unit_of_application(application)
    campaign_id = _campaign_of(application)
    quota = _lock_quota(campaign_id, unit)
    ranked, _created = RecommendationList.objects.get_or_create(
        campaign_id=campaign_id, **unit.list_filter()
    )
    if ranked.status != RecommendationList.Status.DRAFT:
        raise Conflict(
            _("The list has been submitted to MIIT; it cannot change."),
            code=ErrorCode.LIST_SUBMITTED,
        )
    if RecommendationEntry.objects.filter(application=application).exists():
        raise Conflict(_("The application is on the list already."), code="already_listed")
    used = ranked.entries.count()
    if used >= quota.quota:
        raise _quota_refusal(quota.quota, used)
    entry = RecommendationEntry.objects.create(
        list=ranked, application=application, rank=used + 1, added_by=_person(context)
    )
    context.extra.update({"list": ranked.pk, "rank": entry.rank, "quota": quota.quota})


def _remove(context: TransitionContext, *, strict: bool) -> None:
    application = context.application
    entry = (
        RecommendationEntry.objects.filter(application=application).select_related("list").first()
    )
    if entry is None or entry.list.status != RecommendationList.Status.DRAFT:
        if strict:
            raise Conflict(
                _("The application is not on a list that is being ranked."),
                code=ErrorCode.NOT_ON_LIST,
            )
        return
    _lock_quota(entry.list.campaign_id, unit_of_application(application))
    entry.delete()
    _close_gap(RecommendationEntry.objects.filter(list_id=entry.list_id), entry.rank)
    context.extra.update({"list": entry.list_id, "rank": entry.rank})


def effect_remove_from_list(context: TransitionContext) -> None:
    _remove(context, strict=True)


def effect_leave_list(context: TransitionContext) -> None:
    """Withdrawn, rejected or returned while on a list being ranked: off the list."""
    _remove(context, strict=False)


def effect_record_rank(context: TransitionContext) -> None:
    entry = RecommendationEntry.objects.get(application=context.application)
    context.extra.update({"list": entry.list_id, "rank": entry.rank})


SCORE_BASES = ("self", "verified")


def effect_record_decision(context: TransitionContext) -> None:
    """MIIT's decision keeps the national experts' scores and says which maturity scores it
    rests on: the enterprise's own (``self``, the default) or the verified ones, which must
    then have been recorded."""
    basis = str(context.data.get("score_basis") or "self")
    if basis not in SCORE_BASES:
        raise _field_error("score_basis", _("Choose the self-assessed or the verified scores."))
    if basis == "verified" and not context.application.verified_levels.exists():
        raise _field_error(
            "score_basis", _("No verified score has been recorded: record them first.")
        )
    summary = selectors.application_score_summary(
        context.application, level=ExpertAssignment.Level.NATIONAL
    )
    context.extra.update(
        {
            "score_basis": basis,
            "mean": str(summary.mean) if summary.mean is not None else None,
            "totals": [str(row.total) for row in summary.rows if row.total is not None],
        }
    )


def effect_record_verified_levels(context: TransitionContext) -> None:
    """MIIT records (or corrects) a verified score, 0-5, for sub-domains of the application's
    self-assessment; the audit event keeps them beside the enterprise's own."""
    application = context.application
    raw = context.data.get("levels")
    if not isinstance(raw, dict) or not raw:
        raise _field_error("levels", _("Give a verified score for at least one sub-domain."))
    own = selectors.self_assessed_subdomains(application)
    errors: dict[str, list[str]] = {}
    levels: dict[str, Decimal] = {}
    for code, value in raw.items():
        if code not in own:
            errors[f"levels.{code}"] = [_("Not a sub-domain of this self-assessment.")]
            continue
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip())
            if not number.is_finite() or not Decimal(0) <= number <= Decimal(5):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"levels.{code}"] = [_("Give a score from 0 to 5.")]
            continue
        levels[code] = number.quantize(Decimal("0.01"))
    if errors:
        raise DomainError(_("Some scores are not valid; nothing was saved."), fields=errors)
    for code, level in levels.items():
        VerifiedLevel.objects.update_or_create(
            application=application,
            subdomain=code,
            defaults={"level": level, "recorded_by": _person(context)},
        )
    context.extra["levels"] = {
        code: {"self": own[code], "verified": str(level)} for code, level in levels.items()
    }


# --- leading: site visit, cultivation, acceptance ----------------------------------------------


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, fields={field: [message]})


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise _field_error(field, _("Give a date as YYYY-MM-DD.")) from None


def _text(value: Any, field: str, *, required: bool = True) -> str:
    text = str(value or "").strip()[:TEXT_MAX]
    if required and not text:
        raise _field_error(field, _("This field is required."))
    return text


def effect_schedule_site_visit(context: TransitionContext) -> None:
    """MIIT schedules (or reschedules) the visit: a date not in the past and a team from the
    national expert register, none of whom has a conflict of interest with the applicant."""
    application = context.application
    day = _date(context.data.get("scheduled_on"), "scheduled_on")
    if day < timezone.localdate():
        raise _field_error("scheduled_on", _("The visit cannot be in the past."))
    raw = context.data.get("team")
    if not isinstance(raw, list | tuple) or not raw:
        raise _field_error("team", _("Choose at least one expert."))
    try:
        ids = list(dict.fromkeys(int(pk) for pk in raw))
    except (TypeError, ValueError):
        raise _field_error("team", _("Choose experts from the register.")) from None
    register = {
        expert.pk: expert
        for expert in selectors.expert_register_for(
            application, level=ExpertAssignment.Level.NATIONAL
        ).filter(pk__in=ids)
    }
    conflicts = selectors.expert_conflicts_for(
        list(register.values()), application.factory.enterprise
    )
    errors = [
        _("Expert %(id)s is not on the national register.") % {"id": pk}
        for pk in ids
        if pk not in register
    ]
    errors += [f"{register[pk]}: {finding.reason}" for pk in register for finding in conflicts[pk]]
    if errors:
        raise DomainError(
            _("These experts cannot visit; nothing was changed."),
            code=ErrorCode.EXPERT_CONFLICT if any(conflicts.values()) else "invalid",
            fields={"team": errors},
        )
    visit, _created = SiteVisit.objects.update_or_create(
        application=application,
        defaults={"scheduled_on": day, "scheduled_by": _person(context), "reported_at": None},
    )
    visit.team.set(ids)
    context.extra.update({"scheduled_on": day.isoformat(), "team": ids})


def effect_report_site_visit(context: TransitionContext) -> None:
    """The visit's report and findings; the cultivation period (up to the edition's maximum)
    starts today, with the milestones the enterprise will report against."""
    application = context.application
    report = _text(context.data.get("report"), "report")
    findings = context.data.get("findings") or []
    if not isinstance(findings, list | tuple):
        raise _field_error("findings", _("Give the findings as a list."))
    findings = [str(item).strip()[:TEXT_MAX] for item in findings if str(item).strip()]
    longest = tier_condition(application).cultivation_months_max or 24
    try:
        months = int(context.data.get("cultivation_months") or 0)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= longest:
        raise _field_error(
            "cultivation_months",
            _("Give the cultivation period in months, from 1 to %(max)d.") % {"max": longest},
        )
    starts_on = timezone.localdate()
    ends_on = add_months(starts_on, months)
    raw = context.data.get("milestones")
    if not isinstance(raw, list | tuple) or not raw:
        raise _field_error("milestones", _("Set at least one milestone."))
    if len(raw) > MILESTONES_MAX:
        raise _field_error("milestones", _("At most %(max)d milestones.") % {"max": MILESTONES_MAX})
    milestones = []
    for order, item in enumerate(raw, start=1):
        item = item if isinstance(item, dict) else {}
        title = _text(item.get("title"), f"milestones.{order}.title")[:200]
        due_on = _date(item.get("due_on"), f"milestones.{order}.due_on")
        if not starts_on < due_on <= ends_on:
            raise _field_error(
                f"milestones.{order}.due_on",
                _("A milestone falls within the cultivation period (%(start)s to %(end)s).")
                % {"start": starts_on.isoformat(), "end": ends_on.isoformat()},
            )
        milestones.append((order, title, due_on))
    visit = SiteVisit.objects.select_for_update().get(application=application)
    visit.report, visit.findings, visit.reported_at = report, findings, timezone.now()
    visit.save(update_fields=["report", "findings", "reported_at"])
    Cultivation.objects.filter(application=application).delete()  # a visit after a return
    cultivation = Cultivation.objects.create(
        application=application, starts_on=starts_on, ends_on=ends_on, months=months
    )
    milestone_deadlines_add(
        CultivationMilestone.objects.bulk_create(
            CultivationMilestone(cultivation=cultivation, order=order, title=title, due_on=due_on)
            for order, title, due_on in milestones
        )
    )
    context.extra.update(
        {
            "findings": findings,
            "cultivation": {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
            "milestones": len(milestones),
        }
    )


def effect_report_milestone(context: TransitionContext) -> None:
    """The enterprise reports its progress on one milestone (again, to correct it)."""
    try:
        order = int(context.data.get("milestone") or 0)
    except (TypeError, ValueError):
        order = 0
    milestone = (
        CultivationMilestone.objects.select_for_update()
        .filter(cultivation__application=context.application, order=order)
        .first()
    )
    if milestone is None:
        raise _field_error("milestone", _("Choose one of the cultivation's milestones."))
    milestone.report = _text(context.data.get("report"), "report")
    milestone.reported_at = timezone.now()
    milestone.reported_by = context.actor
    milestone.save(update_fields=["report", "reported_at", "reported_by"])
    milestone_deadline_close(milestone)
    context.extra.update({"milestone": order, "title": milestone.title})


# --- the list: reorder and submit --------------------------------------------------------------


def _unit_check(actor: User, ranked: RecommendationList) -> None:
    unit = Unit(province_id=ranked.province_id, group_id=ranked.group_id)
    if unit not in units_of_user(actor):
        raise PermissionDenied(_("Only the recommending unit can change its list."))


def _lock_list(actor: User, pk: int) -> tuple[RecommendationList, CampaignQuota]:
    ranked = RecommendationList.objects.filter(pk=pk).first()
    if ranked is None:
        raise PermissionDenied(_("Only the recommending unit can change its list."))
    _unit_check(actor, ranked)
    quota = _lock_quota(
        ranked.campaign_id, Unit(province_id=ranked.province_id, group_id=ranked.group_id)
    )
    ranked = RecommendationList.objects.select_for_update().get(pk=pk)
    if ranked.status != RecommendationList.Status.DRAFT:
        raise Conflict(
            _("The list has been submitted to MIIT; it cannot change."),
            code=ErrorCode.LIST_SUBMITTED,
        )
    return ranked, quota


@transaction.atomic
def recommendation_reorder(
    *, actor: User, recommendation: RecommendationList | int, order: list[int]
) -> RecommendationList:
    """Rank the list's applications in ``order`` (application ids, first recommended first;
    every application on the list exactly once)."""
    pk = recommendation if isinstance(recommendation, int) else recommendation.pk
    ranked, _quota = _lock_list(actor, pk)
    entries = RecommendationEntry.objects.filter(list=ranked)
    on_list = set(entries.values_list("application_id", flat=True))
    if len(order) != len(set(order)) or set(order) != on_list:
        raise _field_error(
            "applications",
            _("Give every application on the list exactly once, in the new order."),
        )
    entries.update(rank=F("rank") + _RANK_OFFSET)
    for rank, application_id in enumerate(order, start=1):
        entries.filter(application_id=application_id).update(rank=rank)
    return ranked


@transaction.atomic
def recommendation_submit(
    *, actor: User, recommendation: RecommendationList | int
) -> RecommendationList:
    """Submit the ranked list to MIIT as one act: every application on it goes to MIIT's
    review (audited with its rank) and the list is locked. Refused when it is empty or longer
    than the quota (lowered since it was drawn up)."""
    pk = recommendation if isinstance(recommendation, int) else recommendation.pk
    ranked, quota = _lock_list(actor, pk)
    entries = list(ranked.entries.order_by("rank").values_list("application_id", flat=True))
    if not entries:
        raise Conflict(_("The list is empty: put applications on it first."), code="empty_list")
    if len(entries) > quota.quota:
        raise _quota_refusal(quota.quota, len(entries))
    for application_id in entries:
        application_transition(
            application=application_id, action=Action.SUBMIT_TO_MIIT, actor=actor
        )
    ranked.status = RecommendationList.Status.SUBMITTED
    ranked.submitted_at = timezone.now()
    ranked.submitted_by = actor
    ranked.save(update_fields=["status", "submitted_at", "submitted_by"])
    return ranked


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingView:
    """A unit's list for a campaign: its quota, the places used, the entries in rank order,
    and the passed applications that could still be put on it."""

    campaign: Campaign
    unit: Unit
    unit_name: str
    recommendation: RecommendationList | None
    quota: int | None
    entries: list[RecommendationEntry]
    candidates: list[Application]

    @property
    def used(self) -> int:
        return len(self.entries)

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None else max(self.quota - self.used, 0)

    @property
    def is_submitted(self) -> bool:
        return (
            self.recommendation is not None
            and self.recommendation.status == RecommendationList.Status.SUBMITTED
        )


def _unit_name(unit: Unit) -> str:
    from regions.models import Province

    if unit.group_id is not None:
        return (
            Enterprise.objects.filter(pk=unit.group_id).values_list("name", flat=True).first() or ""
        )
    province = Province.objects.filter(pk=unit.province_id).first()
    return province.name if province is not None else ""


def ranking_view(campaign: Campaign, unit: Unit) -> RankingView:
    """Five queries, however long the list."""
    recommendation = RecommendationList.objects.filter(
        campaign=campaign, **unit.list_filter()
    ).first()
    quota = (
        CampaignQuota.objects.filter(campaign=campaign, **unit.quota_filter())
        .values_list("quota", flat=True)
        .first()
    )
    related = ("factory__enterprise", "factory__city")
    entries = (
        list(
            recommendation.entries.select_related(
                *(f"application__{path}" for path in related)
            ).order_by("rank")
        )
        if recommendation is not None
        else []
    )
    candidates = list(
        Application.objects.filter(
            campaign=campaign, status=ApplicationState.RANKING, **unit.applications()
        )
        .exclude(recommendation__isnull=False)
        .select_related(*related)
        .order_by("state_changed_at", "pk")
    )
    return RankingView(
        campaign=campaign,
        unit=unit,
        unit_name=_unit_name(unit),
        recommendation=recommendation,
        quota=quota,
        entries=entries,
        candidates=candidates,
    )


def ranking_campaigns_for(user: AnyUser) -> QuerySet[Campaign]:
    """The campaigns of nationally certified tiers in which the user's unit has a quota."""
    units = units_of_user(user)
    if not units:
        return Campaign.objects.none()
    ids: set[int] = set()
    for unit in units:
        ids |= set(
            CampaignQuota.objects.filter(**unit.quota_filter()).values_list(
                "campaign_id", flat=True
            )
        )
    return (
        Campaign.objects.filter(pk__in=ids)
        .select_related("authority")
        .order_by("-year", "-batch", "tier")
    )


def rank_check(user: AnyUser, application: Application) -> bool:
    """May the user rank this application (its unit's official or group member)?"""
    return bool(policy_check(Policy.RECOMMENDING_UNIT, user, application))


def submitted_rankings(campaign: Campaign) -> list[RankingView]:
    """Every list submitted to MIIT in the campaign, with its entries (four queries)."""
    from regions.models import Province

    lists = list(
        RecommendationList.objects.filter(
            campaign=campaign, status=RecommendationList.Status.SUBMITTED
        ).order_by("province_id", "group_id")
    )
    entries: dict[int, list[RecommendationEntry]] = {ranked.pk: [] for ranked in lists}
    for entry in (
        RecommendationEntry.objects.filter(list__in=lists)
        .select_related("application__factory__enterprise", "application__factory__city")
        .order_by("list_id", "rank")
    ):
        entries[entry.list_id].append(entry)
    quotas = {
        (quota.province_id, quota.enterprise_id): quota.quota
        for quota in CampaignQuota.objects.filter(campaign=campaign)
    }
    names = {province.pk: province.name for province in Province.objects.all()}
    groups = dict(
        Enterprise.objects.filter(pk__in=[r.group_id for r in lists if r.group_id]).values_list(
            "pk", "name"
        )
    )
    return [
        RankingView(
            campaign=campaign,
            unit=Unit(province_id=ranked.province_id, group_id=ranked.group_id),
            unit_name=(
                groups.get(ranked.group_id, "")
                if ranked.group_id
                else names.get(ranked.province_id or "", "")
            ),
            recommendation=ranked,
            quota=quotas.get((ranked.province_id, ranked.group_id)),
            entries=entries[ranked.pk],
            candidates=[],
        )
        for ranked in lists
    ]
