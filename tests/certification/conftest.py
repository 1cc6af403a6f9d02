"""Fixtures for certification tests: factories with submitted assessments at chosen levels."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from assessments import services as assessment_services
from certification import services
from certification.models import Declaration
from tests import model_factories as mf
from tests.assessments.conftest import answer_all, level_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# One scenario per stage (S20 production operations, S08 production management, ...).
SCENARIO_BY_STAGE = {
    "factory_construction": "S01",
    "rnd_design": "S04",
    "production_management": "S08",
    "production_operations": "S20",
    "operational_management": "S30",
}


def submitted_assessment(user, factory, level: int):
    """A submitted assessment at exactly ``level`` (levels above answered 'partly')."""
    assessment = assessment_services.assessment_start(actor=user, factory=factory)
    answer_all(assessment, user, value_for=lambda c: 1 if level_of(c) <= level else 0.5)
    return assessment_services.assessment_submit(actor=user, assessment=assessment)


def claims_for(*stages: str, ai: int = 0) -> list[dict]:
    return [
        {
            "scenario": SCENARIO_BY_STAGE[stage],
            "description": f"{stage} 建设内容",
            "ai_applied": i < ai,
        }
        for i, stage in enumerate(stages)
    ]


def declare_all(user, application, settings) -> None:
    services.application_declarations_set(
        actor=user, application=application, declarations=dict.fromkeys(Declaration.values, True)
    )
    for kind in Declaration.values:
        services.application_file_add(
            actor=user,
            application=application,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF),
            declaration=kind,
        )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings


@pytest.fixture
def applicant(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    return factory


@pytest.fixture
def jiangsu_campaign_officer(db):
    return mf.official(Role.PROVINCIAL_OFFICIAL, "32-industry-it")


@pytest.fixture
def draft(enterprise_user, applicant):
    return services.application_create(actor=enterprise_user, factory=applicant, tier="basic")


def ready_basic(user, factory, media, level: int = 2):
    """A basic application with everything needed to pass its checks."""
    assessment = submitted_assessment(user, factory, level)
    application = services.application_create(
        actor=user, factory=factory, tier="basic", assessment=assessment
    )
    services.application_claims_set(
        actor=user, application=application, claims=claims_for("production_operations")
    )
    declare_all(user, application, media)
    return application


TODAY = date.today()


@pytest.fixture
def cast(db, media):
    """The review chain's people: applicant, city, province, five joint departments, three
    experts, and an open advanced campaign (see tests/certification/review_setup.py)."""
    from tests.certification.review_setup import make_cast

    return make_cast()
