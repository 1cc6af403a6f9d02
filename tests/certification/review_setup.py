"""Building blocks for review-chain tests: the cast (joint departments, experts) and advanced
applications taken to any step of the chain through the real services and engine.

``ReviewCast`` is created once per test by the ``cast`` fixture (tests/certification/conftest.py;
the browser tests build their own). ``advanced_at(cast, step)`` returns an advanced application
of a Suzhou factory in the cultivation pool, at ``step``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import time_machine
from django.utils import timezone

from accounts.models import Role, User
from certification import services
from certification.models import Application, Campaign, Expert, Publicity
from certification.services.publicity import publicity_publish
from certification.services.reviews import expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from core import refcache
from factories.models import Factory
from factories.services import pool_entry_add
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import claims_for, declare_all, submitted_assessment
from workdays.models import CalendarYear
from workdays.services import calendar_year_create, calendar_year_publish, working_day_set

JOINT_KINDS = [
    Authority.Kind.DEVELOPMENT_REFORM,
    Authority.Kind.FINANCE,
    Authority.Kind.STATE_ASSETS,
    Authority.Kind.MARKET_SUPERVISION,
    Authority.Kind.DATA_ADMINISTRATION,
]
RUBRIC_SCORES = [
    {"scenario_depth": "90", "indicators": "80", "leading_role": "70", "declarations": "100"},
    {"scenario_depth": "80", "indicators": "70", "leading_role": "60", "declarations": "90"},
    {"scenario_depth": "70", "indicators": "60", "leading_role": "50", "declarations": "80"},
]
# The order of the steps of the advanced chain, for advanced_at.
STEPS = [
    "city_review",
    "provincial_review",
    "expert_review",
    "expert_review_scored",  # every expert has scored; the department may send it on
    "joint_review",
    "provincial_decision",
    "recommended",
    "certified",
]


def joint_department(province: str, kind: str) -> Authority:
    authority, _created = Authority.objects.get_or_create(
        code=f"{province}-{kind.replace('_', '-')}",
        defaults={
            "name_zh": f"{province} {kind}",
            "name_en": f"{province} {kind}",
            "level": Authority.Level.PROVINCE,
            "kind": kind,
            "province_id": province,
        },
    )
    return authority


def national_ministry(kind: str) -> Authority:
    """One of the national ministries that concur at MIIT's review."""
    authority, _created = Authority.objects.get_or_create(
        code=f"national-{kind.replace('_', '-')}",
        defaults={
            "name_zh": kind,
            "name_en": kind,
            "level": Authority.Level.NATIONAL,
            "kind": kind,
        },
    )
    return authority


@dataclass
class ReviewCast:
    applicant: User  # member of every factory made by advanced_at
    city: User  # Suzhou industry and IT bureau
    province: User  # Jiangsu industry and IT department
    joint: list[User]  # the five Jiangsu joint departments, one reviewer each
    experts: list[User]  # three experts on Jiangsu's register
    campaign: Campaign
    extra: dict[str, User] = field(default_factory=dict)

    def expert_ids(self) -> list[int]:
        return [Expert.objects.get(user=user).pk for user in self.experts]


def make_cast() -> ReviewCast:
    applicant = mf.UserFactory(role=Role.ENTERPRISE_USER)
    province = mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")
    joint = [
        mf.UserFactory(role=Role.JOINT_REVIEWER, authority=joint_department("32", kind))
        for kind in JOINT_KINDS
    ]
    experts = []
    for n in range(3):
        user = mf.UserFactory(role=Role.EXPERT, first_name=f"专家{n}")
        expert_register(user=user, employer_name=f"研究院{n}", province_id="32")
        experts.append(user)
    today = timezone.localdate()
    campaign = services.campaign_open(
        actor=province,
        tier="advanced",
        year=today.year,
        batch=9,
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=30),
    )
    return ReviewCast(
        applicant=applicant,
        city=mf.official(Role.CITY_OFFICIAL, "320500-industry-it"),
        province=province,
        joint=joint,
        experts=experts,
        campaign=campaign,
    )


def submitted_advanced(cast: ReviewCast, factory: Factory | None = None) -> Application:
    """An advanced application of a pooled Suzhou factory, submitted and checked (it passes)."""
    if factory is None:
        factory = mf.FactoryFactory()
        mf.member_of(cast.applicant, factory.enterprise)
    pool_entry_add(
        actor=cast.city, factory=factory, year=timezone.localdate().year, reason="重点培育"
    )
    assessment = submitted_assessment(cast.applicant, factory, 3)
    application = services.application_create(
        actor=cast.applicant,
        factory=factory,
        tier="advanced",
        campaign=cast.campaign,
        assessment=assessment,
    )
    services.application_claims_set(
        actor=cast.applicant,
        application=application,
        claims=claims_for(
            "production_operations", "production_management", "operational_management"
        ),
    )
    declare_all(cast.applicant, application, None)
    application = services.application_submit(actor=cast.applicant, application=application)
    services.application_run_checks(
        application_id=application.pk, submission=application.submission
    )
    application.refresh_from_db()
    assert application.status == Application.Status.CITY_REVIEW, application.status
    return application


def advanced_at(cast: ReviewCast, step: str, factory: Factory | None = None) -> Application:
    """An advanced application taken along the chain, acting as each role, up to ``step``."""
    application = submitted_advanced(cast, factory)
    target = STEPS.index(step)

    def act(action: str, actor: User, reason: str = "", **data: object) -> None:
        application_transition(
            application=application, action=action, actor=actor, reason=reason, data=data
        )

    if target >= STEPS.index("provincial_review"):
        act(Action.FORWARD, cast.city)
    if target >= STEPS.index("expert_review"):
        act(Action.ASSIGN_EXPERTS, cast.province, experts=cast.expert_ids())
    if target >= STEPS.index("expert_review_scored"):
        for expert, scores in zip(cast.experts, RUBRIC_SCORES, strict=True):
            act(Action.ACCEPT_ASSIGNMENT, expert)
            act(Action.SCORE, expert, scores=scores, comment="意见")
    if target >= STEPS.index("joint_review"):
        act(Action.SEND_TO_JOINT, cast.province)
    if target >= STEPS.index("provincial_decision"):
        for reviewer in cast.joint:
            act(Action.CONCUR, reviewer, "同意")
    if target >= STEPS.index("recommended"):
        act(Action.RECOMMEND, cast.province)
    if target >= STEPS.index("certified"):
        with publicity_over(cast, [application]):
            act(Action.CERTIFY, cast.province)
    application.refresh_from_db()
    return application


@contextmanager
def publicity_over(
    cast: ReviewCast,
    applications: Sequence[Application],
    *,
    actor: User | None = None,
    campaign: Campaign | None = None,
) -> Iterator[Publicity]:
    """Publish the recommended applications for publicity now (by the province in its advanced
    campaign, or by ``actor`` in ``campaign``), then move the clock (time-machine) to the
    morning after the period: inside the block they can be certified."""
    with calendar_ahead():
        publicity = publicity_publish(
            actor=actor or cast.province,
            campaign=campaign or cast.campaign,
            applications=applications,
        )
        after = datetime.combine(
            publicity.ends_on + timedelta(days=1), time(9, 30), timezone.get_current_timezone()
        )
        with time_machine.travel(after, tick=True):
            yield publicity


@contextmanager
def calendar_ahead() -> Iterator[None]:
    """Late in a year the loaded calendar (chinesecalendar) may end before a publicity does:
    then a stand-in for next year (weekends off, New Year's Day the only holiday) is published
    for the block, as test data, and forgotten after it."""
    today = timezone.localdate()
    following = today.year + 1
    if (
        today < date(today.year, 12, 1)
        or CalendarYear.objects.filter(
            year=following, status=CalendarYear.Status.PUBLISHED
        ).exists()
    ):
        yield
        return
    admin = mf.UserFactory(role=Role.PLATFORM_ADMIN)
    calendar_year_create(year=following, source_notice="test stand-in", actor=admin)
    working_day_set(
        day=date(following, 1, 1), is_workday=False, holiday="new_years_day", actor=admin
    )
    calendar_year_publish(year=following, actor=admin)
    refcache.clear()
    try:
        yield
    finally:
        refcache.clear()  # the year goes with the test's transaction
