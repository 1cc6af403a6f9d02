"""Fixtures for assessment tests: a factory with a member and a draft on the current version."""

from __future__ import annotations

import pytest

from assessments import selectors, services
from tests import model_factories as mf


@pytest.fixture
def member_factory(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    return factory


@pytest.fixture
def draft(enterprise_user, member_factory):
    return services.assessment_start(actor=enterprise_user, factory=member_factory)


def applicable_codes(assessment) -> list[str]:
    spec = selectors.model_spec_for(assessment.version, assessment.industry_type)
    return [r.code for r in spec.applicable_requirements()]


def answer_all(assessment, actor, value_for=lambda code: 1, skip=()):
    """Answer every applicable requirement (``value_for(code)``) except those in ``skip``."""
    services.assessment_answers_save(
        actor=actor,
        assessment=assessment,
        answers=[
            {"requirement": code, "score": value_for(code)}
            for code in applicable_codes(assessment)
            if code not in skip
        ],
    )


def level_of(code: str) -> int:
    return int(code.split(".")[1])
