"""Rows of every exported list in three cities of two provinces, written directly (these tests
are about what an export holds, not how the rows came to be)."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Assessment
from assessments.selectors import model_version_current
from certification import selectors
from certification.models import Application, Certificate
from factories.models import Factory
from regions.models import Authority, City
from tests import model_factories as mf

SUZHOU, NANJING, HANGZHOU = "320500", "320100", "330100"
CITIES = (SUZHOU, NANJING, HANGZHOU)
_numbers = itertools.count(1)

# (tier, status, workflow) of each factory's applications: one waits for the city, one for
# the province, one for MIIT, one is certified (basic, self-declared), and a draft that
# officials never see.
APPLICATIONS = (
    ("advanced", Application.Status.CITY_REVIEW, "advanced_2025"),
    ("excellent", Application.Status.PROVINCIAL_REVIEW, "excellent_2025"),
    ("basic", Application.Status.CERTIFIED, "basic_2025"),
    ("leading", Application.Status.MIIT_REVIEW, "leading_2025"),
    ("basic", Application.Status.DRAFT, "basic_2025"),
)


@dataclass
class World:
    enterprise_user: User
    city: User
    province: User
    miit: User
    factories: list[Factory] = field(default_factory=list)


def _assessment(factory: Factory, user: User, *, submitted: bool, level: int = 2) -> Assessment:
    now = timezone.now()
    return Assessment.objects.create(
        factory=factory,
        province_id=factory.province_id,
        city_id=factory.city_id,
        version=model_version_current(),
        industry_type="discrete",
        status=Assessment.Status.SUBMITTED if submitted else Assessment.Status.DRAFT,
        created_by=user,
        submitted_by=user if submitted else None,
        submitted_at=now if submitted else None,
        valid_until=(now + timedelta(days=365)).date() if submitted else None,
        maturity_level=level if submitted else None,
        overall_score=level if submitted else None,
    )


def factory_rows(factory: Factory, user: User) -> None:
    """A factory's submitted and draft assessments, its applications and a certificate."""
    edition = selectors.tier_edition_current()
    now = timezone.now()
    submitted = _assessment(factory, user, submitted=True)
    _assessment(factory, user, submitted=False)
    authority = Authority.objects.get(code=f"{factory.city_id}-industry-it")
    for tier, status, workflow in APPLICATIONS:
        application = Application.objects.create(
            factory=factory,
            province_id=factory.province_id,
            city_id=factory.city_id,
            tier=tier,
            tier_edition=edition,
            assessment=submitted,
            status=status,
            workflow=workflow,
            submission=0 if status == Application.Status.DRAFT else 1,
            submitted_at=None if status == Application.Status.DRAFT else now,
            state_changed_at=now - timedelta(days=next(_numbers) % 9),
            created_by=user,
        )
        if status == Application.Status.CERTIFIED:
            Certificate.objects.create(
                number=f"EXP-{factory.city_id}-{next(_numbers):05d}",
                tier=tier,
                factory=factory,
                application=application,
                authority=authority,
                self_declared=True,
                issued_on=now.date(),
                province_id=factory.province_id,
                city_id=factory.city_id,
            )


def build_world(per_city: int = 2) -> World:
    world = World(
        enterprise_user=mf.UserFactory(role=Role.ENTERPRISE_USER),
        city=mf.official(Role.CITY_OFFICIAL, "320500-industry-it"),
        province=mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it"),
        miit=mf.official(Role.MIIT_REVIEWER, "miit"),
    )
    owner = mf.UserFactory(role=Role.ENTERPRISE_USER)
    for code in CITIES:
        enterprise = mf.EnterpriseFactory(city=City.objects.get(code=code))
        if code == SUZHOU:
            mf.member_of(world.enterprise_user, enterprise)
        for _ in range(per_city):
            factory = mf.FactoryFactory(enterprise=enterprise)
            factory_rows(factory, owner)
            world.factories.append(factory)
    return world


def clones(instance, count: int, **per_copy):
    """``count`` unsaved copies of a saved row, each with the values ``per_copy`` gives it."""
    rows = []
    for i in range(count):
        row = copy.copy(instance)
        row.pk = row.id = None
        for name, make in per_copy.items():
            setattr(row, name, make(i))
        rows.append(row)
    return rows
