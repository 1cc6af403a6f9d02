"""The one next step of a factory, from plain facts (no database)."""

from datetime import date, timedelta

import pytest

from dashboard.steps import RENEW_WITHIN_DAYS, FactoryFacts, OpenApplication, Step, next_step

TODAY = date(2026, 6, 1)


def facts(*, draft=None, valid_until=TODAY + timedelta(days=200), applications=()):
    return FactoryFacts(
        factory_id=7,
        draft_assessment=draft,
        last_valid_until=valid_until,
        applications=tuple(applications),
        today=TODAY,
    )


def application(pk, status, *, editable=False, applicant_acts=False):
    return OpenApplication(pk, "advanced", status, editable, applicant_acts)


REVIEW = application(11, "expert_review")
RETURNED = application(12, "returned", editable=True, applicant_acts=True)
DRAFT = application(13, "draft", editable=True, applicant_acts=True)
CULTIVATION = application(14, "cultivation", applicant_acts=True)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # The applicant's own move comes first, whatever else is going on.
        (
            facts(draft=5, valid_until=None, applications=[REVIEW, RETURNED]),
            Step("application_returned", 12),
        ),
        (facts(applications=[DRAFT]), Step("application_draft", 13)),
        (facts(draft=5, applications=[CULTIVATION]), Step("application_report", 14)),
        # Then the self-assessment: in progress, missing, lapsed, lapsing.
        (facts(draft=5, valid_until=None, applications=[REVIEW]), Step("assessment_continue", 5)),
        (facts(valid_until=None), Step("assessment_first", 7)),
        (
            facts(valid_until=TODAY - timedelta(days=1), applications=[REVIEW]),
            Step("assessment_lapsed", 7),
        ),
        (facts(valid_until=TODAY + timedelta(days=RENEW_WITHIN_DAYS)), Step("assessment_renew", 7)),
        # Then an application under review to follow, else the path to the next tier.
        (
            facts(valid_until=TODAY + timedelta(days=RENEW_WITHIN_DAYS + 1), applications=[REVIEW]),
            Step("application_follow", 11),
        ),
        (facts(), Step("tier_path", 7)),
    ],
)
def test_next_step(given, expected):
    assert next_step(given) == expected
