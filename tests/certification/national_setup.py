"""Building blocks for tests of the national chain (excellent and leading): MIIT, the national
ministries and experts, MIIT's campaign, and applications taken along the chain through the
real services and engine, acting as each role.

``national_cast(cast, tier)`` adds the national side to a ``ReviewCast``; ``national_at(...)``
returns an application of a Suzhou factory whose prerequisite certificate was earned through
its own chain, at a step of the national one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from certification import services
from certification.models import Application, Campaign, Expert, RecommendationList
from certification.services.reviews import expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from factories.models import Factory
from tests import model_factories as mf
from tests.certification.conftest import claims_for, declare_all, submitted_assessment
from tests.certification.review_setup import (
    JOINT_KINDS,
    ReviewCast,
    advanced_at,
    national_ministry,
    publicity_over,
)

ALL_STAGES = (
    "factory_construction",
    "rnd_design",
    "production_operations",
    "production_management",
    "operational_management",
)
# Claimed scenarios with AI applied, for the tier's AI share (20% and 60% of five).
AI_CLAIMS = {"excellent": 1, "leading": 3}
LEVEL = {"excellent": 3, "leading": 4}
NATIONAL_SCORES = [
    {"scenario_depth": "92", "ai_application": "85", "indicators": "88", "leading_role": "80"},
    {"scenario_depth": "86", "ai_application": "80", "indicators": "84", "leading_role": "78"},
    {"scenario_depth": "90", "ai_application": "75", "indicators": "82", "leading_role": "85"},
]


@dataclass
class NationalCast:
    review: ReviewCast
    miit: User
    ministries: list[User]  # one reviewer of each of the five national ministries
    experts: list[User]  # three experts on the national register
    campaigns: dict[str, Campaign]  # MIIT's open campaign of each tier

    def expert_ids(self) -> list[int]:
        return [Expert.objects.get(user=user).pk for user in self.experts]


def national_cast(cast: ReviewCast) -> NationalCast:
    miit = mf.official(Role.MIIT_REVIEWER, "miit")
    ministries = [
        mf.UserFactory(role=Role.JOINT_REVIEWER, authority=national_ministry(kind))
        for kind in JOINT_KINDS
    ]
    experts = []
    for n in range(3):
        user = mf.UserFactory(role=Role.EXPERT, first_name=f"国家专家{n}")
        expert_register(user=user, employer_name=f"国家研究院{n}", province_id=None)
        experts.append(user)
    today = timezone.localdate()
    campaigns = {
        tier: services.campaign_open(
            actor=miit,
            tier=tier,
            year=today.year,
            batch=9,
            opens_on=today - timedelta(days=10),
            closes_on=today + timedelta(days=30),
        )
        for tier in ("excellent", "leading")
    }
    return NationalCast(cast, miit, ministries, experts, campaigns)


def act(application: Application, action: str, actor: User, reason: str = "", **data) -> None:
    application_transition(
        application=application, action=action, actor=actor, reason=reason, data=data
    )


def prerequisite_earned(national: NationalCast, factory: Factory, tier: str) -> None:
    """The factory's certificate of the tier below ``tier``, earned through its chain."""
    advanced_at(national.review, "certified", factory)
    if tier == "leading":
        national_at(national, "certified", factory=factory, tier="excellent", prerequisite=False)


def submitted_national(
    national: NationalCast, factory: Factory, tier: str, *, prerequisite: bool = True
) -> Application:
    """An application of ``tier`` of the factory, filled in, submitted and checked."""
    applicant = national.review.applicant
    if prerequisite:
        prerequisite_earned(national, factory, tier)
    assessment = submitted_assessment(applicant, factory, LEVEL[tier])
    application = services.application_create(
        actor=applicant,
        factory=factory,
        tier=tier,
        campaign=national.campaigns[tier],
        assessment=assessment,
    )
    services.application_claims_set(
        actor=applicant, application=application, claims=claims_for(*ALL_STAGES, ai=AI_CLAIMS[tier])
    )
    declare_all(applicant, application, None)
    application = services.application_submit(actor=applicant, application=application)
    services.application_run_checks(
        application_id=application.pk, submission=application.submission
    )
    application.refresh_from_db()
    return application


def provincial_review_passed(national: NationalCast, application: Application) -> None:
    """The province's review, acting as each role, to the ranking."""
    cast = national.review
    act(application, Action.ASSIGN_EXPERTS, cast.province, experts=cast.expert_ids())
    for expert, scores in zip(cast.experts, NATIONAL_SCORES, strict=True):
        act(application, Action.ACCEPT_ASSIGNMENT, expert)
        act(application, Action.SCORE, expert, scores=scores)
    act(application, Action.SEND_TO_JOINT, cast.province)
    for reviewer in cast.joint:
        act(application, Action.CONCUR, reviewer, "同意")
    act(application, Action.PROVINCE_PASS, cast.province, "通过省级评审")


def miit_review_concurred(national: NationalCast, application: Application) -> None:
    """MIIT's review up to its decision: national experts, then the national ministries."""
    act(application, Action.ASSIGN_EXPERTS, national.miit, experts=national.expert_ids())
    for expert, scores in zip(national.experts, NATIONAL_SCORES, strict=True):
        act(application, Action.ACCEPT_ASSIGNMENT, expert)
        act(application, Action.SCORE, expert, scores=scores)
    act(application, Action.SEND_TO_JOINT, national.miit)
    for reviewer in national.ministries:
        act(application, Action.CONCUR, reviewer, "同意")


STEPS = ["ranking", "miit_review", "miit_decision", "recommended", "certified"]


def national_at(
    national: NationalCast,
    step: str,
    *,
    factory: Factory | None = None,
    tier: str = "excellent",
    prerequisite: bool = True,
) -> Application:
    """An excellent application (leading: up to MIIT's decision only) taken along the chain;
    once per tier in a test (the province's list goes to MIIT at "miit_review")."""
    cast = national.review
    if factory is None:
        factory = mf.FactoryFactory()
        mf.member_of(cast.applicant, factory.enterprise)
    application = submitted_national(national, factory, tier, prerequisite=prerequisite)
    assert application.status == "provincial_review", application.status
    target = STEPS.index(step)
    provincial_review_passed(national, application)
    if target >= STEPS.index("miit_review"):
        act(application, Action.RANK, cast.province)
        ranked = RecommendationList.objects.get(
            campaign=national.campaigns[tier], province_id=application.province_id
        )
        services.recommendation_submit(actor=cast.province, recommendation=ranked)
    if target >= STEPS.index("miit_decision"):
        miit_review_concurred(national, application)
    if target >= STEPS.index("recommended"):
        act(application, Action.APPROVE, national.miit, "同意")
    if target >= STEPS.index("certified"):
        with publicity_over(
            cast, [application], actor=national.miit, campaign=national.campaigns[tier]
        ):
            act(application, Action.CERTIFY, national.miit)
    application.refresh_from_db()
    return application
