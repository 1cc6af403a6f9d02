"""Every state an application can be in, with what each audience sees.

Staff see the step the application is at; the enterprise sees where it stands from its side
(for example "under review" for all the review steps, which are not the applicant's business
step by step). Open states count towards the one-open-application-per-tier rule; decided
states end an application and use up its self-assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, checks running")
    CHECKS_PASSED = "checks_passed", _("Checks passed")
    RETURNED = "returned", _("Returned for changes")
    CITY_REVIEW = "city_review", _("Preliminary review by the city")
    PROVINCIAL_REVIEW = "provincial_review", _("Provincial review: experts to be assigned")
    EXPERT_REVIEW = "expert_review", _("Expert scoring")
    JOINT_REVIEW = "joint_review", _("Joint departments' concurrence")
    PROVINCIAL_DECISION = "provincial_decision", _("Provincial decision")
    RANKING = "ranking", _("Passed, to be ranked for recommendation")
    MIIT_REVIEW = "miit_review", _("MIIT review: experts to be assigned")
    NATIONAL_EXPERT_REVIEW = "national_expert_review", _("National expert scoring")
    NATIONAL_JOINT_REVIEW = "national_joint_review", _("National ministries' concurrence")
    MIIT_DECISION = "miit_decision", _("MIIT decision")
    SITE_VISIT = "site_visit", _("Site visit")
    CULTIVATION = "cultivation", _("Cultivation")
    ACCEPTANCE = "acceptance", _("Acceptance review")
    RECOMMENDED = "recommended", _("Recommended for publicity")
    IN_PUBLICITY = "in_publicity", _("In publicity")
    CERTIFIED = "certified", _("Certified")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Tone(models.TextChoices):
    """Bootstrap badge colours, by meaning."""

    NEUTRAL = "secondary"
    WAITING = "info"
    ACTION = "warning"
    GOOD = "success"
    BAD = "danger"
    PROGRESS = "primary"


@dataclass(frozen=True)
class StateInfo:
    staff_label: Promise
    applicant_label: Promise
    tone: str
    is_open: bool  # counts as the factory's open application for its tier
    is_decided: bool  # a final decision: uses up the self-assessment
    is_editable: bool = False  # the applicant may change the application


S = ApplicationState
UNDER_REVIEW = _("Under review")

STATES: dict[str, StateInfo] = {
    S.DRAFT: StateInfo(S.DRAFT.label, _("Draft"), Tone.NEUTRAL, True, False, True),
    S.SUBMITTED: StateInfo(S.SUBMITTED.label, S.SUBMITTED.label, Tone.WAITING, True, False),
    S.CHECKS_PASSED: StateInfo(
        S.CHECKS_PASSED.label, S.CHECKS_PASSED.label, Tone.WAITING, True, False
    ),
    S.RETURNED: StateInfo(
        S.RETURNED.label, _("Returned to you for changes"), Tone.ACTION, True, False, True
    ),
    S.CITY_REVIEW: StateInfo(S.CITY_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.PROVINCIAL_REVIEW: StateInfo(
        S.PROVINCIAL_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False
    ),
    S.EXPERT_REVIEW: StateInfo(S.EXPERT_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.JOINT_REVIEW: StateInfo(S.JOINT_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.PROVINCIAL_DECISION: StateInfo(
        S.PROVINCIAL_DECISION.label, UNDER_REVIEW, Tone.PROGRESS, True, False
    ),
    S.RANKING: StateInfo(S.RANKING.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.MIIT_REVIEW: StateInfo(S.MIIT_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.NATIONAL_EXPERT_REVIEW: StateInfo(
        S.NATIONAL_EXPERT_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False
    ),
    S.NATIONAL_JOINT_REVIEW: StateInfo(
        S.NATIONAL_JOINT_REVIEW.label, UNDER_REVIEW, Tone.PROGRESS, True, False
    ),
    S.MIIT_DECISION: StateInfo(S.MIIT_DECISION.label, UNDER_REVIEW, Tone.PROGRESS, True, False),
    S.SITE_VISIT: StateInfo(S.SITE_VISIT.label, S.SITE_VISIT.label, Tone.PROGRESS, True, False),
    S.CULTIVATION: StateInfo(
        S.CULTIVATION.label, _("In cultivation: report on the milestones"), Tone.ACTION, True, False
    ),
    S.ACCEPTANCE: StateInfo(S.ACCEPTANCE.label, S.ACCEPTANCE.label, Tone.PROGRESS, True, False),
    S.RECOMMENDED: StateInfo(S.RECOMMENDED.label, S.RECOMMENDED.label, Tone.GOOD, True, False),
    S.IN_PUBLICITY: StateInfo(S.IN_PUBLICITY.label, S.IN_PUBLICITY.label, Tone.GOOD, True, False),
    S.CERTIFIED: StateInfo(S.CERTIFIED.label, S.CERTIFIED.label, Tone.GOOD, False, True),
    S.REJECTED: StateInfo(S.REJECTED.label, S.REJECTED.label, Tone.BAD, False, True),
    S.WITHDRAWN: StateInfo(S.WITHDRAWN.label, S.WITHDRAWN.label, Tone.NEUTRAL, False, False),
}

OPEN_STATES: tuple[str, ...] = tuple(code for code, info in STATES.items() if info.is_open)
CLOSED_STATES: tuple[str, ...] = tuple(code for code, info in STATES.items() if not info.is_open)
DECIDED_STATES: tuple[str, ...] = tuple(code for code, info in STATES.items() if info.is_decided)
EDITABLE_STATES: tuple[str, ...] = tuple(code for code, info in STATES.items() if info.is_editable)


def state_info(code: str) -> StateInfo:
    return STATES[code]
