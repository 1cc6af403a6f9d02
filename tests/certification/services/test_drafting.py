"""Drafting an application (services/drafting.py): claims validation, one open application per
factory and tier, the factory locked while under review, a declaration answer per kind."""

from __future__ import annotations

import pytest

from certification import services
from certification.models import Declaration, DeclarationAnswer, ScenarioClaim
from core.errors import Conflict, DomainError
from tests.certification.conftest import claims_for

pytestmark = pytest.mark.django_db


def test_bad_claims_save_nothing(enterprise_user, applicant, english):
    application = services.application_create(
        actor=enterprise_user, factory=applicant, tier="basic"
    )
    services.application_claims_set(
        actor=enterprise_user, application=application, claims=claims_for("production_operations")
    )
    bad = [
        {"scenario": "S21", "description": "ok", "ai_applied": True},
        {"scenario": "S99", "description": "x"},
        {"scenario": "S21", "description": "again"},
        {"scenario": "S22", "description": "x", "ai_share": 0.9},
        {"scenario": "S23", "description": " "},
    ]
    with pytest.raises(DomainError) as info:
        services.application_claims_set(actor=enterprise_user, application=application, claims=bad)
    fields = info.value.fields
    assert "Unknown scenario code 'S99'" in fields["claims[1].scenario"][0]
    assert "claimed twice" in fields["claims[2].scenario"][0]
    assert "computed by the portal" in fields["claims[3]"][0]
    assert "claims[4].description" in fields
    assert list(
        ScenarioClaim.objects.filter(application=application).values_list(
            "scenario__code", flat=True
        )
    ) == ["S20"]


def test_one_open_application_per_factory_and_tier(enterprise_user, applicant):
    services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    with pytest.raises(Conflict) as info:
        services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    assert info.value.code == "open_application_exists"


def test_a_factory_under_review_cannot_move_city(enterprise_user, applicant):
    from factories.services import factory_update
    from regions.models import City

    services.application_create(actor=enterprise_user, factory=applicant, tier="basic")
    with pytest.raises(DomainError) as info:
        factory_update(
            actor=enterprise_user,
            factory=applicant,
            name=applicant.name,
            address="北京",
            city=City.objects.get(code="110100"),
            industry=applicant.industry,
        )
    assert info.value.code == "factory_locked" and "city" in info.value.fields
    applicant.refresh_from_db()
    assert applicant.city_id == "320500"


def test_declaration_answers_exist_for_every_kind(draft):
    """The declarations step relies on application_create making one answer per kind."""
    assert set(
        DeclarationAnswer.objects.filter(application=draft).values_list("kind", flat=True)
    ) == set(Declaration.values)
    assert not ScenarioClaim.objects.exists()
