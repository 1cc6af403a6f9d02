"""Who may fire a transition: one permissions map, keyed by policy.

A policy answers for one user and one application with a ``Decision`` whose reason the page
and the API show when the answer is no. ``POLICY_ROLES`` says which roles can ever pass a
policy: the buttons and worklists use it to skip what a role never does, and the table test
walks every (state, action, role) combination through it.

Guards are the preconditions of one action beyond who acts (all experts have scored, say).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import AnyUser, Decision
from factories.selectors import enterprise_can_manage
from regions.models import Authority

if TYPE_CHECKING:
    from certification.models import Application, Certificate, TierCondition


class Policy(enum.Enum):
    APPLICANT = "applicant"  # a member of the factory's enterprise
    SYSTEM = "system"  # the portal itself (the checks task, a certificate change)
    FILING_CITY = "filing_city"  # the city bureau a basic filing went to
    CITY_BUREAU = "city_bureau"  # the industry and IT bureau of the factory's city
    PROVINCIAL_DEPARTMENT = "provincial_department"  # the factory's provincial department
    STEP_REVIEWER = "step_reviewer"  # whoever reviews the step the application is at
    INVITED_EXPERT = "invited_expert"  # an expert asked to score it, not yet answered
    ASSIGNED_EXPERT = "assigned_expert"  # an expert who accepted and has not scored yet
    JOINT_DEPARTMENT = "joint_department"  # a joint department of the step's level, not answered
    # The unit that recommends a nationally certified tier to MIIT: the factory's provincial
    # department, or the central SOE group the applicant belongs to.
    RECOMMENDING_UNIT = "recommending_unit"
    MIIT = "miit"  # the ministry (its industry and IT reviewers)


class Guard(enum.Enum):
    ALL_EXPERTS_SCORED = "all_experts_scored"
    PUBLICITY_CLEARED = "publicity_cleared"
    ON_RECOMMENDATION_LIST = "on_recommendation_list"
    SITE_VISIT_DUE = "site_visit_due"
    CULTIVATION_COMPLETE = "cultivation_complete"
    FILING_UNCONFIRMED = "filing_unconfirmed"


POLICY_ROLES: dict[Policy, frozenset[str]] = {
    Policy.APPLICANT: frozenset({Role.ENTERPRISE_USER}),
    Policy.SYSTEM: frozenset(),
    Policy.FILING_CITY: frozenset({Role.CITY_OFFICIAL}),
    Policy.CITY_BUREAU: frozenset({Role.CITY_OFFICIAL}),
    Policy.PROVINCIAL_DEPARTMENT: frozenset({Role.PROVINCIAL_OFFICIAL}),
    # Officials only: a central SOE group's members reject at their ranking through the API,
    # not from buttons every applicant would see refused.
    Policy.STEP_REVIEWER: frozenset(
        {Role.CITY_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.MIIT_REVIEWER}
    ),
    Policy.INVITED_EXPERT: frozenset({Role.EXPERT}),
    Policy.ASSIGNED_EXPERT: frozenset({Role.EXPERT}),
    Policy.JOINT_DEPARTMENT: frozenset({Role.JOINT_REVIEWER}),
    Policy.RECOMMENDING_UNIT: frozenset({Role.PROVINCIAL_OFFICIAL, Role.ENTERPRISE_USER}),
    Policy.MIIT: frozenset({Role.MIIT_REVIEWER}),
}

# Which policy reviews each step, for the actions any step's reviewer may take (return, reject).
STEP_REVIEWERS: dict[str, Policy] = {
    "city_review": Policy.CITY_BUREAU,
    "provincial_review": Policy.PROVINCIAL_DEPARTMENT,
    "expert_review": Policy.PROVINCIAL_DEPARTMENT,
    "provincial_decision": Policy.PROVINCIAL_DEPARTMENT,
    "recommended": Policy.PROVINCIAL_DEPARTMENT,
    "in_publicity": Policy.PROVINCIAL_DEPARTMENT,
}

# The tiers MIIT certifies: the province reviews and ranks, MIIT takes every step after.
NATIONAL_STEP_REVIEWERS: dict[str, Policy] = {
    "provincial_review": Policy.PROVINCIAL_DEPARTMENT,
    "expert_review": Policy.PROVINCIAL_DEPARTMENT,
    "provincial_decision": Policy.PROVINCIAL_DEPARTMENT,
    "ranking": Policy.RECOMMENDING_UNIT,
    "miit_review": Policy.MIIT,
    "national_expert_review": Policy.MIIT,
    "miit_decision": Policy.MIIT,
    "site_visit": Policy.MIIT,
    "cultivation": Policy.MIIT,
    "acceptance": Policy.MIIT,
    "recommended": Policy.MIIT,
    "in_publicity": Policy.MIIT,
}
_STEP_REVIEWERS_OF: dict[str, dict[str, Policy]] = {
    "excellent_2025": NATIONAL_STEP_REVIEWERS,
    "leading_2025": NATIONAL_STEP_REVIEWERS,
}

# The review level of the expert and joint steps (ExpertAssignment.level, JointOpinion's
# authority level).
NATIONAL_STEPS = frozenset({"national_expert_review", "national_joint_review", "miit_review"})


def step_reviewers(workflow: str) -> dict[str, Policy]:
    """Which policy reviews each step of ``workflow``, for return and reject."""
    return _STEP_REVIEWERS_OF.get(workflow, STEP_REVIEWERS)


def review_level(state: str) -> str:
    """``national`` for MIIT's expert and joint steps, else ``province``."""
    return "national" if state in NATIONAL_STEPS else "province"


def tier_condition(application: Application) -> TierCondition:
    """The tier's conditions in the application's edition (cached on the instance)."""
    cached: TierCondition | None = getattr(application, "_tier_condition", None)
    if cached is None:
        from certification.selectors import tier_condition_for  # the edition's, cached

        cached = tier_condition_for(application.tier_edition_id, application.tier)
        application._tier_condition = cached  # type: ignore[attr-defined]
    return cached


def _authority(user: AnyUser, role: str, level: str) -> Authority | None:
    if not isinstance(user, User) or not user.is_active or user.role != role:
        return None
    authority = user.authority
    if authority is None or authority.level != level:
        return None
    return authority


def _applicant(user: AnyUser, application: Application) -> Decision:
    return enterprise_can_manage(user, application.factory.enterprise)


def _system(user: AnyUser, application: Application) -> Decision:
    if user is None:
        return Decision(True)
    return Decision(False, _("This step is taken by the portal itself, not by a person."))


def _filing_city(user: AnyUser, application: Application) -> Decision:
    """The city bureau a basic filing went to (the certificate's authority, even if the factory
    has moved since)."""
    refused = Decision(False, _("Only the bureau the filing went to can review it."))
    authority = _authority(user, Role.CITY_OFFICIAL, Authority.Level.CITY)
    if authority is None:
        return refused
    certificate = filing_certificate(application)
    filed_with = (certificate.authority.city_id if certificate else None) or application.city_id
    return Decision(True) if authority.city_id == filed_with else refused


def filing_certificate(application: Application) -> Certificate | None:
    """The certificate of a basic filing with its authority. A list of filings sets it on each
    application beforehand (``_filing_certificate``), so its buttons cost no query per row."""
    if hasattr(application, "_filing_certificate"):
        cached: Certificate | None = application._filing_certificate
        return cached
    from certification.models import Certificate

    found = Certificate.objects.filter(application=application).select_related("authority").first()
    application._filing_certificate = found  # type: ignore[attr-defined]
    return found


def _city_bureau(user: AnyUser, application: Application) -> Decision:
    authority = _authority(user, Role.CITY_OFFICIAL, Authority.Level.CITY)
    if (
        authority is None
        or authority.kind != Authority.Kind.INDUSTRY_IT
        or authority.city_id != application.city_id
    ):
        return Decision(
            False, _("Only the industry and IT bureau of the factory's city reviews this step.")
        )
    return Decision(True)


def _provincial_department(user: AnyUser, application: Application) -> Decision:
    authority = _authority(user, Role.PROVINCIAL_OFFICIAL, Authority.Level.PROVINCE)
    if (
        authority is None
        or authority.kind != Authority.Kind.INDUSTRY_IT
        or authority.province_id != application.province_id
    ):
        return Decision(
            False,
            _("Only the industry and IT department of the factory's province reviews this step."),
        )
    return Decision(True)


def _step_reviewer(user: AnyUser, application: Application) -> Decision:
    policy = step_reviewers(application.workflow).get(application.status)
    if policy is None:
        return Decision(False, _("No one reviews the application at this step."))
    return policy_check(policy, user, application)


def _expert_assignment_status(user: AnyUser, application: Application) -> str | None:
    if not isinstance(user, User) or not user.is_active or user.role != Role.EXPERT:
        return None
    from certification.models import ExpertAssignment

    status: str | None = (
        ExpertAssignment.objects.filter(
            application=application, expert__user=user, level=review_level(application.status)
        )
        .values_list("status", flat=True)
        .first()
    )
    return status


def _invited_expert(user: AnyUser, application: Application) -> Decision:
    status = _expert_assignment_status(user, application)
    if status == "invited":
        return Decision(True)
    if status is None:
        return Decision(False, _("You are not assigned to this application."))
    return Decision(False, _("You have already answered this assignment."))


def _assigned_expert(user: AnyUser, application: Application) -> Decision:
    status = _expert_assignment_status(user, application)
    if status == "accepted":
        return Decision(True)
    if status == "invited":
        return Decision(False, _("Accept the assignment before scoring."))
    if status == "scored":
        return Decision(False, _("You have already scored this application."))
    return Decision(False, _("You are not assigned to this application."))


def _joint_department(user: AnyUser, application: Application) -> Decision:
    if review_level(application.status) == "national":
        authority = _authority(user, Role.JOINT_REVIEWER, Authority.Level.NATIONAL)
        if authority is None:
            return Decision(False, _("Only the national ministries concur at MIIT's review."))
    else:
        authority = _authority(user, Role.JOINT_REVIEWER, Authority.Level.PROVINCE)
        if authority is None or authority.province_id != application.province_id:
            return Decision(
                False, _("Only the joint departments of the factory's province concur.")
            )
    if authority.kind not in tier_condition(application).joint_department_kinds:
        return Decision(False, _("Your department does not concur on this tier."))
    from certification.models import JointOpinion

    if JointOpinion.objects.filter(
        application=application, round=application.joint_round, authority=authority
    ).exists():
        return Decision(False, _("Your department has already given its opinion."))
    return Decision(True)


def _recommending_unit(user: AnyUser, application: Application) -> Decision:
    """The provincial department of the factory's province, or, for an applicant of a central
    SOE group, the group (its members who manage it)."""
    if application.recommending_group_id is None:
        return _provincial_department(user, application)
    from factories.models import Enterprise

    group = Enterprise.objects.get(pk=application.recommending_group_id)
    if enterprise_can_manage(user, group):
        return Decision(True)
    return Decision(False, _("Only the central SOE group the applicant belongs to recommends it."))


def _miit(user: AnyUser, application: Application) -> Decision:
    authority = _authority(user, Role.MIIT_REVIEWER, Authority.Level.NATIONAL)
    if authority is None or authority.kind != Authority.Kind.INDUSTRY_IT:
        return Decision(False, _("Only MIIT takes this step."))
    return Decision(True)


# The official role that acts for a certifying authority of each level.
CERTIFYING_ROLES: dict[str, str] = {
    Authority.Level.CITY: Role.CITY_OFFICIAL,
    Authority.Level.PROVINCE: Role.PROVINCIAL_OFFICIAL,
    Authority.Level.NATIONAL: Role.MIIT_REVIEWER,
}


def certificate_authority_check(user: AnyUser, certificate: Certificate) -> Decision:
    """May the user change the certificate's status? Only an official of the authority that
    issued it (its city bureau, provincial department or MIIT), even after the factory moved."""
    refused = Decision(
        False, _("Only the authority that issued the certificate can change its status.")
    )
    if not isinstance(user, User) or not user.is_active or user.authority_id is None:
        return refused
    if user.authority_id != certificate.authority_id:
        return refused
    if user.role != CERTIFYING_ROLES.get(certificate.authority.level):
        return refused
    return Decision(True)


POLICIES: dict[Policy, Callable[[AnyUser, Application], Decision]] = {
    Policy.APPLICANT: _applicant,
    Policy.SYSTEM: _system,
    Policy.FILING_CITY: _filing_city,
    Policy.CITY_BUREAU: _city_bureau,
    Policy.PROVINCIAL_DEPARTMENT: _provincial_department,
    Policy.STEP_REVIEWER: _step_reviewer,
    Policy.INVITED_EXPERT: _invited_expert,
    Policy.ASSIGNED_EXPERT: _assigned_expert,
    Policy.JOINT_DEPARTMENT: _joint_department,
    Policy.RECOMMENDING_UNIT: _recommending_unit,
    Policy.MIIT: _miit,
}


def policy_check(policy: Policy, user: AnyUser | None, application: Application) -> Decision:
    if policy is not Policy.SYSTEM and user is None:
        return Decision(False, _("Please sign in."))
    return POLICIES[policy](user, application)  # type: ignore[arg-type]


def policy_roles(policy: Policy) -> frozenset[str]:
    return POLICY_ROLES[policy]


# --- guards ---------------------------------------------------------------------------------


def _all_experts_scored(application: Application) -> Decision:
    from certification.models import ExpertAssignment

    statuses = list(
        ExpertAssignment.objects.filter(
            application=application, level=review_level(application.status)
        )
        .exclude(status__in=ExpertAssignment.INACTIVE_STATUSES)
        .values_list("status", flat=True)
    )
    scored = statuses.count(ExpertAssignment.Status.SCORED)
    needed = max(tier_condition(application).min_experts, 1)
    if scored < needed or scored < len(statuses):
        return Decision(
            False,
            _("%(scored)d of %(total)d experts have scored; at least %(needed)d must.")
            % {"scored": scored, "total": len(statuses), "needed": needed},
        )
    return Decision(True)


def _publicity_cleared(application: Application) -> Decision:
    """Certified only after publicity, where the tier requires it: its period over and every
    objection lodged during it resolved."""
    from certification.services.publicity import publicity_clearance

    return publicity_clearance(application, required=tier_condition(application).publicity_required)


def _on_recommendation_list(application: Application) -> Decision:
    from certification.models import RecommendationEntry

    if RecommendationEntry.objects.filter(application=application).exists():
        return Decision(True)
    return Decision(False, _("The application is not on the recommendation list."))


def _site_visit_due(application: Application) -> Decision:
    """The visit has been scheduled and its day has come."""
    from django.utils import timezone

    from certification.models import SiteVisit

    day = (
        SiteVisit.objects.filter(application=application)
        .values_list("scheduled_on", flat=True)
        .first()
    )
    if day is None:
        return Decision(False, _("Schedule the site visit first."))
    if day > timezone.localdate():
        return Decision(
            False, _("The site visit is on %(day)s; report it after.") % {"day": day.isoformat()}
        )
    return Decision(True)


def _cultivation_complete(application: Application) -> Decision:
    """The cultivation period is over and every milestone has been reported on."""
    from django.utils import timezone

    from certification.models import Cultivation

    cultivation = Cultivation.objects.filter(application=application).first()
    if cultivation is None:
        return Decision(False, _("The application has no cultivation period."))
    if cultivation.ends_on > timezone.localdate():
        return Decision(
            False,
            _("The cultivation period ends on %(day)s.") % {"day": cultivation.ends_on.isoformat()},
        )
    missing = cultivation.milestones.filter(reported_at__isnull=True).count()
    if missing:
        return Decision(
            False,
            _("%(count)d milestones have no progress report yet.") % {"count": missing},
        )
    return Decision(True)


def _filing_unconfirmed(application: Application) -> Decision:
    certificate = filing_certificate(application)
    if certificate is None or certificate.filing_confirmed_at is None:
        return Decision(True)
    return Decision(
        False,
        _("The filing was confirmed on %(day)s.")
        % {"day": certificate.filing_confirmed_at.date().isoformat()},
    )


GUARDS: dict[Guard, Callable[[Application], Decision]] = {
    Guard.ALL_EXPERTS_SCORED: _all_experts_scored,
    Guard.PUBLICITY_CLEARED: _publicity_cleared,
    Guard.ON_RECOMMENDATION_LIST: _on_recommendation_list,
    Guard.SITE_VISIT_DUE: _site_visit_due,
    Guard.CULTIVATION_COMPLETE: _cultivation_complete,
    Guard.FILING_UNCONFIRMED: _filing_unconfirmed,
}


def guard_check(guard: Guard, application: Application) -> Decision:
    return GUARDS[guard](application)
