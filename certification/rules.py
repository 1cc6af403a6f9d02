"""The eligibility rules of DESIGN 2.4 and 2.5, as pure functions. No ORM, no request.

Callers build a snapshot of plain facts (the factory's certificates, pool entries and open
applications, the assessment, the campaign, the claims and declarations) and get one
``RuleResult`` per rule: a stable code, passed or not, and a message in Chinese and English that
says what is missing. The Celery check task, the eligibility endpoint and the "path to the next
tier" page all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

TIER_ORDER = ("basic", "advanced", "excellent", "leading")
TIER_NAMES = {
    "basic": ("基础级", "Basic"),
    "advanced": ("先进级", "Advanced"),
    "excellent": ("卓越级", "Excellent"),
    "leading": ("领航级", "Leading"),
}
EPSILON = 1e-9

PREREQUISITE_TIER = "prerequisite_tier"
MATURITY_LEVEL = "maturity_level"
ASSESSMENT_FRESH = "assessment_fresh"
STAGE_COVERAGE = "stage_coverage"
AI_SHARE = "ai_share"
CAMPAIGN_OPEN = "campaign_open"
SINGLE_OPEN_APPLICATION = "single_open_application"
DECLARATIONS = "declarations"

ALL_RULES = (
    PREREQUISITE_TIER,
    MATURITY_LEVEL,
    ASSESSMENT_FRESH,
    STAGE_COVERAGE,
    AI_SHARE,
    CAMPAIGN_OPEN,
    SINGLE_OPEN_APPLICATION,
    DECLARATIONS,
)
# What can be known before an application exists (the eligibility endpoint).
ELIGIBILITY_RULES = (PREREQUISITE_TIER, MATURITY_LEVEL, ASSESSMENT_FRESH, CAMPAIGN_OPEN)


@dataclass(frozen=True)
class TierRule:
    """One tier's conditions from a tier-conditions edition."""

    tier: str
    min_maturity_level: int
    required_stages: tuple[str, ...]
    prerequisite_tier: str | None = None
    pool_alternative: bool = False
    min_ai_share: float | None = None
    needs_campaign: bool = True


@dataclass(frozen=True)
class AssessmentFacts:
    id: int
    submitted_on: date
    valid_until: date
    maturity_level: int
    used_by_decided_application: bool = False


@dataclass(frozen=True)
class CampaignFacts:
    id: int
    tier: str
    opens_on: date
    closes_on: date
    name: str = ""


@dataclass(frozen=True)
class FactorySnapshot:
    active_tiers: frozenset[str] = frozenset()
    pool_years: frozenset[int] = frozenset()
    # Tiers for which the factory has another open (undecided) application.
    open_application_tiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Claim:
    scenario: str
    stage: str
    ai_applied: bool


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    message_zh: str
    message_en: str

    def message(self, language: str | None) -> str:
        return self.message_en if (language or "").startswith("en") else self.message_zh


@dataclass(frozen=True)
class Stages:
    """Stage names for messages: code -> (Chinese, English)."""

    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def zh(self, codes: Iterable[str]) -> str:
        return "、".join(self.names.get(c, (c, c))[0] for c in codes)

    def en(self, codes: Iterable[str]) -> str:
        return ", ".join(self.names.get(c, (c, c))[1] for c in codes)


@lru_cache(maxsize=4096)
def _result(rule: str, passed: bool, zh: str, en: str) -> RuleResult:
    # Results are frozen and most repeat from one application to the next (a sweep's batch
    # makes 1,600): one shared instance per distinct result instead of a new one each time.
    return RuleResult(rule=rule, passed=passed, message_zh=zh, message_en=en)


def _tier_zh(tier: str) -> str:
    return TIER_NAMES.get(tier, (tier, tier))[0]


def _tier_en(tier: str) -> str:
    return TIER_NAMES.get(tier, (tier, tier))[1]


def check_prerequisite_tier(rule: TierRule, snapshot: FactorySnapshot, year: int) -> RuleResult:
    prerequisite = rule.prerequisite_tier
    if not prerequisite:
        return _result(PREREQUISITE_TIER, True, "无前置等级要求。", "No prerequisite tier.")
    # A factory holding a higher tier also holds the steps below it.
    needed = TIER_ORDER.index(prerequisite) if prerequisite in TIER_ORDER else 0
    held = [t for t in snapshot.active_tiers if t in TIER_ORDER and TIER_ORDER.index(t) >= needed]
    if held:
        return _result(
            PREREQUISITE_TIER,
            True,
            f"已持有有效的{_tier_zh(prerequisite)}证书。",
            f"Holds an active {_tier_en(prerequisite)} certificate.",
        )
    if rule.pool_alternative and year in snapshot.pool_years:
        return _result(
            PREREQUISITE_TIER,
            True,
            f"已列入所在城市{year}年重点培育库，可替代{_tier_zh(prerequisite)}证书。",
            f"In its city's key cultivation pool for {year}, which replaces the "
            f"{_tier_en(prerequisite)} certificate.",
        )
    if rule.pool_alternative:
        return _result(
            PREREQUISITE_TIER,
            False,
            f"需持有有效的{_tier_zh(prerequisite)}证书，或列入所在城市{year}年重点培育库。",
            f"Needs an active {_tier_en(prerequisite)} certificate, or a place in its city's "
            f"key cultivation pool for {year}.",
        )
    return _result(
        PREREQUISITE_TIER,
        False,
        f"需持有有效的{_tier_zh(prerequisite)}证书（逐级申报）。",
        f"Needs an active {_tier_en(prerequisite)} certificate (tiers are climbed one at a time).",
    )


def check_maturity_level(rule: TierRule, assessment: AssessmentFacts | None) -> RuleResult:
    needed = rule.min_maturity_level
    if assessment is None:
        return _result(
            MATURITY_LEVEL,
            False,
            f"缺少已提交的成熟度自评估；{_tier_zh(rule.tier)}需达到{needed}级。",
            f"No submitted maturity self-assessment; {_tier_en(rule.tier)} needs level {needed}.",
        )
    level = assessment.maturity_level
    if level >= needed:
        return _result(
            MATURITY_LEVEL,
            True,
            f"成熟度{level}级，达到要求的{needed}级。",
            f"Maturity level {level} meets the required level {needed}.",
        )
    return _result(
        MATURITY_LEVEL,
        False,
        f"成熟度{level}级，低于{_tier_zh(rule.tier)}要求的{needed}级。",
        f"Maturity level {level} is below the level {needed} that {_tier_en(rule.tier)} needs.",
    )


def check_assessment_fresh(assessment: AssessmentFacts | None, today: date) -> RuleResult:
    if assessment is None:
        return _result(
            ASSESSMENT_FRESH,
            False,
            "缺少有效期内的成熟度自评估。",
            "No maturity self-assessment is within its validity period.",
        )
    if assessment.valid_until < today:
        return _result(
            ASSESSMENT_FRESH,
            False,
            f"自评估（{assessment.submitted_on.isoformat()}提交）已于"
            f"{assessment.valid_until.isoformat()}过期，请重新开展自评估。",
            f"The self-assessment submitted on {assessment.submitted_on.isoformat()} lapsed on "
            f"{assessment.valid_until.isoformat()}; do a new one.",
        )
    if assessment.used_by_decided_application:
        return _result(
            ASSESSMENT_FRESH,
            False,
            "该自评估已被此前已作出决定的申报使用，每次申报需要新的自评估。",
            "This self-assessment was used by an earlier decided application; each application "
            "needs a fresh one.",
        )
    return _result(
        ASSESSMENT_FRESH,
        True,
        f"自评估有效期至{assessment.valid_until.isoformat()}，且未被其他申报使用。",
        f"The self-assessment is valid until {assessment.valid_until.isoformat()} and not used "
        f"by another application.",
    )


def check_stage_coverage(rule: TierRule, claims: Iterable[Claim], stages: Stages) -> RuleResult:
    covered = {claim.stage for claim in claims}
    missing = [stage for stage in rule.required_stages if stage not in covered]
    if not missing:
        return _result(
            STAGE_COVERAGE,
            True,
            f"已覆盖所需环节：{stages.zh(rule.required_stages)}。",
            f"Covers the required stages: {stages.en(rule.required_stages)}.",
        )
    return _result(
        STAGE_COVERAGE,
        False,
        f"未覆盖以下环节：{stages.zh(missing)}。",
        f"No claimed scenario covers: {stages.en(missing)}.",
    )


def ai_share(claims: Iterable[Claim]) -> float | None:
    claims = list(claims)
    if not claims:
        return None
    return sum(1 for c in claims if c.ai_applied) / len(claims)


def check_ai_share(rule: TierRule, claims: Iterable[Claim]) -> RuleResult:
    claims = list(claims)
    minimum = rule.min_ai_share
    if minimum is None:
        return _result(AI_SHARE, True, "该等级无人工智能应用比例要求。", "No AI share required.")
    share = ai_share(claims)
    ai_count = sum(1 for c in claims if c.ai_applied)
    if share is not None and share >= minimum - EPSILON:
        return _result(
            AI_SHARE,
            True,
            f"{len(claims)}个场景中{ai_count}个应用人工智能（{share:.1%}），不低于{minimum:.0%}。",
            f"{ai_count} of {len(claims)} scenarios apply AI ({share:.1%}), at least "
            f"{minimum:.0%}.",
        )
    shown = f"{share:.1%}" if share is not None else "0%"
    return _result(
        AI_SHARE,
        False,
        f"{len(claims)}个场景中{ai_count}个应用人工智能（{shown}），低于要求的{minimum:.0%}。",
        f"{ai_count} of {len(claims)} scenarios apply AI ({shown}), below the required "
        f"{minimum:.0%}.",
    )


def check_campaign_open(rule: TierRule, campaign: CampaignFacts | None, on: date) -> RuleResult:
    if not rule.needs_campaign:
        return _result(
            CAMPAIGN_OPEN, True, "该等级常年受理，无需申报批次。", "Accepted all year; no campaign."
        )
    if campaign is None:
        return _result(
            CAMPAIGN_OPEN,
            False,
            f"当前没有开放的{_tier_zh(rule.tier)}申报批次。",
            f"No {_tier_en(rule.tier)} campaign is open.",
        )
    if campaign.tier != rule.tier:
        return _result(
            CAMPAIGN_OPEN,
            False,
            f"所选批次不受理{_tier_zh(rule.tier)}申报。",
            f"The chosen campaign is not for the {_tier_en(rule.tier)} tier.",
        )
    window = f"{campaign.opens_on.isoformat()} – {campaign.closes_on.isoformat()}"
    if campaign.opens_on <= on <= campaign.closes_on:
        return _result(
            CAMPAIGN_OPEN,
            True,
            f"申报批次开放中（{window}）。",
            f"The campaign is open ({window}).",
        )
    return _result(
        CAMPAIGN_OPEN,
        False,
        f"{on.isoformat()}不在申报批次的受理时间内（{window}）。",
        f"{on.isoformat()} is outside the campaign's window ({window}).",
    )


def check_single_open_application(rule: TierRule, snapshot: FactorySnapshot) -> RuleResult:
    if rule.tier in snapshot.open_application_tiers:
        return _result(
            SINGLE_OPEN_APPLICATION,
            False,
            f"该工厂已有一份在办的{_tier_zh(rule.tier)}申报。",
            f"The factory already has an open {_tier_en(rule.tier)} application.",
        )
    return _result(
        SINGLE_OPEN_APPLICATION,
        True,
        "没有同等级的其他在办申报。",
        "No other open application for this tier.",
    )


def check_declarations(
    required: Mapping[str, tuple[str, str]], affirmed_with_evidence: Iterable[str]
) -> RuleResult:
    """``required``: kind -> (Chinese, English) label; every one needs a yes with evidence."""
    done = set(affirmed_with_evidence)
    missing = [kind for kind in required if kind not in done]
    if not missing:
        return _result(
            DECLARATIONS,
            True,
            "基本要求声明齐全并附有证明材料。",
            "All declarations are made with evidence.",
        )
    return _result(
        DECLARATIONS,
        False,
        "以下基本要求尚未声明或缺少证明材料：" + "；".join(required[k][0] for k in missing) + "。",
        "Not yet declared with evidence: " + "; ".join(required[k][1] for k in missing) + ".",
    )


@dataclass(frozen=True)
class ApplicationFacts:
    """Everything the full check of one application needs."""

    rule: TierRule
    snapshot: FactorySnapshot
    assessment: AssessmentFacts | None
    campaign: CampaignFacts | None
    claims: tuple[Claim, ...]
    affirmed_declarations: frozenset[str]
    required_declarations: Mapping[str, tuple[str, str]]
    stages: Stages
    submitted_on: date
    year: int


def evaluate_application(facts: ApplicationFacts) -> list[RuleResult]:
    """Every rule, in a stable order. The application passes when all pass."""
    rule = facts.rule
    return [
        check_prerequisite_tier(rule, facts.snapshot, facts.year),
        check_maturity_level(rule, facts.assessment),
        check_assessment_fresh(facts.assessment, facts.submitted_on),
        check_stage_coverage(rule, facts.claims, facts.stages),
        check_ai_share(rule, facts.claims),
        check_campaign_open(rule, facts.campaign, facts.submitted_on),
        check_single_open_application(rule, facts.snapshot),
        check_declarations(facts.required_declarations, facts.affirmed_declarations),
    ]


def evaluate_eligibility(
    rule: TierRule,
    snapshot: FactorySnapshot,
    assessment: AssessmentFacts | None,
    campaign: CampaignFacts | None,
    today: date,
) -> list[RuleResult]:
    """The rules that can be known before an application: prerequisite, maturity, freshness and
    an open campaign."""
    return [
        check_prerequisite_tier(rule, snapshot, today.year),
        check_maturity_level(rule, assessment),
        check_assessment_fresh(assessment, today),
        check_campaign_open(rule, campaign, today),
    ]


def all_passed(results: Iterable[RuleResult]) -> bool:
    return all(result.passed for result in results)
