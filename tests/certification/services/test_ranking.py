"""The recommending unit's list: within the quota (the 21st of 20 is refused, with the reason),
ranks kept contiguous, reordered only as a whole, submitted to MIIT as one act and locked, and
left by applications that are withdrawn or rejected while it is drawn up."""

from __future__ import annotations

import pytest

from accounts.models import Role
from certification import services
from certification.models import (
    Application,
    AuditEvent,
    CampaignQuota,
    RecommendationEntry,
    RecommendationList,
)
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from core.errors import DomainError
from tests import model_factories as mf
from tests.certification.ranking_setup import excellent_campaign, waiting_in_ranking

pytestmark = pytest.mark.django_db


@pytest.fixture
def jiangsu(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")


@pytest.fixture
def applicant(db):
    return mf.UserFactory(role=Role.ENTERPRISE_USER)


def rank(application, actor) -> None:
    application_transition(application=application, action=Action.RANK, actor=actor)


def ranks(campaign) -> list[tuple[int, int]]:
    return list(
        RecommendationEntry.objects.filter(list__campaign=campaign)
        .order_by("rank")
        .values_list("rank", "application_id")
    )


def test_the_21st_of_20_is_refused_with_the_reason(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    applications = waiting_in_ranking(campaign, 21, applicant=applicant)
    for application in applications[:20]:
        rank(application, jiangsu)
    with pytest.raises(DomainError) as refused:
        rank(applications[20], jiangsu)
    assert refused.value.code == "quota_exceeded"
    assert "20" in str(refused.value.message)
    assert ranks(campaign) == [(n, a.pk) for n, a in enumerate(applications[:20], start=1)]
    assert not RecommendationEntry.objects.filter(application=applications[20]).exists()
    assert AuditEvent.objects.filter(event_type="rank").count() == 20
    # Taking one off frees its place, and the others move up.
    application_transition(application=applications[1], action=Action.UNRANK, actor=jiangsu)
    rank(applications[20], jiangsu)
    assert [r for r, _pk in ranks(campaign)] == list(range(1, 21))
    assert ranks(campaign)[1] == (2, applications[2].pk)
    assert ranks(campaign)[-1] == (20, applications[20].pk)


def test_a_unit_without_a_quota_cannot_rank(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    CampaignQuota.objects.filter(campaign=campaign, province_id="32").delete()
    [application] = waiting_in_ranking(campaign, 1, applicant=applicant)
    with pytest.raises(DomainError) as refused:
        rank(application, jiangsu)
    assert refused.value.code == "no_quota"


def test_only_the_factorys_province_ranks(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    [application] = waiting_in_ranking(campaign, 1, applicant=applicant)
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    for outsider in (zhejiang, applicant, mf.official(Role.MIIT_REVIEWER, "miit")):
        with pytest.raises(DomainError) as refused:
            rank(application, outsider)
        assert refused.value.status == 403
    assert not RecommendationEntry.objects.exists()


def test_reorder_takes_every_entry_once(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    a, b, c = waiting_in_ranking(campaign, 3, applicant=applicant)
    for application in (a, b, c):
        rank(application, jiangsu)
    ranked = RecommendationList.objects.get(campaign=campaign)
    for bad in ([a.pk, b.pk], [a.pk, b.pk, b.pk], [a.pk, b.pk, c.pk, 999999]):
        with pytest.raises(DomainError) as refused:
            services.recommendation_reorder(actor=jiangsu, recommendation=ranked, order=bad)
        assert "applications" in refused.value.fields
    assert ranks(campaign) == [(1, a.pk), (2, b.pk), (3, c.pk)]
    services.recommendation_reorder(actor=jiangsu, recommendation=ranked, order=[c.pk, a.pk, b.pk])
    assert ranks(campaign) == [(1, c.pk), (2, a.pk), (3, b.pk)]
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    with pytest.raises(DomainError) as refused:
        services.recommendation_reorder(actor=zhejiang, recommendation=ranked, order=[a.pk])
    assert refused.value.status == 403


def test_submission_moves_the_whole_list_to_miit_and_locks_it(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    a, b, c = waiting_in_ranking(campaign, 3, applicant=applicant)
    rank(b, jiangsu)
    rank(a, jiangsu)
    ranked = RecommendationList.objects.get(campaign=campaign)
    services.recommendation_submit(actor=jiangsu, recommendation=ranked)
    ranked.refresh_from_db()
    assert ranked.status == "submitted" and ranked.submitted_by == jiangsu
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert (statuses[b.pk], statuses[a.pk], statuses[c.pk]) == (
        "miit_review",
        "miit_review",
        "ranking",
    )
    events = AuditEvent.objects.filter(event_type="submit_to_miit").order_by("pk")
    assert [(e.application_id, e.extra_data["rank"]) for e in events] == [(b.pk, 1), (a.pk, 2)]
    for change in (
        lambda: rank(c, jiangsu),
        lambda: services.recommendation_submit(actor=jiangsu, recommendation=ranked),
        lambda: services.recommendation_reorder(
            actor=jiangsu, recommendation=ranked, order=[a.pk, b.pk]
        ),
    ):
        with pytest.raises(DomainError) as refused:
            change()
        assert refused.value.code == "list_submitted"


def test_a_list_longer_than_a_lowered_quota_is_not_submitted(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=3)
    applications = waiting_in_ranking(campaign, 3, applicant=applicant)
    for application in applications:
        rank(application, jiangsu)
    CampaignQuota.objects.filter(campaign=campaign, province_id="32").update(quota=2)
    ranked = RecommendationList.objects.get(campaign=campaign)
    with pytest.raises(DomainError) as refused:
        services.recommendation_submit(actor=jiangsu, recommendation=ranked)
    assert refused.value.code == "quota_exceeded"
    # Nothing moved: the submission is one act.
    assert set(Application.objects.values_list("status", flat=True)) == {"ranking"}
    assert RecommendationList.objects.get(pk=ranked.pk).status == "draft"
    empty = excellent_campaign_list_empty(jiangsu, ranked, applications)
    assert empty.code == "empty_list"


def excellent_campaign_list_empty(jiangsu, ranked, applications) -> DomainError:
    for application in applications:
        application_transition(application=application, action=Action.UNRANK, actor=jiangsu)
    with pytest.raises(DomainError) as refused:
        services.recommendation_submit(actor=jiangsu, recommendation=ranked)
    return refused.value


def test_withdrawn_or_rejected_applications_leave_the_list(reference_data, jiangsu, applicant):
    campaign = excellent_campaign(quota=20)
    a, b, c = waiting_in_ranking(campaign, 3, applicant=applicant)
    for application in (a, b, c):
        rank(application, jiangsu)
    application_transition(
        application=a, action=Action.WITHDRAW, actor=applicant, reason="暂不申报"
    )
    application_transition(application=b, action=Action.REJECT, actor=jiangsu, reason="名额有限")
    assert ranks(campaign) == [(1, c.pk)]
    assert Application.objects.get(pk=b.pk).status == "rejected"
