"""The national-scale generator, run at a small scale: the data it makes obeys the portal's own
rules (valid credit codes, complete answers scored by the project's scoring, certificates only
where the tier conditions allow, number sequences that continue where the data left off)."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from assessments import scoring
from assessments.models import Answer, Assessment
from assessments.selectors import model_spec_for
from certification import selectors
from certification.models import Application, Certificate, CertificateSequence, TierCondition
from certification.services.certificates import certificate_number_next
from demo.national import already_generated, scaled
from factories.models import Enterprise, Factory
from factories.validators import validate_uscc

pytestmark = pytest.mark.django_db

SCALE = 0.01


@pytest.fixture
def generated(settings, reference_data):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("generate_national_data", scale=SCALE, seed=7, stdout=out)
    return out.getvalue()


def test_it_refuses_without_debug_or_force(settings, reference_data):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("generate_national_data", scale=SCALE)
    assert not already_generated()


def check_the_counts_follow_the_scale():
    counts = scaled(SCALE)
    assert Enterprise.objects.count() == counts["enterprises"]
    assert Factory.objects.count() == counts["factories"]
    assert Assessment.objects.filter(status="submitted").count() == counts["factories"]
    by_tier = Counter(Certificate.objects.values_list("tier", flat=True))
    assert by_tier == {tier: counts[tier] for tier in ("basic", "advanced", "excellent", "leading")}
    in_flight = Application.objects.exclude(status="certified")
    assert in_flight.count() == counts["in_flight"]
    assert set(in_flight.values_list("status", flat=True)) <= {
        "submitted",
        "city_review",
        "provincial_review",
        "expert_review",
        "joint_review",
        "provincial_decision",
        "recommended",
        "returned",
    }


def check_every_credit_code_is_valid():
    for code in Enterprise.objects.values_list("uscc", flat=True):
        try:
            validate_uscc(code)
        except ValidationError as exc:  # pragma: no cover - the assertion below reports it
            pytest.fail(f"{code}: {exc}")


def check_maturity_levels_spread_as_planned():
    """Every factory reaches the level it was drawn at (1-5), none stays at 0."""
    levels = Counter(Assessment.objects.values_list("maturity_level", flat=True))
    assert set(levels) <= {1, 2, 3, 4, 5} and {1, 2, 3, 4} <= set(levels), levels
    assert levels[2] == max(levels.values())  # the most common level (45 %)


def check_answers_are_complete_and_scored_by_the_projects_scoring():
    sample = Assessment.objects.select_related("version").order_by("pk")[:25]
    for assessment in sample:
        spec = model_spec_for(assessment.version, assessment.industry_type)
        answers = dict(
            Answer.objects.filter(assessment=assessment).values_list("requirement__code", "score")
        )
        assert set(answers) == {r.code for r in spec.applicable_requirements()}
        result = scoring.score(spec, answers)
        assert assessment.maturity_level == result.maturity_level
        assert assessment.result == result.as_dict()


def check_certificates_only_where_the_tier_conditions_allow():
    edition = selectors.tier_edition_current()
    conditions = {c.tier: c for c in TierCondition.objects.filter(edition=edition)}
    levels = dict(Assessment.objects.values_list("factory_id", "maturity_level"))
    held = {}
    for factory_id, tier in Certificate.objects.values_list("factory_id", "tier"):
        held.setdefault(factory_id, set()).add(tier)
    for factory_id, tiers in held.items():
        for tier in tiers:
            condition = conditions[tier]
            assert levels[factory_id] >= condition.min_maturity_level
            if condition.prerequisite_tier:
                assert condition.prerequisite_tier in tiers, (factory_id, tiers)


def check_the_next_certificate_number_continues_the_generated_sequence():
    sequence = CertificateSequence.objects.filter(tier="advanced").order_by("pk").first()
    issued = Certificate.objects.filter(tier="advanced", authority=sequence.authority).count()
    assert sequence.last_number == issued
    number = certificate_number_next(
        tier="advanced",
        year=sequence.year,
        authority=sequence.authority,
        prefix=TierCondition.objects.filter(tier="advanced").first().certificate_prefix,
    )
    assert number.endswith(f"-{issued + 1:05d}")
    assert not Certificate.objects.filter(number=number).exists()


def check_a_second_run_is_refused():
    with pytest.raises(CommandError):
        call_command("generate_national_data", scale=SCALE, stdout=io.StringIO())


def test_the_generated_data_obeys_the_portals_rules(generated):
    """One generation (a few seconds), every property checked on it."""
    assert "done in" in generated
    check_the_counts_follow_the_scale()
    check_every_credit_code_is_valid()
    check_maturity_levels_spread_as_planned()
    check_answers_are_complete_and_scored_by_the_projects_scoring()
    check_certificates_only_where_the_tier_conditions_allow()
    check_the_next_certificate_number_continues_the_generated_sequence()
    check_a_second_run_is_refused()
