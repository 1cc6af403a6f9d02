"""Twenty recommendations at once against the last place of a quota: exactly one wins.

Each thread has its own database connection and puts a different application on the list;
every change to a unit's list first locks the unit's quota row, so the count of places taken is
read by one transaction at a time."""

from __future__ import annotations

import pytest

from accounts.models import Role
from certification.models import AuditEvent, RecommendationEntry
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from tests import model_factories as mf
from tests.certification.ranking_setup import excellent_campaign, waiting_in_ranking
from tests.certification.workflow.test_races import THREADS, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_recommendations_against_the_last_place_one_wins(reference_data):
    jiangsu = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
    applicant = mf.UserFactory(role=Role.ENTERPRISE_USER)
    campaign = excellent_campaign(quota=20)
    ranked = waiting_in_ranking(campaign, 19, applicant=applicant)
    for application in ranked:
        application_transition(application=application, action=Action.RANK, actor=jiangsu)
    contenders = iter(waiting_in_ranking(campaign, THREADS, applicant=applicant))
    ids = [next(contenders).pk for _ in range(THREADS)]
    queue = list(ids)

    def fire() -> None:
        application_transition(application=queue.pop(), action=Action.RANK, actor=jiangsu)

    successes, refusals = race(fire)
    assert successes == 1
    assert refusals == ["quota_exceeded"] * (THREADS - 1)
    entries = RecommendationEntry.objects.filter(list__campaign=campaign)
    assert entries.count() == 20
    assert sorted(entries.values_list("rank", flat=True)) == list(range(1, 21))
    assert entries.filter(application_id__in=ids).count() == 1
    assert AuditEvent.objects.filter(event_type="rank").count() == 20
