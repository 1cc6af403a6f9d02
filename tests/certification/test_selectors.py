"""Selectors: facts the rules read from the tier conditions edition, and what officials see
(withdrawn drafts stay private)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from certification import rules, selectors, services
from core.errors import NotFound
from tests import model_factories as mf
from tests.certification.conftest import submitted_assessment
from tests.certification.review_setup import submitted_advanced
from tests.conftest import api_client_for

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


def test_a_draft_withdrawn_before_submission_stays_private(cast):
    draft_factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, draft_factory.enterprise)
    draft = services.application_create(
        actor=cast.applicant, factory=draft_factory, tier="advanced", campaign=cast.campaign
    )
    draft = services.application_withdraw(
        actor=cast.applicant, application=draft, reason="暂不申报"
    )
    assert draft.status == "withdrawn" and draft.submission == 0
    submitted = submitted_advanced(cast)
    submitted = services.application_withdraw(
        actor=cast.applicant, application=submitted, reason="条件不成熟"
    )
    assert submitted.status == "withdrawn" and submitted.submission == 1

    for official in (cast.city, cast.province):
        with pytest.raises(NotFound):
            selectors.application_get_for(official, draft.pk)
        assert selectors.application_get_for(official, submitted.pk) == submitted
        visible = set(selectors.application_list_for(official).values_list("pk", flat=True))
        assert submitted.pk in visible and draft.pk not in visible
        client = api_client_for(official)
        assert client.get(f"/api/v1/applications/{draft.pk}/").status_code == 404
        assert client.get(f"/api/v1/applications/{submitted.pk}/").status_code == 200
    # The enterprise still has both.
    own = set(selectors.application_list_for(cast.applicant).values_list("pk", flat=True))
    assert {draft.pk, submitted.pk} <= own
