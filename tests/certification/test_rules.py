"""The rules engine, rule by rule, passing and failing (DESIGN 2.4, 2.5). Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from certification import rules
from certification.rules import (
    AssessmentFacts,
    CampaignFacts,
    Claim,
    FactorySnapshot,
    TierRule,
)

ALL_STAGES = (
    "factory_construction",
    "rnd_design",
    "production_operations",
    "production_management",
    "operational_management",
)
TIERS = {
    "basic": TierRule("basic", 2, ("production_operations",), needs_campaign=False),
    "advanced": TierRule(
        "advanced",
        2,
        ("production_operations", "production_management", "operational_management"),
        prerequisite_tier="basic",
        pool_alternative=True,
    ),
    "excellent": TierRule(
        "excellent", 3, ALL_STAGES, prerequisite_tier="advanced", min_ai_share=0.2
    ),
    "leading": TierRule("leading", 4, ALL_STAGES, prerequisite_tier="excellent", min_ai_share=0.6),
}
STAGES = rules.Stages(
    {
        "factory_construction": ("工厂建设", "Factory construction"),
        "rnd_design": ("研发设计", "R&D and design"),
        "production_operations": ("生产作业", "Production operations"),
        "production_management": ("生产管理", "Production management"),
        "operational_management": ("运营管理", "Operational management"),
    }
)
TODAY = date(2026, 6, 15)
DECLARATIONS = {"size": ("规上", "Above size"), "safety": ("无违法", "No violations")}


def assessment(level=4, submitted=date(2026, 3, 1), used=False):
    return AssessmentFacts(
        id=1,
        submitted_on=submitted,
        valid_until=date(submitted.year + 1, submitted.month, submitted.day),
        maturity_level=level,
        used_by_decided_application=used,
    )


def claims(stages=ALL_STAGES, ai=0, total=None):
    """One claim per stage (cycling when ``total`` is larger), the first ``ai`` with AI."""
    total = total or len(stages)
    return tuple(
        Claim(scenario=f"S{i:02d}", stage=stages[i % len(stages)], ai_applied=i < ai)
        for i in range(total)
    )


def facts(tier, **overrides):
    defaults = {
        "rule": TIERS[tier],
        "snapshot": FactorySnapshot(
            active_tiers=frozenset(
                {
                    "basic": set(),
                    "advanced": {"basic"},
                    "excellent": {"advanced"},
                    "leading": {"excellent"},
                }[tier]
            )
        ),
        "assessment": assessment(),
        "campaign": None
        if tier == "basic"
        else CampaignFacts(1, tier, date(2026, 6, 1), date(2026, 6, 30)),
        "claims": claims(ai=6),
        "affirmed_declarations": frozenset(DECLARATIONS),
        "required_declarations": DECLARATIONS,
        "stages": STAGES,
        "submitted_on": TODAY,
        "year": 2026,
    }
    defaults.update(overrides)
    return rules.ApplicationFacts(**defaults)


def result(tier, rule, **overrides):
    results = {r.rule: r for r in rules.evaluate_application(facts(tier, **overrides))}
    assert set(results) == set(rules.ALL_RULES)
    return results[rule]


@pytest.mark.parametrize("tier", ["basic", "advanced", "excellent", "leading"])
def test_a_complete_application_passes_every_rule(tier):
    results = rules.evaluate_application(facts(tier))
    assert [r.rule for r in results] == list(rules.ALL_RULES)
    assert all(r.passed for r in results), [r.message_en for r in results if not r.passed]


def test_basic_with_only_production_operations_passes():
    only = claims(stages=("production_operations",), total=1)
    results = rules.evaluate_application(facts("basic", claims=only, assessment=assessment(2)))
    assert rules.all_passed(results)


def test_basic_without_production_operations_fails_stage_coverage():
    r = result("basic", rules.STAGE_COVERAGE, claims=claims(stages=("rnd_design",)))
    assert not r.passed and "生产作业" in r.message_zh and "Production operations" in r.message_en


def test_advanced_without_basic_fails_unless_in_the_pool_for_the_year():
    r = result("advanced", rules.PREREQUISITE_TIER, snapshot=FactorySnapshot())
    assert not r.passed and "Basic" in r.message_en and "cultivation pool" in r.message_en
    pooled = FactorySnapshot(pool_years=frozenset({2026}))
    assert result("advanced", rules.PREREQUISITE_TIER, snapshot=pooled).passed
    last_year = FactorySnapshot(pool_years=frozenset({2025}))
    assert not result("advanced", rules.PREREQUISITE_TIER, snapshot=last_year).passed


def test_excellent_needs_advanced_and_the_pool_does_not_replace_it():
    pooled = FactorySnapshot(active_tiers=frozenset({"basic"}), pool_years=frozenset({2026}))
    r = result("excellent", rules.PREREQUISITE_TIER, snapshot=pooled)
    assert not r.passed and "Advanced" in r.message_en


def test_a_higher_active_tier_satisfies_the_prerequisite():
    higher = FactorySnapshot(active_tiers=frozenset({"excellent"}))
    assert result("advanced", rules.PREREQUISITE_TIER, snapshot=higher).passed


def test_excellent_with_a_level_2_assessment_fails_maturity_level():
    r = result("excellent", rules.MATURITY_LEVEL, assessment=assessment(level=2))
    assert not r.passed and "level 2" in r.message_en and "level 3" in r.message_en


def test_no_assessment_fails_maturity_and_freshness():
    assert not result("basic", rules.MATURITY_LEVEL, assessment=None).passed
    assert not result("basic", rules.ASSESSMENT_FRESH, assessment=None).passed


def test_excellent_missing_rnd_design_fails_stage_coverage():
    without = tuple(s for s in ALL_STAGES if s != "rnd_design")
    r = result("excellent", rules.STAGE_COVERAGE, claims=claims(stages=without, ai=4))
    assert not r.passed
    assert r.message_en == "No claimed scenario covers: R&D and design."
    assert "研发设计" in r.message_zh


def test_excellent_with_one_ai_scenario_in_six_fails_ai_share():
    six = claims(ai=1, total=6)
    r = result("excellent", rules.AI_SHARE, claims=six)
    assert not r.passed
    assert "1 of 6" in r.message_en and "16.7%" in r.message_en and "20%" in r.message_en


def test_excellent_with_exactly_20_percent_ai_passes():
    assert result("excellent", rules.AI_SHARE, claims=claims(ai=1, total=5)).passed


def test_leading_with_half_ai_fails_and_sixty_percent_passes():
    r = result("leading", rules.AI_SHARE, claims=claims(ai=3, total=6))
    assert not r.passed and "50.0%" in r.message_en and "60%" in r.message_en
    assert result("leading", rules.AI_SHARE, claims=claims(ai=3, total=5)).passed


def test_ai_share_without_claims_fails_where_required():
    assert not result("excellent", rules.AI_SHARE, claims=()).passed
    assert result("advanced", rules.AI_SHARE, claims=()).passed  # not required for advanced


def test_an_assessment_13_months_old_fails_freshness():
    old = assessment(submitted=date(2025, 5, 15))  # valid until 2026-05-15, before 2026-06-15
    r = result("advanced", rules.ASSESSMENT_FRESH, assessment=old)
    assert not r.passed and "lapsed on 2026-05-15" in r.message_en


def test_an_assessment_used_by_a_decided_application_fails_freshness():
    r = result("advanced", rules.ASSESSMENT_FRESH, assessment=assessment(used=True))
    assert not r.passed and "earlier decided application" in r.message_en


def test_outside_the_window_fails_campaign_open():
    march = CampaignFacts(1, "advanced", date(2026, 3, 1), date(2026, 3, 31))
    r = result("advanced", rules.CAMPAIGN_OPEN, campaign=march)
    assert not r.passed and "outside the campaign's window" in r.message_en
    assert not result("advanced", rules.CAMPAIGN_OPEN, campaign=None).passed
    wrong_tier = CampaignFacts(1, "excellent", date(2026, 6, 1), date(2026, 6, 30))
    assert not result("advanced", rules.CAMPAIGN_OPEN, campaign=wrong_tier).passed


def test_basic_needs_no_campaign():
    assert result("basic", rules.CAMPAIGN_OPEN, campaign=None).passed


def test_window_edges_are_inside():
    campaign = CampaignFacts(1, "advanced", TODAY, TODAY)
    assert result("advanced", rules.CAMPAIGN_OPEN, campaign=campaign).passed


def test_a_second_open_application_for_the_tier_fails():
    busy = FactorySnapshot(
        active_tiers=frozenset({"basic"}), open_application_tiers=frozenset({"advanced"})
    )
    assert not result("advanced", rules.SINGLE_OPEN_APPLICATION, snapshot=busy).passed
    other_tier = FactorySnapshot(
        active_tiers=frozenset({"basic"}), open_application_tiers=frozenset({"excellent"})
    )
    assert result("advanced", rules.SINGLE_OPEN_APPLICATION, snapshot=other_tier).passed


def test_missing_declarations_are_named():
    r = result("basic", rules.DECLARATIONS, affirmed_declarations=frozenset({"size"}))
    assert not r.passed and "No violations" in r.message_en and "无违法" in r.message_zh


def test_eligibility_evaluates_only_what_is_known_before_applying():
    results = rules.evaluate_eligibility(
        TIERS["advanced"], FactorySnapshot(), assessment(level=1), None, TODAY
    )
    assert [r.rule for r in results] == list(rules.ELIGIBILITY_RULES)
    assert [r.passed for r in results] == [False, False, True, False]


def test_messages_follow_the_language():
    r = result("excellent", rules.MATURITY_LEVEL, assessment=assessment(level=2))
    assert r.message("en") == r.message_en and r.message("zh-hans") == r.message_zh
