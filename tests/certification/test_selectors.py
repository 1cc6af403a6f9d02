"""Reads that feed the rules: facts taken from the tier conditions edition."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from certification import rules, selectors
from tests.certification.conftest import submitted_assessment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("months", "fresh"), [(1, False), (12, True)])
def test_how_long_an_assessment_supports_an_application_is_the_editions(
    enterprise_user, applicant, months, fresh
):
    edition = selectors.tier_edition_current()
    edition.assessment_valid_months = months
    edition.save(update_fields=["assessment_valid_months"])
    submitted_assessment(enterprise_user, applicant, 2)
    later = timezone.now() + timedelta(days=45)
    with time_machine.travel(later, tick=False):
        results = selectors.factory_eligibility(applicant, "basic", timezone.localdate())
    freshness = next(r for r in results if r.rule == rules.ASSESSMENT_FRESH)
    assert freshness.passed is fresh
