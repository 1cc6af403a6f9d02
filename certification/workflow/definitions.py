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
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


class Form(models.TextChoices):
    """What the page asks for before firing the action."""

    NONE = "", "—"
    REASON = "reason", _("A reason")
    ASSIGN = "assign", _("Experts to assign")
    UNASSIGN = "unassign", _("Experts to remove")
    SCORE = "score", _("Scores on the rubric")
    PUBLICITY = "publicity", _("A publicity list")
    OBJECTION = "objection", _("The objection and the investigation")


# Effects, by dotted path (see the module docstring).
START_SUBMISSION = "certification.services.checks.effect_start_submission"
RECORD_FAILED_RULES = "certification.services.checks.effect_record_failed_rules"
SELF_DECLARE_CERTIFICATE = "certification.services.certificates.effect_self_declare"
ISSUE_CERTIFICATE = "certification.services.certificates.effect_issue"
REVOKE_CERTIFICATE = "certification.services.certificates.effect_revoke"
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
    # A participant's step (target None) that completes the round moves the application here.
    completes_to: str | None = None
    tone: str = "primary"  # button colour
    label: Promise | None = None  # the button's text when the action's name is not enough
    # False: fired through its own page and service (a publicity list, an objection's
    # decision), never offered among the application's actions.
    listed: bool = True


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
    Action.REJECT: Transition(  # the city's rejection of a self-declared filing
        frozenset({S.CERTIFIED}),
        S.REJECTED,
        Policy.FILING_CITY,
        EventType.FILING_REJECTED,
        needs_reason=True,
        effects=(REVOKE_CERTIFICATE,),
        notify=True,
        form=Form.REASON,
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
    Action.ACCEPT_ASSIGNMENT: Transition(
        frozenset({S.EXPERT_REVIEW}),
        None,
        Policy.INVITED_EXPERT,
        EventType.ASSIGNMENT_ACCEPTED,
        effects=(ACCEPT,),
    ),
    Action.DECLINE_ASSIGNMENT: Transition(
        frozenset({S.EXPERT_REVIEW}),
        None,
        Policy.INVITED_EXPERT,
        EventType.ASSIGNMENT_DECLINED,
        needs_reason=True,
        effects=(DECLINE,),
        form=Form.REASON,
        tone="outline-secondary",
    ),
    Action.SCORE: Transition(
        frozenset({S.EXPERT_REVIEW}),
        None,
        Policy.ASSIGNED_EXPERT,
        EventType.SCORED,
        effects=(RECORD_SCORE,),
        form=Form.SCORE,
    ),
    Action.SEND_TO_JOINT: Transition(
        frozenset({S.EXPERT_REVIEW}),
        S.JOINT_REVIEW,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.SENT_TO_JOINT,
        guard=Guard.ALL_EXPERTS_SCORED,
        effects=(OPEN_JOINT_ROUND,),
        notify=True,
    ),
    Action.CONCUR: Transition(
        frozenset({S.JOINT_REVIEW}),
        None,
        Policy.JOINT_DEPARTMENT,
        EventType.CONCURRED,
        effects=(RECORD_OPINION,),
        completes_to=S.PROVINCIAL_DECISION,
        form=Form.REASON,
        tone="success",
    ),
    Action.OBJECT: Transition(
        frozenset({S.JOINT_REVIEW}),
        None,
        Policy.JOINT_DEPARTMENT,
        EventType.OBJECTED,
        needs_reason=True,
        effects=(RECORD_OPINION,),
        completes_to=S.PROVINCIAL_DECISION,
        form=Form.REASON,
        tone="outline-danger",
    ),
    Action.RECOMMEND: Transition(
        frozenset({S.PROVINCIAL_DECISION}),
        S.RECOMMENDED,
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.RECOMMENDED,
        notify=True,
        form=Form.REASON,
        tone="success",
    ),
    Action.PUBLICIZE: Transition(
        frozenset({S.RECOMMENDED}),
        S.IN_PUBLICITY,
        Policy.PROVINCIAL_DEPARTMENT,
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
        Policy.PROVINCIAL_DEPARTMENT,
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
        Policy.PROVINCIAL_DEPARTMENT,
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
        Policy.PROVINCIAL_DEPARTMENT,
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
        Policy.PROVINCIAL_DEPARTMENT,
        EventType.CERTIFIED,
        guard=Guard.PUBLICITY_CLEARED,
        effects=(ISSUE_CERTIFICATE,),
        notify=True,
        tone="success",
    ),
    Action.PREREQUISITE_LOST: Transition(
        REVIEW_STEPS | {S.RECOMMENDED, S.IN_PUBLICITY},
        S.RETURNED,
        Policy.SYSTEM,
        EventType.PREREQUISITE_LOST,
        effects=(RECORD_RESUME_POINT, REOPEN_SCORING),
        notify=True,
    ),
}

# Excellent and leading: their MIIT review chain is not built yet; applications stop at
# "checks passed" (the applicant can still withdraw).
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

WORKFLOWS: dict[str, Workflow] = {
    "basic_2025": BASIC_2025,
    "advanced_2025": ADVANCED_2025,
    "checks_only_2025": CHECKS_ONLY_2025,
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


def states_waiting_for(role: str) -> frozenset[str]:
    """The open states in which some workflow waits for a person of ``role`` to act (the
    applicant's own steps excluded: the enterprise has its application list)."""
    from certification.workflow.policies import POLICY_ROLES, STEP_REVIEWERS
    from certification.workflow.states import OPEN_STATES

    states: set[str] = set()
    for workflow in WORKFLOWS.values():
        for transition in workflow.values():
            if transition.policy in (Policy.SYSTEM, Policy.APPLICANT):
                continue
            for state in transition.sources & set(OPEN_STATES):
                policy = (
                    STEP_REVIEWERS.get(state)
                    if transition.policy is Policy.STEP_REVIEWER
                    else transition.policy
                )
                if policy is not None and role in POLICY_ROLES[policy]:
                    states.add(state)
    return frozenset(states)
