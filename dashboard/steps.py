"""What the home page tells an enterprise user to do next for each factory: one step, decided
from plain facts (no ORM), so the rule is tested on its own and reads in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# A self-assessment this close to its end is due for renewal (the first reminder's distance).
RENEW_WITHIN_DAYS = 30


@dataclass(frozen=True)
class OpenApplication:
    pk: int
    tier: str
    status: str
    editable: bool  # draft or returned: the applicant's move
    applicant_acts: bool  # the applicant has a step of its own (cultivation reports)


@dataclass(frozen=True)
class FactoryFacts:
    factory_id: int
    draft_assessment: int | None
    last_valid_until: date | None  # of the latest submitted self-assessment
    applications: tuple[OpenApplication, ...]
    today: date


@dataclass(frozen=True)
class Step:
    """``kind`` names the step (its wording is the page's); ``target`` is the id it links to."""

    kind: str
    target: int


def next_step(facts: FactoryFacts) -> Step:
    """The one thing to do next, in order of urgency: an application waiting for the applicant,
    a self-assessment in progress, a missing, lapsed or lapsing self-assessment, an application
    under review to follow, else the path to the next tier."""
    for application in facts.applications:
        if application.editable:
            kind = (
                "application_returned" if application.status == "returned" else "application_draft"
            )
            return Step(kind, application.pk)
    for application in facts.applications:
        if application.applicant_acts:
            return Step("application_report", application.pk)
    if facts.draft_assessment is not None:
        return Step("assessment_continue", facts.draft_assessment)
    if facts.last_valid_until is None:
        return Step("assessment_first", facts.factory_id)
    if facts.last_valid_until < facts.today:
        return Step("assessment_lapsed", facts.factory_id)
    if (facts.last_valid_until - facts.today).days <= RENEW_WITHIN_DAYS:
        return Step("assessment_renew", facts.factory_id)
    if facts.applications:
        return Step("application_follow", facts.applications[0].pk)
    return Step("tier_path", facts.factory_id)
