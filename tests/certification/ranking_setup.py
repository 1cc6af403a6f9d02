"""Applications waiting in a recommending unit's ranking, for tests of the list and its quota:
made as rows in the ``ranking`` state (their review is other tests' business), in MIIT's
excellent campaign, whose quota for Jiangsu the test sets."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from certification import selectors, services
from certification.models import Application, Campaign, CampaignQuota
from tests import model_factories as mf


def excellent_campaign(quota: int) -> Campaign:
    """MIIT's open excellent campaign, Jiangsu's quota set to ``quota``."""
    today = timezone.localdate()
    campaign = services.campaign_open(
        actor=mf.official(Role.MIIT_REVIEWER, "miit"),
        tier="excellent",
        year=today.year,
        batch=9,
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=30),
    )
    CampaignQuota.objects.filter(campaign=campaign, province_id="32").update(quota=quota)
    return campaign


def waiting_in_ranking(campaign: Campaign, count: int, *, applicant: User) -> list[Application]:
    """``count`` passed excellent applications of Suzhou factories, waiting to be ranked."""
    edition = selectors.tier_edition_current()
    applications = []
    for _ in range(count):
        factory = mf.FactoryFactory()
        mf.member_of(applicant, factory.enterprise)
        applications.append(
            Application.objects.create(
                factory=factory,
                province_id=factory.province_id,
                city_id=factory.city_id,
                tier="excellent",
                campaign=campaign,
                tier_edition=edition,
                workflow="excellent_2025",
                status="ranking",
                state_changed_at=timezone.now(),
                submission=1,
                created_by=applicant,
            )
        )
    return applications
