"""One transition table per workflow. A tier's conditions name the workflow its applications
use, and each application keeps the name it was created with (``Application.workflow``), so a
revised table never changes the rules for an application in flight: a revision is a new
workflow name, registered here beside the old one.

Each transition says from which states it may be fired, where it leads, who may fire it, whether
a reason is required, which audit event it writes and which effects it has. Effects are named
by dotted path (the services that carry them out import the engine, so the table must not
import them); a test resolves every one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from certification.workflow.events import EventType
from certification.workflow.policies import Guard, Policy
from certification.workflow.states import ApplicationState as S


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    CHECKS_PASS = "checks_pass", _("Checks passed")
    CHECKS_FAIL = "checks_fail", _("Checks failed")
    SELF_DECLARE = "self_declare", _("Self-declare")
    WITHDRAW = "withdraw", _("Withdraw")
    FORWARD = "forward", _("Forward to the province")
    RETURN = "return", _("Return for changes")
    REJECT = "reject", _("Reject")
    ASSIGN_EXPERTS = "assign_experts", _("Assign experts")
    UNASSIGN_EXPERTS = "unassign_experts", _("Remove experts who have not scored")
    ACCEPT_ASSIGNMENT = "accept_assignment", _("Accept the assignment")
    DECLINE_ASSIGNMENT = "decline_assignment", _("Decline the assignment")
    SCORE = "score", _("Submit scores")
    SEND_TO_JOINT = "send_to_joint", _("Send to the joint departments")
    CONCUR = "concur", _("Concur")
    OBJECT = "object", _("Object")
    RECOMMEND = "recommend", _("Recommend for publicity")
    CERTIFY = "certify", _("Certify")
    PUBLICIZE = "publicize", _("Publish for publicity")
    LODGE_OBJECTION = "lodge_objection", _("Lodge an objection")
    DISMISS_OBJECTION = "dismiss_objection", _("Dismiss the objection")
    UPHOLD_OBJECTION_RETURN = "uphold_objection_return", _("Uphold the objection and return")
    UPHOLD_OBJECTION_REJECT = "uphold_objection_reject", _("Uphold the objection and reject")
    PREREQUISITE_LOST = "prerequisite_lost", _("Prerequisite lost")
    PROVINCE_PASS = "province_pass", _("Pass the provincial review")
    RANK = "rank", _("Put on the recommendation list")
    UNRANK = "unrank", _("Take off the recommendation list")
    SUBMIT_TO_MIIT = "submit_to_miit", _("Submit to MIIT")
    APPROVE = "approve", _("Approve")
    SCHEDULE_SITE_VISIT = "schedule_site_visit", _("Schedule the site visit")
    REPORT_SITE_VISIT = "report_site_visit", _("Report the site visit and start cultivation")
    REPORT_MILESTONE = "report_milestone", _("Report on a milestone")
    START_ACCEPTANCE = "start_acceptance", _("Start the acceptance review")
    PASS_ACCEPTANCE = "pass_acceptance", _("Pass the acceptance")
    VERIFY_LEVELS = "verify_levels", _("Record verified levels")
    CONFIRM_FILING = "confirm_filing", _("Confirm the filing")


class Form(models.TextChoices):
    """What the page asks for before firing the action."""

    NONE = "", "—"
    REASON = "reason", _("A reason")
    ASSIGN = "assign", _("Experts to assign")
    UNASSIGN = "unassign", _("Experts to remove")
    SCORE = "score", _("Scores on the rubric")
    PUBLICITY = "publicity", _("A publicity list")
    OBJECTION = "objection", _("The objection and the investigation")
    RANKING = "ranking", _("The recommendation list")
    DECISION = "decision", _("The decision and the score it rests on")
    SITE_VISIT = "site_visit", _("The visit's date and team")
    VISIT_REPORT = "visit_report", _("The visit's report and the cultivation plan")
    MILESTONE = "milestone", _("A milestone's progress report")
    VERIFIED_LEVELS = "verified_levels", _("A verified score per sub-domain")
    # A page of its own that shows what the action does and asks for the reason (the city's
    # rejection of a filing, which revokes the certificate): the button only leads there.
    CONFIRMATION = "confirmation", _("A confirmation page with a reason")


# Effects, by dotted path (see the module docstring).
START_SUBMISSION = "certification.services.checks.effect_start_submission"
RECORD_FAILED_RULES = "certification.services.checks.effect_record_failed_rules"
SELF_DECLARE_CERTIFICATE = "certification.services.certificates.effect_self_declare"
ISSUE_CERTIFICATE = "certification.services.certificates.effect_issue"
REVOKE_CERTIFICATE = "certification.services.certificates.effect_revoke"
CONFIRM_FILING = "certification.services.certificates.effect_confirm_filing"
RECORD_RESUME_POINT = "certification.services.reviews.effect_record_resume_point"
ASSIGN = "certification.services.reviews.effect_assign_experts"
UNASSIGN = "certification.services.reviews.effect_unassign_experts"
REOPEN_SCORING = "certification.services.reviews.effect_reopen_scoring"
ACCEPT = "certification.services.reviews.effect_accept_assignment"
DECLINE = "certification.services.reviews.effect_decline_assignment"
RECORD_SCORE = "certification.services.reviews.effect_record_score"
OPEN_JOINT_ROUND = "certification.services.reviews.effect_open_joint_round"
RECORD_OPINION = "certification.services.reviews.effect_record_opinion"
RECORD_PUBLICITY = "certification.services.publicity.effect_record_publicity"
RECORD_OBJECTION = "certification.services.publicity.effect_record_objection"
RESOLVE_OBJECTION = "certification.services.publicity.effect_resolve_objection"
ROUTE_RECOMMENDATION = "certification.services.national.effect_route_recommendation"
ADD_TO_LIST = "certification.services.national.effect_add_to_list"
REMOVE_FROM_LIST = "certification.services.national.effect_remove_from_list"
LEAVE_LIST = "certification.services.national.effect_leave_list"
RECORD_RANK = "certification.services.national.effect_record_rank"
RECORD_DECISION = "certification.services.national.effect_record_decision"
SCHEDULE_VISIT = "certification.services.national.effect_schedule_site_visit"
REPORT_VISIT = "certification.services.national.effect_report_site_visit"
REPORT_MILESTONE = "certification.services.national.effect_report_milestone"
RECORD_VERIFIED = "certification.services.national.effect_record_verified_levels"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the state stays (one participant's step, such as a score)
    policy: Policy
    event_type: EventType
    needs_reason: bool = False
    guard: Guard | None = None
    effects: tuple[str, ...] = ()
    form: str = Form.NONE
    notify: bool = False  # tell the people concerned, after commit (services.notifications)
    resumes: bool = False  # go back to the step that returned the application, if any
    then: str | None = None  # a system action fired right after, in the same transaction
    # A participant's step (target None) that completes the round moves the application here
    # (or, keyed by the state it is taken in, to the step after that round).
    completes_to: str | Mapping[str, str] | None = None
    # Where the transition leads from a particular source, where that is not ``target`` (a step
    # taken both in the provincial and in MIIT's review).
    routes: Mapping[str, str] = field(default_factory=dict)
    tone: str = "primary"  # button colour
    label: Promise | None = None  # the button's text when the action's name is not enough
    # False: fired through its own page and service (a publicity list, an objection's
    # decision), never offered among the application's actions.
    listed: bool = True

    def target_from(self, state: str) -> str | None:
        return self.routes.get(state, self.target)

    def completion_from(self, state: str) -> str | None:
        if isinstance(self.completes_to, Mapping):
            return self.completes_to.get(state)
        return self.completes_to


Workflow = Mapping[str, Transition]

REVIEW_STEPS = frozenset(
    {S.CITY_REVIEW, S.PROVINCIAL_REVIEW, S.EXPERT_REVIEW, S.JOINT_REVIEW, S.PROVINCIAL_DECISION}
)
RETURNABLE_STEPS = frozenset(
    {S.CITY_REVIEW, S.PROVINCIAL_REVIEW, S.EXPERT_REVIEW, S.PROVINCIAL_DECISION, S.IN_PUBLICITY}
)

_SUBMIT = Transition(
    frozenset({S.DRAFT, S.RETURNED}),
    S.SUBMITTED,
    Policy.APPLICANT,
    EventType.SUBMITTED,
    effects=(START_SUBMISSION,),
)
_CHECKS_FAIL = Transition(
    frozenset({S.SUBMITTED}),
    S.RETURNED,
    Policy.SYSTEM,
    EventType.CHECKS_FAILED,
    effects=(RECORD_FAILED_RULES,),
    notify=True,
)

BASIC_2025: Workflow = {
    Action.SUBMIT: _SUBMIT,
    Action.CHECKS_PASS: Transition(
        frozenset({S.SUBMITTED}),
        S.CHECKS_PASSED,
        Policy.SYSTEM,
        EventType.CHECKS_PASSED,
        notify=True,
        then=Action.SELF_DECLARE,
    ),
    Action.CHECKS_FAIL: _CHECKS_FAIL,
    Action.SELF_DECLARE: Transition(
        frozenset({S.CHECKS_PASSED}),
        S.CERTIFIED,
        Policy.SYSTEM,
        EventType.SELF_DECLARED,
        effects=(SELF_DECLARE_CERTIFICATE,),
        notify=True,
    ),
    Action.WITHDRAW: Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.CHECKS_PASSED, S.RETURNED}),
        S.WITHDRAWN,
        Policy.APPLICANT,
        EventType.WITHDRAWN,
        form=Form.REASON,
        tone="outline-danger",
    ),
    # The city bureau reviews each self-declared filing: it confirms it (the certificate
    # stands, stamped as reviewed) or rejects it (the certificate is revoked). A filing neither
    # confirmed nor rejected is new.
    Action.CONFIRM_FILING: Transition(
        frozenset({S.CERTIFIED}),
        None,
        Policy.FILING_CITY,
        EventType.FILING_CONFIRMED,
        guard=Guard.FILING_UNCONFIRMED,
        effects=(CONFIRM_FILING,),
        tone="success",
    ),
    Action.REJECT: Transition(  # the city's rejection of a self-declared filing
        frozenset({S.CERTIFIED}),
        S.REJECTED,
        Policy.FILING_CITY,
        EventType.FILING_REJECTED,
        needs_reason=True,
        effects=(REVOKE_CERTIFICATE,),
        notify=True,
        form=Form.CONFIRMATION,
        tone="danger",
        label=_("Reject the filing"),
    ),
    # A list of self-declared filings the city bureau publishes (publicity is not required
    # before a basic certificate, so the list comes after it): an objection upheld rejects the
    # filing and revokes its certificate, as the bureau's own rejection does.
    Action.PUBLICIZE: Transition(
        frozenset({S.CERTIFIED}),
        None,
        Policy.FILING_CITY,
        EventType.PUBLICIZED,
        effects=(RECORD_PUBLICITY,),
        form=Form.PUBLICITY,
        listed=False,
    ),
    Action.LODGE_OBJECTION: Transition(  # anyone, through the portal (services.publicity)
        frozenset({S.CERTIFIED}),
        None,
        Policy.SYSTEM,
        EventType.OBJECTION_LODGED,
        effects=(RECORD_OBJECTION,),
    ),
    Action.DISMISS_OBJECTION: Transition(
        frozenset({S.CERTIFIED}),
        None,
        Policy.FILING_CITY,
        EventType.OBJECTION_DISMISSED,
        needs_reason=True,
        effects=(RESOLVE_OBJECTION,),
        form=Form.OBJECTION,
        tone="outline-secondary",
        listed=False,
    ),
    Action.UPHOLD_OBJECTION_REJECT: Transition(
        frozenset({S.CERTIFIED}),
        S.REJECTED,
        Policy.FILING_CITY,
        EventType.OBJECTION_UPHELD,
        needs_reason=True,
        effects=(RESOLVE_OBJECTION, REVOKE_CERTIFICATE),
        notify=True,
        form=Form.OBJECTION,
        tone="outline-danger",
        listed=False,
    ),
}


def _publicity_and_certification(policy: Policy) -> dict[str, Transition]:
    """Publicity, its objections and the certification, taken by the certifying authority
    (``policy``) after its recommendation or decision."""
    return {
        Action.PUBLICIZE: Transition(
            frozenset({S.RECOMMENDED}),
            S.IN_PUBLICITY,
            policy,
            EventType.PUBLICIZED,
            effects=(RECORD_PUBLICITY,),
            notify=True,
            form=Form.PUBLICITY,
            listed=False,
        ),
        Action.LODGE_OBJECTION: Transition(  # anyone, through the portal (services.publicity)
            frozenset({S.IN_PUBLICITY}),
            None,
            Policy.SYSTEM,
            EventType.OBJECTION_LODGED,
            effects=(RECORD_OBJECTION,),
        ),
        Action.DISMISS_OBJECTION: Transition(
            frozenset({S.IN_PUBLICITY}),
            None,
            policy,
            EventType.OBJECTION_DISMISSED,
            needs_reason=True,
            effects=(RESOLVE_OBJECTION,),
            form=Form.OBJECTION,
            tone="outline-secondary",
            listed=False,
        ),
        Action.UPHOLD_OBJECTION_RETURN: Transition(
            frozenset({S.IN_PUBLICITY}),
            S.RETURNED,
            policy,
            EventType.OBJECTION_UPHELD,
            needs_reason=True,
            effects=(RESOLVE_OBJECTION, RECORD_RESUME_POINT),
            notify=True,
            form=Form.OBJECTION,
            tone="outline-warning",
            listed=False,
        ),
        Action.UPHOLD_OBJECTION_REJECT: Transition(
            frozenset({S.IN_PUBLICITY}),
            S.REJECTED,
            policy,
            EventType.OBJECTION_UPHELD,
            needs_reason=True,
            effects=(RESOLVE_OBJECTION,),
            notify=True,
            form=Form.OBJECTION,
            tone="outline-danger",
            listed=False,
        ),
        Action.CERTIFY: Transition(
            frozenset({S.RECOMMENDED, S.IN_PUBLICITY}),
            S.CERTIFIED,
            policy,
            EventType.CERTIFIED,
            guard=Guard.PUBLICITY_CLEARED,
            effects=(ISSUE_CERTIFICATE,),
            notify=True,
            tone="success",
        ),
    }


def _participant_steps(steps: frozenset[str]) -> dict[str, Transition]:
    """An invited expert's answer and an assigned expert's scores, in the expert ``steps``."""
    return {
        Action.ACCEPT_ASSIGNMENT: Transition(
            steps,
            None,
            Policy.INVITED_EXPERT,
            EventType.ASSIGNMENT_ACCEPTED,
            effects=(ACCEPT,),
        ),
        Action.DECLINE_ASSIGNMENT: Transition(
            steps,
            None,
            Policy.INVITED_EXPERT,
            EventType.ASSIGNMENT_DECLINED,
            needs_reason=True,
            effects=(DECLINE,),
            form=Form.REASON,
            tone="outline-secondary",
        ),
        Action.SCORE: Transition(
            steps,
            None,
            Policy.ASSIGNED_EXPERT,
            EventType.SCORED,
            effects=(RECORD_SCORE,),
            form=Form.SCORE,
        ),
    }


def _opinion_steps(
    steps: frozenset[str], completes_to: str | Mapping[str, str]
) -> dict[str, Transition]:
    """A joint department's concurrence or objection, in the joint ``steps``; the last one of
    the round moves the application to ``completes_to``."""
    return {
        Action.CONCUR: Transition(
            steps,
            None,
            Policy.JOINT_DEPARTMENT,
            EventType.CONCURRED,
            effects=(RECORD_OPINION,),
            completes_to=completes_to,
            form=Form.REASON,
            tone="success",
        ),
        Action.OBJECT: Transition(
            steps,
            None,
            Policy.JOINT_DEPARTMENT,
            EventType.OBJECTED,
            needs_reason=True,
            effects=(RECORD_OPINION,),
            completes_to=completes_to,
            form=Form.REASON,
            tone="outline-danger",
        ),
    }


ADVANCED_2025: Workflow = {
    Action.SUBMIT: _SUBMIT,
    Action.CHECKS_PASS: Transition(
        frozenset({S.SUBMITTED}),
        S.CITY_REVIEW,
        Policy.SYSTEM,
        EventType.CHECKS_PASSED,
        notify=True,
        resumes=True,
    ),
    Action.CHECKS_FAIL: _CHECKS_FAIL,
    Action.WITHDRAW: Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}) | REVIEW_STEPS,
        S.WITHDRAWN,
        Policy.APPLICANT,
        EventType.WITHDRAWN,
        form=Form.REASON,
        tone="outline-danger",
    ),
    Action.FORWARD: Transition(
        frozenset({S.CITY_REVIEW}),
        S.PROVINCIAL_REVIEW,
        Policy.CITY_BUREAU,
        EventType.FORWARDED,
        notify=True,
        form=Form.REASON,
    ),
    Action.RETURN: Transition(
        RETURNABLE_STEPS,
        S.RETURNED,
        Policy.STEP_REVIEWER,
        EventType.RETURNED,
        needs_reason=True,
        effects=(RECORD_RESUME_POINT, REOPEN_SCORING),
        notify=True,
        form=Form.REASON,
        tone="outline-warning",
    ),
    Action.REJECT: Transition(
        RETURNABLE_STEPS,
        S.REJECTED,
        Policy.STEP_REVIEWER,
        EventType.REJECTED,
        needs_reason=True,
        notify=True,
        form=Form.REASON,
        tone="outline-danger",
    ),
    Action.ASSIGN_EXPERTS: Transition(
        frozenset({S.PROVINCIAL_REVIEW, S.EXPERT_REVIEW}),
        S.EXPERT_REVIEW,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.EXPERTS_ASSIGNED,
        effects=(ASSIGN,),
        notify=True,
        form=Form.ASSIGN,
    ),
    Action.UNASSIGN_EXPERTS: Transition(
        frozenset({S.EXPERT_REVIEW}),
        None,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.EXPERTS_REMOVED,
        needs_reason=True,
        effects=(UNASSIGN,),
        form=Form.UNASSIGN,
        tone="outline-secondary",
    ),
    **_participant_steps(frozenset({S.EXPERT_REVIEW})),
    Action.SEND_TO_JOINT: Transition(
        frozenset({S.EXPERT_REVIEW}),
        S.JOINT_REVIEW,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.SENT_TO_JOINT,
        guard=Guard.ALL_EXPERTS_SCORED,
        effects=(OPEN_JOINT_ROUND,),
        notify=True,
    ),
    **_opinion_steps(frozenset({S.JOINT_REVIEW}), S.PROVINCIAL_DECISION),
    Action.RECOMMEND: Transition(
        frozenset({S.PROVINCIAL_DECISION}),
        S.RECOMMENDED,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.RECOMMENDED,
        notify=True,
        form=Form.REASON,
        tone="success",
    ),
    **_publicity_and_certification(Policy.PROVINCIAL_DEPARTMENT),
    Action.PREREQUISITE_LOST: Transition(
        REVIEW_STEPS | {S.RECOMMENDED, S.IN_PUBLICITY},
        S.RETURNED,
        Policy.SYSTEM,
        EventType.PREREQUISITE_LOST,
        effects=(RECORD_RESUME_POINT, REOPEN_SCORING),
        notify=True,
    ),
}

# Excellent and leading before their chain was built: applications stopped at "checks passed".
# No new application uses it (its applications moved to the tables below in migration 0012);
# kept so that the audit history of those that were withdrawn still names a known table.
CHECKS_ONLY_2025: Workflow = {
    Action.SUBMIT: _SUBMIT,
    Action.CHECKS_PASS: Transition(
        frozenset({S.SUBMITTED}),
        S.CHECKS_PASSED,
        Policy.SYSTEM,
        EventType.CHECKS_PASSED,
        notify=True,
    ),
    Action.CHECKS_FAIL: _CHECKS_FAIL,
    Action.WITHDRAW: Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.CHECKS_PASSED, S.RETURNED}),
        S.WITHDRAWN,
        Policy.APPLICANT,
        EventType.WITHDRAWN,
        form=Form.REASON,
        tone="outline-danger",
    ),
}

# Excellent and leading (DESIGN 2.6): the province reviews as for advanced (experts, joint
# concurrence) and passes the application to its ranking; the recommending unit (the province,
# or the central SOE group of the applicant, which skips the provincial review) ranks what
# passed within its quota and submits the list to MIIT as one act; MIIT reviews with national
# experts and the national ministries and decides; leading adds a site visit, a cultivation
# period with milestones and an acceptance review; MIIT publishes and certifies.
PROVINCIAL_STEPS = frozenset({S.PROVINCIAL_REVIEW, S.EXPERT_REVIEW, S.JOINT_REVIEW})
MIIT_STEPS = frozenset(
    {S.MIIT_REVIEW, S.NATIONAL_EXPERT_REVIEW, S.NATIONAL_JOINT_REVIEW, S.MIIT_DECISION}
)
LEADING_STEPS = frozenset({S.SITE_VISIT, S.CULTIVATION, S.ACCEPTANCE})


def _national_workflow(*, leading: bool) -> Workflow:
    review_steps = (
        PROVINCIAL_STEPS
        | MIIT_STEPS
        | {S.PROVINCIAL_DECISION, S.RANKING}
        | (LEADING_STEPS if leading else frozenset())
    )
    returnable = (review_steps - {S.JOINT_REVIEW, S.NATIONAL_JOINT_REVIEW, S.RANKING}) | {
        S.IN_PUBLICITY
    }
    return {
        Action.SUBMIT: _SUBMIT,
        Action.CHECKS_PASS: Transition(
            frozenset({S.SUBMITTED}),
            S.PROVINCIAL_REVIEW,
            Policy.SYSTEM,
            EventType.CHECKS_PASSED,
            effects=(ROUTE_RECOMMENDATION,),
            notify=True,
            resumes=True,
        ),
        Action.CHECKS_FAIL: _CHECKS_FAIL,
        Action.WITHDRAW: Transition(
            frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}) | review_steps,
            S.WITHDRAWN,
            Policy.APPLICANT,
            EventType.WITHDRAWN,
            effects=(LEAVE_LIST,),
            form=Form.REASON,
            tone="outline-danger",
        ),
        Action.RETURN: Transition(
            returnable,
            S.RETURNED,
            Policy.STEP_REVIEWER,
            EventType.RETURNED,
            needs_reason=True,
            effects=(RECORD_RESUME_POINT, REOPEN_SCORING),
            notify=True,
            form=Form.REASON,
            tone="outline-warning",
        ),
        Action.REJECT: Transition(
            returnable | {S.RANKING},
            S.REJECTED,
            Policy.STEP_REVIEWER,
            EventType.REJECTED,
            needs_reason=True,
            effects=(LEAVE_LIST,),
            notify=True,
            form=Form.REASON,
            tone="outline-danger",
        ),
        Action.ASSIGN_EXPERTS: Transition(
            frozenset(
                {S.PROVINCIAL_REVIEW, S.EXPERT_REVIEW, S.MIIT_REVIEW, S.NATIONAL_EXPERT_REVIEW}
            ),
            S.EXPERT_REVIEW,
            Policy.STEP_REVIEWER,
            EventType.EXPERTS_ASSIGNED,
            effects=(ASSIGN,),
            notify=True,
            form=Form.ASSIGN,
            routes={
                S.MIIT_REVIEW: S.NATIONAL_EXPERT_REVIEW,
                S.NATIONAL_EXPERT_REVIEW: S.NATIONAL_EXPERT_REVIEW,
            },
        ),
        Action.UNASSIGN_EXPERTS: Transition(
            frozenset({S.EXPERT_REVIEW, S.NATIONAL_EXPERT_REVIEW}),
            None,
            Policy.STEP_REVIEWER,
            EventType.EXPERTS_REMOVED,
            needs_reason=True,
            effects=(UNASSIGN,),
            form=Form.UNASSIGN,
            tone="outline-secondary",
        ),
        **_participant_steps(frozenset({S.EXPERT_REVIEW, S.NATIONAL_EXPERT_REVIEW})),
        Action.SEND_TO_JOINT: Transition(
            frozenset({S.EXPERT_REVIEW, S.NATIONAL_EXPERT_REVIEW}),
            S.JOINT_REVIEW,
            Policy.STEP_REVIEWER,
            EventType.SENT_TO_JOINT,
            guard=Guard.ALL_EXPERTS_SCORED,
            effects=(OPEN_JOINT_ROUND,),
            notify=True,
            routes={S.NATIONAL_EXPERT_REVIEW: S.NATIONAL_JOINT_REVIEW},
        ),
        **_opinion_steps(
            frozenset({S.JOINT_REVIEW, S.NATIONAL_JOINT_REVIEW}),
            {S.JOINT_REVIEW: S.PROVINCIAL_DECISION, S.NATIONAL_JOINT_REVIEW: S.MIIT_DECISION},
        ),
        Action.PROVINCE_PASS: Transition(
            frozenset({S.PROVINCIAL_DECISION}),
            S.RANKING,
            Policy.PROVINCIAL_DEPARTMENT,
            EventType.PROVINCE_PASSED,
            notify=True,
            form=Form.REASON,
            tone="success",
        ),
        Action.RANK: Transition(
            frozenset({S.RANKING}),
            None,
            Policy.RECOMMENDING_UNIT,
            EventType.RANKED,
            effects=(ADD_TO_LIST,),
            form=Form.RANKING,
            listed=False,
        ),
        Action.UNRANK: Transition(
            frozenset({S.RANKING}),
            None,
            Policy.RECOMMENDING_UNIT,
            EventType.UNRANKED,
            effects=(REMOVE_FROM_LIST,),
            form=Form.RANKING,
            listed=False,
        ),
        Action.SUBMIT_TO_MIIT: Transition(  # for each entry, by the list's submission
            frozenset({S.RANKING}),
            S.MIIT_REVIEW,
            Policy.RECOMMENDING_UNIT,
            EventType.SUBMITTED_TO_MIIT,
            guard=Guard.ON_RECOMMENDATION_LIST,
            effects=(RECORD_RANK,),
            notify=True,
            form=Form.RANKING,
            listed=False,
        ),
        # Reconciliation: MIIT records a verified score per sub-domain beside the
        # enterprise's own; its decision says which it rests on.
        Action.VERIFY_LEVELS: Transition(
            MIIT_STEPS,
            None,
            Policy.MIIT,
            EventType.LEVELS_VERIFIED,
            effects=(RECORD_VERIFIED,),
            form=Form.VERIFIED_LEVELS,
            tone="outline-primary",
        ),
        Action.APPROVE: Transition(
            frozenset({S.MIIT_DECISION}),
            S.SITE_VISIT if leading else S.RECOMMENDED,
            Policy.MIIT,
            EventType.APPROVED,
            effects=(RECORD_DECISION,),
            notify=True,
            form=Form.DECISION,
            tone="success",
        ),
        **(
            {
                Action.SCHEDULE_SITE_VISIT: Transition(
                    frozenset({S.SITE_VISIT}),
                    None,
                    Policy.MIIT,
                    EventType.SITE_VISIT_SCHEDULED,
                    effects=(SCHEDULE_VISIT,),
                    notify=True,
                    form=Form.SITE_VISIT,
                ),
                Action.REPORT_SITE_VISIT: Transition(
                    frozenset({S.SITE_VISIT}),
                    S.CULTIVATION,
                    Policy.MIIT,
                    EventType.SITE_VISIT_REPORTED,
                    guard=Guard.SITE_VISIT_DUE,
                    effects=(REPORT_VISIT,),
                    notify=True,
                    form=Form.VISIT_REPORT,
                    tone="success",
                ),
                Action.REPORT_MILESTONE: Transition(
                    frozenset({S.CULTIVATION}),
                    None,
                    Policy.APPLICANT,
                    EventType.MILESTONE_REPORTED,
                    effects=(REPORT_MILESTONE,),
                    form=Form.MILESTONE,
                ),
                Action.START_ACCEPTANCE: Transition(
                    frozenset({S.CULTIVATION}),
                    S.ACCEPTANCE,
                    Policy.MIIT,
                    EventType.ACCEPTANCE_STARTED,
                    guard=Guard.CULTIVATION_COMPLETE,
                    notify=True,
                ),
                Action.PASS_ACCEPTANCE: Transition(
                    frozenset({S.ACCEPTANCE}),
                    S.RECOMMENDED,
                    Policy.MIIT,
                    EventType.ACCEPTANCE_PASSED,
                    notify=True,
                    form=Form.REASON,
                    tone="success",
                ),
            }
            if leading
            else {}
        ),
        **_publicity_and_certification(Policy.MIIT),
        Action.PREREQUISITE_LOST: Transition(
            review_steps | {S.RECOMMENDED, S.IN_PUBLICITY},
            S.RETURNED,
            Policy.SYSTEM,
            EventType.PREREQUISITE_LOST,
            effects=(RECORD_RESUME_POINT, REOPEN_SCORING, LEAVE_LIST),
            notify=True,
        ),
    }


EXCELLENT_2025: Workflow = _national_workflow(leading=False)
LEADING_2025: Workflow = _national_workflow(leading=True)

WORKFLOWS: dict[str, Workflow] = {
    "basic_2025": BASIC_2025,
    "advanced_2025": ADVANCED_2025,
    "checks_only_2025": CHECKS_ONLY_2025,
    "excellent_2025": EXCELLENT_2025,
    "leading_2025": LEADING_2025,
}


def workflow_get(name: str) -> Workflow:
    return WORKFLOWS[name]


# --- certificates ------------------------------------------------------------------------------


class CertificateAction(models.TextChoices):
    ISSUE = "issue", _("Issue")
    SUPERSEDE = "supersede", _("Supersede")
    REVOKE = "revoke", _("Revoke")
    SUSPEND = "suspend", _("Suspend")
    REINSTATE = "reinstate", _("Reinstate")


@dataclass(frozen=True)
class CertificateTransition:
    sources: frozenset[str]  # "" : the certificate is being created
    target: str
    event_type: EventType
    recheck_dependants: bool = False  # open applications relying on it are re-evaluated
    # Fired by a person of the certificate's certifying authority (with a reason), or by the
    # portal itself (deadlines); the others only by the portal as part of another step.
    by_authority: bool = False
    needs_reason: bool = False
    tone: str = "outline-secondary"


CERTIFICATE_TRANSITIONS: dict[str, CertificateTransition] = {
    CertificateAction.ISSUE: CertificateTransition(
        frozenset({""}), "active", EventType.CERTIFICATE_ISSUED
    ),
    CertificateAction.SUPERSEDE: CertificateTransition(
        frozenset({"active", "suspended"}), "superseded", EventType.CERTIFICATE_SUPERSEDED
    ),
    CertificateAction.REVOKE: CertificateTransition(
        frozenset({"active", "suspended"}),
        "revoked",
        EventType.CERTIFICATE_REVOKED,
        recheck_dependants=True,
        by_authority=True,
        needs_reason=True,
        tone="danger",
    ),
    CertificateAction.SUSPEND: CertificateTransition(
        frozenset({"active"}),
        "suspended",
        EventType.CERTIFICATE_SUSPENDED,
        recheck_dependants=True,
        by_authority=True,
        needs_reason=True,
        tone="warning",
    ),
    CertificateAction.REINSTATE: CertificateTransition(
        frozenset({"suspended"}),
        "active",
        EventType.CERTIFICATE_REINSTATED,
        by_authority=True,
        needs_reason=True,
        tone="success",
    ),
}


def states_waiting_for(role: str) -> dict[str, frozenset[str]]:
    """By workflow, the open states in which it waits for a person of ``role`` to act (the
    applicant's own steps excluded: the enterprise has its application list; a central SOE
    group ranks its members' applications on its recommendation list page)."""
    # Worked out once per role: the tables are code, and walking them took 0.14 ms on every
    # worklist request and every page's navigation. A copy, so that callers cannot change it.
    return dict(_states_waiting_for(str(role)))


@cache
def _states_waiting_for(role: str) -> dict[str, frozenset[str]]:
    from certification.workflow.policies import POLICY_ROLES, step_reviewers
    from certification.workflow.states import OPEN_STATES

    if role == Role.ENTERPRISE_USER:
        return {}
    waiting: dict[str, frozenset[str]] = {}
    for name, workflow in WORKFLOWS.items():
        states: set[str] = set()
        for transition in workflow.values():
            if transition.policy in (Policy.SYSTEM, Policy.APPLICANT):
                continue
            for state in transition.sources & set(OPEN_STATES):
                policy = (
                    step_reviewers(name).get(state)
                    if transition.policy is Policy.STEP_REVIEWER
                    else transition.policy
                )
                if policy is not None and role in POLICY_ROLES[policy]:
                    states.add(state)
        if states:
            waiting[name] = frozenset(states)
    return waiting


# Who takes part in a step with a step of their own (a score, an opinion): while such a step
# is open, they are the ones the application waits for.
_PARTICIPANTS = frozenset({Policy.INVITED_EXPERT, Policy.ASSIGNED_EXPERT, Policy.JOINT_DEPARTMENT})


def policies_acting_on(workflow: str, state: str) -> list[Policy]:
    """Who moves an application at ``state`` on, the first named first: the applicant in its
    own states (draft, returned) and where it has a step beyond withdrawing (cultivation
    reports); then the participants whose own steps are open there (experts scoring, joint
    departments answering); then the other policies the state's transitions name; then the
    step's reviewer (who
    may return or reject at any step); the portal itself when only it acts (the checks).
    Pure: the home page says from it who acts next."""
    from certification.workflow.policies import step_reviewers
    from certification.workflow.states import EDITABLE_STATES

    if state in EDITABLE_STATES:
        return [Policy.APPLICANT]
    applicant: list[Policy] = []
    participants: list[Policy] = []
    named: list[Policy] = []
    reviewer: list[Policy] = []
    system = False
    for action, transition in WORKFLOWS.get(workflow, {}).items():
        if state not in transition.sources:
            continue
        if transition.policy is Policy.SYSTEM:
            system = True
        elif transition.policy is Policy.APPLICANT:
            if action != Action.WITHDRAW:
                applicant = [Policy.APPLICANT]
        elif transition.policy is Policy.STEP_REVIEWER:
            resolved = step_reviewers(workflow).get(state)
            reviewer += [resolved] if resolved is not None else []
        elif transition.policy in _PARTICIPANTS:
            participants.append(transition.policy)
        else:
            named.append(transition.policy)
    acting: list[Policy] = []
    for policy in applicant + participants + named + reviewer:
        if policy not in acting:
            acting.append(policy)
    if not acting and system:
        acting.append(Policy.SYSTEM)
    return acting
