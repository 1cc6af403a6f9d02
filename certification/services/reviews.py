"""The official review chain: returns that resume where they started, expert assignments with
conflict-of-interest refusals, scoring on the edition's rubric, the joint departments'
concurrence, and the re-evaluation of applications whose prerequisite certificate is lost.

The ``effect_*`` functions run inside ``application_transition`` (named in the workflow tables),
on the locked application; everything else here is a service of its own.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from certification import rules, selectors
from certification.error_codes import ErrorCode
from certification.models import (
    Application,
    CheckResult,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    JointOpinion,
)
from certification.workflow.definitions import Action
from certification.workflow.engine import TransitionContext, application_transition
from certification.workflow.policies import review_level, tier_condition
from certification.workflow.states import ApplicationState
from core.errors import Conflict, DomainError
from factories.models import Enterprise

SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(100)
# Past the checks and not yet decided: where a lost prerequisite must stop the application.
PREREQUISITE_RECHECKED_STATES = (
    ApplicationState.CITY_REVIEW,
    ApplicationState.PROVINCIAL_REVIEW,
    ApplicationState.EXPERT_REVIEW,
    ApplicationState.JOINT_REVIEW,
    ApplicationState.PROVINCIAL_DECISION,
    ApplicationState.RANKING,
    ApplicationState.MIIT_REVIEW,
    ApplicationState.NATIONAL_EXPERT_REVIEW,
    ApplicationState.NATIONAL_JOINT_REVIEW,
    ApplicationState.MIIT_DECISION,
    ApplicationState.SITE_VISIT,
    ApplicationState.CULTIVATION,
    ApplicationState.ACCEPTANCE,
    ApplicationState.RECOMMENDED,
)
# Where a return from publicity resumes: the certifying authority's decision (a publicity that
# has begun cannot be resumed; the authority decides again and publishes anew).
RESUME_AFTER_PUBLICITY = {
    "excellent_2025": ApplicationState.MIIT_DECISION,
    "leading_2025": ApplicationState.ACCEPTANCE,
}


def effect_record_resume_point(context: TransitionContext) -> None:
    """After the applicant resubmits and the checks pass, the application comes back here; from
    publicity, to the provincial decision (a publicity that has begun cannot be resumed: the
    department decides again and publishes anew)."""
    resume_at = context.from_state
    if resume_at == ApplicationState.IN_PUBLICITY:
        resume_at = RESUME_AFTER_PUBLICITY.get(
            context.application.workflow, ApplicationState.PROVINCIAL_DECISION
        )
    context.application.resume_state = resume_at
    context.extra["resume_at"] = resume_at


# --- conflicts of interest ---------------------------------------------------------------------


@transaction.atomic
def expert_conflict_declare(
    *, actor: User, enterprise: Enterprise, kind: str, description: str = ""
) -> ExpertConflict:
    """An expert declares a conflict of interest (kept until the platform admin removes it)."""
    expert = Expert.objects.filter(user=actor, is_active=True).first()
    if expert is None:
        raise DomainError(_("Only experts on the register declare conflicts of interest."))
    if kind not in ExpertConflict.Kind.values:
        message = _("Choose the kind of conflict.")
        raise DomainError(message, fields={"kind": [message]})
    conflict, _created = ExpertConflict.objects.update_or_create(
        expert=expert,
        enterprise=enterprise,
        kind=kind,
        defaults={"description": (description or "").strip()[:2000]},
    )
    return conflict


# --- expert assignment and scoring -------------------------------------------------------------


def _expert_ids(value: Any) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        message = _("Choose at least one expert.")
        raise DomainError(message, fields={"experts": [message]})
    ids = []
    for item in value:
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            message = _("'%(value)s' is not an expert.") % {"value": item}
            raise DomainError(message, fields={"experts": [message]}) from None
    return list(dict.fromkeys(ids))


def effect_assign_experts(context: TransitionContext) -> None:
    """Invite experts from the register; a conflicted expert is refused with the reason, and
    the application must end up with at least the edition's number of experts."""
    application = context.application
    level = review_level(context.target)
    ids = _expert_ids(context.data.get("experts"))
    candidates = {
        expert.pk: expert
        for expert in selectors.expert_register_for(application, level=level).filter(pk__in=ids)
    }
    conflicts = selectors.expert_conflicts_for(
        list(candidates.values()), application.factory.enterprise
    )
    errors: list[str] = []
    conflicted = False
    for pk in ids:
        expert = candidates.get(pk)
        if expert is None:
            errors.append(
                _("Expert %(id)s is not on the national register.") % {"id": pk}
                if level == ExpertAssignment.Level.NATIONAL
                else _("Expert %(id)s is not on the register for this province.") % {"id": pk}
            )
            continue
        conflicted = conflicted or bool(conflicts[pk])
        errors.extend(f"{expert}: {finding.reason}" for finding in conflicts[pk])
    if errors:
        raise DomainError(
            _("These experts cannot be assigned; nothing was changed."),
            code=ErrorCode.EXPERT_CONFLICT if conflicted else "invalid",
            fields={"experts": errors},
        )
    mine = ExpertAssignment.objects.filter(application=application, level=level)
    existing = dict(mine.values_list("expert_id", "status"))
    new = [
        pk for pk in ids if pk not in existing or existing[pk] in ExpertAssignment.INACTIVE_STATUSES
    ]
    if not new:
        message = _("These experts are already assigned.")
        raise DomainError(message, fields={"experts": [message]})
    # An expert who declined or was removed may be asked again: the assignment starts afresh.
    mine.filter(expert_id__in=new).update(
        status=ExpertAssignment.Status.INVITED,
        assigned_by=context.actor,
        responded_at=None,
        scores={},
        total=None,
        comment="",
        scored_at=None,
    )
    ExpertAssignment.objects.bulk_create(
        ExpertAssignment(
            application=application, level=level, expert_id=pk, assigned_by=context.actor
        )
        for pk in new
        if pk not in existing
    )
    active = mine.exclude(status__in=ExpertAssignment.INACTIVE_STATUSES).count()
    needed = tier_condition(application).min_experts
    if active < needed:
        message = _("Assign at least %(needed)d experts (%(count)d so far).") % {
            "needed": needed,
            "count": active,
        }
        raise DomainError(message, code=ErrorCode.TOO_FEW_EXPERTS, fields={"experts": [message]})
    context.extra["experts"] = new
    context.extra["expert_users"] = [candidates[pk].user_id for pk in new]


def effect_unassign_experts(context: TransitionContext) -> None:
    """The department removes experts who have not scored (who never answer, or who may no
    longer serve); the reason is recorded. Scores already given stay."""
    ids = _expert_ids(context.data.get("experts"))
    removable = ExpertAssignment.objects.select_for_update().filter(
        application=context.application,
        level=review_level(context.from_state),
        expert_id__in=ids,
        status__in=[ExpertAssignment.Status.INVITED, ExpertAssignment.Status.ACCEPTED],
    )
    removed = list(removable.values_list("expert_id", flat=True))
    if len(removed) != len(ids):
        message = _("Only experts who are assigned and have not scored can be removed.")
        raise DomainError(message, fields={"experts": [message]})
    removable.update(status=ExpertAssignment.Status.REMOVED, comment=context.reason)
    context.extra["experts"] = removed


def effect_reopen_scoring(context: TransitionContext) -> None:
    """Returned during expert scoring: the resubmitted application must be scored afresh, so
    the scores given so far are kept in the audit event and cleared."""
    if context.from_state not in (
        ApplicationState.EXPERT_REVIEW,
        ApplicationState.NATIONAL_EXPERT_REVIEW,
    ):
        return
    scored = ExpertAssignment.objects.select_for_update().filter(
        application=context.application,
        level=review_level(context.from_state),
        status=ExpertAssignment.Status.SCORED,
    )
    context.extra["previous_scores"] = {
        str(expert_id): str(total) for expert_id, total in scored.values_list("expert_id", "total")
    }
    scored.update(status=ExpertAssignment.Status.ACCEPTED, scores={}, total=None, scored_at=None)


def _own_assignment(context: TransitionContext) -> ExpertAssignment:
    return ExpertAssignment.objects.select_for_update().get(
        application=context.application,
        level=review_level(context.from_state),
        expert__user=context.actor,
    )


def effect_accept_assignment(context: TransitionContext) -> None:
    assignment = _own_assignment(context)
    assignment.status = ExpertAssignment.Status.ACCEPTED
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "responded_at"])
    context.extra["assignment"] = assignment.pk


def effect_decline_assignment(context: TransitionContext) -> None:
    assignment = _own_assignment(context)
    assignment.status = ExpertAssignment.Status.DECLINED
    assignment.responded_at = timezone.now()
    assignment.comment = context.reason
    assignment.save(update_fields=["status", "responded_at", "comment"])
    context.extra["assignment"] = assignment.pk


def rubric_total(rubric: list[dict[str, Any]], scores: dict[str, Decimal]) -> Decimal:
    """The weighted score on the rubric (weights are edition data and add up to 1)."""
    total = sum(
        (Decimal(str(criterion["weight"])) * scores[criterion["code"]] for criterion in rubric),
        Decimal(0),
    )
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def effect_record_score(context: TransitionContext) -> None:
    """Store the expert's score on each criterion of the rubric (0-100) and the comments."""
    rubric = tier_condition(context.application).review_rubric
    raw = context.data.get("scores")
    if not isinstance(raw, dict):
        raw = {}
    errors: dict[str, list[str]] = {}
    scores: dict[str, Decimal] = {}
    for criterion in rubric:
        code = criterion["code"]
        value = raw.get(code)
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value).strip())
            if not number.is_finite() or not SCORE_MIN <= number <= SCORE_MAX:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"scores.{code}"] = [_("Give a score from 0 to 100.")]
            continue
        scores[code] = number
    unknown = set(raw) - {criterion["code"] for criterion in rubric}
    if unknown:
        errors["scores"] = [
            _("Unknown criteria: %(codes)s.") % {"codes": ", ".join(sorted(map(str, unknown)))}
        ]
    if errors:
        raise DomainError(_("Some scores are not valid; nothing was saved."), fields=errors)
    assignment = _own_assignment(context)
    assignment.scores = {code: str(value) for code, value in scores.items()}
    assignment.total = rubric_total(rubric, scores)
    assignment.comment = str(context.data.get("comment") or "").strip()[:5000]
    assignment.status = ExpertAssignment.Status.SCORED
    assignment.scored_at = timezone.now()
    assignment.save()
    context.extra.update(
        {"assignment": assignment.pk, "scores": assignment.scores, "total": str(assignment.total)}
    )


# --- joint concurrence -------------------------------------------------------------------------


def effect_open_joint_round(context: TransitionContext) -> None:
    """A new round of concurrence; the audit event keeps the expert scores it was based on."""
    application = context.application
    application.joint_round += 1
    summary = selectors.application_score_summary(
        application, level=review_level(context.from_state)
    )
    context.extra.update(
        {
            "round": application.joint_round,
            "mean": str(summary.mean) if summary.mean is not None else None,
            "spread": str(summary.spread) if summary.spread is not None else None,
            "totals": [str(row.total) for row in summary.rows if row.total is not None],
        }
    )


def effect_record_opinion(context: TransitionContext) -> None:
    """One joint department concurs or objects; when every department of the tier has answered
    the application moves on to the provincial decision."""
    application = context.application
    assert context.actor is not None and context.actor.authority is not None
    JointOpinion.objects.create(
        application=application,
        round=application.joint_round,
        authority=context.actor.authority,
        decision=context.action,
        reason=context.reason,
        actor=context.actor,
    )
    kinds = set(tier_condition(application).joint_department_kinds)
    answered = set(
        JointOpinion.objects.filter(
            application=application, round=application.joint_round
        ).values_list("authority__kind", flat=True)
    )
    context.extra.update(
        {"round": application.joint_round, "department": context.actor.authority.kind}
    )
    completes_to = context.transition.completion_from(context.from_state)
    if kinds <= answered and completes_to:
        context.target = completes_to
        context.extra["concurrence_complete"] = True


# --- dependent certificates --------------------------------------------------------------------


def applications_recheck_prerequisite(*, factory_id: int, tier: str) -> int:
    """A certificate of ``tier`` was revoked or suspended: the factory's applications under
    review that rely on that tier as their prerequisite are checked again; those that no longer
    pass are returned to the applicant with the failed rule (and resume where they were)."""
    from certification.models import TierCondition

    dependants = Application.objects.filter(
        factory_id=factory_id, status__in=PREREQUISITE_RECHECKED_STATES
    )
    returned = 0
    for application in dependants.select_related("factory", "tier_edition"):
        condition = TierCondition.objects.get(
            edition_id=application.tier_edition_id, tier=application.tier
        )
        if condition.prerequisite_tier != tier:
            continue
        result = rules.check_prerequisite_tier(
            selectors.tier_rule_from(condition),
            selectors.factory_snapshot(application.factory, exclude=application),
            application.campaign.year if application.campaign else timezone.localdate().year,
        )
        if result.passed:
            continue
        CheckResult.objects.filter(
            application=application, submission=application.submission, rule=result.rule
        ).update(passed=False, message_zh=result.message_zh, message_en=result.message_en)
        application_transition(
            application=application,
            action=Action.PREREQUISITE_LOST,
            actor=None,
            reason=result.message_zh,
        )
        returned += 1
    return returned


# --- the expert register -----------------------------------------------------------------------


@transaction.atomic
def expert_register(
    *,
    user: User,
    employer_name: str,
    province_id: str | None = None,
    employer: Enterprise | None = None,
    specialities: str = "",
) -> Expert:
    """Put a user with the expert role on a register (the platform admin or the province)."""
    if user.role != Role.EXPERT:
        raise Conflict(_("Only users with the expert role can be on the register."))
    expert, _created = Expert.objects.update_or_create(
        user=user,
        defaults={
            "employer_name": employer_name,
            "province_id": province_id,
            "employer": employer,
            "specialities": specialities,
        },
    )
    return expert
